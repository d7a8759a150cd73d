/**
 * The emulator's admin API: state and call counts, instances and backups made
 * by hand, deletes behind Pulumi's back, StoreStatus, fault injection and the
 * emulated clock. Driven together with the Alibaba RDS endpoint.
 */
import * as assert from "assert";
import { DEFAULT_ACCESS_KEY, DEFAULT_INSTANCE_IDS, DEFAULT_PROJECT_ID, startEmulator, type RunningEmulator } from "../../emulator";
import {
    addHandBackup, addRdsInstance, admin, createFinishedBackup, expectRdsError, rds, rdsCalls, rdsClient, rdsState, type RpcClient,
} from "./alicloud-test-kit";

const QUICKSTART = DEFAULT_INSTANCE_IDS.alicloudQuickstart;
const RETENTION = DEFAULT_INSTANCE_IDS.alicloudRetention7d;

describe("emulator admin API", () => {
    let emu: RunningEmulator;
    let client: RpcClient;
    beforeEach(async () => {
        emu = await startEmulator({ timeScale: 0.001 });
        client = rdsClient(emu);
    });
    afterEach(() => emu.stop());

    describe("startEmulator", () => {
        it("serves each service on its own port with the documented credentials and seeds the default instances", async () => {
            const urls = [emu.endpoints.alicloudRds, emu.endpoints.huaweicloudRds, emu.endpoints.huaweicloudGeminidb, emu.admin];
            assert.strictEqual(new Set(urls.map((u) => new URL(u).port)).size, 4);
            for (const u of urls) assert.match(u, /^http:\/\/127\.0\.0\.1:\d+$/);
            assert.deepStrictEqual(emu.accessKeys, [DEFAULT_ACCESS_KEY]);
            assert.strictEqual(emu.projectId, DEFAULT_PROJECT_ID);
            const { body } = await admin(emu, "GET", "/state");
            assert.deepStrictEqual(Object.keys(body).sort(), ["alicloudRds", "clock", "huaweicloudGeminidb", "huaweicloudRds"]);
            assert.strictEqual(body.clock.offsetMs, 0);
            const byId = new Map<string, any>(body.alicloudRds.instances.map((i: any) => [i.id, i]));
            assert.deepStrictEqual([...byId.keys()].sort(), [QUICKSTART, DEFAULT_INSTANCE_IDS.alicloudQuickstart2, RETENTION, DEFAULT_INSTANCE_IDS.alicloudPostgresBasic, DEFAULT_INSTANCE_IDS.alicloudSqlServer].sort());
            assert.deepStrictEqual(byId.get(QUICKSTART).databases, ["orders", "users"]);
            assert.strictEqual(byId.get(QUICKSTART).minDeleteAgeDays, 0);
            assert.strictEqual(byId.get(RETENTION).minDeleteAgeDays, undefined);
            assert.strictEqual(byId.get(DEFAULT_INSTANCE_IDS.alicloudPostgresBasic).category, "Basic");
            assert.deepStrictEqual(body.alicloudRds.backups, []);
        });

        it("uses consecutive ports from options.port", async () => {
            const probe = await startEmulator({ timeScale: 0.001 });
            const base = Number(new URL(probe.admin).port) + 10;
            await probe.stop();
            const fixed = await startEmulator({ port: base, instances: [] });
            try {
                assert.deepStrictEqual(
                    [fixed.endpoints.alicloudRds, fixed.endpoints.huaweicloudRds, fixed.endpoints.huaweicloudGeminidb, fixed.admin].map((u) => Number(new URL(u).port)),
                    [base, base + 1, base + 2, base + 3],
                );
                assert.deepStrictEqual((await admin(fixed, "GET", "/state")).body.alicloudRds.instances, []);
            } finally {
                await fixed.stop();
            }
        });
    });

    it("lists its routes and answers 404 JSON for an unknown route and 400 for a body that is not JSON", async () => {
        assert.ok((await admin(emu, "GET", "/")).body.routes.includes("POST /clock/advance"));
        const missing = await admin(emu, "GET", "/nope");
        assert.deepStrictEqual([missing.status, missing.body.error.code], [404, "NotFound"]);
        const wrongMethod = await admin(emu, "PUT", "/state");
        assert.strictEqual(wrongMethod.status, 404);
        const bad = await admin(emu, "POST", "/instances", "{not json");
        assert.deepStrictEqual([bad.status, bad.body.error.code], [400, "InvalidJson"]);
    });

    it("counts calls per service and action, with mutations, and resets them", async () => {
        await createFinishedBackup(client, QUICKSTART);
        await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: "rm-doesnotexist" }), 404, "InvalidDBInstanceName.NotFound");
        const { body } = await admin(emu, "GET", "/calls");
        assert.deepStrictEqual(body.alicloudRds.CreateBackup, { calls: 2, mutations: 1 });
        assert.ok(body.alicloudRds.DescribeBackupTasks.calls >= 1);
        assert.strictEqual(body.alicloudRds.DescribeBackupTasks.mutations, 0);
        assert.deepStrictEqual([body.huaweicloudRds, body.huaweicloudGeminidb], [{}, {}]);
        assert.strictEqual((await admin(emu, "POST", "/calls/reset")).status, 200);
        assert.deepStrictEqual((await admin(emu, "GET", "/calls")).body, { alicloudRds: {}, huaweicloudRds: {}, huaweicloudGeminidb: {} });
    });

    describe("instances", () => {
        it("adds an instance to the service chosen by its cloud and service name", async () => {
            const res = await admin(emu, "POST", "/instances", { cloud: "alicloud", id: "rm-added00000001", engine: "mysql", databases: ["shop"] });
            assert.deepStrictEqual([res.status, res.body], [201, { service: "alicloudRds", id: "rm-added00000001" }]);
            const added = (await rdsState(emu)).instances.find((i) => i.id === "rm-added00000001");
            assert.deepStrictEqual([added.engine, added.engineVersion, added.category, added.state, added.lockMode], ["MySQL", "8.0", "HighAvailability", "Running", "Unlock"]);
            await createFinishedBackup(client, "rm-added00000001", { BackupMethod: "Logical", DBName: "shop" });
        });

        it("refuses a duplicate id (409), a bad spec (400) and an alicloud service that does not exist (400)", async () => {
            assert.strictEqual((await admin(emu, "POST", "/instances", { cloud: "alicloud", id: QUICKSTART, engine: "MySQL" })).status, 409);
            assert.strictEqual((await admin(emu, "POST", "/instances", { cloud: "alicloud", id: "rm-noengine00001" })).status, 400);
            assert.strictEqual((await admin(emu, "POST", "/instances", { cloud: "alicloud", service: "geminidb", id: "x", engine: "cassandra" })).status, 400);
            assert.strictEqual((await admin(emu, "POST", "/instances", { cloud: "aws", id: "x", engine: "MySQL" })).status, 400);
            assert.strictEqual((await rdsState(emu)).instances.length, 5, "nothing was added");
        });

        it("patches an instance so the next call sees it, and 404s on unknown instances or services", async () => {
            const patched = await admin(emu, "PATCH", `/instances/alicloudRds/${QUICKSTART}`, { state: "Stopped" });
            assert.strictEqual(patched.status, 200);
            assert.strictEqual((await rdsState(emu)).instances.find((i) => i.id === QUICKSTART).state, "Stopped");
            await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: QUICKSTART }), 403, "IncorrectDBInstanceState");
            await admin(emu, "PATCH", `/instances/alicloudRds/${QUICKSTART}`, { state: "Running" });
            await createFinishedBackup(client, QUICKSTART);
            assert.strictEqual((await admin(emu, "PATCH", "/instances/alicloudRds/rm-doesnotexist", { state: "Stopped" })).status, 404);
            assert.strictEqual((await admin(emu, "PATCH", `/instances/nosuchservice/${QUICKSTART}`, {})).status, 404);
            assert.strictEqual((await admin(emu, "PATCH", `/instances/alicloudRds/${QUICKSTART}`, { logRetentionDays: "seven" })).status, 400);
        });
    });

    describe("backups made by hand", () => {
        it("adds manual and automated sets, listed at once with the right mode and age", async () => {
            const manual = await addHandBackup(emu, QUICKSTART, { name: "before-migration", ageDays: 3, sizeBytes: 4096 });
            const automated = await addHandBackup(emu, QUICKSTART, { mode: "Automated" });
            const listed = await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART });
            const byId = new Map<string, any>(listed.Items.Backup.map((b: any) => [b.BackupId, b]));
            assert.deepStrictEqual([byId.get(manual).BackupMode, byId.get(manual).BackupInitiator, byId.get(manual).BackupSize], ["Manual", "User", 4096]);
            assert.deepStrictEqual([byId.get(automated).BackupMode, byId.get(automated).BackupInitiator], ["Automated", "System"]);
            const ageDays = (Date.now() - Date.parse(byId.get(manual).BackupEndTime)) / 86_400_000;
            assert.ok(ageDays > 2.99 && ageDays < 3.01, `age ${ageDays}`);
            const state = await rdsState(emu);
            assert.deepStrictEqual(state.backups.map((b) => [b.backupId, b.origin]).sort(), [[manual, "hand"], [automated, "automated"]].sort());
            assert.strictEqual(state.backups.find((b) => b.backupId === manual).name, "before-migration");
        });

        it("refuses a set for an unknown instance (404), without instanceId (400) or for an unknown service (404)", async () => {
            assert.strictEqual((await admin(emu, "POST", "/backups", { service: "alicloudRds", instanceId: "rm-doesnotexist" })).status, 404);
            assert.strictEqual((await admin(emu, "POST", "/backups", { service: "alicloudRds" })).status, 400);
            assert.strictEqual((await admin(emu, "POST", "/backups", { service: "nope", instanceId: QUICKSTART })).status, 404);
            assert.strictEqual((await admin(emu, "POST", "/backups", { service: "alicloudRds", instanceId: QUICKSTART, mode: "Weekly" })).status, 400);
            assert.deepStrictEqual((await rdsState(emu)).backups, []);
        });

        it("deletes a set behind Pulumi's back, then answers 404 for it", async () => {
            const backupId = await createFinishedBackup(client, QUICKSTART);
            const gone = await admin(emu, "DELETE", `/backups/alicloudRds/${backupId}`);
            assert.deepStrictEqual([gone.status, gone.body.deleted], [200, true]);
            assert.deepStrictEqual((await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART, BackupId: backupId })).Items.Backup, []);
            assert.deepStrictEqual((await rdsState(emu)).backups, []);
            assert.strictEqual((await admin(emu, "DELETE", `/backups/alicloudRds/${backupId}`)).status, 404);
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: QUICKSTART, BackupId: backupId }), 404, "InvalidBackupSetID.NotFound");
        });

        it("marks a set in use (StoreStatus Disabled, not deletable) and releases it", async () => {
            const backupId = await addHandBackup(emu, QUICKSTART);
            const storeStatus = async () => (await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART, BackupId: backupId })).Items.Backup[0].StoreStatus;
            assert.strictEqual((await admin(emu, "POST", `/backups/alicloudRds/${backupId}/in-use`, { inUse: true })).status, 200);
            assert.strictEqual(await storeStatus(), "Disabled");
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: QUICKSTART, BackupId: backupId }), 403, "OperationDenied.BackupSetDeleteNotSupport");
            await admin(emu, "POST", `/backups/alicloudRds/${backupId}/in-use`, { inUse: false });
            assert.strictEqual(await storeStatus(), "Enabled");
            await rds(client, "DeleteBackup", { DBInstanceId: QUICKSTART, BackupId: backupId });
            assert.deepStrictEqual((await rdsState(emu)).backups, []);
            assert.strictEqual((await admin(emu, "POST", "/backups/alicloudRds/1/in-use", { inUse: true })).status, 404);
            assert.strictEqual((await admin(emu, "POST", `/backups/alicloudRds/${backupId}/in-use`, { inUse: "yes" })).status, 400);
        });
    });

    describe("faults", () => {
        it("answers the next `times` calls of an action with the injected error, after the signature check", async () => {
            const fault = { service: "alicloudRds", action: "CreateBackup", status: 400, code: "Throttling.User", message: "Request was denied due to user flow control.", times: 2 };
            assert.strictEqual((await admin(emu, "POST", "/faults", fault)).status, 201);
            await expectRdsError(rds(rdsClient(emu, { accessKeySecret: "wrong" }), "CreateBackup", { DBInstanceId: QUICKSTART }), 400, "SignatureDoesNotMatch");
            assert.strictEqual((await admin(emu, "GET", "/faults")).body.faults[0].remaining, 2, "a rejected signature does not consume the fault");
            const { data } = await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: QUICKSTART }), 400, "Throttling.User");
            assert.strictEqual(data.Message, fault.message);
            await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: QUICKSTART }), 400, "Throttling.User");
            assert.deepStrictEqual((await rdsState(emu)).jobs, []);
            await rds(client, "CreateBackup", { DBInstanceId: QUICKSTART });
            assert.strictEqual((await rdsState(emu)).jobs.length, 1);
            assert.deepStrictEqual(await rdsCalls(emu, "CreateBackup"), { calls: 4, mutations: 1 });
            assert.deepStrictEqual((await admin(emu, "GET", "/faults")).body.faults, []);
        });

        it("matches any action with `*`, defaults to one call, and is cleared by DELETE /faults", async () => {
            await admin(emu, "POST", "/faults", { service: "alicloudRds", action: "*", status: 503, code: "ServiceUnavailable" });
            await expectRdsError(rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART }), 503, "ServiceUnavailable");
            await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART });
            await admin(emu, "POST", "/faults", { service: "alicloudRds", action: "DeleteBackup", status: 500, code: "InternalError", times: 5 });
            await admin(emu, "POST", "/faults", { service: "huaweicloudRds", action: "*", status: 500, code: "DBS.200001" });
            const cleared = await admin(emu, "DELETE", "/faults");
            assert.deepStrictEqual([cleared.status, cleared.body.cleared], [200, 2]);
            assert.deepStrictEqual((await admin(emu, "GET", "/faults")).body.faults, []);
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: QUICKSTART, BackupId: "1" }), 404, "InvalidBackupSetID.NotFound");
            assert.deepStrictEqual(await rdsCalls(emu, "DescribeBackups"), { calls: 2, mutations: 0 });
        });

        it("refuses a malformed fault with 400", async () => {
            for (const bad of [{ service: "x", action: "*", status: 500, code: "E" }, { service: "alicloudRds", action: "*", status: 200, code: "E" }, { service: "alicloudRds", action: "*", status: 500 }, { service: "alicloudRds", action: "*", status: 500, code: "E", times: 0 }]) {
                assert.strictEqual((await admin(emu, "POST", "/faults", bad)).status, 400, JSON.stringify(bad));
            }
            assert.deepStrictEqual((await admin(emu, "GET", "/faults")).body.faults, []);
        });
    });

    describe("clock", () => {
        it("advancing the clock makes a fresh set on the 7-day instance deletable", async () => {
            const backupId = await createFinishedBackup(client, RETENTION);
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: RETENTION, BackupId: backupId }), 403, "OperationDenied.BackupSetDeleteNotSupport");
            const advanced = await admin(emu, "POST", "/clock/advance", { days: 6, hours: 23 });
            assert.deepStrictEqual([advanced.status, advanced.body.offsetMs], [200, (6 * 24 + 23) * 3_600_000]);
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: RETENTION, BackupId: backupId }), 403, "OperationDenied.BackupSetDeleteNotSupport");
            await admin(emu, "POST", "/clock/advance", { hours: 1, ms: 1000 });
            await rds(client, "DeleteBackup", { DBInstanceId: RETENTION, BackupId: backupId });
            const state = (await admin(emu, "GET", "/state")).body;
            assert.strictEqual(state.clock.offsetMs, 7 * 86_400_000 + 1000);
            assert.deepStrictEqual(state.alicloudRds.backups, []);
        });

        it("moves only forward and only by numbers", async () => {
            assert.strictEqual((await admin(emu, "POST", "/clock/advance", { days: -1 })).status, 400);
            assert.strictEqual((await admin(emu, "POST", "/clock/advance", { hours: "2" })).status, 400);
            assert.strictEqual((await admin(emu, "GET", "/state")).body.clock.offsetMs, 0);
        });

        it("starts a new backup day, lifting Exceeded.BackupTimes", async () => {
            await addRdsInstance(emu, "rm-daily00000001");
            for (let i = 0; i < 20; i++) await addHandBackup(emu, "rm-daily00000001");
            await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: "rm-daily00000001" }), 403, "Exceeded.BackupTimes");
            await admin(emu, "POST", "/clock/advance", { days: 1 });
            await createFinishedBackup(client, "rm-daily00000001");
            assert.strictEqual((await rdsState(emu)).backups.filter((b) => b.instanceId === "rm-daily00000001").length, 21);
        });
    });
});
