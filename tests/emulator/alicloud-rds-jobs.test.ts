/**
 * Emulated Alibaba Cloud RDS backup jobs over time (timeScale 1, the clock moved
 * by the admin API): how long a finished job stays listed, one operation at a
 * time per instance, automated-backup windows and failed jobs.
 */
import * as assert from "assert";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { addRdsInstance, admin, expectRdsError, rds, rdsClient, rdsState, type RpcClient } from "./alicloud-test-kit";

/** A job lasts 20 s at timeScale 1. */
const JOB_MS = 20_000;

async function advance(emu: RunningEmulator, ms: number): Promise<void> {
    assert.strictEqual((await admin(emu, "POST", "/clock/advance", { ms })).status, 200);
}

async function taskById(client: RpcClient, instanceId: string, jobId: string): Promise<any[]> {
    return (await rds(client, "DescribeBackupTasks", { DBInstanceId: instanceId, BackupJobId: jobId })).Items.BackupJob;
}

describe("alicloud RDS emulator: jobs over time", () => {
    let emu: RunningEmulator;
    let client: RpcClient;
    beforeEach(async () => {
        emu = await startEmulator({ timeScale: 1 });
        client = rdsClient(emu);
    });
    afterEach(() => emu.stop());

    describe("finished jobs do not last", () => {
        it("lists a finished job by id for 60 minutes by default, then no more; its set stays", async () => {
            await addRdsInstance(emu, "rm-jobttl00001");
            const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: "rm-jobttl00001" });
            await advance(emu, JOB_MS + 59 * 60_000);
            const [job] = await taskById(client, "rm-jobttl00001", BackupJobId);
            assert.strictEqual(job.BackupStatus, "Finished");
            await advance(emu, 2 * 60_000);
            assert.deepStrictEqual(await taskById(client, "rm-jobttl00001", BackupJobId), []);
            const sets = await rds(client, "DescribeBackups", { DBInstanceId: "rm-jobttl00001" });
            assert.deepStrictEqual(sets.Items.Backup.map((b: any) => b.BackupId), [job.BackupId]);
        });

        it("follows the instance setting taskRetentionMinutes (0: gone as soon as it ends), patchable", async () => {
            await addRdsInstance(emu, "rm-jobttl00002", { taskRetentionMinutes: 0 });
            const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: "rm-jobttl00002" });
            assert.strictEqual((await taskById(client, "rm-jobttl00002", BackupJobId)).length, 1, "listed while it runs");
            await advance(emu, JOB_MS + 1000);
            assert.deepStrictEqual(await taskById(client, "rm-jobttl00002", BackupJobId), []);
            assert.strictEqual((await admin(emu, "PATCH", "/instances/alicloudRds/rm-jobttl00002", { taskRetentionMinutes: 10 })).status, 200);
            assert.strictEqual((await taskById(client, "rm-jobttl00002", BackupJobId)).length, 1, "a longer retention shows it again");
            const bad = await admin(emu, "PATCH", "/instances/alicloudRds/rm-jobttl00002", { taskRetentionMinutes: -1 });
            assert.deepStrictEqual([bad.status, /taskRetentionMinutes/.test(JSON.stringify(bad.body))], [400, true]);
        });

        it("takes its default from the emulator option faults.alicloudTaskRetentionMinutes", async () => {
            await emu.stop();
            emu = await startEmulator({ timeScale: 1, faults: { alicloudTaskRetentionMinutes: 5 } });
            client = rdsClient(emu);
            await addRdsInstance(emu, "rm-jobttl00003");
            const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: "rm-jobttl00003" });
            await advance(emu, JOB_MS + 4 * 60_000);
            assert.strictEqual((await taskById(client, "rm-jobttl00003", BackupJobId)).length, 1);
            await advance(emu, 2 * 60_000);
            assert.deepStrictEqual(await taskById(client, "rm-jobttl00003", BackupJobId), []);
            assert.strictEqual((await rdsState(emu)).jobs.length, 1, "the admin state still shows the job");
        });
    });

    describe("one operation at a time", () => {
        it("answers DeleteBackup, single and batched, with 400 BackupJobExists while a job runs, and deletes once it ended", async () => {
            await addRdsInstance(emu, "rm-busydel0001");
            const first = await rds(client, "CreateBackup", { DBInstanceId: "rm-busydel0001" });
            await advance(emu, JOB_MS);
            const [done] = await taskById(client, "rm-busydel0001", first.BackupJobId);
            const second = await rds(client, "CreateBackup", { DBInstanceId: "rm-busydel0001" });
            await advance(emu, JOB_MS);
            const [other] = await taskById(client, "rm-busydel0001", second.BackupJobId);
            await rds(client, "CreateBackup", { DBInstanceId: "rm-busydel0001" });
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: "rm-busydel0001", BackupId: done.BackupId }), 400, "BackupJobExists");
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: "rm-busydel0001", BackupId: `${done.BackupId},${other.BackupId}` }), 400, "BackupJobExists");
            assert.strictEqual((await rdsState(emu)).backups.filter((b) => b.instanceId === "rm-busydel0001").length, 2, "nothing was deleted");
            await advance(emu, JOB_MS);
            await rds(client, "DeleteBackup", { DBInstanceId: "rm-busydel0001", BackupId: `${done.BackupId},${other.BackupId}` });
            assert.strictEqual((await rdsState(emu)).backups.filter((b) => b.instanceId === "rm-busydel0001").length, 1);
        });

        it("deletes during a job when the instance setting deleteDuringBackup is allow", async () => {
            await addRdsInstance(emu, "rm-busydel0002", { deleteDuringBackup: "allow" });
            const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: "rm-busydel0002" });
            await advance(emu, JOB_MS);
            const [done] = await taskById(client, "rm-busydel0002", BackupJobId);
            await rds(client, "CreateBackup", { DBInstanceId: "rm-busydel0002" });
            await rds(client, "DeleteBackup", { DBInstanceId: "rm-busydel0002", BackupId: done.BackupId });
            const bad = await admin(emu, "PATCH", "/instances/alicloudRds/rm-busydel0002", { deleteDuringBackup: "sometimes" });
            assert.strictEqual(bad.status, 400);
        });
    });

    describe("automated-backup window (preferredBackupTime)", () => {
        /** Moves the clock to the next `HH:mm` UTC plus `extraMs`. */
        async function advanceTo(hour: number, minute: number, extraMs = 0): Promise<void> {
            const now = new Date((await admin(emu, "GET", "/state")).body.clock.now).getTime();
            const day = 86_400_000;
            const target = Math.floor(now / day) * day + (hour * 60 + minute) * 60_000;
            await advance(emu, ((target - now + day) % day) + extraMs);
        }

        it("occupies the instance while the window is open: an Automated job is listed, CreateBackup and DeleteBackup answer BackupJobExists", async () => {
            await addRdsInstance(emu, "rm-autowin0001", { preferredBackupTime: "02:00Z-03:00Z" });
            const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: "rm-autowin0001" });
            await advance(emu, JOB_MS);
            const [manual] = await taskById(client, "rm-autowin0001", BackupJobId);
            await advanceTo(2, 10);

            const running = (await rds(client, "DescribeBackupTasks", { DBInstanceId: "rm-autowin0001" })).Items.BackupJob;
            assert.strictEqual(running.length, 1);
            assert.deepStrictEqual([running[0].JobMode, running[0].TaskAction, running[0].BackupId], ["Automated", "NormalBackupTask", ""]);
            assert.match(running[0].BackupJobId, /^\d+$/);
            assert.strictEqual((await rds(client, "DescribeBackupTasks", { DBInstanceId: "rm-autowin0001", BackupMode: "Manual" })).Items.BackupJob.length, 0);
            await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: "rm-autowin0001" }), 400, "BackupJobExists");
            await expectRdsError(rds(client, "DeleteBackup", { DBInstanceId: "rm-autowin0001", BackupId: manual.BackupId }), 400, "BackupJobExists");

            await advance(emu, 51 * 60_000);
            assert.deepStrictEqual((await rds(client, "DescribeBackupTasks", { DBInstanceId: "rm-autowin0001" })).Items.BackupJob, []);
            const [finished] = await taskById(client, "rm-autowin0001", running[0].BackupJobId);
            assert.strictEqual(finished.BackupStatus, "Finished");
            const automated = (await rds(client, "DescribeBackups", { DBInstanceId: "rm-autowin0001", BackupMode: "Automated" })).Items.Backup;
            assert.deepStrictEqual(automated.map((b: any) => [b.BackupId, b.BackupInitiator, b.BackupStatus]), [[finished.BackupId, "System", "Success"]]);
            assert.strictEqual(automated[0].BackupStartTime.slice(11), "02:00:00Z");
            await rds(client, "CreateBackup", { DBInstanceId: "rm-autowin0001" });
        });

        it("runs every day, across midnight too, and stops when the setting is cleared", async () => {
            await addRdsInstance(emu, "rm-autowin0002", { preferredBackupTime: "23:30Z-00:30Z" });
            await advanceTo(0, 10);
            await expectRdsError(rds(client, "CreateBackup", { DBInstanceId: "rm-autowin0002" }), 400, "BackupJobExists");
            await advance(emu, 3 * 86_400_000);
            const sets = (await rds(client, "DescribeBackups", { DBInstanceId: "rm-autowin0002", BackupMode: "Automated" })).Items.Backup;
            assert.ok(sets.length >= 3, `one automated set per day, got ${sets.length}`);
            assert.strictEqual((await admin(emu, "PATCH", "/instances/alicloudRds/rm-autowin0002", { preferredBackupTime: null })).status, 200);
            await advance(emu, 2 * 86_400_000);
            const after = (await rds(client, "DescribeBackups", { DBInstanceId: "rm-autowin0002", BackupMode: "Automated" })).Items.Backup;
            assert.strictEqual(after.length, sets.length);
            await advanceTo(0, 0);
            await rds(client, "CreateBackup", { DBInstanceId: "rm-autowin0002" });
            const bad = await admin(emu, "PATCH", "/instances/alicloudRds/rm-autowin0002", { preferredBackupTime: "2:00-3:00" });
            assert.deepStrictEqual([bad.status, /HH:mmZ-HH:mmZ/.test(JSON.stringify(bad.body))], [400, true]);
        });
    });
});
