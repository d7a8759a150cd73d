/**
 * Backups the Huawei clouds make themselves (RDS binlog `incremental` and
 * `fragment` backups, GeminiDB Cassandra `Incremental`/`Differential`) sit in
 * the same lists as ours. Through the dynamic-provider host: a retention set
 * rolls, refreshes and is destroyed on such instances and never touches them.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet } from "../../sdk";
import { startWorld, type World } from "../support/world";

const MYSQL = "ffff0000000000000000000000000006in01";
const CASS = "ffff0000000000000000000000000007in06";

describe("Huawei backups made by the cloud are never taken for the provider's own", function () {
    this.timeout(300_000);
    let w: World;
    before(async () => {
        w = await startWorld([
            { cloud: "huaweicloud", service: "rds", id: MYSQL, engine: "MySQL", logBackup: true },
            { cloud: "huaweicloud", service: "geminidb", id: CASS, engine: "cassandra" },
        ]);
    });
    after(async () => { await w?.close(); });

    const cases = [
        { title: "RDS (binlog incremental, fragment)", service: "huaweicloudRds" as const, args: { cloud: "huaweicloud" as const }, instanceId: MYSQL, modes: ["Incremental", "Fragment"] },
        { title: "GeminiDB (Cassandra incremental, differential)", service: "huaweicloudGeminidb" as const, args: { cloud: "huaweicloud" as const, service: "geminidb" as const }, instanceId: CASS, modes: ["Incremental", "Differential"] },
    ];
    for (const c of cases) {
        it(`${c.title}: roll, refresh and destroy leave them alone`, async () => {
            for (const mode of c.modes) await w.admin.addBackup(c.service, { instanceId: c.instanceId, mode });
            // Binlog backups roll with the clock (one per 5 minutes), so only the hand-made ones are compared by id.
            const cloudMade = async () => (await w.admin.backupsOf(c.service, c.instanceId))
                .filter(b => !["manual", "Manual"].includes(b.type) && b.logSlot === undefined).map(b => b.id).sort();
            const binlogs = async () => (await w.admin.backupsOf(c.service, c.instanceId)).filter(b => b.logSlot !== undefined).length;
            const before = await cloudMade();
            assert.equal(before.length, 2);
            const engine = w.newEngine();
            let labels = ["monday", "tuesday"];
            const program = () => { new BackupRetentionSet("cloud-made", { ...c.args, instanceId: c.instanceId, labels }); };
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            labels = ["tuesday"];
            const rolled = await engine.up(program);
            assert.ok(rolled.ok, rolled.errors.join("\n"));
            const refreshed = await engine.refresh();
            assert.ok(refreshed.ok, refreshed.errors.join("\n"));
            assert.deepEqual(Object.keys(engine.view.resources[0].outputs.backups), ["tuesday"]);
            const destroyed = await engine.destroy();
            assert.ok(destroyed.ok, destroyed.errors.join("\n"));
            assert.deepEqual(await cloudMade(), before, "every backup the cloud made is still there");
            assert.equal(await binlogs(), c.service === "huaweicloudRds" ? 12 : 0, "the binlog window is intact");
            const calls = (await w.admin.calls())[c.service];
            const refusedDeletes = Object.entries(calls).filter(([op]) => /Delete/.test(op)).reduce((n, [, v]) => n + v.calls - v.mutations, 0);
            assert.equal(refusedDeletes, 0, "no delete was even attempted on them");
        });
    }
});
