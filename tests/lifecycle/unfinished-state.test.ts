/**
 * Never lose track of a backup: a backup recorded before it finished (wait
 * timed out, not waited for) must stay refreshable, updatable and deletable,
 * and a flaky poll must not end a wait before its deadline.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { CASES, ALL_INSTANCES, CloudCase, idOf, isLive, madeByApi } from "./cases";
import { startWorld, World } from "../support/world";

const liveOurs = async (w: World, c: CloudCase, instanceId: string) =>
    (await w.admin.backupsOf(c.serviceKey, instanceId)).filter(b => madeByApi(b) && isLive(b)).map(idOf);

for (const c of CASES) {
    describe(`Unfinished backups on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(180_000);
        let w: World;
        // Jobs of about a second, so a 1 ms wait surely times out before the job ends.
        before(async () => { w = await startWorld(ALL_INSTANCES, { timeScale: 0.05 }); });
        after(async () => { await w?.close(); });

        it("a ManualBackup recorded after its wait timed out can be refreshed, then destroyed, right away", async () => {
            const engine = w.newEngine();
            const up = await engine.up(() => { new ManualBackup("timed-out", { ...c.args, instanceId: c.instanceA, waitTimeout: "1ms" }); });
            assert.equal(up.ok, false);
            const rec = engine.state.resources[0];
            assert.ok(rec?.initErrors?.length, "recorded as an initialization failure");
            assert.equal(typeof rec.outputs.__provider, "string", "the recorded state carries the provider");
            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual(engine.state.resources, []);
            assert.deepEqual(await liveOurs(w, c, c.instanceA), [], "the backup was deleted, not orphaned");
        });

        it("a ManualBackup recorded after its wait timed out and then removed from the program is deleted", async () => {
            const engine = w.newEngine();
            assert.equal((await engine.up(() => { new ManualBackup("dropped", { ...c.args, instanceId: c.instanceA, waitTimeout: "1ms" }); })).ok, false);
            const up = await engine.up(() => { /* the resource is gone from the program */ });
            assert.ok(up.ok, up.errors.join("\n"));
            assert.deepEqual(engine.state.resources, []);
            assert.deepEqual(await liveOurs(w, c, c.instanceA), []);
        });

        it("a retention set recorded after a timed-out create can be destroyed right away", async () => {
            const engine = w.newEngine();
            const up = await engine.up(() => { new BackupRetentionSet("slow-set", { ...c.args, instanceId: c.instanceB, labels: ["a"], waitTimeout: "1ms" }); });
            assert.equal(up.ok, false);
            assert.equal(typeof engine.state.resources[0]?.outputs.__provider, "string");
            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual(await liveOurs(w, c, c.instanceB), []);
        });

        it("a retention set not waiting for its jobs deletes them on destroy, and on label removal, instead of dropping them", async () => {
            const engine = w.newEngine();
            const program = (labels: string[]) => () => { new BackupRetentionSet("fast", { ...c.args, instanceId: c.instanceB, labels, waitForCompletion: false }); };
            const first = await engine.up(program(["a", "b", "c"]));
            assert.ok(first.ok, first.errors.join("\n"));
            await w.admin.advanceClock({ ms: 60_000 }); // the last job has ended by the next run
            const rolled = await engine.up(program(["b", "c"]));
            assert.ok(rolled.ok, rolled.errors.join("\n"));
            const backups = engine.state.resources[0].outputs.backups as Record<string, { backupId?: string }>;
            assert.deepEqual(Object.keys(backups).sort(), ["b", "c"]);
            assert.ok(backups.b.backupId && backups.c.backupId, "kept labels have their backup ids recorded");
            assert.equal((await liveOurs(w, c, c.instanceB)).length, 2, "the removed label's backup was deleted");
            assert.ok((await engine.up(program(["b", "c", "d"]))).ok);
            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual(await liveOurs(w, c, c.instanceB), [], "destroy deleted every member, including the one whose job had just started");
        });

        it("keeps waiting through polls that fail after their retries, until the backup completes", async () => {
            const engine = w.newEngine();
            let wait = false;
            const program = () => { new ManualBackup("flaky", { ...c.args, instanceId: c.instanceA, waitForCompletion: wait, waitTimeout: "2m" }); };
            assert.ok((await engine.up(program)).ok);
            // More failures in a row than one poll's retries absorb.
            await w.admin.fault({ service: c.serviceKey, action: "*", status: 503, code: "ServiceUnavailable", message: "try again", times: 7 });
            wait = true;
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            assert.equal(engine.state.resources[0].outputs.status, "COMPLETED");
            assert.ok(w.logs.some(l => /poll failed, still waiting \(ServiceUnavailable\)/.test(l)), "the user sees that polls failed");
            assert.ok((await engine.destroy()).ok);
        });
    });
}
