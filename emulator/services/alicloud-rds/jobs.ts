/**
 * Backup job timing, computed from the clock instead of timers: a job's state
 * is a pure function of its start, its duration and "now", so advancing the
 * emulated clock finishes jobs and nothing runs in the background.
 */

/** Simulated duration of one backup job at timeScale 1. */
export const BASE_JOB_DURATION_MS = 20_000;

/** Job status words of `DescribeBackupTasks.BackupStatus`. */
export type JobStatus = "NoStart" | "Preparing" | "Uploading" | "Checking" | "Finished" | "Failed";

/** What the model stores about a backup job. */
export interface BackupJobRecord {
    jobId: string;
    instanceId: string;
    /** `Automated` jobs are the instance's own, run in its automated-backup window; they are derived, never stored. */
    mode: "Manual" | "Automated";
    method: string;
    strategy?: string;
    dbNames: string[];
    startMs: number;
    durationMs: number;
    /** The job ends Failed and its set has BackupStatus Failed (seeded with the instance's `failNextBackup`). */
    willFail: boolean;
    /** Id of the set the job produces, reserved at creation and revealed once Finished. */
    backupId: string;
    /** The set was materialized (or the failure recorded), so it is never created twice. */
    settled: boolean;
}

// Phase boundaries as fractions of the job duration; the split is arbitrary but shows every documented step.
const PHASES: Array<[number, JobStatus]> = [[0.1, "NoStart"], [0.3, "Preparing"], [0.8, "Uploading"], [1, "Checking"]];

/** When the job ends, in emulated ms. */
export function jobEndMs(job: BackupJobRecord): number {
    return job.startMs + job.durationMs;
}

/** True while the job has not reached Finished or Failed. */
export function jobIsRunning(job: BackupJobRecord, nowMs: number): boolean {
    return nowMs < jobEndMs(job);
}

/** Status and progress percent of a job at `nowMs`. */
export function jobStateAt(job: BackupJobRecord, nowMs: number): { status: JobStatus; process: number } {
    const fraction = job.durationMs <= 0 ? 1 : Math.max(0, (nowMs - job.startMs) / job.durationMs);
    if (fraction >= 1) return { status: job.willFail ? "Failed" : "Finished", process: 100 };
    const phase = PHASES.find(([end]) => fraction < end);
    return { status: phase ? phase[1] : "Checking", process: Math.floor(fraction * 100) };
}
