/**
 * BackupRetentionSet end to end through the dynamic-provider host, one shared
 * suite per cloud/service: create, roll the window, shrink with batched
 * deletes (counted by the emulator), partial failure kept as pendingDelete,
 * and backups made by hand that must survive everything.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, rollingLabels } from "../../sdk";
import { ALL_INSTANCES, CASES, idOf, isLive } from "./cases";
import { startWorld, World } from "../support/world";
import type { Engine } from "../support/engine";

const live = (bs: any[]) => bs.filter(isLive);
const members = (engine: Engine) => engine.view.resources[0]?.outputs.backups as Record<string, any>;

for (const c of CASES) {
    describe(`BackupRetentionSet on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(300_000);
        let w: World;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });

        it("creates a set, rolls the window (one created, one deleted), never touches other backups, and deletes its own on destroy", async () => {
            const engine = w.newEngine();
            const handMade = (await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, name: "by-hand-keep" })).backupId;
            const automated = (await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, mode: "Automated", name: "auto-keep" })).backupId;
            let now = "2026-11-20T03:00:00Z";
            const program = () => { new BackupRetentionSet("nightly", { ...c.args, instanceId: c.instanceA, labels: rollingLabels({ every: "day", keep: 3, now }) }); };

            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            assert.deepEqual(Object.keys(members(engine)).sort(), ["2026-11-18", "2026-11-19", "2026-11-20"]);
            const firstIds = engine.view.resources[0].outputs.backupIds as string[];
            assert.equal(firstIds.length, 3);
            const cloudIds = live(await w.admin.backupsOf(c.serviceKey, c.instanceA)).map(idOf);
            for (const id of firstIds) assert.ok(cloudIds.includes(id));

            now = "2026-11-21T03:00:00Z";
            w.logs.length = 0;
            const plan = await engine.preview(program);
            assert.equal(plan.steps[0].op, "update");
            assert.deepEqual(plan.steps[0].changedKeys, ["labels"]);
            const announced = w.logs.find(l => /this update creates backups for labels 2026-11-21 and deletes backups/.test(l)) ?? "";
            assert.ok(announced.includes(`${firstIds[0]} (label 2026-11-18, `), `preview names the backup it will delete: ${w.logs.join("\n")}`);
            await w.admin.resetCalls();
            const rolled = await engine.up(program);
            assert.ok(rolled.ok, rolled.errors.join("\n"));
            assert.deepEqual(Object.keys(members(engine)).sort(), ["2026-11-19", "2026-11-20", "2026-11-21"]);
            const calls = (await w.admin.calls())[c.serviceKey];
            assert.equal(calls[c.createAction].mutations, 1, "one backup created");
            const oldest = members(engine)["2026-11-18"];
            assert.equal(oldest, undefined);
            const after = live(await w.admin.backupsOf(c.serviceKey, c.instanceA)).map(idOf);
            assert.ok(!after.includes(firstIds[0]), "the backup that fell out of the window is deleted");
            assert.ok(after.includes(handMade) && after.includes(automated), "backups made by others survive");

            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            const remaining = live(await w.admin.backupsOf(c.serviceKey, c.instanceA)).map(idOf).sort();
            assert.deepEqual(remaining, [handMade, automated].sort(), "destroy deletes only the set's own backups");
        });

        it(`shrinks from 120 labels to 10 with ceil(110/${c.batchSize}) delete calls`, async () => {
            const engine = w.newEngine();
            const labels = Array.from({ length: 120 }, (_, i) => `b${String(i).padStart(3, "0")}`);
            // Adopt 120 backups made by hand, spread over past days (Alibaba caps new backups at 20 per instance per day).
            const adopt: Record<string, string> = {};
            for (const [i, l] of labels.entries()) {
                adopt[l] = (await w.admin.addBackup(c.serviceKey, { instanceId: c.batchInstance, name: `set-${l}`, ageDays: 8 + (i % 30) })).backupId;
            }
            let current = labels;
            const program = () => {
                new BackupRetentionSet("big", {
                    ...c.args, instanceId: c.batchInstance, labels: current, maxDeletesPerUpdate: 110,
                    adopt: Object.fromEntries(Object.entries(adopt).filter(([l]) => current.includes(l))),
                });
            };
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            assert.equal((engine.view.resources[0].outputs.backupIds as string[]).length, 120);

            current = labels.slice(110);
            await w.admin.resetCalls();
            const shrunk = await engine.up(program);
            assert.ok(shrunk.ok, shrunk.errors.join("\n"));
            const calls = (await w.admin.calls())[c.serviceKey];
            assert.equal(calls[c.deleteAction].calls, Math.ceil(110 / c.batchSize), JSON.stringify(calls));
            assert.equal(Object.keys(members(engine)).length, 10);
            const cloudIds = live(await w.admin.backupsOf(c.serviceKey, c.batchInstance)).map(idOf);
            for (const l of labels.slice(0, 110)) assert.ok(!cloudIds.includes(adopt[l]), `label ${l} deleted`);
            for (const l of current) assert.ok(cloudIds.includes(adopt[l]), `label ${l} kept`);
            assert.ok((await engine.destroy()).ok);
        });

        it("keeps a backup the cloud refuses to delete as pendingDelete, and deletes it on a later up once free", async () => {
            const engine = w.newEngine();
            let labels = ["a1", "a2", "a3"];
            const program = () => { new BackupRetentionSet("partial", { ...c.args, instanceId: c.instanceB, labels }); };
            assert.ok((await engine.up(program)).ok);
            const busyId = members(engine)["a1"].backupId;
            await w.admin.setInUse(c.serviceKey, busyId, true);
            w.logs.length = 0;
            labels = ["a3"];
            const up = await engine.up(program);
            assert.ok(up.ok, `a refused delete does not fail the update: ${up.errors.join("\n")}`);
            const m = members(engine);
            assert.equal(m["a2"], undefined, "the free backup is deleted");
            assert.ok(m["a1"].pendingDelete, "the refused backup stays, marked pendingDelete");
            assert.ok(m["a1"].pendingDelete.code && m["a1"].pendingDelete.reason);
            assert.ok(w.logs.some(l => /warning: .*refused to delete backup/.test(l)), w.logs.join("\n"));
            assert.ok(live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).some(b => idOf(b) === busyId));
            assert.deepEqual(engine.view.resources[0].outputs.backupIds, [m["a3"].backupId]);

            const blockedDestroy = await engine.destroy();
            assert.equal(blockedDestroy.ok, false, "destroy fails on a pending member unless onDeleteBlocked is forget");
            assert.equal(engine.view.resources.length, 1);

            await w.admin.setInUse(c.serviceKey, busyId, false);
            const retried = await engine.up(program);
            assert.ok(retried.ok, retried.errors.join("\n"));
            assert.equal(members(engine)["a1"], undefined);
            assert.ok(!live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).some(b => idOf(b) === busyId));
            assert.ok((await engine.destroy()).ok);
        });

        it("gives a label declared again its pending backup back instead of deleting it", async () => {
            const engine = w.newEngine();
            let labels = ["p1", "p2"];
            const program = () => { new BackupRetentionSet("comeback", { ...c.args, instanceId: c.instanceB, labels }); };
            assert.ok((await engine.up(program)).ok);
            const kept = members(engine)["p1"].backupId;
            await w.admin.setInUse(c.serviceKey, kept, true);
            labels = ["p2"];
            assert.ok((await engine.up(program)).ok);
            assert.ok(members(engine)["p1"].pendingDelete);
            await w.admin.setInUse(c.serviceKey, kept, false);
            labels = ["p1", "p2"];
            const back = await engine.up(program);
            assert.ok(back.ok, back.errors.join("\n"));
            assert.equal(members(engine)["p1"].backupId, kept);
            assert.equal(members(engine)["p1"].pendingDelete, undefined);
            assert.ok(live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).some(b => idOf(b) === kept), "the backup is kept, not deleted");
            assert.ok((await engine.destroy()).ok);
        });

        it("fails the update on an error that is not a refusal of the cloud's rules, naming label, backup and code, and keeps the member", async () => {
            const engine = w.newEngine();
            let labels = ["f1", "f2"];
            const program = () => { new BackupRetentionSet("faulty", { ...c.args, instanceId: c.instanceB, labels }); };
            assert.ok((await engine.up(program)).ok);
            const doomed = members(engine)["f1"].backupId;
            for (const action of c.deleteActions) await w.admin.fault({ service: c.serviceKey, action, ...c.authFault, times: 50 });
            labels = ["f2"];
            const up = await engine.up(program);
            assert.equal(up.ok, false);
            const text = up.errors.join("\n");
            assert.match(text, new RegExp(`label f1 \\(backup ${doomed}\\): ${c.authFault.code.replace(".", "\\.")}`), text);
            assert.equal(members(engine)["f1"].backupId, doomed, "a backup that still exists stays in state");
            assert.equal(members(engine)["f1"].pendingDelete, undefined, "a failure is not a deferred refusal");
            assert.ok(live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).some(b => idOf(b) === doomed));

            await fetchDelete(`${w.emulator.admin}/faults`);
            const retried = await engine.up(program);
            assert.ok(retried.ok, retried.errors.join("\n"));
            assert.deepEqual(Object.keys(members(engine)), ["f2"]);
            assert.ok(!live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).some(b => idOf(b) === doomed));
            assert.ok((await engine.destroy()).ok);
        });

        it("reports a backup that failed in the cloud, keeps its failed record until it is deleted, and the next up makes a new one", async () => {
            const engine = w.newEngine();
            await w.admin.patchInstance(c.serviceKey, c.instanceB, { failNextBackup: true });
            const program = () => { new BackupRetentionSet("failing", { ...c.args, instanceId: c.instanceB, labels: ["x1"] }); };
            const up = await engine.up(program);
            assert.equal(up.ok, false);
            assert.match(up.errors.join("\n"), /failing\[x1\]: .*the cloud reports it failed/i);
            const recorded = Object.entries(members(engine) ?? {});
            // Both clouds keep a FAILED backup (an Alibaba job that failed leaves a set with BackupStatus Failed); it must be deleted.
            assert.equal(recorded.length, 1, JSON.stringify(recorded));
            for (const [key, m] of recorded) assert.ok(key === "x1" && m.status === "FAILED" && m.backupId, `the failed backup is recorded: ${JSON.stringify(m)}`);
            const retried = await engine.up(program);
            assert.ok(retried.ok, retried.errors.join("\n"));
            assert.deepEqual(Object.keys(members(engine)), ["x1"]);
            assert.equal(members(engine)["x1"].status, "COMPLETED");
            for (const [, m] of recorded) {
                assert.ok(!live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).some(b => idOf(b) === m.backupId), "the failed backup is deleted");
            }
            assert.ok((await engine.destroy()).ok);
        });

        it("refreshes with one listing and drops members deleted outside Pulumi; the next up recreates them", async () => {
            const engine = w.newEngine();
            const program = () => { new BackupRetentionSet("refreshing", { ...c.args, instanceId: c.instanceB, labels: ["r1", "r2", "r3"] }); };
            assert.ok((await engine.up(program)).ok);
            const gone = members(engine)["r2"].backupId;
            // On Alibaba the step that started the backups knows them by their jobs until a refresh (or the next update) records
            // the sets' ids: a finished job whose set is not listed reads as a listing that lags, not as a deleted backup.
            const jobOnly = Object.values((engine.state.resources.find(r => r.type.endsWith(":BackupRetentionSet"))?.outputs.backups ?? {}) as Record<string, any>).filter(m => !m.backupId).length;
            if (jobOnly) assert.ok((await engine.refresh()).ok);
            await w.admin.removeBackup(c.serviceKey, gone);
            await w.admin.resetCalls();
            assert.ok((await engine.refresh()).ok);
            assert.deepEqual(Object.keys(members(engine)).sort(), ["r1", "r3"]);
            const calls = (await w.admin.calls())[c.serviceKey];
            const total = Object.values(calls).reduce((n, a) => n + a.calls, 0);
            assert.equal(total, 1, `refresh made one listing call, got ${JSON.stringify(calls)}`);
            assert.ok((await engine.up(program)).ok);
            assert.ok(members(engine)["r2"].backupId && members(engine)["r2"].backupId !== gone);
            assert.ok((await engine.destroy()).ok);
        });

        it("rejects labels over maxBackups and duplicate labels at preview", async () => {
            await w.admin.resetCalls();
            const plan = await w.newEngine().preview(() => {
                new BackupRetentionSet("limited", { ...c.args, instanceId: c.instanceB, labels: ["x", "y", "y"], maxBackups: 2 });
            });
            assert.equal(plan.ok, false);
            const reasons = (plan.steps[0].failures ?? []).map(f => `${f.property}: ${f.reason}`).join("\n");
            assert.match(reasons, /labels: has 3 labels, more than maxBackups 2/);
            assert.match(reasons, /duplicate label "y"/);
            assert.equal(await w.admin.totalCalls(), 0);
        });
    });
}

async function fetchDelete(url: string) {
    const { default: fetch } = await import("node-fetch");
    const res = await fetch(url, { method: "DELETE" });
    assert.ok(res.ok, `DELETE ${url}: ${res.status}`);
}
