/**
 * Inputs that used to pass preview and break later are rejected at preview
 * (Check), naming the property, with no call to the cloud; a password in an
 * endpoint URL never reaches an error message.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALICLOUD, ALL_INSTANCES, HUAWEI_RDS } from "./cases";
import { startWorld, World } from "../support/world";

describe("Inputs rejected at preview (through the dynamic-provider host)", function () {
    this.timeout(120_000);
    let w: World;
    before(async () => { w = await startWorld(ALL_INSTANCES); });
    after(async () => { await w?.close(); });

    const failuresOf = async (program: () => void) => {
        await w.admin.resetCalls();
        const plan = await w.newEngine().preview(program);
        assert.equal(plan.ok, false, "preview fails");
        assert.equal(await w.admin.totalCalls(), 0, "no call reached the cloud");
        return plan.steps.flatMap(s => s.failures ?? []);
    };

    it("rejects an instanceId of . or .., which would become a URL path segment", async () => {
        for (const instanceId of [".", ".."]) {
            const f = await failuresOf(() => { new ManualBackup("dots", { ...HUAWEI_RDS.args, instanceId }); });
            assert.ok(f.some(x => x.property === "instanceId" && /path segment/.test(x.reason)), JSON.stringify(f));
        }
    });

    it("rejects waitTimeout 0s", async () => {
        const f = await failuresOf(() => { new ManualBackup("never", { ...ALICLOUD.args, instanceId: ALICLOUD.instanceA, waitTimeout: "0s" }); });
        assert.ok(f.some(x => x.property === "waitTimeout" && /positive duration/.test(x.reason)), JSON.stringify(f));
    });

    it("rejects a deleteTimeout that is not a positive duration, on both resources", async () => {
        const f = await failuresOf(() => {
            new ManualBackup("never-deleted", { ...ALICLOUD.args, instanceId: ALICLOUD.instanceA, deleteTimeout: "0s" });
            new BackupRetentionSet("never-pruned", { ...HUAWEI_RDS.args, instanceId: HUAWEI_RDS.instanceA, labels: ["a"], deleteTimeout: "half an hour" });
        });
        assert.equal(f.filter(x => x.property === "deleteTimeout" && /must be a positive duration like "30m"/.test(x.reason)).length, 2, JSON.stringify(f));
    });

    it("rejects namePrefix on Alibaba, where backup sets have no name", async () => {
        const f = await failuresOf(() => { new BackupRetentionSet("prefixed", { ...ALICLOUD.args, instanceId: ALICLOUD.instanceA, labels: ["a"], namePrefix: "nightly" }); });
        assert.ok(f.some(x => x.property === "namePrefix" && /no name/.test(x.reason)), JSON.stringify(f));
    });

    it("rejects a database listed twice", async () => {
        const f = await failuresOf(() => {
            new ManualBackup("twice", { ...ALICLOUD.args, instanceId: ALICLOUD.instanceA, backupStrategy: "db", databases: ["orders", "orders"] });
        });
        assert.ok(f.some(x => x.property === "databases" && /orders more than once/.test(x.reason)), JSON.stringify(f));
    });

    it("keeps a password in an endpoint URL out of the error", async () => {
        const config = { ...w.config, "dbbackups:endpoints": JSON.stringify({ alicloudRds: "http://deploy:s3cret-pw-123@127.0.0.1:9" }) };
        const up = await w.newEngine({ config }).up(() => { new ManualBackup("unreachable", { ...ALICLOUD.args, instanceId: ALICLOUD.instanceA, waitTimeout: "5s" }); });
        assert.equal(up.ok, false);
        const text = up.errors.join("\n");
        assert.ok(text.length > 0);
        assert.ok(!text.includes("s3cret-pw-123"), text);
        assert.ok(!w.logs.join("\n").includes("s3cret-pw-123"));
    });
});
