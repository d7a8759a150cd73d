/**
 * Conformance of the emulated Huawei services with Huawei's official Node SDK:
 * `@huaweicloud/huaweicloud-sdk-gaussdbfornosql` through its typed methods, and
 * Huawei RDS (no RDS package is published on npm) through the core SDK's signed
 * client on the documented paths. The SDK signs every request itself; nothing
 * here uses the provider's code. Fields and types asserted are the documented
 * ones (API reference and the SDK's response models).
 */
import { strict as assert } from "assert";
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core";
import { ClientBuilder } from "@huaweicloud/huaweicloud-sdk-core/ClientBuilder";
import type { HcClient } from "@huaweicloud/huaweicloud-sdk-core/HcClient";
import * as nosql from "@huaweicloud/huaweicloud-sdk-gaussdbfornosql";
import { HuaweiTestEmulator } from "../support/huaweicloud-service-server";

// The SDK logs every error answer to stdout at error level; the assertions below read them instead.
(require("@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger") as { Logger4jInstance: { level: string } }).Logger4jInstance.level = "off";

const CASS = "8c1e2d3c4b5a69788796a5b4c3d2e1f0in06";
const MYSQL = "43e4feaab48f11e89039fa163ebaa7e4in01";
const MSSQL = "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04";
const GEM = "huaweicloudGeminidb" as const;
const RDS = "huaweicloudRds" as const;
const BUILD_MS = 20_000;
const RDS_BUILD_MS = 15_000;
const DELETE_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const V3_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const OFFSET_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/;

/** The SDK hands back the parsed JSON; its getters do not see it, so read the wire names. */
type Wire = Record<string, any>;
const wire = (x: unknown): Wire => x as Wire;

/** The SDK's exception fields (ClientRequestException / ServerResponseException). */
interface SdkError { httpStatusCode: number; errorCode?: string; errorMsg?: string; requestId?: string }

async function sdkRejects(p: Promise<unknown>): Promise<SdkError> {
    try { await p; } catch (err) {
        const e = err as SdkError;
        assert.equal(typeof e.httpStatusCode, "number", `not an SDK service exception: ${String(err)}`);
        return e;
    }
    assert.fail("expected the SDK call to fail");
}

function credentials(h: HuaweiTestEmulator, secret?: string): BasicCredentials {
    const key = h.emu.accessKeys[0];
    return new BasicCredentials().withAk(key.id).withSk(secret ?? key.secret).withProjectId(h.projectId);
}

function geminidbClient(h: HuaweiTestEmulator, secret?: string): nosql.GaussDBforNoSQLClient {
    return nosql.GaussDBforNoSQLClient.newBuilder().withCredential(credentials(h, secret)).withEndpoint(h.emu.endpoints[GEM]).build();
}

/** Huawei RDS through the core SDK's signed client (documented paths, JSON bodies). */
class RdsCalls {
    private readonly client: HcClient;
    constructor(h: HuaweiTestEmulator) {
        this.client = new ClientBuilder<HcClient>(hc => hc).withCredential(credentials(h)).withEndpoint(h.emu.endpoints[RDS]).build();
    }
    send(method: string, url: string, o: { query?: Record<string, string | number>; path?: Record<string, string>; body?: unknown } = {}): Promise<Wire> {
        return this.client.sendRequest({
            method, url, contentType: "application/json", queryParams: o.query ?? {}, pathParams: o.path ?? {},
            headers: o.body === undefined ? {} : { "Content-Type": "application/json" }, data: o.body,
        } as never) as Promise<Wire>;
    }
}

describe("Huawei emulator conformance with the official Node SDK", () => {
    let h: HuaweiTestEmulator;
    let gem: nosql.GaussDBforNoSQLClient;

    beforeEach(async () => {
        h = await HuaweiTestEmulator.start({
            instances: [
                { cloud: "huaweicloud", service: "geminidb", id: CASS, engine: "cassandra", name: "sdk-cassandra" },
                { cloud: "huaweicloud", service: "rds", id: MYSQL, engine: "MySQL" },
                { cloud: "huaweicloud", service: "rds", id: MSSQL, engine: "SQLServer" },
            ],
        });
        gem = geminidbClient(h);
    });
    afterEach(() => h.stop());

    const createGeminidb = (name: string, description = "made by the SDK") => gem.createBack(new nosql.CreateBackRequest()
        .withInstanceId(CASS).withBody(new nosql.NoSqlCreateBackupRequestBody().withName(name).withDescription(description)));
    const job = async (id: string) => wire(await gem.listJobs(new nosql.ListJobsRequest().withId(id))).jobs[0] as Wire;

    describe("GeminiDB (gaussdbfornosql)", () => {
        it("createBack answers 202 with job_id and backup_id; listJobs follows the BackupInstance job", async () => {
            const res = wire(await createGeminidb("sdk-backup-1"));
            assert.equal(res.httpStatusCode, 202);
            assert.match(res.job_id, UUID);
            assert.match(res.backup_id, /^[0-9a-f]{32}br06$/);
            const running = await job(res.job_id);
            assert.deepEqual([running.name, running.status, running.instance], ["BackupInstance", "Running", { id: CASS, name: "sdk-cassandra" }]);
            assert.match(running.progress, /^\d+%$/);
            assert.match(running.start_time, OFFSET_TIME);
            assert.equal(running.end_time, "");
            await h.advance(BUILD_MS + 1000);
            const done = await job(res.job_id);
            assert.deepEqual([done.status, done.progress, done.fail_reason], ["Completed", "", ""]);
            assert.match(done.end_time, OFFSET_TIME);
            const jobs = wire(await gem.listJobs(new nosql.ListJobsRequest().withStatus("Completed").withLimit(10)));
            assert.equal(jobs.total_count, 1);
        });

        it("the three list APIs show the documented fields, types and time shapes", async () => {
            const created = wire(await createGeminidb("sdk-backup-1", "nightly"));
            await h.advance(BUILD_MS + 1000);
            const v3 = wire(await gem.showAllInstancesBackups(new nosql.ShowAllInstancesBackupsRequest().withOffset(1).withLimit(10).withInstanceId(CASS)));
            const v31 = wire(await gem.showAllInstancesBackupsNew(new nosql.ShowAllInstancesBackupsNewRequest().withInstanceId(CASS)));
            const v4 = wire(await gem.listBackups(new nosql.ListBackupsRequest().withInstanceId(CASS).withBackupType("Manual")));
            for (const [answer, timeShape] of [[v3, V3_TIME], [v31, OFFSET_TIME], [v4, OFFSET_TIME]] as const) {
                assert.equal(answer.httpStatusCode, 200);
                assert.equal(answer.total_count, 1);
                const b = answer.backups[0];
                assert.deepEqual([b.id, b.name, b.description, b.instance_id, b.instance_name, b.type, b.status],
                    [created.backup_id, "sdk-backup-1", "nightly", CASS, "sdk-cassandra", "Manual", "COMPLETED"]);
                assert.deepEqual(b.datastore, { type: "cassandra", version: "3.11" });
                assert.equal(typeof b.size, "number");
                assert.ok(b.size > 0);
                assert.match(b.begin_time, timeShape);
                assert.match(b.end_time, timeShape);
            }
            assert.equal(v31.backups[0].deletable, true);
            assert.equal("deletable" in v3.backups[0], false);
        });

        it("pages the v3 list by page number and the v3.1/v4 lists by row index", async () => {
            const ids: string[] = [];
            for (let i = 0; i < 5; i++) {
                ids.unshift(await h.addBackup(GEM, { instanceId: CASS, name: `hand_${i}` }));
                await h.advance(1000);
            }
            const ofList = (answer: unknown) => (wire(answer).backups as Wire[]).map(b => b.id);
            assert.deepEqual(ofList(await gem.showAllInstancesBackups(new nosql.ShowAllInstancesBackupsRequest().withOffset(2).withLimit(2).withInstanceId(CASS))), ids.slice(2, 4));
            assert.deepEqual(ofList(await gem.showAllInstancesBackupsNew(new nosql.ShowAllInstancesBackupsNewRequest().withOffset(2).withLimit(2).withInstanceId(CASS))), ids.slice(2, 4));
            assert.deepEqual(ofList(await gem.listBackups(new nosql.ListBackupsRequest().withOffset(1).withLimit(2).withInstanceId(CASS))), ids.slice(1, 3));
            const page0 = await sdkRejects(gem.showAllInstancesBackups(new nosql.ShowAllInstancesBackupsRequest().withOffset(0).withLimit(2)));
            assert.deepEqual([page0.httpStatusCode, page0.errorCode], [400, "DBS.200001"]);
        });

        it("signs time filters with spaces and plus signs the way the emulator verifies them", async () => {
            const id = await h.addBackup(GEM, { instanceId: CASS, name: "hand_1" });
            const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
            const [from, to] = [Date.now() - 86_400_000, Date.now() + 86_400_000];
            const v3 = wire(await gem.showAllInstancesBackups(new nosql.ShowAllInstancesBackupsRequest().withOffset(1).withLimit(10)
                .withBeginTime(iso(from).replace("T", " ")).withEndTime(iso(to).replace("T", " "))));
            const v4 = wire(await gem.listBackups(new nosql.ListBackupsRequest().withBeginTime(`${iso(from)}+0000`).withEndTime(`${iso(to)}+0000`)));
            assert.deepEqual([v3.backups[0].id, v4.backups[0].id], [id, id]);
        });

        it("deleteBackup answers 202 with a job; the backup stays listed until the DeleteBackup job ends", async () => {
            const id = await h.addBackup(GEM, { instanceId: CASS });
            const res = wire(await gem.deleteBackup(new nosql.DeleteBackupRequest().withBackupId(id)));
            assert.equal(res.httpStatusCode, 202);
            assert.match(res.job_id, UUID);
            assert.equal((await job(res.job_id)).name, "DeleteBackup");
            assert.equal(wire(await gem.listBackups(new nosql.ListBackupsRequest().withBackupId(id))).total_count, 1);
            await h.advance(DELETE_MS + 1000);
            assert.equal(wire(await gem.listBackups(new nosql.ListBackupsRequest().withBackupId(id))).total_count, 0);
            const again = await sdkRejects(gem.deleteBackup(new nosql.DeleteBackupRequest().withBackupId(id)));
            assert.deepEqual([again.httpStatusCode, again.errorCode], [400, "DBS.201214"]);
            assert.match(again.requestId ?? "", /^[0-9a-f]{32}$/);
        });

        it("batchDeleteManualBackup answers an empty 200; more than 10 ids is a parameter error", async () => {
            const ids = [await h.addBackup(GEM, { instanceId: CASS }), await h.addBackup(GEM, { instanceId: CASS })];
            const res = wire(await gem.batchDeleteManualBackup(new nosql.BatchDeleteManualBackupRequest()
                .withBody(new nosql.BatchDeleteManualBackupRequestBody().withBackupIds(ids))));
            assert.equal(res.httpStatusCode, 200);
            assert.deepEqual(Object.keys(res).filter(k => k !== "httpStatusCode"), []);
            await h.advance(DELETE_MS + 1000);
            assert.equal(wire(await gem.listBackups(new nosql.ListBackupsRequest().withInstanceId(CASS))).total_count, 0);
            const tooMany = await sdkRejects(gem.batchDeleteManualBackup(new nosql.BatchDeleteManualBackupRequest()
                .withBody(new nosql.BatchDeleteManualBackupRequestBody().withBackupIds(Array.from({ length: 11 }, (_, i) => `b${i}`)))));
            assert.deepEqual([tooMany.httpStatusCode, tooMany.errorCode], [400, "DBS.200001"]);
        });

        it("a running backup job refuses creates, deletes and batch deletes with 403 DBS.200019", async () => {
            const old = await h.addBackup(GEM, { instanceId: CASS });
            await createGeminidb("sdk-backup-1");
            const refusals = [
                await sdkRejects(createGeminidb("sdk-backup-2")),
                await sdkRejects(gem.deleteBackup(new nosql.DeleteBackupRequest().withBackupId(old))),
                await sdkRejects(gem.batchDeleteManualBackup(new nosql.BatchDeleteManualBackupRequest()
                    .withBody(new nosql.BatchDeleteManualBackupRequestBody().withBackupIds([old])))),
            ];
            for (const e of refusals) assert.deepEqual([e.httpStatusCode, e.errorCode], [403, "DBS.200019"]);
            await h.advance(BUILD_MS + 1000);
            assert.equal(wire(await gem.deleteBackup(new nosql.DeleteBackupRequest().withBackupId(old))).httpStatusCode, 202);
        });

        it("listInstances shows the instance's documented status; a frozen instance refuses creates and deletes as busy (403 DBS.200019)", async () => {
            const old = await h.addBackup(GEM, { instanceId: CASS });
            const listed = wire(await gem.listInstances(new nosql.ListInstancesRequest().withId(CASS)));
            assert.equal(listed.total_count, 1);
            const inst = listed.instances[0];
            assert.deepEqual([inst.id, inst.name, inst.status, inst.datastore.type], [CASS, "sdk-cassandra", "normal", "cassandra"]);
            assert.ok(Array.isArray(inst.actions));
            assert.equal(wire(await gem.listInstances(new nosql.ListInstancesRequest().withId("0123456789abcdef0123456789abcdefin06"))).total_count, 0);
            await h.admin("PATCH", `/instances/${GEM}/${CASS}`, { state: "frozen" });
            assert.equal(wire(await gem.listInstances(new nosql.ListInstancesRequest().withId(CASS))).instances[0].status, "frozen");
            const refusals = [await sdkRejects(createGeminidb("sdk-backup-3")), await sdkRejects(gem.deleteBackup(new nosql.DeleteBackupRequest().withBackupId(old)))];
            for (const e of refusals) assert.deepEqual([e.httpStatusCode, e.errorCode], [403, "DBS.200019"]);
            // Only the documented states are accepted.
            await assert.rejects(h.admin("PATCH", `/instances/${GEM}/${CASS}`, { state: "stopped" }), /400 .*state must be one of normal, abnormal/);
        });

        it("gateway answers reach the SDK as its exceptions: throttling with the request id, an HTML 502 as a server error", async () => {
            await h.admin("POST", "/faults", { service: GEM, action: "ListBackups", status: 429, code: "APIGW.0308", message: "The throttling threshold has been reached" });
            const throttled = await sdkRejects(gem.listBackups(new nosql.ListBackupsRequest()));
            assert.deepEqual([throttled.httpStatusCode, throttled.errorCode], [429, "APIGW.0308"]);
            assert.match(throttled.requestId ?? "", /^[0-9a-f]{32}$/);
            await h.admin("POST", "/faults", { service: GEM, action: "ListBackups", status: 502, code: "BadGateway", html: true });
            const page = await sdkRejects(gem.listBackups(new nosql.ListBackupsRequest()));
            assert.equal(page.httpStatusCode, 502);
            assert.equal(page.errorCode, undefined);
            assert.match(page.requestId ?? "", /^[0-9a-f]{32}$/);
        });

        it("refuses a wrong secret with 401 APIGW.0301", async () => {
            const e = await sdkRejects(geminidbClient(h, "not-the-secret").listBackups(new nosql.ListBackupsRequest()));
            assert.deepEqual([e.httpStatusCode, e.errorCode], [401, "APIGW.0301"]);
            assert.match(e.errorMsg ?? "", /verify aksk signature fail/);
        });
    });

    describe("RDS (core SDK signed client)", () => {
        let rds: RdsCalls;
        beforeEach(() => { rds = new RdsCalls(h); });
        const create = (instanceId: string, name: string) => rds.send("POST", "/v3/{project_id}/backups", { body: { instance_id: instanceId, name, description: "sdk" } });
        const list = (query: Record<string, string | number>) => rds.send("GET", "/v3/{project_id}/backups", { query });

        it("creates (200, backup BUILDING, type manual), lists with documented fields and time filters, deletes (200, no body)", async () => {
            const res = await create(MYSQL, "sdk-backup-1");
            assert.equal(res.httpStatusCode, 200);
            assert.deepEqual([res.backup.instance_id, res.backup.name, res.backup.status, res.backup.type], [MYSQL, "sdk-backup-1", "BUILDING", "manual"]);
            assert.match(res.backup.begin_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
            await h.advance(RDS_BUILD_MS + 1000);
            const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
            const listed = await list({ instance_id: MYSQL, begin_time: `${iso(Date.now() - 86_400_000)}+0000`, end_time: `${iso(Date.now() + 86_400_000)}+0000`, offset: 0, limit: 10 });
            assert.equal(listed.total_count, 1);
            const b = listed.backups[0];
            assert.deepEqual([b.id, b.type, b.status, b.datastore.type, b.associated_with_ddm], [res.backup.id, "manual", "COMPLETED", "MySQL", false]);
            assert.equal(typeof b.size, "number");
            assert.match(b.begin_time, OFFSET_TIME);
            assert.match(b.end_time, OFFSET_TIME);
            const deleted = await rds.send("DELETE", "/v3/{project_id}/backups/{backup_id}", { path: { backup_id: b.id } });
            assert.equal(deleted.httpStatusCode, 200);
            assert.equal((await list({ instance_id: MYSQL, backup_id: b.id })).backups[0].status, "DELETING");
        });

        it("SQL Server batch-delete answers per-id results", async () => {
            const id = await h.addBackup(RDS, { instanceId: MSSQL });
            const res = await rds.send("POST", "/v3/{project_id}/backups/batch-delete", { body: { backup_ids: [id, "0123456789abcdef0123456789abcdefbr04"] } });
            assert.equal(res.httpStatusCode, 200);
            const byId = Object.fromEntries((res.delete_results as Wire[]).map(r => [r.backup_id, r]));
            assert.deepEqual([byId[id].error_code, byId[id].error_msg], ["0", "Success"]);
            assert.notEqual(byId["0123456789abcdef0123456789abcdefbr04"].error_code, "0");
        });

        it("the instance list shows the documented status (BACKING UP while a backup builds); a stopped instance refuses creates and deletes", async () => {
            const old = await h.addBackup(RDS, { instanceId: MYSQL });
            const status = async () => {
                const res = await rds.send("GET", "/v3/{project_id}/instances", { query: { id: MYSQL } });
                assert.equal(res.total_count, 1);
                assert.deepEqual([res.instances[0].id, res.instances[0].datastore.type], [MYSQL, "MySQL"]);
                return res.instances[0].status;
            };
            assert.equal(await status(), "ACTIVE");
            await create(MYSQL, "sdk-backup-1");
            assert.equal(await status(), "BACKING UP");
            await h.advance(RDS_BUILD_MS + 1000);
            await h.admin("PATCH", `/instances/${RDS}/${MYSQL}`, { state: "SHUTDOWN" });
            assert.equal(await status(), "SHUTDOWN");
            const refusals = [
                await sdkRejects(create(MYSQL, "sdk-backup-2")),
                await sdkRejects(rds.send("DELETE", "/v3/{project_id}/backups/{backup_id}", { path: { backup_id: old } })),
            ];
            for (const e of refusals) assert.deepEqual([e.httpStatusCode, e.errorCode], [409, "DBS.200011"]);
            await assert.rejects(h.admin("PATCH", `/instances/${RDS}/${MYSQL}`, { state: "Stopped" }), /400 .*state must be one of BUILD, ACTIVE/);
        });

        it("a backup in progress refuses creates and deletes with 409 DBS.201205", async () => {
            const old = await h.addBackup(RDS, { instanceId: MYSQL });
            await create(MYSQL, "sdk-backup-1");
            const refusals = [
                await sdkRejects(create(MYSQL, "sdk-backup-2")),
                await sdkRejects(rds.send("DELETE", "/v3/{project_id}/backups/{backup_id}", { path: { backup_id: old } })),
            ];
            for (const e of refusals) assert.deepEqual([e.httpStatusCode, e.errorCode], [409, "DBS.201205"]);
            await h.advance(RDS_BUILD_MS + 1000);
            assert.equal((await rds.send("DELETE", "/v3/{project_id}/backups/{backup_id}", { path: { backup_id: old } })).httpStatusCode, 200);
        });
    });
});
