/**
 * Finding a backup job whose trace was lost, without an idempotency token
 * (Alibaba has none): after a lost `CreateBackup` answer, by comparing the
 * instance with what it held just before the call; after a job dropped out of
 * `DescribeBackupTasks`, by its start time in `DescribeBackups`.
 */
import type { AlicloudRpcClient } from "./client";
import { describeAllSets, describeJob, filterTime, runningJobs, type BackupSet } from "./sets";

/** How far back the before/after comparison lists sets: a day holds at most 20 backups per instance. */
const BASELINE_LOOKBACK_MS = 86_400_000;

/** A job or a set that appeared on the instance; at least one id is set. */
export interface Candidate { jobId?: string; backupId?: string; startedAt?: string }

/** What the instance held just before a `CreateBackup` call. */
export interface CreateBaseline {
    /** Cloud time of the listing; sets are compared from a day before it. */
    sinceMs: number;
    runningJobIds: Set<string>;
    setIds: Set<string>;
}

function describe(c: Candidate): string {
    if (c.jobId) return `job ${c.jobId} (running)`;
    return `backup ${c.backupId}${c.startedAt ? ` (started ${c.startedAt})` : ""}`;
}

/** `job 1 (running), backup 2 (started ...)`, for messages. */
export function describeCandidates(candidates: Candidate[]): string {
    return candidates.map(describe).join(", ");
}

/** Running jobs (every mode) and recent manual sets of the instance, listed before a create. */
export async function takeBaseline(rpc: AlicloudRpcClient, instanceId: string): Promise<CreateBaseline> {
    const running = await runningJobs(rpc, instanceId);
    const sinceMs = rpc.serverNow() - BASELINE_LOOKBACK_MS;
    const sets = await describeAllSets(rpc, instanceId, { BackupMode: "Manual", StartTime: filterTime(sinceMs) });
    return { sinceMs, runningJobIds: new Set(running.map(j => String(j.BackupJobId))), setIds: new Set(sets.map(s => String(s.BackupId))) };
}

/**
 * Manual jobs and sets that appeared since the baseline: the candidates for
 * the job a lost `CreateBackup` may have started. Sets made by jobs that were
 * already running at the baseline are left out, and a job that finished
 * during the lookup counts once.
 */
export async function appearedSince(rpc: AlicloudRpcClient, instanceId: string, baseline: CreateBaseline): Promise<Candidate[]> {
    const running = await runningJobs(rpc, instanceId);
    const runningIds = new Set(running.map(j => String(j.BackupJobId)));
    const newJobs = running.filter(j => j.JobMode !== "Automated" && !baseline.runningJobIds.has(String(j.BackupJobId))).map(j => String(j.BackupJobId));
    // Jobs running at the baseline may have finished since: their sets are not new.
    const known = new Set(baseline.setIds);
    for (const jobId of baseline.runningJobIds) {
        if (runningIds.has(jobId)) continue;
        const job = await describeJob(rpc, instanceId, jobId);
        if (job?.BackupId) known.add(String(job.BackupId));
    }
    const sets = (await describeAllSets(rpc, instanceId, { BackupMode: "Manual", StartTime: filterTime(baseline.sinceMs) }))
        .filter(s => !known.has(String(s.BackupId)));
    const candidates: Candidate[] = sets.map(s => ({ backupId: String(s.BackupId), startedAt: s.BackupStartTime }));
    for (const jobId of newJobs) {
        // A job seen running that finished before its set was listed is one candidate, not two.
        const job = await describeJob(rpc, instanceId, jobId);
        const setId = job?.BackupId ? String(job.BackupId) : undefined;
        if (setId && candidates.some(c => c.backupId === setId)) {
            for (const c of candidates) if (c.backupId === setId) c.jobId = jobId;
        } else {
            candidates.push({ jobId });
        }
    }
    return candidates;
}

/**
 * Manual sets of the instance whose start lies in the window a job started at
 * `startedMs` (cloud time, taken just before its `CreateBackup` call) can have:
 * from a second before (times have whole seconds) to the call's timeout after.
 */
export async function setsStartedNear(rpc: AlicloudRpcClient, instanceId: string, startedMs: number, windowMs: number): Promise<BackupSet[]> {
    const sets = await describeAllSets(rpc, instanceId, { BackupMode: "Manual", StartTime: filterTime(startedMs - 60_000) });
    return sets.filter(s => {
        const t = Date.parse(s.BackupStartTime ?? "");
        return !isNaN(t) && t >= Math.floor(startedMs / 1000) * 1000 - 1000 && t <= startedMs + windowMs;
    });
}
