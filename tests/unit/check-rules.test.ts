import { strict as assert } from "assert";
import { manualBackupSchema, retentionSetSchema, validate } from "../../provider/schema";
import { HUAWEI_NAME, memberName } from "../../provider/naming";

function failures(schema: typeof manualBackupSchema | typeof retentionSetSchema, raw: Record<string, unknown>) {
    const r = validate(schema, raw);
    return r.ok ? [] : r.failures;
}

describe("Check rejects what the cloud would refuse or ignore", () => {
    const ali = { cloud: "alicloud", instanceId: "rm-uf6wjk5quickstart" };

    it("Alibaba databases without backupStrategy \"db\" fails at preview naming both properties", () => {
        for (const extra of [{}, { backupStrategy: "instance" }]) {
            const f = failures(manualBackupSchema, { ...ali, databases: ["orders"], ...extra });
            assert.equal(f.length, 1, JSON.stringify(f));
            assert.equal(f[0].property, "databases");
            assert.match(f[0].reason, /backupStrategy: "db"/);
            assert.match(f[0].reason, /remove databases/);
        }
        assert.deepEqual(failures(manualBackupSchema, { ...ali, databases: ["orders"], backupStrategy: "db", backupMethod: "Logical" }), []);
        const set = failures(retentionSetSchema, { ...ali, databases: ["orders"], labels: ["a"] });
        assert.equal(set[0].property, "databases");
    });

    it("Huawei RDS databases on a MySQL instance fails at preview with what to change; SQL Server and PostgreSQL pass", () => {
        const mysql = { cloud: "huaweicloud", instanceId: "43e4feaab48f11e89039fa163ebaa7e4in01", databases: ["orders"] };
        const f = failures(manualBackupSchema, mysql);
        assert.equal(f.length, 1);
        assert.equal(f[0].property, "databases");
        assert.match(f[0].reason, /SQL Server and PostgreSQL only; instance 43e4feaab48f11e89039fa163ebaa7e4in01 is MySQL .*remove databases/);
        assert.equal(failures(retentionSetSchema, { ...mysql, labels: ["a"] })[0].property, "databases");
        for (const id of ["7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04", "5c8e3e0f3b1a4d2c9f7e6a5b4c3d2e1fin03"]) {
            assert.deepEqual(failures(manualBackupSchema, { ...mysql, instanceId: id }), [], id);
        }
        assert.deepEqual(failures(manualBackupSchema, { cloud: "huaweicloud", instanceId: mysql.instanceId }), []);
    });
});

describe("Huawei member names", () => {
    it("are valid Huawei backup names however short the prefix and label are", () => {
        for (const [prefix, label] of [["g", "x"], ["g", "1"], ["ab", "c"], ["set", "v1.0"]]) {
            const name = memberName({ namePrefix: prefix }, label);
            assert.match(name, HUAWEI_NAME, `${prefix} + ${label} gives ${name}`);
        }
        assert.equal(memberName({ namePrefix: "g" }, "x"), "g-x0");
        assert.equal(memberName({ namePrefix: "nightly" }, "mon"), "nightly-mon", "names of 4 or more characters are unchanged");
    });

    it("that padding makes equal to another label's are rejected at preview, naming both", () => {
        const r = validate(retentionSetSchema, { cloud: "huaweicloud", instanceId: "i-1", namePrefix: "g", labels: ["x", "x0"] });
        assert.ok(!r.ok && r.failures.some(f => f.property === "labels.1" && f.reason.includes('labels "x" and "x0" both become the Huawei backup name "g-x0"')), JSON.stringify(r));
    });
});
