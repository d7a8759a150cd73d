/**
 * Never lose track of a backup: a backup recorded before it finished (wait
 * timed out, not waited for) must stay refreshable, updatable and deletable,
 * and a flaky poll must not end a wait before its deadline. Shared by the
 * per-service files `unfinished-state.<service>.test.ts`.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALL_INSTANCES, CloudCase, GEMINIDB, HUAWEI_RDS, idOf, isLive, madeByApi } from "./cases";
import { NOT_LISTED_GRACE_MS } from "../../provider/clouds/huaweicloud/not-listed";
import { startWorld, World } from "../support/world";

const liveOurs = async (w: World, c: CloudCase, instanceId: string) =>
    (await w.admin.backupsOf(c.serviceKey, instanceId)).filter(b => madeByApi(b) && isLive(b)).map(idOf);

/**
 * The suites for one service. Each service gets its own test file, so the
 * parallel runner's workers share the services out instead of one worker
 * running all three.
 */
export function unfinishedStateSuites(c: CloudCase): void {
    describe(`Unfinished backups on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(300_000); // room for a loaded machine: every run starts a provider host
        let w: World;
        // Jobs of some seconds, so a 1 ms wait surely times out before the job ends: the wait step polls first
        // after the step that started the backup returned, which on a loaded machine may take a second or more.
        before(async () => { w = await startWorld(ALL_INSTANCES, { timeScale: 0.25 }); });
        after(async () => { await w?.close(); });

        it("records a backup whose wait timed out, and resumes waiting on the next up instead of creating another", async () => {
            const engine = w.newEngine();
            await w.admin.resetCalls();
            let waitTimeout = "1ms";
            const program = () => { new ManualBackup("slow", { ...c.args, instanceId: c.instanceA, waitTimeout }); };
            const up = await engine.up(program);
            assert.equal(up.ok, false);
            const rec = engine.view.resources[0];
            assert.ok(rec, "the resource is in state despite the timeout");
            assert.ok(rec.initErrors?.length);
            assert.equal(rec.outputs.status, "BUILDING");
            assert.ok(rec.outputs.jobId || rec.outputs.backupId);
            waitTimeout = "2m";
            const resumed = await engine.up(program);
            assert.ok(resumed.ok, resumed.errors.join("\n"));
            assert.equal(engine.view.resources[0].outputs.status, "COMPLETED");
            const calls = await w.admin.calls();
            assert.equal(calls[c.serviceKey][c.createAction].mutations, 1, "no second backup was started");
            assert.ok((await engine.destroy()).ok);
            assert.deepEqual(await liveOurs(w, c, c.instanceA), []);
        });

        it("a ManualBackup recorded after its wait timed out can be refreshed, then destroyed, right away", async () => {
            const engine = w.newEngine();
            // The previous test's delete may still run on the instance; GeminiDB refuses a create while any job runs.
            await w.admin.advanceClock({ ms: 60_000 });
            const up = await engine.up(() => { new ManualBackup("timed-out", { ...c.args, instanceId: c.instanceA, waitTimeout: "1ms" }); });
            assert.equal(up.ok, false);
            const rec = engine.view.resources[0];
            assert.ok(rec?.initErrors?.length, `recorded as an initialization failure: ${up.errors.join("\n")}`);
            assert.equal(typeof rec.outputs.__provider, "string", "the recorded state carries the provider");
            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual(engine.view.resources, []);
            assert.deepEqual(await liveOurs(w, c, c.instanceA), [], "the backup was deleted, not orphaned");
        });

        it("a ManualBackup recorded after its wait timed out and then removed from the program is deleted", async () => {
            const engine = w.newEngine();
            // As above: the previous test's delete job may still run, and a 1 ms wait does not wait for it.
            await w.admin.advanceClock({ ms: 60_000 });
            assert.equal((await engine.up(() => { new ManualBackup("dropped", { ...c.args, instanceId: c.instanceA, waitTimeout: "1ms" }); })).ok, false);
            const up = await engine.up(() => { /* the resource is gone from the program */ });
            assert.ok(up.ok, up.errors.join("\n"));
            assert.deepEqual(engine.view.resources, []);
            assert.deepEqual(await liveOurs(w, c, c.instanceA), []);
        });

        it("a retention set recorded after a timed-out create can be destroyed right away", async () => {
            const engine = w.newEngine();
            const up = await engine.up(() => { new BackupRetentionSet("slow-set", { ...c.args, instanceId: c.instanceB, labels: ["a"], waitTimeout: "1ms" }); });
            assert.equal(up.ok, false);
            assert.equal(typeof engine.view.resources[0]?.outputs.__provider, "string");
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
            const backups = engine.view.resources[0].outputs.backups as Record<string, { backupId?: string }>;
            assert.deepEqual(Object.keys(backups).sort(), ["b", "c"]);
            assert.ok(backups.b.backupId && backups.c.backupId, "kept labels have their backup ids recorded");
            assert.equal((await liveOurs(w, c, c.instanceB)).length, 2, "the removed label's backup was deleted");
            assert.ok((await engine.up(program(["b", "c", "d"]))).ok);
            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual(await liveOurs(w, c, c.instanceB), [], "destroy deleted every member, including the one whose job had just started");
        });

        it("records a failed backup the cloud will not delete as FAILED, and replaces it (deleting it) on the next up", async () => {
            const engine = w.newEngine();
            const program = () => { new ManualBackup("doomed", { ...c.args, instanceId: c.instanceA }); };
            await w.admin.patchInstance(c.serviceKey, c.instanceA, { failNextBackup: true });
            const up = await engine.up(program);
            assert.equal(up.ok, false);
            // The wait reports the failure, with the backup and what to do next.
            assert.match(up.errors.join("\n"), /doomed: waiting for .* the cloud reports it failed .*It stays recorded in state\. Next: .*`pulumi up` \(it replaces the failed backup and deletes it\)/s);
            const rec = engine.view.resources[0];
            assert.ok(rec, "the failed backup is in state, not forgotten");
            assert.equal(rec.outputs.status, "FAILED");
            const failedId = String(rec.outputs.backupId);
            assert.ok((await w.admin.backupsOf(c.serviceKey, c.instanceA)).some(b => idOf(b) === failedId), "it is still in the cloud");
            const plan = await engine.preview(program);
            assert.equal(plan.steps[0].op, "replace");
            assert.ok(plan.steps[0].replaces?.includes("status"), JSON.stringify(plan.steps[0]));
            // While the cloud refuses to delete the failed backup, the up fails and the failed backup stays recorded
            // (Alibaba: the new backup is made, the failed one waits in state to be deleted; Huawei: the new backup
            // needs the failed one's name, which its delete would free, so nothing new is made yet).
            for (const action of c.deleteActions) await w.admin.fault({ service: c.serviceKey, action, status: 400, code: "Test.DeleteRefused", message: "not now", times: 1 });
            const refused = await engine.up(program);
            assert.equal(refused.ok, false, "the refused delete is reported");
            assert.match(refused.errors.join("\n"), /Test\.DeleteRefused: not now.*stays in state|DBS\.201201: .*doomed-\w+ already exists/s);
            const holds = (r: { type: string; outputs: Record<string, unknown> }) => r.type.endsWith(":ManualBackup")
                && (r.outputs.backupId === failedId || (rec.outputs.jobId !== undefined && r.outputs.jobId === rec.outputs.jobId));
            assert.ok(engine.state.resources.some(holds), "the failed backup stays in state until it is deleted");
            assert.ok((await w.admin.backupsOf(c.serviceKey, c.instanceA)).some(b => idOf(b) === failedId), "it is still in the cloud");
            await w.admin.clearFaults();
            const again = await engine.up(program);
            assert.ok(again.ok, again.errors.join("\n"));
            assert.equal(engine.view.resources.length, 1);
            assert.equal(engine.view.resources[0].outputs.status, "COMPLETED");
            assert.notEqual(engine.view.resources[0].outputs.backupId, failedId);
            assert.ok(!(await liveOurs(w, c, c.instanceA)).includes(failedId), "the failed backup is deleted");
            assert.equal((await liveOurs(w, c, c.instanceA)).length, 1, "one backup: the replacement");
            assert.ok((await engine.destroy()).ok);
        });

        it("a set destroyed after a member failed, then created again, makes a new backup instead of resuming the deleted failed one (soak seed 7)", async () => {
            const engine = w.newEngine();
            // A wait on the deleted backup would last until waitTimeout (or Huawei's 5-minute not-listed grace): far beyond the bound below.
            const program = () => { new BackupRetentionSet("phoenix", { ...c.args, instanceId: c.instanceB, labels: ["a"], waitTimeout: "10m" }); };
            await w.admin.patchInstance(c.serviceKey, c.instanceB, { failNextBackup: true });
            const failed = await engine.up(program);
            assert.equal(failed.ok, false, "the member's backup failed in the cloud");
            const aside = Object.entries(engine.view.resources[0].outputs.backups as Record<string, { backupId?: string; status?: string }>);
            assert.deepEqual(aside.map(([, m]) => m.status), ["FAILED"], JSON.stringify(aside));
            const failedId = String(aside[0][1].backupId);
            const destroyed = await engine.destroy();
            assert.ok(destroyed.ok, `destroy deletes the failed backup: ${destroyed.errors.join("\n")}`);
            assert.ok(!(await liveOurs(w, c, c.instanceB)).includes(failedId));
            w.logs.length = 0;
            await w.admin.resetCalls();
            const t0 = Date.now();
            const again = await engine.up(program);
            assert.ok(again.ok, again.errors.join("\n"));
            assert.ok(!w.logs.some(l => /resuming the backup/.test(l)), `the deleted backup is not resumed:\n${w.logs.join("\n")}`);
            const member = (engine.view.resources[0].outputs.backups as Record<string, { backupId?: string; status?: string }>).a;
            assert.equal(member.status, "COMPLETED");
            assert.notEqual(member.backupId, failedId);
            assert.equal((await w.admin.calls())[c.serviceKey][c.createAction].mutations, 1, "a new backup was made");
            assert.ok(Date.now() - t0 < 150_000, `no wait on a backup that no longer exists (the up took ${Date.now() - t0} ms)`);
            assert.ok((await engine.destroy()).ok);
            assert.deepEqual(await liveOurs(w, c, c.instanceB), []);
        });

        it("keeps waiting through polls that fail after their retries, until the backup completes", async () => {
            const engine = w.newEngine();
            let wait = false;
            const program = () => { new ManualBackup("flaky", { ...c.args, instanceId: c.instanceA, waitForCompletion: wait, waitTimeout: "2m" }); };
            assert.ok((await engine.up(program)).ok);
            // More failures in a row than one poll's retries absorb (10 attempts each), after the calls before the
            // wait's first poll have used up theirs: the starting step's look at its BUILDING backup at preview and
            // again at the update (10 each), and the listing the wait step makes to learn the instance's durations (10).
            // 50 leaves two polls failing, so one call more or fewer before the wait still lets a poll fail.
            await w.admin.fault({ service: c.serviceKey, action: "*", status: 503, code: "ServiceUnavailable", message: "try again", times: 50 });
            w.logs.length = 0;
            wait = true;
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            assert.equal(engine.view.resources[0].outputs.status, "COMPLETED");
            assert.ok(w.logs.some(l => /poll failed, still waiting \(ServiceUnavailable\)/.test(l)), `the user sees that polls failed:\n${w.logs.join("\n")}`);
            assert.ok((await engine.destroy()).ok);
        });
    });
    if (c === HUAWEI_RDS || c === GEMINIDB) notListedSuite(c);
    killedRunSuite(c);
}

/** Huawei RDS and GeminiDB: a backup id the list never shows ends the wait after the grace period. */
function notListedSuite(c: CloudCase): void {
    describe(`A backup id that ${c.title} never lists (through the dynamic-provider host)`, function () {
        this.timeout(300_000); // room for a loaded machine: every run starts a provider host
        let w: World;
        // As above: jobs long enough that the 1 ms wait surely times out.
        before(async () => { w = await startWorld(ALL_INSTANCES, { timeScale: 0.25 }); });
        after(async () => { await w?.close(); });

        /** A backup recorded BUILDING (its wait timed out), then deleted behind the stack's back, and the grace period passed. */
        const vanish = async (engine: ReturnType<World["newEngine"]>, program: () => void) => {
            assert.equal((await engine.up(program)).ok, false, "the 1 ms wait times out");
            const rec = engine.view.resources[0];
            const ids = rec.outputs.backupIds as string[] | undefined ?? [String(rec.outputs.backupId)];
            assert.equal(ids.length, 1);
            await w.admin.removeBackup(c.serviceKey, ids[0]);
            // The cloud's clock is read from Date headers (whole seconds): two reads may disagree by up to a second.
            await w.admin.advanceClock({ ms: NOT_LISTED_GRACE_MS + 2000 });
            return ids[0];
        };

        it("a ManualBackup ends its wait with BackupNotListed, keeps the id in state, then refresh drops it and up makes a new one", async () => {
            const engine = w.newEngine();
            let waitTimeout = "1ms";
            const program = () => { new ManualBackup("vanished", { ...c.args, instanceId: c.instanceA, waitTimeout }); };
            const gone = await vanish(engine, program);
            waitTimeout = "10m";
            const t0 = Date.now();
            const up = await engine.up(program);
            assert.equal(up.ok, false);
            assert.ok(Date.now() - t0 < 150_000, `the wait ends at once, not at waitTimeout (the up took ${Date.now() - t0} ms)`);
            const error = up.errors.join("\n");
            assert.match(error, new RegExp(`BackupNotListed: backup ${gone} of instance ${c.instanceA} is not in the instance's backup list`));
            assert.match(error, /pulumi refresh/);
            const rec = engine.view.resources[0];
            assert.equal(rec.outputs.backupId, gone, "the id stays in state");
            assert.ok(rec.initErrors?.length);
            assert.equal(typeof rec.outputs.__provider, "string");
            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            assert.equal(engine.view.resources.length, 0, "refresh drops a backup that does not exist");
            const again = await engine.up(program);
            assert.ok(again.ok, again.errors.join("\n"));
            assert.equal(engine.view.resources[0].outputs.status, "COMPLETED");
            assert.ok((await engine.destroy()).ok);
            assert.deepEqual(await liveOurs(w, c, c.instanceA), []);
        });

        it("a retention set member ends its wait with BackupNotListed, keeps the id in state, and destroy still works", async () => {
            const engine = w.newEngine();
            let waitTimeout = "1ms";
            const program = () => { new BackupRetentionSet("vanished-set", { ...c.args, instanceId: c.instanceB, labels: ["a"], waitTimeout }); };
            const gone = await vanish(engine, program);
            waitTimeout = "2m";
            const up = await engine.up(program);
            assert.equal(up.ok, false);
            // The member is named: by its label (the set's own look) or as the wait step names it.
            assert.match(up.errors.join("\n"), new RegExp(`(label a|vanished-set\\[a\\]): .*BackupNotListed: backup ${gone} of instance ${c.instanceB}`));
            const member = (engine.view.resources[0].outputs.backups as Record<string, { backupId?: string }>).a;
            assert.equal(member?.backupId, gone, "the id stays in state");
            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual(engine.view.resources, []);
            assert.deepEqual(await liveOurs(w, c, c.instanceB), []);
        });
    });
}

/**
 * The provider host dies while it waits (a killed `pulumi up`): the backup is
 * already in the checkpoint (the step that starts it returned before the wait
 * began), so the next up waits for it instead of making another.
 */
function killedRunSuite(c: CloudCase): void {
    describe(`A run killed while waiting on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(300_000); // room for a loaded machine: every run starts a provider host
        let w: World;
        // Jobs of several seconds, so the host can be killed while it waits.
        before(async () => { w = await startWorld(ALL_INSTANCES, { timeScale: 0.4 }); });
        after(async () => { await w?.close(); });

        for (const kind of ["ManualBackup", "BackupRetentionSet"] as const) {
            it(`${kind}: the backup the killed run started is in its state, and the next up waits for it instead of creating a second one`, async () => {
                const instanceId = kind === "ManualBackup" ? c.instanceA : c.instanceB;
                const program = kind === "ManualBackup"
                    ? () => { new ManualBackup("killed", { ...c.args, instanceId }); }
                    : () => { new BackupRetentionSet("killed-set", { ...c.args, instanceId, labels: ["n1"] }); };
                /** The backup as the SDK's view of a state shows it. */
                const backupIn = (e: ReturnType<World["newEngine"]>) => {
                    const r = e.view.resources[0];
                    return kind === "ManualBackup" ? r?.outputs : (r?.outputs.backups as Record<string, Record<string, unknown>> | undefined)?.n1;
                };
                const accepted = () => w.logs.filter(l => /accepted the backup/.test(l)).length;
                await w.admin.resetCalls();
                w.logs.length = 0;
                const doomed = w.newEngine({ reuseHost: true });
                const running = doomed.up(program);
                // Killed once the wait has begun: the step that started the backup is in the checkpoint and a progress line of the wait is out.
                const recorded = () => { const b = backupIn(doomed); return !!(b?.jobId || b?.backupId); };
                let since = -1;
                for (let t = Date.now(); Date.now() - t < 90_000; await new Promise(r => setTimeout(r, 50))) {
                    if (since < 0 && recorded()) since = w.logs.length;
                    if (since >= 0 && w.logs.slice(since).some(l => /elapsed/.test(l))) break;
                }
                assert.ok(since >= 0 && w.logs.slice(since).some(l => /elapsed/.test(l)), `the run was waiting:\n${w.logs.join("\n")}`);
                await doomed.close(); // the provider host dies while it waits, as in a killed pulumi up
                const dead = await running;
                assert.equal(dead.ok, false);
                const left = backupIn(doomed)!;
                assert.equal(left.status, "BUILDING", "the killed run recorded the backup it started, unfinished");
                assert.equal(accepted(), 1);

                const next = w.newEngine({ state: doomed.state }); // the next up of the same stack, from the checkpoint the killed run left
                const up = await next.up(program);
                assert.ok(up.ok, up.errors.join("\n"));
                const done = backupIn(next)!;
                assert.equal(done.status, "COMPLETED");
                if (left.backupId) assert.equal(done.backupId, left.backupId, "the same backup");
                if (left.jobId) assert.equal(done.jobId, left.jobId, "the same job");
                assert.equal(accepted(), 1, `no second backup was started:\n${w.logs.join("\n")}`);
                assert.equal((await w.admin.calls())[c.serviceKey][c.createAction].mutations, 1, "one backup, not two");
                assert.deepEqual(await liveOurs(w, c, instanceId), [done.backupId]);
                assert.ok((await next.destroy()).ok);
                assert.deepEqual(await liveOurs(w, c, instanceId), []);
            });
        }
    });
}
