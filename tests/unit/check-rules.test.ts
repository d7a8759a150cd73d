import { strict as assert } from "assert";
import { huaweiRdsDatabasesRefusal, manualBackupSchema, retentionSetSchema, validate } from "../../provider/schema";
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

    it("Huawei RDS databases are judged by the instance's engine, not its id: the schema alone passes them", () => {
        for (const instanceId of ["43e4feaab48f11e89039fa163ebaa7e4in01", "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04", "5c8e3e0f3b1a4d2c9f7e6a5b4c3d2e1fin99"]) {
            assert.deepEqual(failures(manualBackupSchema, { cloud: "huaweicloud", instanceId, databases: ["orders"] }), [], instanceId);
            assert.deepEqual(failures(retentionSetSchema, { cloud: "huaweicloud", instanceId, databases: ["orders"], labels: ["a"] }), [], instanceId);
        }
    });

    it("Huawei RDS takes databases on SQL Server and PostgreSQL only; the refusal names the engine and says what to change", () => {
        for (const engine of ["SQLServer", "PostgreSQL", "sqlserver", "SQL Server"]) assert.equal(huaweiRdsDatabasesRefusal(engine, "i-1"), undefined, engine);
        const mysql = huaweiRdsDatabasesRefusal("MySQL", "i-1in03");
        assert.equal(mysql, 'Huawei Cloud RDS makes partial (per-database) backups on SQL Server and PostgreSQL only; instance i-1in03 runs MySQL (its datastore.type is "MySQL"): remove databases to back up the whole instance');
        assert.match(huaweiRdsDatabasesRefusal("MariaDB", "i-2") ?? "", /instance i-2 runs MariaDB .*remove databases/);
        assert.equal(huaweiRdsDatabasesRefusal("TaurusDB", "i-3"), undefined, "an engine not known to refuse it is left to the cloud");
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
