import { strict as assert } from "assert";
import { manualBackupSchema, retentionSetSchema, UNKNOWN, validate } from "../../provider/schema";

const base = { cloud: "alicloud", instanceId: "rm-uf6wjk5quickstart" };

function failures(schema: typeof manualBackupSchema | typeof retentionSetSchema, raw: Record<string, unknown>) {
    const r = validate(schema, raw);
    return r.ok ? [] : r.failures;
}

describe("input schemas (Check)", () => {
    it("accepts a minimal ManualBackup and fills documented defaults", () => {
        const r = validate(manualBackupSchema, { ...base, __provider: "ignored" });
        assert.ok(r.ok);
        assert.equal(r.value.service, "rds");
        assert.equal(r.value.waitForCompletion, true);
        assert.equal(r.value.waitTimeout, "30m");
        assert.equal(r.value.onDeleteBlocked, "fail");
    });

    it("names the property and the allowed values for a bad enum", () => {
        const f = failures(manualBackupSchema, { ...base, backupMethod: "Incremental" });
        assert.equal(f.length, 1);
        assert.equal(f[0].property, "backupMethod");
        assert.match(f[0].reason, /"Incremental".*allowed values: "Physical", "Logical", "Snapshot"/);
        const c = failures(manualBackupSchema, { ...base, cloud: "aws" });
        assert.equal(c[0].property, "cloud");
        assert.match(c[0].reason, /allowed values: "alicloud", "huaweicloud"/);
    });

    it("rejects unknown inputs, including the reserved name id", () => {
        const f = failures(manualBackupSchema, { ...base, id: "x", instanceID: "y" });
        assert.equal(f[0].property, "inputs");
        assert.match(f[0].reason, /unknown input "id", "instanceID"/);
    });

    it("applies per-cloud rules", () => {
        assert.match(failures(manualBackupSchema, { ...base, service: "geminidb" })[0].reason, /only available with cloud "huaweicloud"/);
        assert.equal(failures(manualBackupSchema, { ...base, name: "nightly" })[0].property, "name");
        const hw = { cloud: "huaweicloud", instanceId: "43e4feaab48f11e89039fa163ebaa7e4in01" };
        assert.equal(failures(manualBackupSchema, { ...hw, backupMethod: "Physical" })[0].property, "backupMethod");
        assert.match(failures(manualBackupSchema, { ...hw, name: "1abc" })[0].reason, /4–64 characters, start with a letter/);
        assert.match(failures(manualBackupSchema, { ...hw, name: "abc" })[0].reason, /4–64/);
        assert.match(failures(manualBackupSchema, { ...hw, description: "a<b" })[0].reason, /must not contain/);
        assert.deepEqual(failures(manualBackupSchema, { ...hw, instanceId: "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04", name: "before-upgrade", description: "taken by pulumi", databases: ["orders"] }), []);
        assert.equal(failures(manualBackupSchema, { ...base, databases: ["Orders"] })[0].property, "databases");
    });

    it("validates durations", () => {
        assert.deepEqual(failures(manualBackupSchema, { ...base, waitTimeout: "1h30m" }), []);
        assert.match(failures(manualBackupSchema, { ...base, waitTimeout: "soon" })[0].reason, /duration like "30m"/);
    });

    it("validates deleteTimeout on both resources like waitTimeout, naming it", () => {
        for (const [schema, extra] of [[manualBackupSchema, {}], [retentionSetSchema, { labels: ["a"] }]] as const) {
            assert.deepEqual(failures(schema, { ...base, ...extra, deleteTimeout: "1h30m" }), []);
            for (const bad of ["soon", "0s", "30", "", "-5m"]) {
                const f = failures(schema, { ...base, ...extra, deleteTimeout: bad });
                assert.equal(f.length, 1, `${bad}: ${JSON.stringify(f)}`);
                assert.equal(f[0].property, "deleteTimeout");
                assert.match(f[0].reason, /must be a positive duration like "30m", "90s", "1h30m" or "500ms"/);
            }
            const typed = failures(schema, { ...base, ...extra, deleteTimeout: 30 });
            assert.deepEqual([typed[0].property, typed[0].reason], ["deleteTimeout", "must be a string, got number"]);
        }
        // Not filled in when absent (the provider's default is 30m), so state from before it existed shows no change.
        const r = validate(manualBackupSchema, base);
        assert.ok(r.ok && r.value.deleteTimeout === undefined);
    });

    it("does not judge inputs that are unknown during preview", () => {
        assert.ok(validate(manualBackupSchema, { cloud: "alicloud", instanceId: UNKNOWN }).ok);
        assert.equal(failures(manualBackupSchema, { cloud: "alicloud", instanceId: UNKNOWN, backupMethod: "x" })[0].property, "backupMethod");
    });

    it("checks retention-set labels: unique, charset, maxBackups, adopt keys", () => {
        const set = { ...base, labels: ["2026-11-20", "2026-11-21"] };
        assert.deepEqual(failures(retentionSetSchema, set), []);
        assert.match(failures(retentionSetSchema, { ...set, labels: ["a", "a"] })[0].reason, /duplicate label "a"/);
        assert.equal(failures(retentionSetSchema, { ...set, labels: ["ok", "has space"] })[0].property, "labels.1");
        assert.equal(failures(retentionSetSchema, { ...set, labels: [""] })[0].property, "labels.0");
        assert.match(failures(retentionSetSchema, { ...set, maxBackups: 1 })[0].reason, /2 labels, more than maxBackups 1/);
        assert.match(failures(retentionSetSchema, { ...set, adopt: { "2026-01-01": "123" } })[0].reason, /not in labels/);
    });
});
