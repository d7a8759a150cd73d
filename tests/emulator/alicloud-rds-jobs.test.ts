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
});
