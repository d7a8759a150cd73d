import { strict as assert } from "assert";
import { coordinatorFor } from "../../provider/instance";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HuaweicloudRdsAdapter } from "../../provider/clouds/huaweicloud/rds";
import { CloudError } from "../../provider/core/errors";
import { NOT_LISTED_GRACE_MS } from "../../provider/clouds/huaweicloud/not-listed";
import { EMULATOR_IAM_TOKEN } from "../../emulator/protocols/huaweicloud-rest";
import { HuaweiTestEmulator, instantRetry } from "../support/huaweicloud-service-server";
import type { RetryOptions } from "../../provider/core/retry";

const MYSQL = "5f1e2d3c4b5a69788796a5b4c3d2e1f0in01";
const PG = "6a1e2d3c4b5a69788796a5b4c3d2e1f0in03";
const MSSQL = "7b1e2d3c4b5a69788796a5b4c3d2e1f0in04";
const SVC = "huaweicloudRds" as const;
const BUILD_MS = 15_000;

async function rejects(p: Promise<unknown>): Promise<CloudError> {
    try { await p; } catch (err) { assert.ok(err instanceof CloudError, String(err)); return err; }
    assert.fail("expected a CloudError");
}

describe("Huawei RDS emulator through the adapter", () => {
    let h: HuaweiTestEmulator;
    let rds: HuaweicloudRdsAdapter;
    const adapter = (retry: RetryOptions = instantRetry(), overrides = {}) => new HuaweicloudRdsAdapter(h.settings(SVC, overrides), { retry });

    beforeEach(async () => {
        h = await HuaweiTestEmulator.start({
            instances: [
                { cloud: "huaweicloud", service: "rds", id: MYSQL, engine: "MySQL", name: "hw-mysql" },
                { cloud: "huaweicloud", service: "rds", id: PG, engine: "PostgreSQL" },
                { cloud: "huaweicloud", service: "rds", id: MSSQL, engine: "SQLServer", databases: ["orders", "users"] },
            ],
        });
        rds = adapter();
    });
    afterEach(() => h.stop());

    describe("create", () => {
        it("starts BUILDING and completes after the simulated duration", async () => {
            const started = await rds.startBackup({ instanceId: MYSQL, name: "nightly-2024", description: "before migration" });
            assert.ok(started.backupId && !started.jobId);
            assert.equal((await h.backup(SVC, started.backupId)).status, "BUILDING");
            assert.equal((await rds.creationStatus(MYSQL, started)).status, "BUILDING");
            await h.advance(BUILD_MS + 1000);
            const done = await rds.creationStatus(MYSQL, started);
            const stored = await h.backup(SVC, started.backupId);
            assert.equal(stored.status, "COMPLETED");
            assert.equal(done.status, "COMPLETED");
            assert.equal(done.backup?.name, "nightly-2024");
            assert.equal(done.backup?.description, "before migration");
            assert.equal(done.backup?.manual, true);
            assert.equal(done.backup?.sizeBytes, stored.sizeKb * 1024);
            assert.equal(done.backup?.startedAt, new Date(Math.floor(stored.startedAt / 1000) * 1000).toISOString());
            const raw = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL } });
            assert.match(raw.body.backups[0].begin_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0800$/);
            assert.deepEqual(raw.body.backups[0].datastore, { type: "MySQL", version: "8.0" });
            assert.equal(raw.body.backups[0].type, "manual");
        });

        it("sends databases and refuses ones the instance does not have", async () => {
            const ok = await rds.startBackup({ instanceId: MSSQL, name: "partial-1", databases: ["orders"] });
            assert.deepEqual((await h.backup(SVC, ok.backupId!)).databases, ["orders"]);
            await h.advance(BUILD_MS + 1000);
            const err = await rejects(rds.startBackup({ instanceId: MSSQL, name: "partial-2", databases: ["nope"] }));
            assert.equal(err.code, "DBS.200001");
            assert.equal((await h.state(SVC)).backups.length, 1);
        });

        const badNames = ["abc", "1starts-with-digit", "has space", "semi;colon", "x".repeat(65)];
        it(`refuses invalid names with 400 DBS.200001 (${badNames.length} cases)`, async () => {
            for (const name of badNames) {
                const raw = await h.raw(SVC, "POST", "/v3/{project_id}/backups", { body: { instance_id: MYSQL, name } });
                assert.equal(raw.status, 400, name);
                assert.equal(raw.body.error_code, "DBS.200001", name);
            }
            assert.equal((await rejects(rds.startBackup({ instanceId: MYSQL, name: "abc" }))).httpStatus, 400);
            assert.equal((await h.state(SVC)).backups.length, 0);
        });

        it("refuses invalid descriptions with 400 DBS.280127", async () => {
            for (const description of ["a=b", "<tag>", "it's", "x".repeat(257)]) {
                assert.equal((await rejects(rds.startBackup({ instanceId: MYSQL, name: "desc-test", description }))).code, "DBS.280127");
            }
            assert.equal((await h.state(SVC)).backups.length, 0);
        });

        it("answers 404 DBS.200002 for an unknown instance and 409 DBS.201201 for a duplicate name", async () => {
            assert.equal((await rejects(rds.startBackup({ instanceId: "nosuchin01", name: "nightly-1" }))).code, "DBS.200002");
            await rds.startBackup({ instanceId: MYSQL, name: "nightly-1" });
            await h.advance(BUILD_MS + 1000);
            const dup = await rejects(rds.startBackup({ instanceId: MYSQL, name: "nightly-1" }));
            assert.equal(dup.code, "DBS.201201");
            assert.equal(dup.httpStatus, 409);
            assert.equal((await h.state(SVC)).backups.length, 1);
        });

        it("allows one operation at a time per instance (409 DBS.201205); the lifecycle waits, the adapter does not retry", async () => {
            await rds.startBackup({ instanceId: MYSQL, name: "first-one" });
            const raw = await h.raw(SVC, "POST", "/v3/{project_id}/backups", { body: { instance_id: MYSQL, name: "second-one" } });
            assert.equal(raw.status, 409);
            assert.equal(raw.body.error_code, "DBS.201205");
            // The retry's sleep moves the emulated clock past the first build.
            // The adapter surfaces "busy" at once; waiting for the instance is the lifecycle's job (one place for waiting).
            await assert.rejects(rds.startBackup({ instanceId: MYSQL, name: "second-one" }), (e: unknown) => e instanceof CloudError && rds.isBusy(e) && e.code === "DBS.201205");
            const started = await coordinatorFor(rds, MYSQL).create({ instanceId: MYSQL, name: "second-one" }, {
                timeoutMs: 60_000, wait: false, label: "second", log: () => undefined,
                polling: { minDelayMs: 1, sleep: () => h.advance(BUILD_MS + 1000) },
            });
            assert.equal((await h.backup(SVC, started.started.backupId!)).status, "BUILDING");
            assert.equal((await h.calls(SVC, "CreateManualBackup")).mutations, 2, "exactly two backups were started");
        });

        it("keeps instances and backups across a restart with statePath", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rds-state-"));
            const statePath = path.join(dir, "state.json");
            const instances = [{ cloud: "huaweicloud" as const, service: "rds" as const, id: MSSQL, engine: "SQLServer", databases: ["orders"] }];
            const first = await HuaweiTestEmulator.start({ instances, statePath });
            const started = await new HuaweicloudRdsAdapter(first.settings(SVC), { retry: instantRetry() }).startBackup({ instanceId: MSSQL, name: "kept-1" });
            await first.setInUse(SVC, started.backupId!, true);
            await first.stop();
            const second = await HuaweiTestEmulator.start({ instances, statePath });
            try {
                const state = await second.state(SVC);
                assert.deepEqual(state.instances.map((i: { id: string; databases: string[] }) => [i.id, i.databases]), [[MSSQL, ["orders"]]]);
                assert.deepEqual(state.backups.map((b: { id: string; inUse: boolean }) => [b.id, b.inUse]), [[started.backupId, true]]);
                const again = new HuaweicloudRdsAdapter(second.settings(SVC), { retry: instantRetry() });
                assert.equal((await again.findBackup(MSSQL, started.backupId!))?.name, "kept-1");
            } finally {
                await second.stop();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("reports FAILED when the instance's next backup fails", async () => {
            await h.patchInstance(SVC, PG, { failNextBackup: true });
            const started = await rds.startBackup({ instanceId: PG, name: "doomed-1" });
            await h.advance(BUILD_MS + 1000);
            const p = await rds.creationStatus(PG, started);
            assert.equal(p.status, "FAILED");
            assert.match(p.failReason ?? "", /FAILED/);
            assert.equal((await h.backup(SVC, started.backupId!)).status, "FAILED");
        });

        it(`a backup id the list does not show is BUILDING for ${NOT_LISTED_GRACE_MS / 60_000} minutes after its create (the cloud's clock), then BackupNotListed`, async () => {
            const started = await rds.startBackup({ instanceId: MYSQL, name: "vanishing" });
            assert.ok(started.startedAt, "the create's time on the cloud's clock is kept");
            assert.ok(Math.abs(Date.parse(started.startedAt!) - (await h.backup(SVC, started.backupId!)).startedAt) < 2000);
            await h.admin("DELETE", `/backups/${SVC}/${started.backupId}`); // gone behind our back
            assert.deepEqual(await rds.creationStatus(MYSQL, started), { status: "BUILDING", cloudStatus: "NotListed", backupId: started.backupId });
            await h.advance(NOT_LISTED_GRACE_MS - 5000);
            assert.equal((await rds.creationStatus(MYSQL, started)).status, "BUILDING", "still within the grace period");
            await h.advance(6000);
            const err = await rejects(rds.creationStatus(MYSQL, started));
            assert.deepEqual([err.code, err.kind, err.retryable], ["BackupNotListed", "client", false]);
            assert.match(err.message, new RegExp(`backup ${started.backupId} of instance ${MYSQL} is not in the instance's backup list 5m\\d*s? after it was created`));
            assert.match(err.message, /pulumi refresh/);
        });

        it("without a recorded create time, the grace period runs from this process's first look", async () => {
            const { backupId } = await rds.startBackup({ instanceId: MYSQL, name: "vanishing2" });
            await h.admin("DELETE", `/backups/${SVC}/${backupId}`);
            await h.advance(NOT_LISTED_GRACE_MS * 2);
            assert.equal((await rds.creationStatus(MYSQL, { backupId })).status, "BUILDING", "first look");
            // The cloud's clock is read from Date headers (whole seconds): two reads may disagree by up to a second.
            await h.advance(NOT_LISTED_GRACE_MS + 2000);
            assert.equal((await rejects(rds.creationStatus(MYSQL, { backupId }))).code, "BackupNotListed");
        });
    });

    describe("list", () => {
        it("validates instance_id, offset and limit", async () => {
            const cases: Array<Record<string, string>> = [{}, { instance_id: MYSQL, limit: "0" }, { instance_id: MYSQL, limit: "101" },
                { instance_id: MYSQL, offset: "-1" }, { instance_id: MYSQL, backup_type: "weekly" }, { instance_id: MYSQL, begin_time: "2024-01-01T00:00:00+0800" }];
            for (const query of cases) {
                const raw = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query });
                assert.equal(raw.status, 400, JSON.stringify(query));
                assert.equal(raw.body.error_code, "DBS.200001");
            }
            assert.deepEqual(await h.calls(SVC, "ListBackups"), { calls: cases.length, mutations: 0 });
        });

        it("pages through every backup with total_count and maps automated ones", async () => {
            for (let i = 0; i < 120; i++) await h.addBackup(SVC, { instanceId: PG, name: `hand_${i}`, sizeBytes: 4096 });
            const auto = await h.addBackup(SVC, { instanceId: PG, mode: "Automated" });
            const all = await rds.listBackups(PG);
            assert.equal(all.length, 121);
            assert.equal((await h.state(SVC)).backups.length, 121);
            assert.equal((await h.calls(SVC, "ListBackups")).calls, 2);
            const a = all.find(b => b.backupId === auto)!;
            assert.equal(a.manual, false);
            assert.equal(a.status, "COMPLETED");
            assert.equal(all.find(b => b.name === "hand_7")?.sizeBytes, 4096);
            const page = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: PG, backup_type: "auto" } });
            assert.equal(page.body.total_count, 1);
            const none = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: PG, backup_id: "unknownbr03" } });
            assert.deepEqual(none.body, { backups: [], total_count: 0 });
        });

        it("finds a backup by name and by id, and not a missing one", async () => {
            const id = await h.addBackup(SVC, { instanceId: MYSQL, name: "adopt_me" });
            assert.equal((await rds.findBackupByName(MYSQL, "adopt_me"))?.backupId, id);
            assert.equal(await rds.findBackupByName(MYSQL, "absent"), undefined);
            assert.equal((await rds.findBackup(MYSQL, id))?.name, "adopt_me");
            assert.equal(await rds.findBackup(MYSQL, "missingbr01"), undefined);
        });
    });

    describe("admin", () => {
        it("refuses to add an instance whose id exists, on both Huawei services, and keeps the old one", async () => {
            const id = await h.addBackup(SVC, { instanceId: MYSQL });
            const again = await h.admin("POST", "/instances", { cloud: "huaweicloud", service: "rds", id: MYSQL, engine: "PostgreSQL" }).catch((e: Error) => e.message);
            assert.match(String(again), /409.*InstanceAlreadyExists/);
            const gemini = { cloud: "huaweicloud", service: "geminidb", id: "0000aaaa0000aaaa0000aaaa0000aaaain06", engine: "cassandra" };
            await h.admin("POST", "/instances", gemini);
            assert.match(String(await h.admin("POST", "/instances", gemini).catch((e: Error) => e.message)), /409.*InstanceAlreadyExists/);
            const state = await h.state(SVC);
            assert.equal(state.instances.find((i: { id: string }) => i.id === MYSQL).engine, "MySQL");
            assert.deepEqual(state.backups.map((b: { id: string }) => b.id), [id]);
        });
    });

    describe("backups the cloud makes (binlog incremental, fragment)", () => {
        it("an instance with logBackup lists its latest binlog backups as incremental, rolling with the clock; the adapter maps them as not manual", async () => {
            await h.patchInstance(SVC, MYSQL, { logBackup: true });
            const list = async (query: Record<string, string> = {}) => (await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL, ...query } })).body;
            const first = await list();
            assert.equal(first.total_count, 12);
            assert.ok(first.backups.every((b: { type: string; status: string }) => b.type === "incremental" && b.status === "COMPLETED"));
            assert.deepEqual((await list()).backups.map((b: { id: string }) => b.id), first.backups.map((b: { id: string }) => b.id), "stable ids");
            await h.advance(10 * 60_000);
            const later = await list({ backup_type: "incremental" });
            assert.equal(later.total_count, 12);
            const kept = later.backups.filter((b: { id: string }) => first.backups.some((f: { id: string }) => f.id === b.id));
            assert.equal(kept.length, 10, "two new binlog backups, the two oldest expired");
            assert.equal((await list({ backup_type: "manual" })).total_count, 0);
            const mapped = await rds.listBackups(MYSQL);
            assert.equal(mapped.length, 12);
            assert.ok(mapped.every(b => !b.manual && b.status === "COMPLETED" && b.cloudStatus === "COMPLETED"));
            assert.equal(await rds.findBackupByName(MYSQL, later.backups[0].name), undefined, "a binlog backup is never taken for one of ours");
            // Binlog backups never make the instance busy.
            const started = await rds.startBackup({ instanceId: MYSQL, name: "manual-1" });
            assert.ok(started.backupId);
        });

        it("refuses to delete incremental and fragment backups, and keeps them", async () => {
            const inc = await h.addBackup(SVC, { instanceId: MYSQL, mode: "Incremental" });
            const frag = await h.addBackup(SVC, { instanceId: MYSQL, mode: "Fragment" });
            const listed = (await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL } })).body.backups;
            assert.deepEqual(listed.map((b: { type: string }) => b.type).sort(), ["fragment", "incremental"]);
            const outcomes = await rds.deleteBackups(MYSQL, [inc, frag]);
            assert.deepEqual(outcomes.map(o => [o.result, o.code]), [["failed", "DBS.200001"], ["failed", "DBS.200001"]]);
            assert.deepEqual((await h.state(SVC)).backups.map((b: { status: string }) => b.status), ["COMPLETED", "COMPLETED"]);
            assert.equal((await rds.findBackup(MYSQL, frag))?.manual, false);
        });
    });

    describe("instance state", () => {
        it("reads the instance's status: running while ACTIVE or BACKING UP, not running when stopped (with what to do)", async () => {
            assert.deepEqual(await rds.instanceState(MYSQL), { state: "ACTIVE", running: true, hint: undefined });
            await rds.startBackup({ instanceId: MYSQL, name: "running-1" });
            assert.deepEqual(await rds.instanceState(MYSQL), { state: "BACKING UP", running: true, hint: undefined });
            await h.admin("PATCH", `/instances/${SVC}/${PG}`, { state: "SHUTDOWN" });
            const stopped = await rds.instanceState(PG);
            assert.deepEqual([stopped?.state, stopped?.running], ["SHUTDOWN", false]);
            assert.match(stopped?.hint ?? "", /start it/);
            await h.admin("PATCH", `/instances/${SVC}/${PG}`, { state: "FROZEN" });
            assert.match((await rds.instanceState(PG))?.hint ?? "", /frozen/);
            assert.equal(await rds.instanceState("0123456789abcdef0123456789abcdefin01"), undefined, "an instance the list does not show");
            assert.deepEqual(await h.calls(SVC, "ListInstances"), { calls: 5, mutations: 0 });
        });

        it("reads the instance's engine from the instance list's datastore.type, one call each", async () => {
            const raw = await h.raw(SVC, "GET", "/v3/{project_id}/instances", { query: { id: MSSQL } });
            assert.deepEqual(raw.body.instances.map((i: { id: string; datastore: unknown }) => [i.id, i.datastore]), [[MSSQL, { type: "SQLServer", version: "2019_SE" }]]);
            assert.deepEqual([await rds.instanceEngine(MYSQL), await rds.instanceEngine(PG), await rds.instanceEngine(MSSQL)], ["MySQL", "PostgreSQL", "SQLServer"]);
            assert.equal(await rds.instanceEngine("0123456789abcdef0123456789abcdefin01"), undefined, "an instance the list does not show");
            assert.deepEqual(await h.calls(SVC, "ListInstances"), { calls: 5, mutations: 0 });
        });
    });

    describe("delete", () => {
        it("single delete answers 200 without a body, shows DELETING, then the backup is gone", async () => {
            const id = await h.addBackup(SVC, { instanceId: MYSQL });
            const raw = await h.raw(SVC, "DELETE", `/v3/{project_id}/backups/${id}`);
            assert.equal(raw.status, 200);
            assert.equal(raw.text, "");
            assert.equal((await h.backup(SVC, id)).status, "DELETING");
            assert.equal((await rds.findBackup(MYSQL, id))?.status, "DELETING");
            await h.advance(11_000);
            assert.equal(await h.backup(SVC, id), undefined);
            assert.equal(await rds.findBackup(MYSQL, id), undefined);
        });

        it("maps each refusal to deleted, blocked or failed without throwing", async () => {
            const [ok, inUse, deleting, auto] = [
                await h.addBackup(SVC, { instanceId: MYSQL }), await h.addBackup(SVC, { instanceId: MYSQL }),
                await h.addBackup(SVC, { instanceId: MYSQL }), await h.addBackup(SVC, { instanceId: MYSQL, mode: "Automated" }),
            ];
            await h.setInUse(SVC, inUse, true);
            await h.raw(SVC, "DELETE", `/v3/{project_id}/backups/${deleting}`);
            const outcomes = await rds.deleteBackups(MYSQL, [ok, inUse, deleting, auto, "gonebr01"]);
            const byId = Object.fromEntries(outcomes.map(o => [o.backupId, o]));
            assert.equal(byId[ok].result, "deleted");
            assert.deepEqual([byId[inUse].result, byId[inUse].code], ["blocked", "DBS.200054"]);
            // Already being deleted (a retried delete meets its own): deleted, as far as the lifecycle is concerned.
            assert.deepEqual([byId[deleting].result, byId[deleting].code], ["deleted", "RDS.3016"]);
            assert.equal(byId[auto].result, "failed");
            assert.deepEqual([byId.gonebr01.result, byId.gonebr01.code], ["deleted", "DBS.201010"]);
            const state = await h.state(SVC);
            assert.equal(state.backups.find(b => b.id === ok).status, "DELETING");
            assert.equal(state.backups.find(b => b.id === inUse).status, "COMPLETED");
            assert.equal(state.backups.find(b => b.id === auto).status, "COMPLETED");
            assert.equal(await rds.maxIdsPerDelete(MYSQL), 1);
            assert.equal((await h.calls(SVC, "BatchDeleteBackups")).calls, 0);
        });

        it("a backup in progress refuses single and batch deletes with 409 DBS.201205; the adapter reports the refusal at once", async () => {
            const [mine, other] = [await h.addBackup(SVC, { instanceId: MYSQL }), await h.addBackup(SVC, { instanceId: MSSQL })];
            await rds.startBackup({ instanceId: MYSQL, name: "running-1" });
            await rds.startBackup({ instanceId: MSSQL, name: "running-2" });
            const raw = await h.raw(SVC, "DELETE", `/v3/{project_id}/backups/${mine}`);
            assert.deepEqual([raw.status, raw.body.error_code], [409, "DBS.201205"]);
            const batch = await h.raw(SVC, "POST", "/v3/{project_id}/backups/batch-delete", { body: { backup_ids: [other] } });
            assert.deepEqual(batch.body.delete_results, [{ backup_id: other, error_code: "DBS.201205", error_msg: `A backup operation is in progress on instance ${MSSQL}. Wait until it finishes.` }]);
            const delays: number[] = [];
            const [single] = await adapter(instantRetry(delays)).deleteBackups(MYSQL, [mine]);
            assert.deepEqual([single.result, single.code], ["failed", "DBS.201205"]);
            assert.ok(rds.isBusy(single), "the outcome is recognised as busy");
            assert.equal(delays.length, 0, "not retried by the adapter: the instance coordinator waits for a free instance");
            await h.advance(BUILD_MS + 1000);
            assert.deepEqual((await rds.deleteBackups(MYSQL, [mine])).map(o => o.result), ["deleted"]);
            assert.deepEqual((await rds.deleteBackups(MSSQL, [other])).map(o => o.result), ["deleted"]);
        });

        it("SQL Server: one batch call with per-id results, chunks of 50", async () => {
            const ids: string[] = [];
            for (let i = 0; i < 53; i++) ids.push(await h.addBackup(SVC, { instanceId: MSSQL }));
            await h.setInUse(SVC, ids[1], true);
            assert.equal(await rds.maxIdsPerDelete(MSSQL), 50);
            const outcomes = await rds.deleteBackups(MSSQL, [...ids, "unknownbr04"]);
            assert.equal(outcomes.length, 54);
            assert.deepEqual(outcomes.filter(o => o.result !== "deleted").map(o => [o.backupId, o.result, o.code]), [[ids[1], "blocked", "DBS.200054"]]);
            assert.deepEqual(await h.calls(SVC, "BatchDeleteBackups"), { calls: 2, mutations: 2 });
            assert.equal((await h.calls(SVC, "DeleteManualBackup")).calls, 0);
            const state = await h.state(SVC);
            assert.equal(state.backups.filter(b => b.status === "DELETING").length, 52);
            assert.equal(state.backups.find(b => b.id === ids[1]).status, "COMPLETED");
        });

        it("batch-delete refuses other engines, empty lists and more than 50 ids", async () => {
            const mysqlId = await h.addBackup(SVC, { instanceId: MYSQL });
            const path = "/v3/{project_id}/backups/batch-delete";
            for (const backup_ids of [[mysqlId], [], Array.from({ length: 51 }, (_, i) => `id${i}`)]) {
                const raw = await h.raw(SVC, "POST", path, { body: { backup_ids } });
                assert.equal(raw.status, 400);
                assert.equal(raw.body.error_code, "DBS.200001");
            }
            assert.equal((await h.backup(SVC, mysqlId)).status, "COMPLETED");
        });
    });

    describe("authentication and gateway behaviour", () => {
        it("rejects a wrong secret with Huawei's error and a message naming the cause, never the secret or signature", async () => {
            const raw = await h.raw(SVC, "POST", "/v3/{project_id}/backups", { body: { instance_id: MYSQL, name: "nightly-1" }, secret: "wrong-secret-value" });
            assert.equal(raw.status, 401);
            assert.ok(raw.requestId);
            // Gateway errors carry the request id in the body too.
            assert.deepEqual(raw.body, { error_code: "APIGW.0301", error_msg: "Incorrect IAM authentication information: verify aksk signature fail", request_id: raw.requestId });
            const bad = adapter(instantRetry(), { secretKey: "wrong-secret-value" });
            const err = await rejects(bad.startBackup({ instanceId: MYSQL, name: "nightly-1" }));
            assert.match(err.message, /APIGW\.0301.*verify aksk signature fail/);
            assert.doesNotMatch(err.message, /wrong-secret-value|Signature=|[0-9a-f]{64}/);
            assert.equal((await h.state(SVC)).backups.length, 0);
            assert.deepEqual(await h.calls(SVC, "CreateManualBackup"), { calls: 2, mutations: 0 });
        });

        it("rejects a stale X-Sdk-Date, a modified body, an unknown key and a missing signature", async () => {
            const body = { instance_id: MYSQL, name: "nightly-1" };
            const stale = await h.raw(SVC, "POST", "/v3/{project_id}/backups", { body, date: new Date(Date.now() - 20 * 60_000) });
            assert.equal(stale.status, 401);
            assert.match(stale.body.error_msg, /15 minutes/);
            const modified = await h.raw(SVC, "POST", "/v3/{project_id}/backups", { body, sentBody: JSON.stringify({ ...body, name: "nightly-2" }) });
            assert.deepEqual([modified.status, modified.body.error_code], [401, "APIGW.0301"]);
            assert.match(modified.body.error_msg, /verify aksk signature fail/);
            const unknown = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL }, accessKey: "NOSUCHKEY" });
            assert.match(unknown.body.error_msg, /ak not exist/);
            assert.doesNotMatch(unknown.body.error_msg, /NOSUCHKEY/);
            const unsigned = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL }, unsigned: true });
            assert.equal(unsigned.status, 401);
            assert.equal((await h.state(SVC)).backups.length, 0);
        });

        it("accepts the emulator's IAM token and refuses others", async () => {
            const tokenAdapter = new HuaweicloudRdsAdapter(h.settings(SVC, { accessKey: undefined, secretKey: undefined, authToken: EMULATOR_IAM_TOKEN }), { retry: instantRetry() });
            const started = await tokenAdapter.startBackup({ instanceId: MYSQL, name: "by-token" });
            assert.equal((await h.backup(SVC, started.backupId!)).name, "by-token");
            const wrong = new HuaweicloudRdsAdapter(h.settings(SVC, { authToken: "not-a-token-xyz" }), { retry: instantRetry() });
            const err = await rejects(wrong.listBackups(MYSQL));
            assert.match(err.message, /decrypt token fail/);
            assert.doesNotMatch(err.message, /not-a-token-xyz/);
        });

        it("answers a foreign project id and an unknown route with 404 APIGW.0101", async () => {
            const foreign = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL }, projectId: "ffffffffffffffffffffffffffffffff" });
            assert.deepEqual([foreign.status, foreign.body.error_code], [404, "APIGW.0101"]);
            assert.match(foreign.body.error_msg, /The API does not exist or has not been published in the environment/);
            assert.equal(foreign.body.request_id, foreign.requestId, "the gateway writes its request id into the body too");
            const route = await h.raw(SVC, "GET", "/v3/{project_id}/nothing-here");
            assert.deepEqual([route.status, route.body.error_code], [404, "APIGW.0101"]);
            assert.ok(route.requestId);
            assert.deepEqual(await h.calls(SVC, "ListBackups"), { calls: 1, mutations: 0 });
        });

        it("a delete with a wrong project id is unconfirmed for every id (the engine lookup meets 404 APIGW.0101); the backups stay", async () => {
            const ids = [await h.addBackup(SVC, { instanceId: MYSQL }), await h.addBackup(SVC, { instanceId: MYSQL })];
            const wrong = adapter(instantRetry(), { projectId: "ffffffffffffffffffffffffffffffff" });
            const outcomes = await wrong.deleteBackups(MYSQL, ids);
            assert.deepEqual(outcomes.map(o => [o.backupId, o.result, o.code]), ids.map(id => [id, "unconfirmed", "APIGW.0101"]));
            assert.match(outcomes[0].message ?? "", /HTTP 404, request [0-9a-f]{32}\)/);
            for (const id of ids) assert.equal((await h.backup(SVC, id)).status, "COMPLETED");
            assert.equal((await h.calls(SVC, "DeleteManualBackup")).calls, 0);
        });

        it("a single delete answered by a 404 without the documented code (an HTML page) is unconfirmed; DBS.201010 is deleted", async () => {
            const id = await h.addBackup(SVC, { instanceId: MYSQL });
            await h.admin("POST", "/faults", { service: SVC, action: "DeleteManualBackup", status: 404, code: "NotFound", html: true, times: 1 });
            assert.deepEqual((await rds.deleteBackups(MYSQL, [id])).map(o => [o.result, o.code]), [["unconfirmed", "HTTP404"]]);
            assert.equal((await h.backup(SVC, id)).status, "COMPLETED");
            assert.deepEqual((await rds.deleteBackups(MYSQL, ["0123456789abcdef0123456789abcdefbr01"])).map(o => [o.result, o.code]), [["deleted", "DBS.201010"]]);
        });

        it("retries throttling (429) and server errors, then succeeds once", async () => {
            await h.fault(SVC, "CreateManualBackup", 429, "APIGW.0308", 2, "The throttling threshold has been reached: policy user over ratelimit, limit:5, time:1 second");
            await h.fault(SVC, "ListBackups", 503, "DBS.108000", 1);
            const delays: number[] = [];
            const patient = adapter(instantRetry(delays));
            const started = await patient.startBackup({ instanceId: MYSQL, name: "throttled-1" });
            assert.equal(delays.length, 2);
            assert.deepEqual(await h.calls(SVC, "CreateManualBackup"), { calls: 3, mutations: 1 });
            assert.equal((await patient.findBackup(MYSQL, started.backupId!))?.name, "throttled-1");
            assert.equal((await h.calls(SVC, "ListBackups")).calls, 2);
            assert.equal((await h.state(SVC)).backups.length, 1);
        });

        it("a gateway's HTML 502/503 page is a transient error with code HTTP<status> and the request id, retried", async () => {
            await h.admin("POST", "/faults", { service: SVC, action: "ListBackups", status: 502, code: "BadGateway", html: true, times: 1 });
            const raw = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL } });
            assert.equal(raw.status, 502);
            assert.match(raw.text, /<html>[\s\S]*502 Bad Gateway/);
            assert.match(raw.requestId ?? "", /^[0-9a-f]{32}$/);
            await h.admin("POST", "/faults", { service: SVC, action: "ListBackups", status: 503, code: "Unavailable", html: true, times: 1 });
            const delays: number[] = [];
            assert.deepEqual(await adapter(instantRetry(delays)).listBackups(MYSQL), []);
            assert.equal(delays.length, 1, "retried once, then answered");
            await h.admin("POST", "/faults", { service: SVC, action: "ListBackups", status: 502, code: "BadGateway", html: true, times: 10 });
            const err = await rejects(rds.listBackups(MYSQL));
            assert.deepEqual([err.code, err.httpStatus, err.kind, err.retryable], ["HTTP502", 502, "transient", true]);
            assert.match(err.requestId ?? "", /^[0-9a-f]{32}$/);
            assert.match(err.message, /HTML page "502 Bad Gateway"/);
            assert.doesNotMatch(err.message, /<html|<center/);
        });

        it("gateway errors carry request_id in the body (service errors do not); the error keeps it", async () => {
            await h.fault(SVC, "ListBackups", 429, "APIGW.0308", 1, "The throttling threshold has been reached: policy user over ratelimit, limit:5, time:1 second");
            const throttled = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: { instance_id: MYSQL } });
            assert.deepEqual([throttled.status, throttled.body.error_code, throttled.body.request_id], [429, "APIGW.0308", throttled.requestId]);
            const service = await h.raw(SVC, "GET", "/v3/{project_id}/backups", { query: {} });
            assert.deepEqual([service.status, service.body.error_code, "request_id" in service.body], [400, "DBS.200001", false]);
            await h.fault(SVC, "ListBackups", 429, "APIGW.0308", 10);
            const err = await rejects(rds.listBackups(MYSQL));
            assert.deepEqual([err.code, err.kind], ["APIGW.0308", "throttling"]);
            assert.match(err.requestId ?? "", /^[0-9a-f]{32}$/);
        });

        it("a connection reset before the service acted changes nothing; after it acted, the change is made and the answer lost", async () => {
            await h.admin("POST", "/faults", { service: SVC, action: "CreateManualBackup", reset: "before" });
            const before = await rejects(adapter({ ...instantRetry(), maxAttempts: 1 }).startBackup({ instanceId: MYSQL, name: "reset-1" }));
            assert.deepEqual([before.code, before.kind], ["NetworkError", "transient"]);
            assert.equal((await h.state(SVC)).backups.length, 0);
            await h.admin("POST", "/faults", { service: SVC, action: "CreateManualBackup", reset: "after" });
            const after = await rejects(adapter({ ...instantRetry(), maxAttempts: 1 }).startBackup({ instanceId: MYSQL, name: "reset-2" }));
            assert.equal(after.code, "NetworkError");
            assert.deepEqual((await h.state(SVC)).backups.map((b: { name: string }) => b.name), ["reset-2"]);
            assert.deepEqual(await h.calls(SVC, "CreateManualBackup"), { calls: 2, mutations: 1 });
        });

        it("gives up after the retry budget with the throttling error", async () => {
            await h.fault(SVC, "ListBackups", 429, "APIGW.0308", 10);
            const err = await rejects(adapter({ ...instantRetry(), maxAttempts: 3 }).listBackups(MYSQL));
            assert.deepEqual([err.code, err.kind, err.httpStatus], ["APIGW.0308", "throttling", 429]);
            assert.equal((await h.calls(SVC, "ListBackups")).calls, 3);
        });
    });

    describe("transport", () => {
        it("turns a refused connection into a transient NetworkError, retried, without the URL", async () => {
            const delays: number[] = [];
            const down = new HuaweicloudRdsAdapter(h.settings(SVC, { endpoint: "http://127.0.0.1:1" }), { retry: { ...instantRetry(delays), maxAttempts: 2 } });
            const err = await rejects(down.listBackups(MYSQL));
            assert.deepEqual([err.code, err.kind, delays.length], ["NetworkError", "transient", 1]);
            assert.doesNotMatch(err.message, /instance_id|http:/);
            assert.equal((await h.calls(SVC, "ListBackups")).calls, 0);
        });

        it("times out a request that gets no answer", async () => {
            const http = await import("http");
            const silent = http.createServer(() => { /* never answers */ });
            await new Promise<void>(resolve => silent.listen(0, "127.0.0.1", resolve));
            const port = (silent.address() as { port: number }).port;
            try {
                const slow = new HuaweicloudRdsAdapter(h.settings(SVC, { endpoint: `http://127.0.0.1:${port}` }), { retry: { ...instantRetry(), maxAttempts: 1 }, timeoutMs: 100 });
                const err = await rejects(slow.listBackups(MYSQL));
                assert.deepEqual([err.code, err.kind], ["RequestTimeout", "transient"]);
            } finally {
                silent.closeAllConnections();
                silent.close();
            }
            assert.equal((await h.calls(SVC, "ListBackups")).calls, 0);
        });
    });
});
