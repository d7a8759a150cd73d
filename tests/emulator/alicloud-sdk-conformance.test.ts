/**
 * Conformance of the emulated Alibaba Cloud RDS with the official clients, used
 * unchanged: `@alicloud/rds20140815` with its default signing (ACS3-HMAC-SHA256)
 * and with signature V1 (`signatureAlgorithm: "v2"`), and `@alicloud/pop-core`.
 * For each backup action the product uses: the documented request, the
 * documented response fields and their types, and the documented refusals.
 */
import { $OpenApiUtil } from "@alicloud/openapi-core";
import Rds, * as $Rds from "@alicloud/rds20140815";
import * as $dara from "@darabonba/typescript";
import * as assert from "assert";
import { randomUUID } from "crypto";
import { DEFAULT_INSTANCE_IDS, startEmulator, type RunningEmulator } from "../../emulator";
import { addRdsInstance, admin, aliTimestamp, expectRdsError, rawAcs3, rds, rdsCalls, rdsClient } from "./alicloud-test-kit";

const QUICKSTART = DEFAULT_INSTANCE_IDS.alicloudQuickstart;

/** The official client bound to the emulator; `v1` selects signature V1 instead of the default V3. */
function officialClient(emu: RunningEmulator, options: { secret?: string; v1?: boolean } = {}): Rds {
    return new Rds(new $OpenApiUtil.Config({
        accessKeyId: emu.accessKeys[0].id,
        accessKeySecret: options.secret ?? emu.accessKeys[0].secret,
        endpoint: new URL(emu.endpoints.alicloudRds).host,
        protocol: "HTTP",
        ...(options.v1 ? { signatureAlgorithm: "v2" } : {}),
    }));
}

/** Runtime options that make the official client sign these headers itself (a chosen date or nonce). */
function withHeaders(headers: Record<string, string>): $dara.RuntimeOptions {
    return new $dara.RuntimeOptions({ extendsParameters: new $dara.ExtendsParameters({ headers }) });
}

/** Asserts an official-client call is rejected with this HTTP status and code. */
async function expectSdkError(call: Promise<unknown>, statusCode: number, code: string): Promise<Error & { data?: Record<string, unknown> }> {
    const err = await call.then(() => undefined, (e: unknown) => e as Error & { statusCode?: number; code?: string; data?: Record<string, unknown> });
    assert.ok(err, `expected ${code}, but the call succeeded`);
    assert.deepStrictEqual({ statusCode: err.statusCode, code: err.code }, { statusCode, code }, err.message);
    return err;
}

/** Moves the emulated clock past the 20 s a job takes at timeScale 1, then reads the job by id. */
async function finishedJob(emu: RunningEmulator, client: Rds, instanceId: string, jobId: string): Promise<$Rds.DescribeBackupTasksResponseBodyItemsBackupJob> {
    await admin(emu, "POST", "/clock/advance", { ms: 21_000 });
    const res = await client.describeBackupTasks(new $Rds.DescribeBackupTasksRequest({ DBInstanceId: instanceId, backupJobId: jobId }));
    const job = res.body?.items?.backupJob?.[0];
    assert.ok(job, `job ${jobId} is listed by id`);
    return job;
}

describe("alicloud RDS emulator: conformance with the official clients", () => {
    let emu: RunningEmulator;
    before(async () => {
        // Real job durations; the clock is moved by the admin API, so no test sleeps.
        emu = await startEmulator({ timeScale: 1 });
    });
    after(() => emu.stop());

    for (const [label, v1] of [["default ACS3-HMAC-SHA256 signing", false], ["signature V1 (signatureAlgorithm v2)", true]] as const) {
        it(`@alicloud/rds20140815 with ${label}: CreateBackup, DescribeBackupTasks, DescribeBackups, DeleteBackup`, async () => {
            const instanceId = v1 ? "rm-sdkconformv1" : "rm-sdkconformv3";
            await addRdsInstance(emu, instanceId);
            const client = officialClient(emu, { v1 });

            const created = await client.createBackup(new $Rds.CreateBackupRequest({ DBInstanceId: instanceId, backupMethod: "Physical" }));
            assert.strictEqual(created.statusCode, 200);
            assert.match(String(created.body?.backupJobId), /^\d+$/);
            assert.strictEqual(typeof created.body?.backupJobId, "string");
            assert.match(String(created.body?.requestId), /^[0-9A-F-]{36}$/);

            const running = await client.describeBackupTasks(new $Rds.DescribeBackupTasksRequest({ DBInstanceId: instanceId }));
            assert.deepStrictEqual(running.body?.items?.backupJob?.map((j) => [j.backupJobId, j.backupStatus, j.backupId]), [[created.body!.backupJobId, "NoStart", ""]],
                "without BackupJobId the running job is listed, its set id not yet known");
            await expectSdkError(client.createBackup(new $Rds.CreateBackupRequest({ DBInstanceId: instanceId })), 400, "BackupJobExists");
            const job = await finishedJob(emu, client, instanceId, created.body!.backupJobId!);
            assert.deepStrictEqual(
                { id: job.backupJobId, status: job.backupStatus, progress: job.backupProgressStatus, mode: job.jobMode, process: job.process, action: job.taskAction },
                { id: created.body!.backupJobId, status: "Finished", progress: "Finished", mode: "Manual", process: "100", action: "TempBackupTask" });
            assert.match(String(job.backupId), /^\d+$/);

            const sets = await client.describeBackups(new $Rds.DescribeBackupsRequest({ DBInstanceId: instanceId, backupId: job.backupId, pageSize: 30, pageNumber: 1 }));
            assert.deepStrictEqual([sets.body?.totalRecordCount, sets.body?.pageNumber, sets.body?.pageRecordCount], ["1", "1", "1"], "counters are strings");
            const set = sets.body!.items!.backup![0];
            assert.strictEqual(set.backupId, job.backupId);
            assert.strictEqual(set.DBInstanceId, instanceId);
            assert.strictEqual(set.backupStatus, "Success");
            assert.strictEqual(set.backupMode, "Manual");
            assert.strictEqual(set.backupMethod, "Physical");
            assert.strictEqual(set.storeStatus, "Enabled");
            assert.strictEqual(typeof set.backupSize, "number");
            assert.strictEqual(typeof set.isAvail, "number");
            assert.match(String(set.backupStartTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
            assert.match(String(set.backupEndTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

            const deleted = await client.deleteBackup(new $Rds.DeleteBackupRequest({ DBInstanceId: instanceId, backupId: job.backupId }));
            assert.strictEqual(deleted.statusCode, 200);
            assert.match(String(deleted.body?.requestId), /^[0-9A-F-]{36}$/);
            const after = await client.describeBackups(new $Rds.DescribeBackupsRequest({ DBInstanceId: instanceId, backupId: job.backupId }));
            assert.deepStrictEqual([after.body?.totalRecordCount, after.body?.items?.backup], ["0", []]);
            assert.strictEqual((await rdsCalls(emu, "DeleteBackup")).mutations >= 1, true);
        });
    }

    it("@alicloud/rds20140815: documented refusals arrive with their HTTP status (the client detects errors by status)", async () => {
        const client = officialClient(emu);
        await expectSdkError(client.describeBackups(new $Rds.DescribeBackupsRequest({ DBInstanceId: "rm-doesnotexist0" })), 404, "InvalidDBInstanceName.NotFound");
        await expectSdkError(client.describeBackups(new $Rds.DescribeBackupsRequest({ DBInstanceId: QUICKSTART, pageSize: 20 })), 403, "InvalidMaxRecordsPerPage.Malformed");
        await expectSdkError(client.deleteBackup(new $Rds.DeleteBackupRequest({ DBInstanceId: QUICKSTART, backupId: "1" })), 404, "InvalidBackupSetID.NotFound");
    });

    describe("signature checks with the official client", () => {
        it("answers a wrong secret with 400 SignatureDoesNotMatch, in V3 and in V1, and changes nothing", async () => {
            const before = await rdsCalls(emu, "CreateBackup");
            for (const v1 of [false, true]) {
                const err = await expectSdkError(officialClient(emu, { secret: "not-the-secret", v1 }).createBackup(new $Rds.CreateBackupRequest({ DBInstanceId: QUICKSTART })),
                    400, "SignatureDoesNotMatch");
                assert.ok(!JSON.stringify(err.data).includes(emu.accessKeys[0].secret), "the error never echoes the secret");
            }
            assert.strictEqual((await rdsCalls(emu, "CreateBackup")).mutations, before.mutations);
        });

        it("answers an x-acs-date more than 15 minutes away with 400 InvalidTimeStamp.Expired", async () => {
            const client = officialClient(emu);
            for (const offsetMs of [-16 * 60_000, 16 * 60_000]) {
                const runtime = withHeaders({ "x-acs-date": aliTimestamp(new Date(Date.now() + offsetMs)) });
                await expectSdkError(client.describeBackupsWithOptions(new $Rds.DescribeBackupsRequest({ DBInstanceId: QUICKSTART }), runtime), 400, "InvalidTimeStamp.Expired");
            }
            const near = withHeaders({ "x-acs-date": aliTimestamp(new Date(Date.now() - 5 * 60_000)) });
            assert.strictEqual((await client.describeBackupsWithOptions(new $Rds.DescribeBackupsRequest({ DBInstanceId: QUICKSTART }), near)).statusCode, 200);
        });

        it("answers a replayed x-acs-signature-nonce with 400 SignatureNonceUsed", async () => {
            const client = officialClient(emu);
            const runtime = withHeaders({ "x-acs-signature-nonce": randomUUID() });
            const request = new $Rds.DescribeBackupTasksRequest({ DBInstanceId: QUICKSTART });
            assert.strictEqual((await client.describeBackupTasksWithOptions(request, runtime)).statusCode, 200);
            await expectSdkError(client.describeBackupTasksWithOptions(request, runtime), 400, "SignatureNonceUsed");
        });

        it("rejects a V3 request whose query or body changed after signing, or that carries an unsigned x-acs header", async () => {
            const ok = await rawAcs3(emu, "DescribeBackups", { DBInstanceId: QUICKSTART });
            assert.strictEqual(ok.status, 200, JSON.stringify(ok.body));
            const query = await rawAcs3(emu, "DescribeBackups", { DBInstanceId: QUICKSTART }, { tamperQuery: { DBInstanceId: DEFAULT_INSTANCE_IDS.alicloudRetention7d } });
            assert.deepStrictEqual([query.status, query.body.Code], [400, "SignatureDoesNotMatch"]);
            const body = await rawAcs3(emu, "DescribeBackups", {}, { body: `DBInstanceId=${DEFAULT_INSTANCE_IDS.alicloudRetention7d}`, signedBody: `DBInstanceId=${QUICKSTART}` });
            assert.deepStrictEqual([body.status, body.body.Code], [400, "SignatureDoesNotMatch"]);
            const formOk = await rawAcs3(emu, "DescribeBackups", {}, { body: `DBInstanceId=${QUICKSTART}` });
            assert.strictEqual(formOk.status, 200, "a signed form body is read like the query");
            const unsigned = await rawAcs3(emu, "DescribeBackups", { DBInstanceId: QUICKSTART }, { unsignedHeaders: { "x-acs-extra": "1" } });
            assert.deepStrictEqual([unsigned.status, unsigned.body.Code], [400, "IncompleteSignature"]);
        });
    });

    describe("@alicloud/pop-core (signature V1)", () => {
        it("CreateBackup, DescribeBackupTasks, DescribeBackups, DeleteBackup", async () => {
            await addRdsInstance(emu, "rm-popconform001");
            const client = rdsClient(emu);
            const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: "rm-popconform001" });
            await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: "rm-popconform001" }), 400, "BackupJobExists");
            await admin(emu, "POST", "/clock/advance", { ms: 21_000 });
            const [job] = (await rds(client, "DescribeBackupTasks", { DBInstanceId: "rm-popconform001", BackupJobId })).Items.BackupJob;
            assert.strictEqual(job.BackupStatus, "Finished");
            const backupId = job.BackupId;
            const listed = await rds(client, "DescribeBackups", { DBInstanceId: "rm-popconform001" });
            assert.deepStrictEqual([listed.TotalRecordCount, listed.Items.Backup[0].BackupId, listed.Items.Backup[0].BackupStatus], ["1", backupId, "Success"]);
            await rds(client, "DeleteBackup", { DBInstanceId: "rm-popconform001", BackupId: backupId });
            assert.strictEqual((await rds(client, "DescribeBackups", { DBInstanceId: "rm-popconform001" })).TotalRecordCount, "0");
        });

        it("answers a wrong secret with 400 SignatureDoesNotMatch", async () => {
            await expectRdsError(rds(rdsClient(emu, { accessKeySecret: "not-the-secret" }), "DescribeBackups", { DBInstanceId: QUICKSTART }), 400, "SignatureDoesNotMatch");
        });
    });
});
