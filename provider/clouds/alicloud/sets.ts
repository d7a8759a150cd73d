/**
 * The RDS answers the adapter reads — backup jobs of `DescribeBackupTasks`
 * and backup sets of `DescribeBackups` — and how a set becomes a `CloudBackup`.
 */
import type { CloudBackup } from "../adapter";
import type { AlicloudRpcClient } from "./client";

/** Job statuses before the job ended (`Finished` or `Failed`). */
export const JOB_BUILDING = new Set(["NoStart", "Checking", "Preparing", "Waiting", "Uploading"]);

export interface BackupTask { BackupJobId: string; BackupId?: string; BackupStatus: string; BackupProgressStatus?: string; Process?: string; JobMode?: string }

export interface BackupSet {
    BackupId: string; DBInstanceId: string; BackupStatus: string; BackupStartTime?: string; BackupEndTime?: string;
    BackupSize?: number | string; BackupMode?: string; BackupMethod?: string; BackupType?: string; StoreStatus?: string; DBNames?: string;
}

function isoUtc(t?: string): string | undefined {
    if (!t) return undefined;
    const d = new Date(t);
    return isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A set as the lifecycle sees it; anything but `Success` (the enum's other value is `Failed`) is FAILED. */
export function toBackup(s: BackupSet): CloudBackup {
    return {
        backupId: String(s.BackupId),
        instanceId: s.DBInstanceId,
        status: s.BackupStatus === "Success" ? "COMPLETED" : "FAILED",
        cloudStatus: s.BackupStatus,
        startedAt: isoUtc(s.BackupStartTime),
        finishedAt: isoUtc(s.BackupEndTime),
        sizeBytes: s.BackupSize === undefined ? undefined : Number(s.BackupSize),
        manual: s.BackupMode !== "Automated",
        full: s.BackupType ? s.BackupType === "FullBackup" : undefined,
        backupMethod: s.BackupMethod,
        storeStatus: s.StoreStatus,
    };
}

/** `yyyy-MM-ddTHH:mmZ`, the documented `StartTime` filter format (minutes, rounded down). */
export function filterTime(ms: number): string {
    return new Date(Math.floor(ms / 60_000) * 60_000).toISOString().slice(0, 16) + "Z";
}

/** Every set `DescribeBackups` lists for these filters, all pages of 100. */
export async function describeAllSets(rpc: AlicloudRpcClient, instanceId: string, filters: Record<string, string> = {}): Promise<BackupSet[]> {
    const out: BackupSet[] = [];
    for (let page = 1; ; page++) {
        const res = await rpc.call<{ TotalRecordCount?: string; Items?: { Backup?: BackupSet[] } }>("DescribeBackups",
            { DBInstanceId: instanceId, ...filters, PageSize: "100", PageNumber: String(page) });
        const items = res.Items?.Backup ?? [];
        out.push(...items);
        if (items.length === 0 || out.length >= Number(res.TotalRecordCount ?? 0)) return out;
    }
}

/** One job by id, while the cloud still lists it. */
export async function describeJob(rpc: AlicloudRpcClient, instanceId: string, jobId: string): Promise<BackupTask | undefined> {
    const res = await rpc.call<{ Items?: { BackupJob?: BackupTask[] } }>("DescribeBackupTasks", { DBInstanceId: instanceId, BackupJobId: jobId });
    return (res.Items?.BackupJob ?? []).find(j => String(j.BackupJobId) === jobId);
}

/** Jobs not ended yet (listed without a job id), of every mode. */
export async function runningJobs(rpc: AlicloudRpcClient, instanceId: string): Promise<BackupTask[]> {
    const res = await rpc.call<{ Items?: { BackupJob?: BackupTask[] } }>("DescribeBackupTasks", { DBInstanceId: instanceId });
    return res.Items?.BackupJob ?? [];
}
