/**
 * BackupRetentionSet with retention tiers through the dynamic-provider host:
 * one backup per night serving every tier it falls in, tiers in state and in
 * the preview, the floor of completed backups, a failed backup never costing
 * the last good one, and Alibaba's daily cap refused at preview.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet } from "../../sdk";
import { ALICLOUD, HUAWEI_RDS, idOf, isLive } from "./cases";
import { startWorld, World } from "../support/world";
import type { Engine } from "../support/engine";

const live = (bs: any[]) => bs.filter(isLive);
const members = (engine: Engine) => (engine.view.resources[0]?.outputs.backups ?? {}) as Record<string, any>;
const DAY = 86_400_000;
const night = (n: number) => new Date(Date.parse("2026-05-29T02:00:00Z") + n * DAY).toISOString(); // night 0 is a Friday

for (const c of [ALICLOUD, HUAWEI_RDS]) {
    describe(`BackupRetentionSet retention tiers on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(300_000);
        let w: World;
        before(async () => { w = await startWorld(c.instances); });
        after(async () => { await w?.close(); });

        it("makes one backup a night that serves every tier it falls in, shows the tiers in state and preview, and deletes a backup only when no tier holds it", async () => {
            const engine = w.newEngine();
            let now = night(0);
            const program = () => { new BackupRetentionSet("gfs", { ...c.args, instanceId: c.instanceA, retention: { daily: 2, weekly: 2, monthly: 2 }, now }); };
            const first = await engine.up(program);
            assert.ok(first.ok, first.errors.join("\n"));
            assert.deepEqual(Object.keys(members(engine)), ["2026-05-29"]);
            assert.deepEqual(members(engine)["2026-05-29"].tiers, ["daily", "weekly", "monthly"]);
            assert.equal(members(engine)["2026-05-29"].at, night(0));
            const made: Record<string, string> = { "2026-05-29": members(engine)["2026-05-29"].backupId };

            for (let n = 1; n <= 4; n++) {
                now = night(n);
                w.logs.length = 0;
                const plan = await engine.preview(program);
                assert.ok(plan.ok, plan.errors.join("\n"));
                assert.equal(plan.steps[0].op, "update");
                const key = now.slice(0, 10);
                const line = w.logs.find(l => l.includes("gfs: this update creates backups for labels")) ?? "";
                if (n === 3) {
                    // Night 3 is Monday 2026-06-01: a new day, ISO week and month in one backup.
                    assert.ok(line.includes(`${key} (daily+weekly+monthly)`), `the preview names the tiers of the new backup: ${w.logs.join("\n")}`);
                    // Saturday leaves the daily tier and no other tier holds it: it is deleted, and the preview says which tier held it.
                    assert.ok(line.includes(`${made["2026-05-30"]} (label 2026-05-30`) && line.includes("held by daily until now"), line);
                    // Friday leaves the daily tier but stays as May's backup; Sunday stays as week 22's and May's.
                    assert.ok(line.includes(`${made["2026-05-31"]} (label 2026-05-31, daily+weekly+monthly)`), line);
                    // Friday left every tier on Sunday and was deleted then: it is not announced again.
                    assert.ok(!line.includes(made["2026-05-29"]), line);
                }
                await w.admin.resetCalls();
                const up = await engine.up(program);
                assert.ok(up.ok, up.errors.join("\n"));
                const calls = (await w.admin.calls())[c.serviceKey];
                assert.equal(calls[c.createAction].mutations, 1, `night ${n}: one backup, however many tiers it serves`);
                made[key] = members(engine)[key].backupId;
            }
            const tiers = Object.fromEntries(Object.entries(members(engine)).map(([k, m]) => [k, m.tiers]));
            // Tuesday is now the newest of week 23 and of June, so those tiers move to it (restic's choice); Monday stays daily; Sunday week 22 and May.
            assert.deepEqual(tiers, {
                "2026-06-02": ["daily", "weekly", "monthly"], "2026-06-01": ["daily"], "2026-05-31": ["weekly", "monthly"],
            });
            const ids = engine.view.resources[0].outputs.backupIds as string[];
            assert.deepEqual(ids, [made["2026-05-31"], made["2026-06-01"], made["2026-06-02"]], "backupIds: the held backups, oldest first");
            const inCloud = live(await w.admin.backupsOf(c.serviceKey, c.instanceA)).map(idOf).sort();
            assert.deepEqual(inCloud, [...ids].sort(), "the cloud holds exactly the backups the tiers hold");

            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
        });

        it("the floor: a backup no tier holds stays while fewer than minCompleted completed backups would remain, and a failed backup never costs the last good one", async () => {
            const engine = w.newEngine();
            let now = night(10);
            const program = () => { new BackupRetentionSet("floor", { ...c.args, instanceId: c.instanceB, retention: { daily: 1 }, minCompleted: 2, now }); };
            assert.ok((await engine.up(program)).ok);
            const firstId = members(engine)[now.slice(0, 10)].backupId;

            now = night(11);
            w.logs.length = 0;
            const plan = await engine.preview(program);
            assert.ok(plan.ok, plan.errors.join("\n"));
            assert.ok(w.logs.some(l => l.includes(`defers deleting ${firstId}`) && l.includes("minCompleted 2")), w.logs.join("\n"));
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            const held = members(engine)[night(10).slice(0, 10)];
            assert.equal(held.heldByFloor, true);
            assert.equal(held.tiers, undefined);
            assert.ok(live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).map(idOf).includes(firstId));

            // Tonight's backup fails: nothing is deleted, not even the backup only the floor held.
            now = night(12);
            await w.admin.patchInstance(c.serviceKey, c.instanceB, { failNextBackup: true });
            const failed = await engine.up(program);
            assert.equal(failed.ok, false);
            const afterFail = live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).filter((b: any) => !/fail/i.test(String(b.status))).map(idOf);
            assert.ok(afterFail.includes(firstId) && afterFail.includes(members(engine)[night(11).slice(0, 10)].backupId), "both good backups survive the failed night");

            // The next up makes tonight's backup; then two completed remain and the oldest goes.
            const retried = await engine.up(program);
            assert.ok(retried.ok, retried.errors.join("\n"));
            const keys = Object.keys(members(engine)).sort();
            assert.deepEqual(keys, [night(11).slice(0, 10), night(12).slice(0, 10)], `the floor's backup and the failed one go once two newer completed: ${keys}`);
            assert.equal(Object.values(members(engine)).filter((m: any) => m.status === "COMPLETED").length, 2);
            assert.ok(!live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).map(idOf).includes(firstId));
            assert.ok((await engine.destroy()).ok);
        });

        if (c === HUAWEI_RDS) {
            it("a create over the manual-backup quota (emulated RDS.3003) fails with the cloud's code, the limit and what to do, and deletes nothing", async () => {
                const engine = w.newEngine();
                const held = live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).filter((b: any) => b.type === "manual").length;
                await w.admin.patchInstance(c.serviceKey, c.instanceB, { manualBackupQuota: held + 1 });
                try {
                    const up = await engine.up(() => { new BackupRetentionSet("quota", { ...c.args, instanceId: c.instanceB, labels: ["q1", "q2"] }); });
                    assert.equal(up.ok, false);
                    const text = up.errors.join("\n");
                    assert.ok(text.includes("RDS.3003") && /quota of manual backups is reached/.test(text) && /ask Huawei Cloud for a higher quota/.test(text), text);
                    assert.equal(Object.keys(members(engine)).length, 1, "the backup made before the quota was reached is in state");
                } finally {
                    await w.admin.patchInstance(c.serviceKey, c.instanceB, { manualBackupQuota: 200 });
                }
                assert.ok((await engine.destroy()).ok);
            });
        }

        if (c === ALICLOUD) {
            it("refuses at preview, with nothing created, a plan that would pass Alibaba's 20 backups per instance per day", async () => {
                const engine = w.newEngine();
                const today = new Date().toISOString().slice(0, 10);
                // An instance no other test made backups on today (the cloud counts today's deleted backups too; a listing cannot).
                const instanceId = "rm-test00retention";
                for (let i = 0; i < 18; i++) await w.admin.addBackup(c.serviceKey, { instanceId, name: `by-hand-${i}`, ageDays: 0 });
                await w.admin.resetCalls();
                const labels = ["a", "b", "c"];
                const program = () => { new BackupRetentionSet("capped", { ...c.args, instanceId, labels }); };
                const plan = await engine.preview(program);
                assert.equal(plan.ok, false);
                const text = plan.errors.join("\n");
                assert.ok(/at most 20 backup sets per instance per day \(Exceeded\.BackupTimes\)/.test(text), text);
                assert.ok(text.includes(`instance ${instanceId} made 18 today (${today}, UTC)`) && text.includes("creates 3 more"), text);
                const up = await engine.up(program);
                assert.equal(up.ok, false);
                const calls = (await w.admin.calls())[c.serviceKey] ?? {};
                assert.equal(calls[c.createAction]?.mutations ?? 0, 0, "nothing created");
                labels.pop();
                const fits = await engine.up(program);
                assert.ok(fits.ok, fits.errors.join("\n"));
            });
        }
    });
}
