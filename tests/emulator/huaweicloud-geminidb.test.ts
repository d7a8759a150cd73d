import { strict as assert } from "assert";
import { coordinatorFor } from "../../provider/instance";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GEMINIDB_DEFAULT_DESCRIPTION, HuaweicloudGeminidbAdapter } from "../../provider/clouds/huaweicloud/geminidb";
import { CloudError } from "../../provider/core/errors";
import { NOT_LISTED_GRACE_MS } from "../../provider/clouds/huaweicloud/not-listed";
import { HuaweiTestEmulator, instantRetry } from "../support/huaweicloud-service-server";
import type { RetryOptions } from "../../provider/core/retry";

const CASS = "8c1e2d3c4b5a69788796a5b4c3d2e1f0in06";
const MONGO = "9d1e2d3c4b5a69788796a5b4c3d2e1f0in02";
const SVC = "huaweicloudGeminidb" as const;
const BUILD_MS = 20_000;
const DELETE_MS = 10_000;

async function rejects(p: Promise<unknown>): Promise<CloudError> {
    try { await p; } catch (err) { assert.ok(err instanceof CloudError, String(err)); return err; }
    assert.fail("expected a CloudError");
}

describe("Huawei GeminiDB emulator through the adapter", () => {
    let h: HuaweiTestEmulator;
    let gem: HuaweicloudGeminidbAdapter;
    const adapter = (retry: RetryOptions = instantRetry(), overrides = {}) => new HuaweicloudGeminidbAdapter(h.settings(SVC, overrides), { retry });
    const createPath = (id: string) => `/v3/{project_id}/instances/${id}/backups`;

    beforeEach(async () => {
        h = await HuaweiTestEmulator.start({
            instances: [
                { cloud: "huaweicloud", service: "geminidb", id: CASS, engine: "cassandra", name: "hw-cassandra" },
                { cloud: "huaweicloud", service: "geminidb", id: MONGO, engine: "mongodb" },
            ],
        });
        gem = adapter();
    });
    afterEach(() => h.stop());

    describe("create and jobs", () => {
        it("answers 202 with job_id and backup_id, follows the job, then reads the backup", async () => {
            const raw = await h.raw(SVC, "POST", createPath(CASS), { body: { name: "raw-backup", description: "" } });
            assert.equal(raw.status, 202);
            assert.ok(raw.body.job_id && raw.body.backup_id);
            await h.advance(BUILD_MS + 1000);
            const started = await gem.startBackup({ instanceId: CASS, name: "nightly-1" });
            assert.ok(started.jobId && started.backupId);
            const running = await gem.creationStatus(CASS, started);
            assert.deepEqual([running.status, running.cloudStatus], ["BUILDING", "Running"]);
            assert.match(running.progress ?? "", /^\d+%$/);
            const jobs = await h.raw(SVC, "GET", "/v3/{project_id}/jobs", { query: { id: started.jobId! } });
            assert.equal(jobs.body.jobs[0].name, "BackupInstance");
            assert.deepEqual(jobs.body.jobs[0].instance, { id: CASS, name: "hw-cassandra" });
            await h.advance(BUILD_MS + 1000);
            const done = await gem.creationStatus(CASS, started);
            const stored = await h.backup(SVC, started.backupId!);
            assert.equal(stored.status, "COMPLETED");
            assert.equal(stored.description, GEMINIDB_DEFAULT_DESCRIPTION);
            assert.equal(done.status, "COMPLETED");
            assert.equal(done.backup?.manual, true);
            assert.equal(done.backup?.sizeBytes, Math.round(stored.sizeKb * 1024));
            assert.equal((await h.state(SVC)).jobs.find((j: { id: string }) => j.id === started.jobId).status, "Completed");
        });

        it("requires a description and validates name and description", async () => {
            const noDesc = await h.raw(SVC, "POST", createPath(CASS), { body: { name: "nightly-1" } });
            assert.deepEqual([noDesc.status, noDesc.body.error_code], [400, "DBS.200001"]);
            assert.equal((await rejects(gem.startBackup({ instanceId: CASS, name: "9lives" }))).code, "DBS.280277");
            assert.equal((await rejects(gem.startBackup({ instanceId: CASS, name: "nightly-1", description: "a&b" }))).code, "DBS.280127");
            assert.equal((await rejects(gem.startBackup({ instanceId: "nosuchin06", name: "nightly-1" }))).code, "DBS.200002");
            assert.equal((await h.state(SVC)).backups.length, 0);
        });

        it("refuses a duplicate name with 400 DBS.201201", async () => {
            await gem.startBackup({ instanceId: CASS, name: "nightly-1" });
            await h.advance(BUILD_MS + 1000);
            const dup = await rejects(gem.startBackup({ instanceId: CASS, name: "nightly-1" }));
            assert.deepEqual([dup.code, dup.httpStatus], ["DBS.201201", 400]);
            assert.equal((await h.state(SVC)).backups.length, 1);
        });

        it("refuses a second operation with 403 DBS.200019; the lifecycle waits, the adapter does not retry", async () => {
            await gem.startBackup({ instanceId: CASS, name: "first-one" });
            const raw = await h.raw(SVC, "POST", createPath(CASS), { body: { name: "second-one", description: "x" } });
            assert.deepEqual([raw.status, raw.body.error_code], [403, "DBS.200019"]);
            // The adapter surfaces "busy" at once; waiting for the instance is the lifecycle's job (one place for waiting).
            await assert.rejects(gem.startBackup({ instanceId: CASS, name: "second-one" }), (e: unknown) => e instanceof CloudError && gem.isBusy(e) && e.code === "DBS.200019");
            const started = await coordinatorFor(gem, CASS).create({ instanceId: CASS, name: "second-one" }, {
                timeoutMs: 60_000, wait: false, label: "second", log: () => undefined,
                polling: { minDelayMs: 1, sleep: () => h.advance(BUILD_MS + 1000) },
            });
            assert.equal((await h.backup(SVC, started.started.backupId!)).status, "BUILDING");
            assert.equal((await h.calls(SVC, "CreateBackup")).mutations, 2, "exactly two backups were started");
        });

        it("reports a failed job with its fail_reason", async () => {
            await h.patchInstance(SVC, MONGO, { failNextBackup: true });
            const started = await gem.startBackup({ instanceId: MONGO, name: "doomed-1" });
            await h.advance(BUILD_MS + 1000);
            const p = await gem.creationStatus(MONGO, started);
            assert.equal(p.status, "FAILED");
            assert.match(p.failReason ?? "", /Backup failed/);
            assert.equal((await h.backup(SVC, started.backupId!)).status, "FAILED");
        });

        it(`a completed job whose backup is not listed is BUILDING for ${NOT_LISTED_GRACE_MS / 60_000} minutes after the job ended, then BackupNotListed`, async () => {
            const started = await gem.startBackup({ instanceId: CASS, name: "vanishing" });
            assert.ok(started.startedAt, "the create's time on the cloud's clock is kept");
            // The job took BUILD_MS: past the grace period from the create, within it from the job's end, which counts.
            await h.advance(NOT_LISTED_GRACE_MS + BUILD_MS / 2);
            await h.admin("DELETE", `/backups/${SVC}/${started.backupId}`); // gone behind our back
            assert.deepEqual(await gem.creationStatus(CASS, started), { status: "BUILDING", cloudStatus: "Completed", backupId: started.backupId });
            await h.advance(BUILD_MS);
            const err = await rejects(gem.creationStatus(CASS, started));
            assert.deepEqual([err.code, err.kind], ["BackupNotListed", "client"]);
            assert.match(err.message, new RegExp(`backup ${started.backupId} of instance ${CASS} is not in the instance's backup list 5m\\d*s? after its job ${started.jobId} ended`));
        });

        it("keeps backups and jobs across a restart with statePath", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemini-state-"));
            const statePath = path.join(dir, "state.json");
            const instances = [{ cloud: "huaweicloud" as const, service: "geminidb" as const, id: CASS, engine: "cassandra" }];
            const first = await HuaweiTestEmulator.start({ instances, statePath });
            const started = await new HuaweicloudGeminidbAdapter(first.settings(SVC), { retry: instantRetry() }).startBackup({ instanceId: CASS, name: "kept-1" });
            await first.stop();
            const second = await HuaweiTestEmulator.start({ instances, statePath });
            try {
                const state = await second.state(SVC);
                assert.deepEqual(state.backups.map((b: { id: string }) => b.id), [started.backupId]);
                assert.deepEqual(state.jobs.map((j: { id: string }) => j.id), [started.jobId]);
                const again = new HuaweicloudGeminidbAdapter(second.settings(SVC), { retry: instantRetry() });
                assert.equal((await again.findBackup(CASS, started.backupId!))?.name, "kept-1");
            } finally {
                await second.stop();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("lists jobs of the last 30 days by default, or of a window of at most 30 days; the adapter then reads the backup list", async () => {
            const started = await gem.startBackup({ instanceId: CASS, name: "month-old" });
            const byId = async (query: Record<string, string> = {}) => (await h.raw(SVC, "GET", "/v3/{project_id}/jobs", { query: { id: started.jobId!, ...query } })).body;
            assert.equal((await byId()).total_count, 1);
            const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
            const startedAt = Date.now();
            await h.advance(31 * 86_400_000);
            assert.equal((await byId()).total_count, 0, "older than the default window");
            const window = { start_time: `${iso(startedAt - 3_600_000)}Z`, end_time: `${iso(startedAt + 3_600_000)}+0000` };
            assert.equal((await byId(window)).total_count, 1);
            const tooLong = await h.raw(SVC, "GET", "/v3/{project_id}/jobs", { query: { start_time: `${iso(startedAt - 31 * 86_400_000)}Z`, end_time: `${iso(startedAt)}Z` } });
            assert.deepEqual([tooLong.status, tooLong.body.error_code], [400, "DBS.200001"]);
            const progress = await gem.creationStatus(CASS, started);
            assert.deepEqual([progress.status, progress.backup?.name], ["COMPLETED", "month-old"]);
        });

        it("validates the jobs query", async () => {
            const raw = await h.raw(SVC, "GET", "/v3/{project_id}/jobs", { query: { limit: "15" } });
            assert.deepEqual([raw.status, raw.body.error_code], [400, "DBS.200001"]);
            assert.deepEqual(await h.calls(SVC, "ListJobs"), { calls: 1, mutations: 0 });
        });
    });

    describe("list", () => {
        const V3 = "/v3/{project_id}/backups";
        const V31 = "/v3.1/{project_id}/backups";
        const V4 = "/v4/{project_id}/backups";

        it("v3 requires offset and limit, checks backup_type case and shapes items like v3", async () => {
            const id = await h.addBackup(SVC, { instanceId: CASS, name: "hand_1", sizeBytes: 1536 });
            const cases: Array<Record<string, string>> = [{ instance_id: CASS }, { instance_id: CASS, offset: "1" }, { instance_id: CASS, offset: "1", limit: "101" },
                { instance_id: CASS, offset: "0", limit: "10" }, { instance_id: CASS, offset: "1", limit: "10", backup_type: "manual" }];
            for (const query of cases) {
                const raw = await h.raw(SVC, "GET", V3, { query });
                assert.deepEqual([raw.status, raw.body.error_code], [400, "DBS.200001"], JSON.stringify(query));
            }
            const raw = await h.raw(SVC, "GET", V3, { query: { instance_id: CASS, offset: "1", limit: "10", backup_type: "Manual" } });
            const item = raw.body.backups[0];
            assert.equal(raw.body.total_count, 1);
            assert.deepEqual([item.id, item.type, item.status, item.size, item.datastore.type], [id, "Manual", "COMPLETED", 1.5, "cassandra"]);
            assert.match(item.begin_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
            assert.equal("deletable" in item, false);
            assert.equal((await gem.findBackup(CASS, id))?.sizeBytes, 1536);
        });

        it("v3 offset is a page number from 1 (limit is the page size); v3.1 and v4 offsets are row indexes from 0", async () => {
            const ids: string[] = [];
            for (let i = 0; i < 5; i++) {
                ids.unshift(await h.addBackup(SVC, { instanceId: CASS, name: `hand_${i}` }));
                await h.advance(1000);
            }
            const listed = async (path: string, query: Record<string, string>) => {
                const raw = await h.raw(SVC, "GET", path, { query: { instance_id: CASS, ...query } });
                assert.equal(raw.status, 200, raw.text);
                assert.equal(raw.body.total_count, 5);
                return raw.body.backups.map((b: { id: string }) => b.id);
            };
            assert.deepEqual(await listed(V3, { offset: "1", limit: "2" }), ids.slice(0, 2));
            assert.deepEqual(await listed(V3, { offset: "2", limit: "2" }), ids.slice(2, 4));
            assert.deepEqual(await listed(V3, { offset: "3", limit: "2" }), ids.slice(4));
            for (const path of [V31, V4]) {
                assert.deepEqual(await listed(path, {}), ids);
                assert.deepEqual(await listed(path, { offset: "1", limit: "2" }), ids.slice(1, 3));
                assert.deepEqual(await listed(path, { offset: "4" }), ids.slice(4));
                const bad = await h.raw(SVC, "GET", path, { query: { offset: "-1" } });
                assert.deepEqual([bad.status, bad.body.error_code], [400, "DBS.200001"]);
            }
        });

        it("v3.1 and v4 write times with +0000, v3.1 tells whether a backup is deletable, type=DatabaseTable finds no instance backup", async () => {
            const manual = await h.addBackup(SVC, { instanceId: CASS, name: "hand_1" });
            const auto = await h.addBackup(SVC, { instanceId: CASS, mode: "Automated" });
            const v31 = await h.raw(SVC, "GET", V31, { query: { instance_id: CASS } });
            const byId = Object.fromEntries(v31.body.backups.map((b: { id: string }) => [b.id, b]));
            assert.deepEqual([byId[manual].deletable, byId[auto].deletable], [true, false]);
            assert.match(byId[manual].begin_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
            const v4 = await h.raw(SVC, "GET", V4, { query: { instance_id: CASS, backup_type: "Manual" } });
            assert.deepEqual(v4.body.backups.map((b: { id: string }) => b.id), [manual]);
            assert.equal("deletable" in v4.body.backups[0], false);
            assert.match(v4.body.backups[0].end_time, /\+0000$/);
            const tables = await h.raw(SVC, "GET", V4, { query: { instance_id: CASS, type: "DatabaseTable" } });
            assert.deepEqual([tables.status, tables.body.total_count], [200, 0]);
            const badType = await h.raw(SVC, "GET", V4, { query: { type: "Table" } });
            assert.deepEqual([badType.status, badType.body.error_code], [400, "DBS.200001"]);
        });

        it("filters by begin_time/end_time in each version's documented shape", async () => {
            await h.addBackup(SVC, { instanceId: CASS, name: "old_one", ageDays: 3 });
            const recent = await h.addBackup(SVC, { instanceId: CASS, name: "new_one" });
            const now = Date.now();
            const day = 86_400_000;
            const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
            const v4 = await h.raw(SVC, "GET", V4, { query: { begin_time: `${iso(now - day)}+0000`, end_time: `${iso(now + day)}+0000` } });
            assert.deepEqual(v4.body.backups.map((b: { id: string }) => b.id), [recent]);
            const v3 = await h.raw(SVC, "GET", V3, { query: { offset: "1", limit: "10", begin_time: iso(now - day).replace("T", " "), end_time: iso(now + day).replace("T", " ") } });
            assert.deepEqual(v3.body.backups.map((b: { id: string }) => b.id), [recent]);
            const badWindows: Array<Record<string, string>> = [{ begin_time: `${iso(now)}+0000` }, { begin_time: iso(now).replace("T", " "), end_time: iso(now + day).replace("T", " ") }];
            for (const query of badWindows) {
                const raw = await h.raw(SVC, "GET", V4, { query });
                assert.deepEqual([raw.status, raw.body.error_code], [400, "DBS.200001"], JSON.stringify(query));
            }
        });

        it("Cassandra incremental and differential backups show in the v3 list only, and are never deletable", async () => {
            const inc = await h.addBackup(SVC, { instanceId: CASS, mode: "Incremental" });
            const diff = await h.addBackup(SVC, { instanceId: CASS, mode: "Differential" });
            const full = await h.addBackup(SVC, { instanceId: CASS });
            const v3 = await h.raw(SVC, "GET", V3, { query: { instance_id: CASS, offset: "1", limit: "10" } });
            assert.deepEqual(v3.body.backups.map((b: { type: string }) => b.type).sort(), ["Differential", "Incremental", "Manual"]);
            const onlyInc = await h.raw(SVC, "GET", V3, { query: { instance_id: CASS, offset: "1", limit: "10", backup_type: "Incremental" } });
            assert.deepEqual(onlyInc.body.backups.map((b: { id: string }) => b.id), [inc]);
            assert.deepEqual((await gem.listBackups(CASS)).map(b => b.backupId), [full], "v4 lists full backups only");
            const refused = await h.raw(SVC, "DELETE", `/v3/{project_id}/backups/${diff}`);
            assert.deepEqual([refused.status, refused.body.error_code], [400, "DBS.200001"]);
            const bad = await h.admin("POST", "/backups", { service: SVC, instanceId: MONGO, mode: "Incremental" }).catch((e: Error) => e.message);
            assert.match(String(bad), /400.*Cassandra/);
        });

        it("the adapter pages through all backups with the v4 list, filters by datastore_type and maps Auto", async () => {
            for (let i = 0; i < 105; i++) await h.addBackup(SVC, { instanceId: CASS, name: `hand_${i}` });
            const auto = await h.addBackup(SVC, { instanceId: MONGO, mode: "Automated" });
            const all = await gem.listBackups(CASS);
            assert.equal(all.length, 105);
            assert.equal(new Set(all.map(b => b.backupId)).size, 105);
            assert.equal((await h.calls(SVC, "ListBackups")).calls, 2);
            assert.equal((await h.calls(SVC, "ShowAllInstancesBackups")).calls, 0);
            assert.equal((await gem.listBackups(MONGO)).find(b => b.backupId === auto)?.manual, false);
            const mongo = await h.raw(SVC, "GET", V3, { query: { datastore_type: "mongodb", offset: "1", limit: "100" } });
            assert.deepEqual(mongo.body.backups.map((b: { id: string }) => b.id), [auto]);
            assert.equal((await gem.findBackupByName(CASS, "hand_3"))?.name, "hand_3");
            assert.equal((await h.state(SVC)).backups.length, 106);
        });
    });

    describe("instance state", () => {
        it("reads the instance's status: running while normal, not running when frozen or abnormal (with what to do)", async () => {
            assert.deepEqual(await gem.instanceState(CASS), { state: "normal", running: true, hint: undefined });
            await h.admin("PATCH", `/instances/${SVC}/${MONGO}`, { state: "frozen" });
            const frozen = await gem.instanceState(MONGO);
            assert.deepEqual([frozen?.state, frozen?.running], ["frozen", false]);
            assert.match(frozen?.hint ?? "", /top up/);
            await h.admin("PATCH", `/instances/${SVC}/${MONGO}`, { state: "abnormal" });
            assert.equal((await gem.instanceState(MONGO))?.running, false);
            assert.equal(await gem.instanceState("0123456789abcdef0123456789abcdefin06"), undefined, "an instance the list does not show");
        });
    });

    describe("delete", () => {
        it("single delete answers 202 with a job; the backup stays listed until the job ends", async () => {
            const id = await h.addBackup(SVC, { instanceId: CASS });
            const raw = await h.raw(SVC, "DELETE", `/v3/{project_id}/backups/${id}`);
            assert.equal(raw.status, 202);
            assert.ok(raw.body.job_id);
            assert.equal((await gem.findBackup(CASS, id))?.status, "COMPLETED");
            assert.equal((await h.state(SVC)).jobs.find((j: { id: string }) => j.id === raw.body.job_id).name, "DeleteBackup");
            await h.advance(DELETE_MS + 1000);
            assert.equal(await h.backup(SVC, id), undefined);
            const again = await h.raw(SVC, "DELETE", `/v3/{project_id}/backups/${id}`);
            assert.deepEqual([again.status, again.body.error_code], [400, "DBS.201214"]);
        });

        it("batch deletes up to 10 ids per call with an empty 200", async () => {
            const ids: string[] = [];
            for (let i = 0; i < 13; i++) ids.push(await h.addBackup(SVC, { instanceId: CASS }));
            assert.equal(await gem.maxIdsPerDelete(CASS), 10);
            const outcomes = await gem.deleteBackups(CASS, ids);
            assert.ok(outcomes.every(o => o.result === "deleted"));
            assert.deepEqual(await h.calls(SVC, "BatchDeleteBackups"), { calls: 2, mutations: 2 });
            assert.equal((await h.calls(SVC, "DeleteBackup")).calls, 0);
            assert.equal((await h.state(SVC)).jobs.filter((j: { name: string; status: string }) => j.name === "DeleteBackup" && j.status === "Running").length, 13);
            await h.advance(DELETE_MS + 1000);
            assert.equal((await h.state(SVC)).backups.length, 0);
        });

        it("batch delete is all-or-nothing and rejects 0 or 11 ids", async () => {
            const [a, b] = [await h.addBackup(SVC, { instanceId: CASS }), await h.addBackup(SVC, { instanceId: CASS })];
            await h.setInUse(SVC, b, true);
            const path = "/v3/{project_id}/instances/backups";
            const refused = await h.raw(SVC, "DELETE", path, { body: { backup_ids: [a, b] } });
            assert.deepEqual([refused.status, refused.body.error_code], [400, "DBS.201319"]);
            assert.match(refused.body.error_msg, new RegExp(b));
            for (const backup_ids of [[], Array.from({ length: 11 }, (_, i) => `id${i}`)]) {
                const raw = await h.raw(SVC, "DELETE", path, { body: { backup_ids } });
                assert.deepEqual([raw.status, raw.body.error_code], [400, "DBS.200001"]);
            }
            const state = await h.state(SVC);
            assert.equal(state.jobs.length, 0);
            assert.equal(state.backups.length, 2);
        });

        it("a running backup job refuses deletes and batch deletes with 403 DBS.200019; a busy batch is not replayed id by id", async () => {
            const [a, b] = [await h.addBackup(SVC, { instanceId: CASS }), await h.addBackup(SVC, { instanceId: CASS })];
            await gem.startBackup({ instanceId: CASS, name: "running-1" });
            const single = await h.raw(SVC, "DELETE", `/v3/{project_id}/backups/${a}`);
            assert.deepEqual([single.status, single.body.error_code], [403, "DBS.200019"]);
            const outcomes = await gem.deleteBackups(CASS, [a, b]);
            assert.deepEqual(outcomes.map(o => [o.result, o.code]), [["failed", "DBS.200019"], ["failed", "DBS.200019"]]);
            assert.ok(outcomes.every(o => gem.isBusy(o)), "the outcomes are recognised as busy");
            assert.equal((await h.calls(SVC, "BatchDeleteBackups")).calls, 1, "not retried by the adapter: the instance coordinator waits for a free instance");
            assert.equal((await h.calls(SVC, "DeleteBackup")).calls, 1, "only the raw call above");
            await h.advance(BUILD_MS + 1000);
            assert.deepEqual((await gem.deleteBackups(CASS, [a, b])).map(o => o.result), ["deleted", "deleted"]);
        });

        it("a wrong project id's 404 APIGW.0101 is unconfirmed for every id, single or batch, never replayed id by id; the backups stay", async () => {
            const [a, b] = [await h.addBackup(SVC, { instanceId: CASS }), await h.addBackup(SVC, { instanceId: CASS })];
            const wrong = adapter(instantRetry(), { projectId: "ffffffffffffffffffffffffffffffff" });
            const batch = await wrong.deleteBackups(CASS, [a, b]);
            assert.deepEqual(batch.map(o => [o.backupId, o.result, o.code]), [[a, "unconfirmed", "APIGW.0101"], [b, "unconfirmed", "APIGW.0101"]]);
            assert.match(batch[0].message ?? "", /HTTP 404, request [0-9a-f]{32}\)/);
            assert.deepEqual((await wrong.deleteBackups(CASS, [a])).map(o => [o.result, o.code]), [["unconfirmed", "APIGW.0101"]]);
            assert.equal((await h.calls(SVC, "BatchDeleteBackups")).calls, 1);
            assert.equal((await h.calls(SVC, "DeleteBackup")).calls, 1, "the refused batch is not replayed singly");
            await h.advance(DELETE_MS + 1000);
            const state = await h.state(SVC);
            assert.deepEqual(state.backups.map((x: { id: string }) => x.id).sort(), [a, b].sort());
            assert.equal(state.jobs.length, 0, "no delete job started");
        });

        it("a 404 HTML page (HTTP404) from in front of the service is unconfirmed, not deleted", async () => {
            const id = await h.addBackup(SVC, { instanceId: CASS });
            await h.admin("POST", "/faults", { service: SVC, action: "DeleteBackup", status: 404, code: "NotFound", html: true, times: 1 });
            const [o] = await gem.deleteBackups(CASS, [id]);
            assert.deepEqual([o.result, o.code], ["unconfirmed", "HTTP404"]);
            assert.match(o.message ?? "", /404 Not Found.*request [0-9a-f]{32}/);
            assert.ok(await h.backup(SVC, id));
        });

        it("a refused batch falls back to single deletes to learn each id's outcome", async () => {
            const [ok1, inUse, ok2] = [await h.addBackup(SVC, { instanceId: CASS }), await h.addBackup(SVC, { instanceId: CASS }), await h.addBackup(SVC, { instanceId: CASS })];
            await h.setInUse(SVC, inUse, true);
            const outcomes = await gem.deleteBackups(CASS, [ok1, inUse, "unknownbr06", ok2]);
            const byId = Object.fromEntries(outcomes.map(o => [o.backupId, o]));
            assert.deepEqual([byId[ok1].result, byId[ok2].result], ["deleted", "deleted"]);
            assert.deepEqual([byId[inUse].result, byId[inUse].code], ["blocked", "DBS.201319"]);
            assert.deepEqual([byId.unknownbr06.result, byId.unknownbr06.code], ["deleted", "DBS.201214"]);
            assert.deepEqual(await h.calls(SVC, "BatchDeleteBackups"), { calls: 1, mutations: 0 });
            assert.deepEqual(await h.calls(SVC, "DeleteBackup"), { calls: 4, mutations: 2 });
            await h.advance(DELETE_MS + 1000);
            assert.deepEqual((await h.state(SVC)).backups.map((b: { id: string }) => b.id), [inUse]);
        });
    });

    describe("authentication and throttling", () => {
        it("rejects a wrong secret, a stale date and a modified body with APIGW.0301", async () => {
            const body = { name: "nightly-1", description: "d" };
            const wrong = await h.raw(SVC, "POST", createPath(CASS), { body, secret: "wrong-secret-value" });
            const stale = await h.raw(SVC, "POST", createPath(CASS), { body, date: new Date(Date.now() + 16 * 60_000) });
            const modified = await h.raw(SVC, "POST", createPath(CASS), { body, sentBody: JSON.stringify({ ...body, description: "e" }) });
            for (const r of [wrong, stale, modified]) assert.deepEqual([r.status, r.body.error_code], [401, "APIGW.0301"]);
            assert.match(stale.body.error_msg, /15 minutes/);
            const err = await rejects(adapter(instantRetry(), { secretKey: "wrong-secret-value" }).startBackup({ instanceId: CASS, name: "nightly-1" }));
            assert.match(err.message, /Huawei Cloud GeminiDB .*APIGW\.0301: Incorrect IAM authentication information: verify aksk signature fail \(HTTP 401/);
            assert.doesNotMatch(err.message, /wrong-secret-value|Signature=/);
            assert.equal((await h.state(SVC)).backups.length, 0);
        });

        it("retries 429 DBS.280443 on job polling", async () => {
            const started = await gem.startBackup({ instanceId: CASS, name: "nightly-1" });
            await h.fault(SVC, "ListJobs", 429, "DBS.280443", 2);
            const delays: number[] = [];
            const p = await adapter(instantRetry(delays)).creationStatus(CASS, started);
            assert.equal(p.status, "BUILDING");
            assert.equal(delays.length, 2);
            assert.deepEqual(await h.calls(SVC, "ListJobs"), { calls: 3, mutations: 0 });
            assert.equal((await h.backup(SVC, started.backupId!)).status, "BUILDING");
        });
    });
});
