/**
 * Busy is not the same as stopped. A stopped Huawei RDS instance and a
 * frozen GeminiDB instance answer creates and deletes with a busy code; the
 * provider looks at the instance's state once and fails at once, naming it,
 * instead of waiting out waitTimeout. A delete that meets a running backup
 * job (one operation at a time) waits for the instance and succeeds.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALL_INSTANCES, CASES, GEMINIDB, HUAWEI_RDS, CloudCase, idOf, isLive, madeByApi } from "./cases";
import { startWorld, World } from "../support/world";

const live = async (w: World, c: CloudCase, instanceId: string) =>
    (await w.admin.backupsOf(c.serviceKey, instanceId)).filter(b => madeByApi(b) && isLive(b)).map(idOf);

const STOPPED = [
    { c: HUAWEI_RDS, state: "SHUTDOWN", running: "ACTIVE", hint: /start it/ },
    { c: GEMINIDB, state: "frozen", running: "normal", hint: /top up the account/ },
];

for (const { c, state, running, hint } of STOPPED) {
    describe(`A ${state} instance on ${c.title} (through the dynamic-provider host)`, function () {
        // Far below the waitTimeout of an hour (a provider that waited would fail here), and room for four runs on a busy machine.
        this.timeout(180_000);
        let w: World;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });

        it(`fails a create and a delete at once, naming the state (${state}), and works again once the instance runs`, async () => {
            const engine = w.newEngine();
            const program = (names: string[]) => () => {
                for (const n of names) new ManualBackup(n, { ...c.args, instanceId: c.instanceA, waitTimeout: "1h" });
            };
            assert.ok((await engine.up(program(["kept"]))).ok);
            const kept = String(engine.view.resources[0].outputs.backupId);
            await w.admin.patchInstance(c.serviceKey, c.instanceA, { state });
            await w.admin.resetCalls();

            const create = await engine.up(program(["kept", "another"]));
            assert.equal(create.ok, false);
            const createError = create.errors.join("\n");
            assert.match(createError, new RegExp(`instance ${c.instanceA} is ${state}, not running`), createError);
            assert.match(createError, hint);
            assert.equal((await w.admin.calls())[c.serviceKey][c.createAction].calls, 1, "the refused create was not retried");
            assert.deepEqual(engine.view.resources.map(r => r.outputs.backupId), [kept], "nothing new is recorded");

            const destroy = await engine.destroy();
            assert.equal(destroy.ok, false);
            const deleteError = destroy.errors.join("\n");
            assert.match(deleteError, new RegExp(`instance ${c.instanceA} is ${state}, not running`), deleteError);
            assert.match(deleteError, hint);
            const calls = (await w.admin.calls())[c.serviceKey];
            assert.equal(c.deleteActions.reduce((n, a) => n + (calls[a]?.calls ?? 0), 0), 1, "the refused delete was not retried");
            assert.deepEqual(await live(w, c, c.instanceA), [kept], "the backup still exists");
            assert.deepEqual(engine.view.resources.map(r => r.outputs.backupId), [kept], "and stays in state");

            await w.admin.patchInstance(c.serviceKey, c.instanceA, { state: running });
            const again = await engine.destroy();
            assert.ok(again.ok, again.errors.join("\n"));
            assert.deepEqual(await live(w, c, c.instanceA), []);
        });
    });
}

for (const c of CASES) {
    describe(`A delete that meets a running backup job on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(180_000);
        let w: World;
        // Jobs of 75-100 s of real time, longer than any run on a loaded machine: they end when the test moves the emulated clock (by 120 s).
        before(async () => { w = await startWorld(ALL_INSTANCES, { timeScale: 5 }); });
        after(async () => { await w?.close(); });

        /**
         * Ends the running jobs (emulated clock) once the provider, in `run`,
         * has made `calls` calls to the service since the calls were reset
         * without deleting anything: it met the busy instance and kept
         * waiting for it (polling the job, or refused as busy), instead of
         * failing or deleting under a running job.
         */
        const endJobsWhileWaiting = async (run: Promise<unknown>, calls = 10) => {
            let settled = false;
            void run.then(() => { settled = true; }, () => { settled = true; });
            let seen = 0, deleted = 0;
            try {
                for (const t0 = Date.now(); !settled && Date.now() - t0 < 120_000; await new Promise(r => setTimeout(r, 100))) {
                    const counts = (await w.admin.calls())[c.serviceKey] ?? {};
                    seen = Object.values(counts).reduce((n, a) => n + a.calls, 0);
                    deleted = c.deleteActions.reduce((n, a) => n + (counts[a]?.mutations ?? 0), 0);
                    if (seen >= calls) break;
                }
            } finally {
                await w.admin.advanceClock({ ms: 120_000 });
            }
            assert.equal(deleted, 0, "nothing was deleted while the job ran");
            assert.ok(seen >= calls, `the provider kept calling the busy instance while it waited (${seen} calls, before the run ended)`);
        };

        it("a ManualBackup removed while another backup of its instance runs is deleted once the instance is free", async () => {
            const engine = w.newEngine();
            const program = (names: string[]) => () => {
                for (const n of names) new ManualBackup(n, { ...c.args, instanceId: c.instanceA, waitForCompletion: false });
            };
            assert.ok((await engine.up(program(["old"]))).ok);
            await w.admin.advanceClock({ ms: 120_000 });
            assert.ok((await engine.refresh()).ok);
            const old = String(engine.view.resources[0].outputs.backupId);
            const both = await engine.up(program(["old", "running"]));
            assert.ok(both.ok, both.errors.join("\n"));
            await w.admin.resetCalls();
            const running = engine.up(program(["running"]));
            await endJobsWhileWaiting(running);
            const up = await running;
            assert.ok(up.ok, up.errors.join("\n"));
            assert.deepEqual(engine.view.resources.map(r => r.name), ["running"]);
            assert.ok(!(await live(w, c, c.instanceA)).includes(old), "the removed backup was deleted");
            await w.admin.advanceClock({ ms: 120_000 }); // the delete's own job (GeminiDB) ends
            assert.ok((await engine.destroy()).ok);
            assert.deepEqual(await live(w, c, c.instanceA), []);
        });

        it("a retention set not waiting for its jobs prunes a removed label while its own new job runs, and succeeds", async () => {
            const engine = w.newEngine();
            const program = (labels: string[]) => () => {
                new BackupRetentionSet("no-wait", { ...c.args, instanceId: c.instanceB, labels, waitForCompletion: false });
            };
            assert.ok((await engine.up(program(["a"]))).ok);
            await w.admin.advanceClock({ ms: 120_000 });
            await w.admin.resetCalls();
            const rolling = engine.up(program(["b"]));
            await endJobsWhileWaiting(rolling);
            const rolled = await rolling;
            assert.ok(rolled.ok, rolled.errors.join("\n"));
            const members = engine.view.resources[0].outputs.backups as Record<string, { backupId?: string }>;
            assert.deepEqual(Object.keys(members), ["b"]);
            assert.equal((await live(w, c, c.instanceB)).length, 1, "label a's backup was deleted");
            await w.admin.advanceClock({ ms: 120_000 }); // the delete's own job (GeminiDB) ends
            assert.ok((await engine.destroy()).ok);
            assert.deepEqual(await live(w, c, c.instanceB), []);
        });
    });
}
