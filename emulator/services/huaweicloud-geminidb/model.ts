/**
 * State of the emulated Huawei GeminiDB (GaussDB NoSQL) backups: instances,
 * backups and jobs, no HTTP. Every mutating call starts a job; jobs and
 * backups advance lazily from the emulated clock. A backup being deleted
 * stays listed (GeminiDB has no DELETING status) until its job ends.
 * Rules the docs leave open are marked "guess".
 */
import { randomUUID } from "crypto";
import type { HandBackupSpec, InstanceSpec } from "../../core/types";
import { BACKUP_NAME_PATTERN, HuaweiApiError, isInvalidDescription, newHuaweiId } from "../../protocols/huaweicloud-rest";

/** Simulated durations at timeScale 1. */
export const GEMINIDB_BUILD_MS = 20_000;
export const GEMINIDB_DELETE_MS = 10_000;
export const GEMINIDB_ENGINES: Record<string, string> = { cassandra: "3.11", mongodb: "4.0", influxdb: "1.8", redis: "5.0" };

export interface GeminidbInstance {
    id: string;
    name: string;
    /** `cassandra`, `mongodb`, `influxdb` or `redis` (the list's `datastore.type`). */
    engine: string;
    engineVersion: string;
    state: string;
    /** The next backup created on this instance ends FAILED. */
    failNextBackup: boolean;
}

export interface GeminidbBackup {
    id: string;
    instanceId: string;
    name: string;
    description: string;
    /** `Manual`, `Auto`, or Cassandra's `Incremental` / `Differential` (made by the cloud, never deletable). */
    type: "Manual" | "Auto" | "Incremental" | "Differential";
    startedAt: number;
    buildMs: number;
    sizeKb: number;
    fails: boolean;
    /** A restore from this backup is running: it cannot be deleted. */
    inUse: boolean;
    deleteJobId?: string;
}

export type JobStatus = "Running" | "Completed" | "Failed";

export interface GeminidbJob {
    id: string;
    /** `BackupInstance` for creation; `DeleteBackup` for deletion (guess: the enum's name for it is not documented). */
    name: string;
    instanceId: string;
    backupId: string;
    startedAt: number;
    durationMs: number;
    fails: boolean;
    failReason?: string;
}

/** Instance states of `GET /v3/{project_id}/instances` (`status`), as the SDK model documents them. */
export const GEMINIDB_INSTANCE_STATES = ["normal", "abnormal", "creating", "frozen", "data_disk_full", "createfail", "enlargefail"];

function instanceState(state: string): string {
    if (!GEMINIDB_INSTANCE_STATES.includes(state)) throw new TypeError(`GeminiDB instance state must be one of ${GEMINIDB_INSTANCE_STATES.join(", ")}; got ${state}`);
    return state;
}

/** Backup types of the admin API's hand-made backups. */
const GEMINIDB_HAND_TYPES: Record<string, GeminidbBackup["type"]> = { Manual: "Manual", Automated: "Auto", Incremental: "Incremental", Differential: "Differential" };

/** The codes the emulated GeminiDB answers with. */
export const geminidbErrors = {
    parameter: (msg: string) => new HuaweiApiError(400, "DBS.200001", msg),
    instanceNotFound: (id: string) => new HuaweiApiError(404, "DBS.200002", `The instance does not exist: ${id}.`),
    name: (name: string) => new HuaweiApiError(400, "DBS.280277", `Invalid backup name ${name}: 4 to 64 characters, starting with a letter; letters, digits, hyphens (-) and underscores (_) only.`),
    description: () => new HuaweiApiError(400, "DBS.280127", "Invalid backup description."),
    nameTaken: (name: string) => new HuaweiApiError(400, "DBS.201201", `The backup ${name} already exists.`),
    busy: (id: string) => new HuaweiApiError(403, "DBS.200019", `Another operation is being performed on instance ${id}. Try again later.`),
    backupNotFound: (id: string) => new HuaweiApiError(400, "DBS.201214", `The backup file does not exist: ${id}.`),
    restoring: (id: string) => new HuaweiApiError(400, "DBS.201319", `The backup ${id} cannot be deleted: a restoration from it is in progress.`),
    // Guess: the code refusing to delete an automated backup is not documented.
    automated: (id: string) => new HuaweiApiError(400, "DBS.200001", `Backup ${id} is not a manual backup; only manual backups can be deleted.`),
};

/** GeminiDB backups and jobs of all seeded instances. */
export class GeminidbModel {
    readonly instances = new Map<string, GeminidbInstance>();
    readonly backups = new Map<string, GeminidbBackup>();
    readonly jobs = new Map<string, GeminidbJob>();

    constructor(readonly now: () => number, private readonly timeScale: number) { }

    addInstance(spec: InstanceSpec & { failNextBackup?: boolean }): GeminidbInstance {
        const engine = spec.engine.toLowerCase();
        if (!GEMINIDB_ENGINES[engine]) throw new TypeError(`GeminiDB engine must be one of ${Object.keys(GEMINIDB_ENGINES).join(", ")}; got ${spec.engine}`);
        const inst: GeminidbInstance = {
            id: spec.id, name: spec.name ?? spec.id, engine, engineVersion: spec.engineVersion ?? GEMINIDB_ENGINES[engine],
            state: instanceState(spec.state ?? "normal"), failNextBackup: spec.failNextBackup ?? false,
        };
        this.instances.set(inst.id, inst);
        return inst;
    }

    updateInstance(id: string, patch: Partial<InstanceSpec> & { failNextBackup?: boolean }): void {
        const inst = this.instances.get(id);
        if (!inst) throw geminidbErrors.instanceNotFound(id);
        if (patch.name !== undefined) inst.name = patch.name;
        if (patch.state !== undefined) inst.state = instanceState(patch.state);
        if (patch.engineVersion !== undefined) inst.engineVersion = patch.engineVersion;
        if (patch.failNextBackup !== undefined) inst.failNextBackup = patch.failNextBackup;
    }

    jobStatus(job: GeminidbJob): JobStatus {
        if (this.now() < job.startedAt + job.durationMs) return "Running";
        return job.fails ? "Failed" : "Completed";
    }

    /** `BUILDING` while the creation job runs, then `COMPLETED` or `FAILED`. */
    backupStatus(b: GeminidbBackup): "BUILDING" | "COMPLETED" | "FAILED" {
        if (this.now() < b.startedAt + b.buildMs) return "BUILDING";
        return b.fails ? "FAILED" : "COMPLETED";
    }

    /** Drops backups whose delete job has ended. */
    sweep(): void {
        for (const [id, b] of this.backups) {
            const job = b.deleteJobId ? this.jobs.get(b.deleteJobId) : undefined;
            if (job && this.jobStatus(job) !== "Running") this.backups.delete(id);
        }
    }

    private startJob(name: string, instanceId: string, backupId: string, durationMs: number, fails = false, failReason?: string): GeminidbJob {
        const job: GeminidbJob = { id: randomUUID(), name, instanceId, backupId, startedAt: this.now(), durationMs, fails, failReason };
        this.jobs.set(job.id, job);
        return job;
    }

    /** `POST /v3/{project_id}/instances/{instance_id}/backups`. */
    create(instanceId: string, name: unknown, description: unknown): { job: GeminidbJob; backup: GeminidbBackup } {
        this.sweep();
        const inst = this.instances.get(instanceId);
        if (!inst) throw geminidbErrors.instanceNotFound(instanceId);
        if (typeof name !== "string" || !BACKUP_NAME_PATTERN.test(name)) throw geminidbErrors.name(String(name ?? ""));
        if (typeof description !== "string") throw geminidbErrors.parameter("description is mandatory.");
        if (isInvalidDescription(description)) throw geminidbErrors.description();
        // Guess: names unique per instance, as on RDS.
        if ([...this.backups.values()].some(b => b.instanceId === instanceId && b.name === name)) throw geminidbErrors.nameTaken(name);
        const running = [...this.jobs.values()].some(j => j.instanceId === instanceId && this.jobStatus(j) === "Running");
        // Guess: a frozen or abnormal instance answers as busy too (the docs give no other code); its list status tells them apart.
        if (running || inst.state !== "normal") throw geminidbErrors.busy(instanceId);
        const buildMs = Math.round(GEMINIDB_BUILD_MS * this.timeScale);
        const backup: GeminidbBackup = {
            id: newHuaweiId("br06"), instanceId, name, description, type: "Manual", startedAt: this.now(), buildMs,
            sizeKb: Math.round(1024 * (32 + Math.random() * 480) * 100) / 100, fails: inst.failNextBackup, inUse: false,
        };
        inst.failNextBackup = false;
        this.backups.set(backup.id, backup);
        const job = this.startJob("BackupInstance", instanceId, backup.id, buildMs, backup.fails, backup.fails ? "Backup failed: the instance rejected the snapshot." : undefined);
        return { job, backup };
    }

    /** The creation job running on the instance, if any ("one operation at a time"). */
    private runningBackupJob(instanceId: string): GeminidbJob | undefined {
        return [...this.jobs.values()].find(j => j.instanceId === instanceId && j.name === "BackupInstance" && this.jobStatus(j) === "Running");
    }

    /** The error a delete of this backup would get now, or undefined when it would be accepted. */
    refusalOf(b: GeminidbBackup): HuaweiApiError | undefined {
        // Guess: a backup whose delete job still runs is answered as already gone.
        if (b.deleteJobId) return geminidbErrors.backupNotFound(b.id);
        if (b.type !== "Manual") return geminidbErrors.automated(b.id);
        // Guess, as for creates: an instance that is not normal (frozen, abnormal, ...) refuses deletes with DBS.200019.
        if (this.instances.get(b.instanceId)?.state !== "normal") return geminidbErrors.busy(b.instanceId);
        // A backup job on the instance (this backup's or another's) refuses deletes as it refuses creates.
        if (this.backupStatus(b) === "BUILDING" || this.runningBackupJob(b.instanceId)) return geminidbErrors.busy(b.instanceId);
        if (b.inUse) return geminidbErrors.restoring(b.id);
        return undefined;
    }

    /** Throws the error a delete of this backup gets, or returns it. */
    private deletable(id: string): GeminidbBackup {
        const b = this.backups.get(id);
        if (!b) throw geminidbErrors.backupNotFound(id);
        const refusal = this.refusalOf(b);
        if (refusal) throw refusal;
        return b;
    }

    private startDelete(b: GeminidbBackup): GeminidbJob {
        const job = this.startJob("DeleteBackup", b.instanceId, b.id, Math.round(GEMINIDB_DELETE_MS * this.timeScale));
        b.deleteJobId = job.id;
        return job;
    }

    /** `DELETE /v3/{project_id}/backups/{backup_id}`: starts a delete job. */
    delete(id: string): GeminidbJob {
        this.sweep();
        return this.startDelete(this.deletable(id));
    }

    /** `DELETE /v3/{project_id}/instances/backups`. Guess: all-or-nothing, the first refused id fails the whole call. */
    batchDelete(ids: string[]): void {
        this.sweep();
        const backups = ids.map(id => this.deletable(id));
        for (const b of new Set(backups)) this.startDelete(b);
    }

    /** Admin: a COMPLETED backup made outside Pulumi (by hand, or automated). */
    addHandBackup(spec: HandBackupSpec): GeminidbBackup {
        this.sweep();
        const inst = this.instances.get(spec.instanceId);
        if (!inst) throw geminidbErrors.instanceNotFound(spec.instanceId);
        const type = GEMINIDB_HAND_TYPES[spec.mode ?? "Manual"];
        if (!type) throw new TypeError(`GeminiDB backup mode must be one of ${Object.keys(GEMINIDB_HAND_TYPES).join(", ")}; got ${spec.mode}`);
        // Incremental and differential backups exist on Cassandra only (the v3 list documents them for it).
        if ((type === "Incremental" || type === "Differential") && inst.engine !== "cassandra") {
            throw new TypeError(`GeminiDB ${type} backups exist on Cassandra instances only; ${inst.id} runs ${inst.engine}`);
        }
        const buildMs = 60_000;
        const startedAt = this.now() - (spec.ageDays ?? 0) * 86_400_000 - buildMs;
        const backup: GeminidbBackup = {
            id: newHuaweiId("br06"), instanceId: inst.id,
            name: spec.name ?? `${type.toLowerCase()}_${new Date(startedAt).toISOString().replace(/\D/g, "").slice(0, 14)}_${Math.random().toString(36).slice(2, 6)}`,
            description: "", type, startedAt, buildMs,
            sizeKb: spec.sizeBytes !== undefined ? spec.sizeBytes / 1024 : 2048, fails: false, inUse: false,
        };
        this.backups.set(backup.id, backup);
        return backup;
    }
}
