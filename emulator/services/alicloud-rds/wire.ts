/**
 * Wire formats of the RDS backup actions: time strings and the JSON shapes of
 * a backup set and a backup job, built from model records.
 */
import { jobStateAt, type BackupJobRecord } from "./jobs";
import type { BackupSetRecord } from "./model";

const FILTER_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z$/;

/** `yyyy-MM-ddTHH:mm:ssZ` in UTC, the format backup sets carry. */
export function formatAliTime(ms: number): string {
    return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** Parses a `StartTime`/`EndTime` filter: `yyyy-MM-ddTHH:mmZ` as documented, seconds also accepted. */
export function parseAliFilterTime(value: string): number | undefined {
    const m = FILTER_TIME_RE.exec(value);
    if (!m) return undefined;
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0);
    const roundTrip = new Date(ms).toISOString();
    // Reject dates Date.UTC silently rolled over (e.g. February 30).
    return roundTrip.slice(0, 16) === `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}` ? ms : undefined;
}

/** A set as `DescribeBackups` lists it, every documented field present. */
export function renderBackupSet(set: BackupSetRecord): Record<string, unknown> {
    const success = set.status === "Success";
    return {
        BackupId: set.backupId,
        DBInstanceId: set.instanceId,
        BackupStatus: set.status,
        BackupStartTime: formatAliTime(set.startMs),
        BackupEndTime: formatAliTime(set.endMs),
        BackupSize: set.sizeBytes,
        BackupMode: set.mode,
        BackupMethod: set.method,
        BackupType: set.type,
        BackupInitiator: set.initiator,
        StoreStatus: set.storeStatus,
        IsAvail: success ? 1 : 0,
        ConsistentTime: 0,
        HostInstanceID: set.hostInstanceId,
        MetaStatus: success ? "OK" : "",
        StorageClass: "0",
        CopyOnlyBackup: "0",
        Encryption: "{}",
        Engine: set.engine,
        EngineVersion: set.engineVersion,
        Checksum: set.checksum,
        BackupDownloadURL: "",
        BackupIntranetDownloadURL: "",
        BackupDownloadLinkByDB: { BackupDownloadLinkByDB: [] },
        // Guess: a 7-day expiry for every set; the emulator never expires sets by itself.
        ExpectExpireTime: formatAliTime(set.endMs + 7 * 86_400_000),
        ResourceGroupId: "",
    };
}

/** A job as `DescribeBackupTasks` lists it; every value a string, as the API sends them. */
export function renderBackupJob(job: BackupJobRecord, nowMs: number): Record<string, string> {
    const { status, process } = jobStateAt(job, nowMs);
    return {
        BackupJobId: job.jobId,
        // Guess: the set id is revealed once the job ended, Finished or Failed (its set then has BackupStatus Failed).
        BackupId: status === "Finished" || status === "Failed" ? job.backupId : "",
        BackupStatus: status,
        BackupProgressStatus: status,
        JobMode: job.mode,
        Process: String(process),
        // Ad hoc (manual) jobs are TempBackupTask; the policy's own jobs NormalBackupTask.
        TaskAction: job.mode === "Automated" ? "NormalBackupTask" : "TempBackupTask",
    };
}
