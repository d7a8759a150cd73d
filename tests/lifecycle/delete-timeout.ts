/**
 * `deleteTimeout`: a delete that meets an instance held busy by a running
 * backup job (one operation at a time) waits at most that long, then gives
 * up without dropping anything: a `ManualBackup` destroy fails and keeps the
 * resource in state; a retention set keeps the member as `pendingDelete` and
 * its update succeeds with a warning. Once the instance is free, the next run
 * deletes the backup.
 *
 * Shared by the per-service files `delete-timeout.<service>.test.ts`, so the
 * parallel runner's workers share the services out.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALICLOUD, ALL_INSTANCES, CloudCase, HUAWEI_RDS, idOf, isLive, madeByApi } from "./cases";
import { startWorld, World } from "../support/world";

const live = async (w: World, c: CloudCase, instanceId: string) =>
    (await w.admin.backupsOf(c.serviceKey, instanceId)).filter(b => madeByApi(b) && isLive(b)).map(idOf);

/**
 * The suite for one service. The limit is the coordinator's, whatever the
 * service; each service's busy refusal is met once: Alibaba and GeminiDB by a
 * ManualBackup destroy, Huawei RDS by a retention set's prune.
 */
export function deleteTimeoutSuite(c: CloudCase): void {
describe("deleteTimeout bounds a delete that meets a busy instance (through the dynamic-provider host)", function () {
    this.timeout(300_000);
    let w: World;
    // Jobs of 150-200 s of real time: far longer than the 2 s limit and than a destroy on a loaded machine; the tests end them by moving the emulated clock.
    before(async () => { w = await startWorld(ALL_INSTANCES, { timeScale: 10 }); });
    after(async () => { await w?.close(); });
    const endJobs = () => w.admin.advanceClock({ ms: 600_000 });

    if (c !== HUAWEI_RDS) {
        it(`${c.title}: a destroy that meets a running job fails at deleteTimeout and keeps every resource; the next destroy deletes them`, async () => {
            const engine = w.newEngine();
            const program = (names: string[]) => () => {
                for (const n of names) new ManualBackup(n, { ...c.args, instanceId: c.instanceA, waitForCompletion: false, deleteTimeout: "2s" });
            };
            assert.ok((await engine.up(program(["old"]))).ok);
            await endJobs();
            const [old] = await live(w, c, c.instanceA);
            assert.ok(old);
            const both = await engine.up(program(["old", "running"]));
            assert.ok(both.ok, both.errors.join("\n"));

            // "running"'s job holds the instance: deleting "old" is refused as busy, and "running"'s own backup
            // (on Alibaba known only by its job until the job ends) cannot be deleted yet either.
            const started = Date.now();
            const destroy = await engine.destroy();
            const tookMs = Date.now() - started;
            assert.equal(destroy.ok, false, "the destroy gave up");
            const text = destroy.errors.join("\n");
            assert.match(text, /deleteTimeout \(2s\) ran out/, text);
            assert.match(text, /still busy after waiting \d+s/, text);
            if (c === ALICLOUD) assert.match(text, /the backup of job \S+ is not known yet, so it cannot be deleted \(.*timed out after \d+s.*deleteTimeout is 2s\)\. The resource stays in state/, text);
            assert.ok(tookMs < 120_000, `gave up after ${tookMs} ms, before the running job (150-200 s) ended`);
            assert.deepEqual(engine.view.resources.map(r => r.name).sort(), ["old", "running"], "both stay in state");
            assert.ok((await live(w, c, c.instanceA)).includes(old), "the backup still exists");

            await endJobs();
            const again = await engine.destroy();
            assert.ok(again.ok, again.errors.join("\n"));
            assert.deepEqual(engine.view.resources, []);
            assert.deepEqual(await live(w, c, c.instanceA), [], "both deleted once the instance was free");
        });
    }

    if (c === HUAWEI_RDS) {
        it(`${c.title}: a retention set keeps a removed label's backup as pendingDelete when deleteTimeout runs out, succeeds, and deletes it later`, async () => {
            const engine = w.newEngine();
            const program = (labels: string[]) => () => {
                new BackupRetentionSet("busy-prune", { ...c.args, instanceId: c.instanceB, labels, waitForCompletion: false, deleteTimeout: "2s" });
            };
            assert.ok((await engine.up(program(["a"]))).ok);
            await endJobs();
            w.logs.length = 0;
            // Label b's new job holds the instance while label a's backup is deleted.
            const rolled = await engine.up(program(["b"]));
            assert.ok(rolled.ok, rolled.errors.join("\n"));
            const members = engine.view.resources[0].outputs.backups as Record<string, { backupId?: string; pendingDelete?: { code: string; reason: string } }>;
            assert.deepEqual(Object.keys(members).sort(), ["a", "b"]);
            const a = members.a;
            assert.ok(a.backupId && a.pendingDelete, JSON.stringify(members));
            assert.match(a.pendingDelete!.reason, /still busy after waiting \d+s/);
            assert.ok((await live(w, c, c.instanceB)).includes(a.backupId!), "label a's backup still exists");
            const warning = w.logs.join("\n");
            assert.match(warning, new RegExp(`refused to delete backup ${a.backupId} \\(label a\\) for now: .*deleteTimeout \\(2s\\) ran out; it stays in state as pendingDelete`), warning);

            await endJobs();
            const retried = await engine.up(program(["b"]));
            assert.ok(retried.ok, retried.errors.join("\n"));
            assert.deepEqual(Object.keys(engine.view.resources[0].outputs.backups as Record<string, unknown>), ["b"]);
            assert.ok(!(await live(w, c, c.instanceB)).includes(a.backupId!), "deleted once the instance was free");
            assert.ok((await engine.destroy()).ok);
            assert.deepEqual(await live(w, c, c.instanceB), []);
        });
    }
});
}
