/**
 * Emulated Alibaba Cloud RDS over real HTTP with @alicloud/pop-core: the backup
 * lifecycle, each documented error rule, signature V1 checks, pagination,
 * listing lag and persistence. Every test also checks the emulator's own state.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_INSTANCE_IDS, startEmulator, type RunningEmulator } from "../../emulator";
import {
    addHandBackup, addRdsInstance, admin, aliTimestamp, createFinishedBackup, expectRdsError, rawRpc, rds, rdsCalls, rdsClient, rdsState, waitForJob, type RpcClient,
} from "./alicloud-test-kit";

const QUICKSTART = DEFAULT_INSTANCE_IDS.alicloudQuickstart;

describe("alicloud RDS emulator", () => {
    let emu: RunningEmulator;
    let client: RpcClient;
    before(async () => {
        emu = await startEmulator({ timeScale: 0.001 });
        client = rdsClient(emu);
    });
    after(() => emu.stop());

    describe("backup lifecycle", () => {
        it("creates a job, reveals its set once Finished, lists the set and deletes it", async () => {
            const created = await rds(client, "CreateBackup", { DBInstanceId: QUICKSTART, BackupMethod: "Logical", BackupStrategy: "db", DBName: "orders,users" });
            assert.match(created.BackupJobId, /^\d+$/);
            assert.match(created.RequestId, /^[0-9A-F-]{36}$/);

            const job = await waitForJob(client, QUICKSTART, created.BackupJobId);
            assert.deepStrictEqual({ ...job, BackupId: "" }, {
                BackupJobId: created.BackupJobId, BackupId: "", BackupStatus: "Finished", BackupProgressStatus: "Finished",
                JobMode: "Manual", Process: "100", TaskAction: "TempBackupTask",
            });
            assert.match(job.BackupId, /^\d+$/);
            const unfinished = await rds(client, "DescribeBackupTasks", { DBInstanceId: QUICKSTART });
            assert.deepStrictEqual(unfinished.Items.BackupJob, [], "without BackupJobId only unfinished jobs are listed");

            const listed = await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART, BackupId: job.BackupId });
            assert.strictEqual(listed.TotalRecordCount, "1");
            const set = listed.Items.Backup[0];
            assert.strictEqual(set.BackupId, job.BackupId);
            assert.strictEqual(set.BackupStatus, "Success");
            assert.strictEqual(set.StoreStatus, "Enabled");
            assert.strictEqual(set.BackupMode, "Manual");
            assert.strictEqual(set.BackupInitiator, "User");
            assert.strictEqual(set.BackupMethod, "Logical");
            assert.strictEqual(set.BackupType, "FullBackup");
            assert.strictEqual(set.Engine, "MySQL");
            assert.strictEqual(set.EngineVersion, "8.0");
            assert.match(set.BackupStartTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
            assert.match(set.BackupEndTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
            assert.strictEqual(typeof set.BackupSize, "number");

            let state = await rdsState(emu);
            const stored = state.backups.find((b) => b.backupId === job.BackupId);
            assert.deepStrictEqual([stored.origin, stored.jobId, stored.dbNames], ["api", created.BackupJobId, ["orders", "users"]]);
            assert.strictEqual(state.jobs.find((j) => j.jobId === created.BackupJobId).status, "Finished");

            await rds(client, "DeleteBackup", { DBInstanceId: QUICKSTART, BackupId: job.BackupId });
            state = await rdsState(emu);
            assert.strictEqual(state.backups.find((b) => b.backupId === job.BackupId), undefined);
            const after = await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART, BackupId: job.BackupId });
            assert.deepStrictEqual(after.Items.Backup, []);
            assert.deepStrictEqual(await rdsCalls(emu, "DeleteBackup"), { calls: 1, mutations: 1 });
            assert.deepStrictEqual((await rdsCalls(emu, "CreateBackup")).mutations, 1);
        });

        it("ends the job Failed, leaving a set with BackupStatus Failed, when the instance is seeded to fail", async () => {
            await addRdsInstance(emu, "rm-failing0001");
            assert.strictEqual((await admin(emu, "PATCH", "/instances/alicloudRds/rm-failing0001", { failNextBackup: true })).status, 200);
            const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: "rm-failing0001" });
            const job = await waitForJob(client, "rm-failing0001", BackupJobId);
            assert.strictEqual(job.BackupStatus, "Failed");
            assert.match(job.BackupId, /^\d+$/, "the failed job names its set");
            const listed = await rds(client, "DescribeBackups", { DBInstanceId: "rm-failing0001", BackupStatus: "Failed" });
            assert.deepStrictEqual(listed.Items.Backup.map((b: any) => [b.BackupId, b.BackupStatus, b.IsAvail, b.BackupSize]), [[job.BackupId, "Failed", 0, 0]]);
            assert.strictEqual((await rds(client, "DescribeBackups", { DBInstanceId: "rm-failing0001", BackupStatus: "Success" })).Items.Backup.length, 0);
            const state = await rdsState(emu);
            assert.deepStrictEqual(state.backups.filter((b) => b.instanceId === "rm-failing0001").map((b) => [b.jobId, b.status]), [[BackupJobId, "Failed"]]);
            assert.strictEqual(state.instances.find((i) => i.id === "rm-failing0001").failNextBackup, false, "the flag is consumed by one job");
            assert.strictEqual(await createFinishedBackup(client, "rm-failing0001").then((id) => /^\d+$/.test(id)), true);
        });
    });

    describe("CreateBackup rules", () => {
        before(async () => {
            await addRdsInstance(emu, "rm-nodatabases01", { databases: [] });
            await addRdsInstance(emu, "rm-stopped000001", { state: "Stopped" });
            await addRdsInstance(emu, "rm-locked0000001", { lockMode: "ManualLock" });
        });

        const cases: Array<[string, Record<string, unknown>, number, string]> = [
            ["DBInstanceId is missing", {}, 400, "MissingParameter"],
            ["the instance does not exist", { DBInstanceId: "rm-doesnotexist" }, 404, "InvalidDBInstanceName.NotFound"],
            ["BackupMethod is not Logical|Physical|Snapshot", { DBInstanceId: QUICKSTART, BackupMethod: "Incremental" }, 400, "InvalidBackupMethod.ValueNotSupport"],
            ["a Logical backup targets an instance without databases", { DBInstanceId: "rm-nodatabases01", BackupMethod: "Logical" }, 400, "InvalidBackupMethod.ValueNotSupport"],
            ["BackupStrategy is not db|instance", { DBInstanceId: QUICKSTART, BackupStrategy: "table" }, 400, "InvalidParameter"],
            ["BackupType is not Auto|FullBackup", { DBInstanceId: QUICKSTART, BackupType: "IncrementalBackup" }, 400, "BackupType.NotSupport"],
            ["a DBName is malformed", { DBInstanceId: QUICKSTART, DBName: "Orders-DB" }, 400, "InvalidDBName.Format"],
            ["a DBName does not exist on the instance", { DBInstanceId: QUICKSTART, DBName: "orders,payments" }, 404, "InvalidDB.NotFound"],
            ["the instance is not Running", { DBInstanceId: "rm-stopped000001" }, 403, "IncorrectDBInstanceState"],
            ["the instance is locked", { DBInstanceId: "rm-locked0000001" }, 400, "IncorrectDBInstanceLockMode.ValueNotSupported"],
        ];
        for (const [when, params, status, code] of cases) {
            it(`answers ${status} ${code} when ${when}`, async () => {
                const jobsBefore = (await rdsState(emu)).jobs.length;
                const callsBefore = await rdsCalls(emu, "CreateBackup");
                await expectRdsError(rds(client, "CreateBackup", params), status, code);
                assert.strictEqual((await rdsState(emu)).jobs.length, jobsBefore, "no job was created");
                const callsAfter = await rdsCalls(emu, "CreateBackup");
                assert.deepStrictEqual([callsAfter.calls - callsBefore.calls, callsAfter.mutations - callsBefore.mutations], [1, 0]);
            });
        }

        it("answers 403 Exceeded.BackupTimes for the 21st backup of the day, automated sets included", async () => {
            await addRdsInstance(emu, "rm-busy00000001");
            for (let i = 0; i < 10; i++) await addHandBackup(emu, "rm-busy00000001", { mode: "Automated" });
            for (let i = 0; i < 9; i++) await addHandBackup(emu, "rm-busy00000001");
            await createFinishedBackup(client, "rm-busy00000001");
            await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: "rm-busy00000001" }), 403, "Exceeded.BackupTimes");
            const state = await rdsState(emu);
            assert.strictEqual(state.backups.filter((b) => b.instanceId === "rm-busy00000001").length, 20);
            assert.strictEqual(state.jobs.filter((j) => j.instanceId === "rm-busy00000001").length, 1);
        });
    });

    describe("DescribeBackups", () => {
        const PAGED = "rm-paged00000001";
        let ids: string[] = [];
        before(async () => {
            await addRdsInstance(emu, PAGED);
            ids = [];
            // 65 sets, one per day back from today, plus one automated set of today.
            for (let age = 64; age >= 0; age--) ids.unshift(await addHandBackup(emu, PAGED, { ageDays: age + 0.5 }));
            await addHandBackup(emu, PAGED, { mode: "Automated", ageDays: 0 });
        });

        it("pages 30/50/100 at a time, newest first, with string counters", async () => {
            const page1 = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, BackupMode: "Manual" });
            assert.deepStrictEqual([page1.PageNumber, page1.PageRecordCount, page1.TotalRecordCount], ["1", "30", "65"]);
            assert.deepStrictEqual(page1.Items.Backup.map((b: any) => b.BackupId), ids.slice(0, 30));
            const page3 = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, BackupMode: "Manual", PageNumber: 3 });
            assert.deepStrictEqual([page3.PageNumber, page3.PageRecordCount], ["3", "5"]);
            assert.deepStrictEqual(page3.Items.Backup.map((b: any) => b.BackupId), ids.slice(60));
            const page4 = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, BackupMode: "Manual", PageNumber: 4 });
            assert.deepStrictEqual([page4.PageRecordCount, page4.Items.Backup], ["0", []]);
            const big = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, PageSize: 100 });
            assert.deepStrictEqual([big.PageRecordCount, big.TotalRecordCount], ["66", "66"]);
            const fifty = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, PageSize: 50, PageNumber: 2 });
            assert.strictEqual(fifty.PageRecordCount, "16");
            assert.strictEqual((await rdsState(emu)).backups.filter((b) => b.instanceId === PAGED).length, 66);
        });

        it("filters by mode, id and time range (minutes or seconds)", async () => {
            const automated = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, BackupMode: "Automated" });
            assert.strictEqual(automated.TotalRecordCount, "1");
            assert.strictEqual(automated.Items.Backup[0].BackupInitiator, "System");
            const unknown = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, BackupId: "999999999999" });
            assert.deepStrictEqual([unknown.TotalRecordCount, unknown.Items.Backup], ["0", []]);

            const state = await rdsState(emu);
            const target = state.backups.find((b) => b.backupId === ids[10]);
            const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";
            const ranged = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, StartTime: minute(target.startMs - 60_000), EndTime: minute(target.startMs + 60_000) });
            assert.deepStrictEqual(ranged.Items.Backup.map((b: any) => b.BackupId), [ids[10]]);
            const seconds = await rds(client, "DescribeBackups", { DBInstanceId: PAGED, StartTime: aliTimestamp(new Date(target.startMs - 1000)), EndTime: aliTimestamp(new Date(target.startMs + 1000)) });
            assert.deepStrictEqual(seconds.Items.Backup.map((b: any) => b.BackupId), [ids[10]]);
        });

        const cases: Array<[string, Record<string, unknown>, number, string]> = [
            ["DBInstanceId is missing", {}, 400, "MissingParameter"],
            ["the instance does not exist", { DBInstanceId: "rm-doesnotexist" }, 404, "InvalidDBInstanceName.NotFound"],
            ["PageSize is 20", { DBInstanceId: PAGED, PageSize: 20 }, 403, "InvalidMaxRecordsPerPage.Malformed"],
            ["PageSize is 1000", { DBInstanceId: PAGED, PageSize: 1000 }, 403, "InvalidMaxRecordsPerPage.Malformed"],
            ["PageNumber is 0", { DBInstanceId: PAGED, PageNumber: 0 }, 400, "InvalidPageNumbers.Malformed"],
            ["PageNumber is not a number", { DBInstanceId: PAGED, PageNumber: "two" }, 400, "InvalidPageNumbers.Malformed"],
            ["StartTime is malformed", { DBInstanceId: PAGED, StartTime: "2024-01-01 10:00" }, 400, "InvalidStartTime.Format"],
            ["EndTime is malformed", { DBInstanceId: PAGED, EndTime: "2024-02-30T10:00Z" }, 400, "InvalidEndTime.Format"],
            ["EndTime is not after StartTime", { DBInstanceId: PAGED, StartTime: "2024-01-02T00:00Z", EndTime: "2024-01-02T00:00Z" }, 400, "InvalidParameterCombination"],
        ];
        for (const [when, params, status, code] of cases) {
            it(`answers ${status} ${code} when ${when}`, async () => {
                const before = await rdsCalls(emu, "DescribeBackups");
                await expectRdsError(rds(client, "DescribeBackups", params), status, code);
                assert.strictEqual((await rdsCalls(emu, "DescribeBackups")).calls, before.calls + 1);
            });
        }
    });

    describe("DeleteBackup rules", () => {
        before(async () => {
            await addRdsInstance(emu, "rm-delstopped001");
            await addRdsInstance(emu, "rm-dellocked0001");
            await addRdsInstance(emu, "rm-other00000001");
            await addRdsInstance(emu, "rm-logbackup0001", { minDeleteAgeDays: undefined, logBackup: true, logRetentionDays: 3 });
        });

        async function expectDeleteRefused(params: Record<string, unknown>, status: number, code: string, keptIds: string[] = []): Promise<void> {
            const before = await rdsCalls(emu, "DeleteBackup");
            await expectRdsError(rds(client, "DeleteBackup", params), status, code);
            const after = await rdsCalls(emu, "DeleteBackup");
            assert.deepStrictEqual([after.calls - before.calls, after.mutations - before.mutations], [1, 0]);
            const state = await rdsState(emu);
            for (const id of keptIds) assert.ok(state.backups.some((b) => b.backupId === id), `set ${id} must still exist`);
        }

        it("answers 400 ParameterLeastAssociate without DBInstanceId or BackupId", async () => {
            await expectDeleteRefused({ DBInstanceId: QUICKSTART }, 400, "ParameterLeastAssociate");
            const id = await addHandBackup(emu, QUICKSTART);
            await expectDeleteRefused({ BackupId: id }, 400, "ParameterLeastAssociate", [id]);
        });

        it("answers 400 DeleteBackupSetNumExceed for more than 100 ids", async () => {
            const id = await addHandBackup(emu, QUICKSTART);
            const ids = [id, ...Array.from({ length: 100 }, (_, i) => String(900000000 + i))];
            await expectDeleteRefused({ DBInstanceId: QUICKSTART, BackupId: ids.join(",") }, 400, "DeleteBackupSetNumExceed", [id]);
        });

        it("answers 403 IncorrectDBInstanceType on Basic edition and on SQL Server", async () => {
            const basic = await addHandBackup(emu, DEFAULT_INSTANCE_IDS.alicloudPostgresBasic, { ageDays: 30 });
            await expectDeleteRefused({ DBInstanceId: DEFAULT_INSTANCE_IDS.alicloudPostgresBasic, BackupId: basic }, 403, "IncorrectDBInstanceType", [basic]);
            const sql = await addHandBackup(emu, DEFAULT_INSTANCE_IDS.alicloudSqlServer, { ageDays: 30 });
            await expectDeleteRefused({ DBInstanceId: DEFAULT_INSTANCE_IDS.alicloudSqlServer, BackupId: sql }, 403, "IncorrectDBInstanceType", [sql]);
        });

        it("answers 403 IncorrectDBInstanceState when the instance is not Running and 404 IncorrectDBInstanceLockMode when locked", async () => {
            const stopped = await addHandBackup(emu, "rm-delstopped001");
            await admin(emu, "PATCH", "/instances/alicloudRds/rm-delstopped001", { state: "Stopped" });
            await expectDeleteRefused({ DBInstanceId: "rm-delstopped001", BackupId: stopped }, 403, "IncorrectDBInstanceState", [stopped]);
            const locked = await addHandBackup(emu, "rm-dellocked0001");
            await admin(emu, "PATCH", "/instances/alicloudRds/rm-dellocked0001", { lockMode: "LockByExpiration" });
            await expectDeleteRefused({ DBInstanceId: "rm-dellocked0001", BackupId: locked }, 404, "IncorrectDBInstanceLockMode", [locked]);
        });

        it("answers 404 for an unknown instance and for a set that is not the instance's own", async () => {
            const other = await addHandBackup(emu, "rm-other00000001");
            await expectDeleteRefused({ DBInstanceId: "rm-doesnotexist", BackupId: other }, 404, "InvalidDBInstanceName.NotFound", [other]);
            await expectDeleteRefused({ DBInstanceId: QUICKSTART, BackupId: other }, 404, "InvalidBackupSetID.NotFound", [other]);
            await expectDeleteRefused({ DBInstanceId: QUICKSTART, BackupId: "123" }, 404, "InvalidBackupSetID.NotFound");
        });

        it("answers 403 OperationDenied.BackupSetDeleteNotSupport for a set in use (StoreStatus Disabled)", async () => {
            const id = await addHandBackup(emu, QUICKSTART);
            await admin(emu, "POST", `/backups/alicloudRds/${id}/in-use`, { inUse: true });
            await expectDeleteRefused({ DBInstanceId: QUICKSTART, BackupId: id }, 403, "OperationDenied.BackupSetDeleteNotSupport", [id]);
        });

        it("applies the 7-day rule with log backup off and the log retention with it on", async () => {
            const retention = DEFAULT_INSTANCE_IDS.alicloudRetention7d;
            const young = await addHandBackup(emu, retention, { ageDays: 6.9 });
            const old = await addHandBackup(emu, retention, { ageDays: 7.1 });
            await expectDeleteRefused({ DBInstanceId: retention, BackupId: young }, 403, "OperationDenied.BackupSetDeleteNotSupport", [young]);
            await rds(client, "DeleteBackup", { DBInstanceId: retention, BackupId: old });

            const logYoung = await addHandBackup(emu, "rm-logbackup0001", { ageDays: 2 });
            const logOld = await addHandBackup(emu, "rm-logbackup0001", { ageDays: 4 });
            await expectDeleteRefused({ DBInstanceId: "rm-logbackup0001", BackupId: logYoung }, 403, "OperationDenied.BackupSetDeleteNotSupport", [logYoung]);
            await rds(client, "DeleteBackup", { DBInstanceId: "rm-logbackup0001", BackupId: logOld });
            const state = await rdsState(emu);
            assert.deepStrictEqual([old, logOld].filter((id) => state.backups.some((b) => b.backupId === id)), []);
        });

        it("deletes several sets in one call, automated ones included, and refuses the whole call when one set may not go", async () => {
            const a = await addHandBackup(emu, QUICKSTART);
            const b = await addHandBackup(emu, QUICKSTART, { mode: "Automated", ageDays: 1 });
            const busy = await addHandBackup(emu, QUICKSTART);
            await admin(emu, "POST", `/backups/alicloudRds/${busy}/in-use`, { inUse: true });
            await expectDeleteRefused({ DBInstanceId: QUICKSTART, BackupId: `${a},${busy},${b}` }, 403, "OperationDenied.BackupSetDeleteNotSupport", [a, b, busy]);
            await expectDeleteRefused({ DBInstanceId: QUICKSTART, BackupId: `${a},404040404` }, 404, "InvalidBackupSetID.NotFound", [a]);
            await rds(client, "DeleteBackup", { DBInstanceId: QUICKSTART, BackupId: `${a}, ${b}` });
            const state = await rdsState(emu);
            assert.deepStrictEqual([a, b, busy].filter((id) => state.backups.some((s) => s.backupId === id)), [busy]);
        });
    });

    describe("signature and request checks", () => {
        async function expectNoJobCreated(check: () => Promise<void>): Promise<void> {
            const jobs = (await rdsState(emu)).jobs.length;
            const before = await rdsCalls(emu, "CreateBackup");
            await check();
            assert.strictEqual((await rdsState(emu)).jobs.length, jobs, "no job was created");
            assert.strictEqual((await rdsCalls(emu, "CreateBackup")).mutations, before.mutations);
        }

        it("rejects a wrong secret with 400 SignatureDoesNotMatch and the documented error body", async () => {
            await expectNoJobCreated(async () => {
                const bad = rdsClient(emu, { accessKeySecret: "not-the-secret" });
                const { data } = await expectRdsError(rds(bad, "CreateBackup", { DBInstanceId: QUICKSTART }), 400, "SignatureDoesNotMatch");
                assert.deepStrictEqual(Object.keys(data).sort(), ["Code", "HostId", "Message", "Recommend", "RequestId"]);
                assert.strictEqual(data.Recommend, "https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch&product=Rds");
                assert.ok(!String(data.Message).includes("not-the-secret"));
            });
        });

        it("rejects an unknown AccessKeyId with 404 InvalidAccessKeyId.NotFound", async () => {
            await expectNoJobCreated(() => expectRdsError(rds(rdsClient(emu, { accessKeyId: "NOSUCHKEY" }), "CreateBackup", { DBInstanceId: QUICKSTART }), 404, "InvalidAccessKeyId.NotFound").then(() => undefined));
        });

        it("rejects a parameter changed after signing", async () => {
            await expectNoJobCreated(async () => {
                const res = await rawRpc(emu, { Action: "CreateBackup", DBInstanceId: QUICKSTART }, { tamper: { DBInstanceId: DEFAULT_INSTANCE_IDS.alicloudRetention7d } });
                assert.deepStrictEqual([res.status, res.body.Code], [400, "SignatureDoesNotMatch"]);
            });
        });

        it("accepts a request signed by hand once and rejects its replayed nonce with 400 SignatureNonceUsed", async () => {
            const nonce = `nonce-${Date.now()}`;
            const first = await rawRpc(emu, { Action: "DescribeBackupTasks", DBInstanceId: QUICKSTART, SignatureNonce: nonce }, { method: "GET" });
            assert.strictEqual(first.status, 200, JSON.stringify(first.body));
            const replay = await rawRpc(emu, { Action: "DescribeBackupTasks", DBInstanceId: QUICKSTART, SignatureNonce: nonce }, { method: "GET" });
            assert.deepStrictEqual([replay.status, replay.body.Code], [400, "SignatureNonceUsed"]);
            assert.strictEqual((await rdsCalls(emu, "DescribeBackupTasks")).mutations, 0);
        });

        it("rejects stale, future, missing and malformed Timestamps", async () => {
            await expectNoJobCreated(async () => {
                const params = { Action: "CreateBackup", DBInstanceId: QUICKSTART };
                const stale = await rawRpc(emu, { ...params, Timestamp: aliTimestamp(new Date(Date.now() - 16 * 60_000)) });
                assert.deepStrictEqual([stale.status, stale.body.Code], [400, "InvalidTimeStamp.Expired"]);
                const future = await rawRpc(emu, { ...params, Timestamp: aliTimestamp(new Date(Date.now() + 16 * 60_000)) });
                assert.deepStrictEqual([future.status, future.body.Code], [400, "InvalidTimeStamp.Expired"]);
                const missing = await rawRpc(emu, params, { omit: ["Timestamp"] });
                assert.deepStrictEqual([missing.status, missing.body.Code], [400, "MissingParameter"]);
                const malformed = await rawRpc(emu, { ...params, Timestamp: "2024-01-01 10:00:00" });
                assert.deepStrictEqual([malformed.status, malformed.body.Code], [400, "IllegalTimestamp"]);
            });
        });

        it("rejects another API version with 400 InvalidVersion and an unknown action with 404 InvalidAction.NotFound", async () => {
            await expectRdsError(rds(rdsClient(emu, { apiVersion: "2015-01-01" }), "DescribeBackups", { DBInstanceId: QUICKSTART }), 400, "InvalidVersion");
            await expectRdsError(rds(client, "DescribeDBInstances", {}), 404, "InvalidAction.NotFound");
            assert.deepStrictEqual(await rdsCalls(emu, "DescribeDBInstances"), { calls: 1, mutations: 0 });
        });

        it("verifies GET requests whose values need percent-encoding, byte for byte like pop-core", async () => {
            const res = await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART, ResourceGroupId: "rg a+b*c'(d)!~é/&=%" }, "GET");
            assert.strictEqual(res.PageNumber, "1");
            assert.ok((await rdsCalls(emu, "DescribeBackups")).calls >= 1);
        });

        it("accepts every configured access key", async () => {
            const other = await startEmulator({ timeScale: 0.001, accessKeys: [{ id: "KEYONE", secret: "s1" }, { id: "KEYTWO", secret: "s2" }] });
            try {
                const two = rdsClient(other, { accessKeyId: "KEYTWO", accessKeySecret: "s2" });
                await rds(two, "CreateBackup", { DBInstanceId: QUICKSTART });
                assert.strictEqual((await rdsState(other)).jobs.length, 1);
                await expectRdsError(rds(rdsClient(other, { accessKeyId: "KEYONE", accessKeySecret: "s2" }), "DescribeBackups", { DBInstanceId: QUICKSTART }), 400, "SignatureDoesNotMatch");
            } finally {
                await other.stop();
            }
        });
    });
});

describe("alicloud RDS emulator: jobs in progress (timeScale 1, clock advanced by the admin API)", () => {
    let emu: RunningEmulator;
    let client: RpcClient;
    before(async () => {
        emu = await startEmulator({ timeScale: 1 });
        client = rdsClient(emu);
    });
    after(() => emu.stop());

    it("walks NoStart → Preparing → Uploading → Checking → Finished and allows one job at a time", async () => {
        const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: QUICKSTART });
        const task = async (params: Record<string, unknown> = {}) => (await rds(client, "DescribeBackupTasks", { DBInstanceId: QUICKSTART, ...params })).Items.BackupJob;
        assert.deepStrictEqual((await task()).map((j: any) => [j.BackupJobId, j.BackupStatus, j.BackupId]), [[BackupJobId, "NoStart", ""]]);
        assert.strictEqual((await task({ BackupJobStatus: "NoStart" })).length, 1);
        assert.strictEqual((await task({ BackupJobStatus: "Progressing" })).length, 0);
        await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: QUICKSTART }), 400, "BackupJobExists");

        const seen: string[] = [];
        for (const seconds of [4, 8, 5]) {
            await admin(emu, "POST", "/clock/advance", { ms: seconds * 1000 });
            const [job] = await task({ BackupJobId });
            seen.push(job.BackupStatus);
            assert.ok(Number(job.Process) > 0 && Number(job.Process) < 100);
        }
        assert.deepStrictEqual(seen, ["Preparing", "Uploading", "Checking"]);
        assert.strictEqual((await task({ BackupJobStatus: "Progressing" })).length, 1);
        assert.strictEqual((await rdsState(emu)).backups.length, 0, "no set before the job ends");

        await admin(emu, "POST", "/clock/advance", { ms: 3000 });
        assert.deepStrictEqual(await task(), []);
        const [done] = await task({ BackupJobId });
        assert.deepStrictEqual([done.BackupStatus, done.Process], ["Finished", "100"]);
        const state = await rdsState(emu);
        assert.deepStrictEqual(state.backups.map((b) => b.backupId), [done.BackupId]);
        await rds(client, "CreateBackup", { DBInstanceId: QUICKSTART });
        assert.deepStrictEqual(await rdsCalls(emu, "CreateBackup"), { calls: 3, mutations: 2 });
    });
});

describe("alicloud RDS emulator: listing lag (faults.alicloudDescribeLagMs)", () => {
    it("hides a finished job's set from DescribeBackups for the scaled lag", async () => {
        const emu = await startEmulator({ timeScale: 0.001, faults: { alicloudDescribeLagMs: 3_600_000 } });
        try {
            const client = rdsClient(emu);
            const backupId = await createFinishedBackup(client, QUICKSTART);
            const hidden = await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART, BackupId: backupId });
            assert.deepStrictEqual(hidden.Items.Backup, []);
            assert.strictEqual((await rdsState(emu)).backups.find((b) => b.backupId === backupId).visible, false);
            await admin(emu, "POST", "/clock/advance", { ms: 3600 });
            const shown = await rds(client, "DescribeBackups", { DBInstanceId: QUICKSTART, BackupId: backupId });
            assert.strictEqual(shown.Items.Backup[0].BackupId, backupId);
            assert.strictEqual((await rdsState(emu)).backups.find((b) => b.backupId === backupId).visible, true);
        } finally {
            await emu.stop();
        }
    });
});

describe("alicloud RDS emulator: persistence (statePath)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-emulator-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("keeps backups, instances and the clock across a restart and does not re-seed", async () => {
        const statePath = path.join(dir, "state.json");
        const first = await startEmulator({ timeScale: 0.001, statePath });
        const backupId = await createFinishedBackup(rdsClient(first), QUICKSTART);
        await addRdsInstance(first, "rm-handmade00001");
        await admin(first, "POST", "/clock/advance", { hours: 2 });
        await first.stop();
        assert.ok(fs.existsSync(statePath));

        const second = await startEmulator({ timeScale: 0.001, statePath, instances: [{ cloud: "alicloud", id: "rm-notseeded0001", engine: "MySQL" }] });
        try {
            const listed = await rds(rdsClient(second), "DescribeBackups", { DBInstanceId: QUICKSTART, BackupId: backupId });
            assert.strictEqual(listed.Items.Backup[0].BackupId, backupId);
            const state = (await admin(second, "GET", "/state")).body;
            const ids = state.alicloudRds.instances.map((i: any) => i.id);
            assert.ok(ids.includes("rm-handmade00001") && ids.includes(QUICKSTART));
            assert.ok(!ids.includes("rm-notseeded0001"), "a loaded state is not re-seeded");
            assert.strictEqual(state.clock.offsetMs, 2 * 3_600_000);
            // New ids continue after the saved ones instead of colliding with them.
            const next = await createFinishedBackup(rdsClient(second), QUICKSTART);
            assert.ok(Number(next) > Number(backupId));
        } finally {
            await second.stop();
        }
    });

    it("writes the seeded state on stop when nothing else changed", async () => {
        const statePath = path.join(dir, "nested", "state.json");
        const emu = await startEmulator({ timeScale: 0.001, statePath });
        await emu.stop();
        await emu.stop();
        const saved = JSON.parse(fs.readFileSync(statePath, "utf8"));
        assert.strictEqual(saved.version, 1);
        assert.ok(saved.services.alicloudRds.instances.some((i: any) => i.id === QUICKSTART));
    });
});
