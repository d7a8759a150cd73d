/**
 * Huawei RDS `databases` is judged by the instance's engine, read from the
 * cloud (`GET /v3/{project_id}/instances?id=`, `datastore.type`), not guessed
 * from the instance id: refused at preview on MySQL (whatever the id ends
 * in), accepted on PostgreSQL (even with an `in01` id) and SQL Server, with
 * one read per instance for all of a run's Checks. When the read fails at
 * Check, preview passes and the create refuses with the same message.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALL_INSTANCES, HUAWEI_RDS } from "./cases";
import { startWorld, World } from "../support/world";

/** A MySQL instance whose id does not end in `in01`. */
const MYSQL_ODD_ID = "abcd0000000000000000000000000009in07";
/** A PostgreSQL instance whose id ends in `in01`. */
const POSTGRES_IN01 = "abcd0000000000000000000000000008in01";
/** SQL Server, with a database `orders`. */
const SQLSERVER = HUAWEI_RDS.batchInstance;

const REFUSAL = (id: string) => new RegExp(`Huawei Cloud RDS makes partial \\(per-database\\) backups on SQL Server and PostgreSQL only; instance ${id} runs MySQL \\(its datastore.type is "MySQL"\\): remove databases to back up the whole instance`);

describe("Huawei RDS databases judged by the instance's engine (through the dynamic-provider host)", function () {
    this.timeout(120_000);
    let w: World;
    before(async () => {
        w = await startWorld([
            ...ALL_INSTANCES,
            { cloud: "huaweicloud", service: "rds", id: MYSQL_ODD_ID, engine: "MySQL", engineVersion: "8.0", databases: ["orders"] },
            { cloud: "huaweicloud", service: "rds", id: POSTGRES_IN01, engine: "PostgreSQL", engineVersion: "14", databases: ["orders"] },
        ]);
    });
    after(async () => { await w?.close(); });
    const instanceReads = async () => (await w.admin.calls()).huaweicloudRds?.ListInstances?.calls ?? 0;

    it("refuses databases at preview on a MySQL instance whatever its id, naming the engine and the property, with one read for every Check", async () => {
        await w.admin.resetCalls();
        const plan = await w.newEngine().preview(() => {
            for (const n of ["one", "two", "three"]) new ManualBackup(n, { ...HUAWEI_RDS.args, instanceId: MYSQL_ODD_ID, databases: ["orders"] });
            new BackupRetentionSet("set", { ...HUAWEI_RDS.args, instanceId: MYSQL_ODD_ID, databases: ["orders"], labels: ["a"] });
        });
        assert.equal(plan.ok, false);
        const failures = plan.steps.flatMap(s => s.failures ?? []);
        assert.equal(failures.length, 4, JSON.stringify(failures));
        for (const f of failures) {
            assert.equal(f.property, "databases");
            assert.match(f.reason, REFUSAL(MYSQL_ODD_ID));
        }
        assert.equal(await instanceReads(), 1, "one instance read for four Checks");
        assert.equal(await w.admin.totalCalls(), 1, "and no other call");
    });

    it("accepts databases on PostgreSQL (even with an id ending in in01) and SQL Server, one read per instance, and makes the partial backup", async () => {
        await w.admin.resetCalls();
        const engine = w.newEngine();
        const program = () => {
            for (const n of ["pg-1", "pg-2"]) new ManualBackup(n, { ...HUAWEI_RDS.args, instanceId: POSTGRES_IN01, databases: ["orders"] });
            for (const n of ["mssql-1", "mssql-2"]) new ManualBackup(n, { ...HUAWEI_RDS.args, instanceId: SQLSERVER, databases: ["orders"] });
        };
        const plan = await engine.preview(program);
        assert.ok(plan.ok, plan.errors.join("\n"));
        assert.equal(await instanceReads(), 2, "one read per instance");
        const up = await engine.up(program);
        assert.ok(up.ok, up.errors.join("\n"));
        const made = (await w.admin.backupsOf("huaweicloudRds", POSTGRES_IN01)).filter(b => b.type === "manual");
        assert.equal(made.length, 2);
        for (const b of made) assert.deepEqual(b.databases, ["orders"]);
        assert.ok((await engine.destroy()).ok);
    });

    it("passes preview when the engine cannot be read (refused, or no answer), and refuses at create with the same message", async () => {
        const program = () => { new ManualBackup("mysql-partial", { ...HUAWEI_RDS.args, instanceId: MYSQL_ODD_ID, databases: ["orders"] }); };
        // The read is refused (a permission the credentials lack), or the connection drops on every attempt.
        for (const fault of [{ status: 403, code: "RDS.0004", message: "No permission to list instances." }, { reset: "before" }]) {
            await w.admin.clearFaults();
            await w.admin.fault({ service: "huaweicloudRds", action: "ListInstances", times: 50, ...fault });
            const started = Date.now();
            const plan = await w.newEngine().preview(program);
            assert.ok(plan.ok, `${JSON.stringify(fault)}: ${plan.errors.join("\n")}`);
            assert.ok(Date.now() - started < 60_000, "a Check waits for the read a few seconds at most");
        }
        await w.admin.clearFaults();

        // The read fails once (at the first Check); the create reads again and refuses before calling the cloud.
        await w.admin.fault({ service: "huaweicloudRds", action: "ListInstances", times: 1, status: 403, code: "RDS.0004", message: "No permission to list instances." });
        await w.admin.resetCalls();
        const engine = w.newEngine();
        const up = await engine.up(program);
        assert.equal(up.ok, false);
        const step = up.steps.find(s => s.name === "mysql-partial")!;
        assert.deepEqual(step.failures ?? [], [], "Check did not judge it");
        const text = up.errors.join("\n");
        assert.match(text, /databases: /);
        assert.match(text, REFUSAL(MYSQL_ODD_ID), text);
        assert.match(text, /Nothing was created/);
        const calls = (await w.admin.calls()).huaweicloudRds ?? {};
        assert.equal(calls.CreateManualBackup?.calls ?? 0, 0, "the cloud was not asked to create");
        assert.equal(calls.ListInstances?.calls, 2, "the failed read at Check, and one at create");
        assert.deepEqual(engine.view.resources, []);
    });
});
