/**
 * Lookups through the real dynamic-provider host and the emulator:
 * `ManualBackup.get` reads an existing backup into a program (never managing
 * it), `listBackups` lists an instance's backups with the same configuration
 * and adapters as the resources. Run once per cloud/service.
 */
import { strict as assert } from "assert";
import { ManualBackup, listBackups } from "../../sdk";
import { CASES, ALL_INSTANCES, idOf } from "./cases";
import { startWorld, World } from "../support/world";

for (const c of CASES) {
    describe(`lookups on ${c.title}`, function () {
        this.timeout(120_000);
        let w: World;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });

        it("ManualBackup.get reads a backup made elsewhere; destroying the program leaves it in the cloud", async () => {
            const { backupId } = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, name: "made-by-hand", sizeBytes: 2048 });
            const target = { ...c.args, instanceId: c.instanceA };
            const engine = w.newEngine();
            const program = () => {
                const seen = ManualBackup.get("seen", backupId, target);
                return { id: seen.id, backupId: seen.backupId, status: seen.status, sizeBytes: seen.sizeBytes };
            };
            const preview = await engine.preview(program);
            assert.ok(preview.ok, preview.errors.join("\n"));
            assert.deepEqual(preview.steps.map(s => s.op), ["read"]);
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            assert.deepEqual(up.outputs, { id: backupId, backupId, status: "COMPLETED", sizeBytes: 2048 });
            assert.equal(engine.view.resources.length, 0, "a read resource is not managed");
            const destroyed = await engine.destroy();
            assert.ok(destroyed.ok);
            assert.ok((await w.admin.backupsOf(c.serviceKey, c.instanceA)).some(b => idOf(b) === backupId), "still in the cloud");

            const missing = await w.newEngine().up(() => { ManualBackup.get("gone", "no-such-backup-0001", target); });
            assert.equal(missing.ok, false);
            assert.match(missing.errors.join("\n"), /resource 'no-such-backup-0001' does not exist/);
        });

        it("listBackups returns the instance's backups, manual and automated, or manual only", async () => {
            const manual = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, name: "hand-made-2" });
            const automated = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, mode: "Automated", ageDays: 1 });
            const result = await w.newEngine().up(async () => {
                const all = await listBackups({ ...c.args, instanceId: c.instanceA });
                const manualOnly = await listBackups({ ...c.args, instanceId: c.instanceA, manualOnly: true });
                return { all: all.map(b => [b.backupId, b.manual, b.status]), manualOnly: manualOnly.map(b => b.backupId) };
            });
            assert.ok(result.ok, result.errors.join("\n"));
            const all = result.outputs.all as Array<[string, boolean, string]>;
            assert.ok(all.some(([id, m]) => id === manual.backupId && m === true), JSON.stringify(all));
            assert.ok(all.some(([id, m]) => id === automated.backupId && m === false), JSON.stringify(all));
            const manualOnly = result.outputs.manualOnly as string[];
            assert.ok(manualOnly.includes(manual.backupId) && !manualOnly.includes(automated.backupId));

            const noKeys = await w.newEngine({ config: { "dbbackups:endpoints": w.config["dbbackups:endpoints"] } })
                .up(async () => ({ n: (await listBackups({ ...c.args, instanceId: c.instanceA })).length }));
            assert.equal(noKeys.ok, false);
            assert.match(noKeys.errors.join("\n"), /listBackups of .*(access key|credentials) (is|are) not set/);
        });
    });
}
