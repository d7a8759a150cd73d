/**
 * State model of emulated Alibaba Cloud RDS backups: instances, backup jobs and
 * backup sets, and the documented rules of CreateBackup, DescribeBackupTasks,
 * DescribeBackups and DeleteBackup. No HTTP here; rule violations throw
 * `AlicloudApiError`, which the RPC protocol renders.
 */
import { createHash } from "crypto";
import type { HandBackupSpec, InstanceSpec } from "../../core/types";
import { rdsErrors } from "./errors";
import { automatedJobs } from "./automated";
import { instanceFromSpec, minDeleteAgeDays, patchInstance, supportsBackupDelete, type InstanceRecord } from "./instances";
import { BASE_JOB_DURATION_MS, jobEndMs, jobIsRunning, jobStateAt, type BackupJobRecord } from "./jobs";

const DAY_MS = 86_400_000;
/** Documented cap: at most 20 backups per instance per day. */
export const MAX_BACKUPS_PER_DAY = 20;
/** After a clock jump, automated windows older than this many days produce no set. */
export const MAX_AUTOMATED_CATCH_UP_DAYS = 31;

/** Who made a set: a CreateBackup call, a person outside Pulumi (admin), or the cloud's automated policy. */
export type BackupOrigin = "api" | "hand" | "automated";

/** A backup set as the model stores it (times in emulated ms). */
export interface BackupSetRecord {
    backupId: string;
    instanceId: string;
    status: "Success" | "Failed";
    startMs: number;
    endMs: number;
    /** DescribeBackups lists the set from this time on (the documented listing lag). */
    visibleAtMs: number;
    sizeBytes: number;
    mode: "Manual" | "Automated";
    method: string;
    type: "FullBackup" | "IncrementalBackup";
    initiator: "User" | "System";
    /** `Enabled` = deletable, `Disabled` = in use / not deletable. */
    storeStatus: "Enabled" | "Disabled";
    engine: string;
    engineVersion: string;
    origin: BackupOrigin;
    jobId?: string;
    name?: string;
    dbNames: string[];
    hostInstanceId: string;
    checksum: string;
}

export interface CreateBackupInput { instanceId: string; method: string; strategy?: string; dbNames: string[] }
export interface BackupFilter { backupId?: string; status?: string; mode?: string; type?: string; startMs?: number; endMs?: number }
export interface TaskFilter { jobId?: string; mode?: string; jobStatus?: "NoStart" | "Progressing" }

export interface ModelOptions {
    /** Emulated clock. */
    now(): number;
    /** Multiplies job durations and the listing lag. */
    timeScale: number;
    /** Listing lag at timeScale 1, read at each job's end so admins may change it. */
    describeLagMs(): number;
    /** Minutes a finished job stays listed by id, for instances without their own setting. */
    taskRetentionMinutes(): number;
}

/** Default of `taskRetentionMinutes`: the cloud does not document it; an hour outlasts any sensible poll. */
export const DEFAULT_TASK_RETENTION_MINUTES = 60;

/** JSON form of the model (admin `/state` and the state file); derived fields are ignored by `restore`. */
export interface AlicloudRdsSnapshot {
    instances: InstanceRecord[];
    backups: Array<BackupSetRecord & { visible: boolean; startTime: string; endTime: string }>;
    jobs: Array<BackupJobRecord & { status: string; process: number }>;
    nextJobId: number;
    nextBackupId: number;
}

function digestInt(text: string): number {
    return createHash("sha256").update(text).digest().readUInt32BE(0);
}

function utcDay(ms: number): number {
    return Math.floor(ms / DAY_MS);
}

/** The pure state model of one emulated RDS region. */
export class AlicloudRdsModel {
    private instances = new Map<string, InstanceRecord>();
    private backups = new Map<string, BackupSetRecord>();
    private jobs = new Map<string, BackupJobRecord>();
    // Start from realistic-looking numbers (like the documented examples) so ids read as Alibaba ids.
    private nextJobId = 5073731;
    private nextBackupId = 346650271;

    constructor(private readonly options: ModelOptions) {}

    /** Adds an instance; 409 when the id is taken. */
    addInstance(spec: InstanceSpec): void {
        this.settle();
        const record = instanceFromSpec(spec);
        if (this.instances.has(record.id)) throw rdsErrors.instanceExists(record.id);
        // Automated windows before the instance existed produce nothing.
        record.automatedSettledMs = this.options.now();
        this.instances.set(record.id, record);
    }

    /** Changes instance fields (state, lock mode, retention, failNextBackup, automated window, ...). */
    updateInstance(id: string, patch: Partial<InstanceSpec>): void {
        this.settle();
        const instance = this.requireInstance(id);
        const hadWindow = instance.preferredBackupTime;
        patchInstance(instance, patch);
        // A window set now starts producing sets from now on.
        if (instance.preferredBackupTime !== hadWindow) instance.automatedSettledMs = this.options.now();
    }

    /** CreateBackup rules, in the order the API reports them; returns the new job id. */
    createBackup(input: CreateBackupInput): string {
        this.settle();
        const now = this.options.now();
        const instance = this.requireInstance(input.instanceId);
        if (instance.state !== "Running") throw rdsErrors.incorrectState();
        if (instance.lockMode !== "Unlock") throw rdsErrors.lockModeCreate();
        if (input.method === "Logical" && instance.databases.length === 0) throw rdsErrors.invalidBackupMethod();
        if (input.dbNames.some((db) => !instance.databases.includes(db))) throw rdsErrors.dbNotFound();
        if (this.runningJob(instance, now)) throw rdsErrors.backupJobExists();
        if (this.backupsToday(instance.id, now) >= MAX_BACKUPS_PER_DAY) throw rdsErrors.backupTimesExceeded();

        const job: BackupJobRecord = {
            jobId: String(this.nextJobId++),
            instanceId: instance.id,
            mode: "Manual",
            method: input.method,
            ...(input.strategy ? { strategy: input.strategy } : {}),
            dbNames: [...input.dbNames],
            startMs: now,
            durationMs: BASE_JOB_DURATION_MS * this.options.timeScale,
            willFail: instance.failNextBackup,
            backupId: String(this.nextBackupId++),
            settled: false,
        };
        instance.failNextBackup = false;
        this.jobs.set(job.jobId, job);
        return job.jobId;
    }

    /**
     * DescribeBackupTasks: with a job id, that job whatever its state until its
     * retention after the end runs out; without, only unfinished jobs.
     */
    listJobs(instanceId: string, filter: TaskFilter): BackupJobRecord[] {
        this.settle();
        const now = this.options.now();
        const instance = this.requireInstance(instanceId);
        const retentionMs = (instance.taskRetentionMinutes ?? this.options.taskRetentionMinutes()) * 60_000;
        return [...this.jobsOf(instanceId), ...automatedJobs(instance, now - retentionMs, now)].filter((job) => {
            if (filter.jobId !== undefined) {
                if (job.jobId !== filter.jobId || now > jobEndMs(job) + retentionMs) return false;
            } else if (!jobIsRunning(job, now)) return false;
            if (filter.mode !== undefined && job.mode !== filter.mode) return false;
            const status = jobStateAt(job, now).status;
            if (filter.jobStatus === "NoStart" && status !== "NoStart") return false;
            if (filter.jobStatus === "Progressing" && (status === "NoStart" || !jobIsRunning(job, now))) return false;
            return true;
        });
    }

    /** DescribeBackups: visible sets of the instance matching the filter, newest first. */
    listBackups(instanceId: string, filter: BackupFilter): BackupSetRecord[] {
        this.settle();
        const now = this.options.now();
        this.requireInstance(instanceId);
        return [...this.backups.values()]
            .filter((s) => s.instanceId === instanceId && s.visibleAtMs <= now)
            .filter((s) => filter.backupId === undefined || s.backupId === filter.backupId)
            .filter((s) => filter.status === undefined || s.status === filter.status)
            .filter((s) => filter.mode === undefined || s.mode === filter.mode)
            .filter((s) => filter.type === undefined || s.type === filter.type)
            .filter((s) => filter.startMs === undefined || s.startMs >= filter.startMs)
            .filter((s) => filter.endMs === undefined || s.startMs <= filter.endMs)
            .sort((a, b) => b.startMs - a.startMs || Number(b.backupId) - Number(a.backupId));
    }

    /**
     * DeleteBackup of one or more sets of one instance. Guess: a multi-id call is
     * all-or-nothing (every id is checked before any set is deleted); the docs do
     * not say what happens when only some ids are deletable.
     */
    deleteBackups(instanceId: string, backupIds: string[]): void {
        this.settle();
        const now = this.options.now();
        const instance = this.requireInstance(instanceId);
        if (!supportsBackupDelete(instance)) throw rdsErrors.incorrectType();
        if (instance.state !== "Running") throw rdsErrors.incorrectState();
        if (instance.lockMode !== "Unlock") throw rdsErrors.lockModeDelete();
        // Guess: the docs name no busy code for DeleteBackup; CreateBackup's one-job-at-a-time code is used.
        if (instance.deleteDuringBackup !== "allow" && this.runningJob(instance, now)) throw rdsErrors.backupJobExists();
        const sets = backupIds.map((id) => {
            const set = this.backups.get(id);
            if (!set || set.instanceId !== instanceId) throw rdsErrors.backupSetNotFound();
            return set;
        });
        const minAgeMs = minDeleteAgeDays(instance) * DAY_MS;
        for (const set of sets) {
            if (set.storeStatus === "Disabled" || now - set.endMs < minAgeMs) throw rdsErrors.backupSetDeleteNotSupport();
        }
        for (const set of sets) this.backups.delete(set.backupId);
    }

    /** Admin: a completed set made outside Pulumi, `ageDays` old, listed at once. */
    addHandBackup(spec: HandBackupSpec): string {
        this.settle();
        const instance = this.requireInstance(spec.instanceId);
        const automated = spec.mode === "Automated";
        if (spec.mode !== undefined && spec.mode !== "Manual" && !automated) throw new TypeError('backup.mode must be "Manual" or "Automated"');
        const ageDays = spec.ageDays ?? 0;
        if (typeof ageDays !== "number" || !Number.isFinite(ageDays) || ageDays < 0) throw new TypeError("backup.ageDays must be a number >= 0");
        if (spec.sizeBytes !== undefined && (typeof spec.sizeBytes !== "number" || spec.sizeBytes < 0)) throw new TypeError("backup.sizeBytes must be a number >= 0");
        const endMs = this.options.now() - ageDays * DAY_MS;
        const set = this.newSet(instance, {
            startMs: endMs - 60_000,
            endMs,
            visibleAtMs: endMs,
            mode: automated ? "Automated" : "Manual",
            origin: automated ? "automated" : "hand",
            method: "Physical",
            dbNames: [],
            ...(spec.name !== undefined ? { name: spec.name } : {}),
        });
        if (spec.sizeBytes !== undefined) set.sizeBytes = spec.sizeBytes;
        return set.backupId;
    }

    /** Admin: deletes a set behind Pulumi's back; false when unknown. */
    removeBackup(backupId: string): boolean {
        this.settle();
        return this.backups.delete(backupId);
    }

    /** Admin: `StoreStatus` Disabled (in use, not deletable) or Enabled again; false when unknown. */
    setBackupInUse(backupId: string, inUse: boolean): boolean {
        this.settle();
        const set = this.backups.get(backupId);
        if (!set) return false;
        set.storeStatus = inUse ? "Disabled" : "Enabled";
        return true;
    }

    /** JSON view: instances, every set (hand-made and automated ones too, with `origin`) and every job with its current status. */
    snapshot(): AlicloudRdsSnapshot {
        this.settle();
        const now = this.options.now();
        const iso = (ms: number) => new Date(ms).toISOString();
        return JSON.parse(JSON.stringify({
            instances: [...this.instances.values()],
            backups: [...this.backups.values()].map((s) => ({ ...s, visible: s.visibleAtMs <= now, startTime: iso(s.startMs), endTime: iso(s.endMs) })),
            jobs: [...this.jobs.values()].map((j) => ({ ...j, ...jobStateAt(j, now) })),
            nextJobId: this.nextJobId,
            nextBackupId: this.nextBackupId,
        })) as AlicloudRdsSnapshot;
    }

    /** Replaces all state with a snapshot written by `snapshot()`. */
    restore(state: unknown): void {
        const s = state as Partial<AlicloudRdsSnapshot> | undefined;
        if (!s || !Array.isArray(s.instances) || !Array.isArray(s.backups) || !Array.isArray(s.jobs)) throw new TypeError("not an alicloudRds snapshot");
        this.instances = new Map(s.instances.map((i) => [i.id, { ...i }]));
        this.backups = new Map(s.backups.map(({ visible: _v, startTime: _s, endTime: _e, ...set }) => [set.backupId, set]));
        this.jobs = new Map(s.jobs.map(({ status: _s, process: _p, ...job }) => [job.jobId, job]));
        this.nextJobId = s.nextJobId ?? this.nextJobId;
        this.nextBackupId = s.nextBackupId ?? this.nextBackupId;
    }

    private requireInstance(id: string): InstanceRecord {
        const instance = this.instances.get(id);
        if (!instance) throw rdsErrors.instanceNotFound();
        return instance;
    }

    private jobsOf(instanceId: string): BackupJobRecord[] {
        return [...this.jobs.values()].filter((j) => j.instanceId === instanceId);
    }

    /** The job occupying the instance now (a manual one, or the automated one of an open window), if any. */
    private runningJob(instance: InstanceRecord, now: number): BackupJobRecord | undefined {
        return [...this.jobsOf(instance.id), ...automatedJobs(instance, now, now)].find((j) => jobIsRunning(j, now));
    }

    /** Jobs started today plus sets made outside a job today (UTC day of the emulated clock). */
    private backupsToday(instanceId: string, now: number): number {
        const today = utcDay(now);
        const jobs = this.jobsOf(instanceId).filter((j) => utcDay(j.startMs) === today).length;
        const sets = [...this.backups.values()].filter((s) => s.instanceId === instanceId && !s.jobId && utcDay(s.endMs) === today).length;
        return jobs + sets;
    }

    /** Materializes the set of every job that finished by now; derived from the clock, so it needs no persistence signal. */
    private settle(): void {
        const now = this.options.now();
        this.settleAutomated(now);
        for (const job of this.jobs.values()) {
            if (job.settled || jobIsRunning(job, now)) continue;
            job.settled = true;
            const instance = this.instances.get(job.instanceId);
            if (!instance) continue;
            const endMs = jobEndMs(job);
            // A failed job leaves its set behind with BackupStatus Failed (guess: nothing stored, size 0).
            const failed: Partial<BackupSetRecord> = job.willFail ? { status: "Failed", sizeBytes: 0 } : {};
            this.newSet(instance, {
                ...failed,
                backupId: job.backupId,
                jobId: job.jobId,
                startMs: job.startMs,
                endMs,
                visibleAtMs: endMs + this.options.describeLagMs() * this.options.timeScale,
                mode: "Manual",
                origin: "api",
                method: job.method,
                dbNames: job.dbNames,
            });
        }
    }

    /**
     * Lists the Automated set of every window that closed since the last look.
     * After a long clock jump only the last `MAX_AUTOMATED_CATCH_UP_DAYS` days
     * produce sets (the automated retention policy is not modelled).
     */
    private settleAutomated(now: number): void {
        for (const instance of this.instances.values()) {
            const since = Math.max(instance.automatedSettledMs ?? now, now - MAX_AUTOMATED_CATCH_UP_DAYS * DAY_MS);
            for (const job of automatedJobs(instance, since, now)) {
                const endMs = jobEndMs(job);
                if (endMs <= since || endMs > now || this.backups.has(job.backupId)) continue;
                this.newSet(instance, {
                    backupId: job.backupId, startMs: job.startMs, endMs, visibleAtMs: endMs,
                    mode: "Automated", origin: "automated", method: job.method, dbNames: [],
                });
            }
            instance.automatedSettledMs = now;
        }
    }

    private newSet(instance: InstanceRecord, fields: Pick<BackupSetRecord, "startMs" | "endMs" | "visibleAtMs" | "mode" | "origin" | "method" | "dbNames"> & Partial<BackupSetRecord>): BackupSetRecord {
        const backupId = fields.backupId ?? String(this.nextBackupId++);
        const set: BackupSetRecord = {
            backupId,
            instanceId: instance.id,
            status: "Success",
            sizeBytes: 10 * 1024 * 1024 + (digestInt(backupId) % (90 * 1024 * 1024)),
            type: "FullBackup",
            initiator: fields.mode === "Automated" ? "System" : "User",
            storeStatus: "Enabled",
            engine: instance.engine,
            engineVersion: instance.engineVersion,
            hostInstanceId: String(10_000_000 + (digestInt(instance.id) % 90_000_000)),
            checksum: String(digestInt(`crc:${backupId}`)),
            ...fields,
        };
        this.backups.set(backupId, set);
        return set;
    }
}
