/**
 * State of the emulated Huawei Cloud RDS backups: instances and backups, no
 * HTTP. States advance lazily from the emulated clock (no timers): a backup is
 * BUILDING until its build time has passed, a deleted one shows DELETING
 * until its delete time has passed and then disappears. Rules and codes
 * follow the RDS v3 docs; the ones the docs leave open are marked "guess".
 */
import { createHash } from "crypto";
import { DEFAULT_HUAWEI_MANUAL_BACKUP_QUOTA, type HandBackupSpec, type InstanceSpec } from "../../core/types";
import { BACKUP_NAME_PATTERN, HuaweiApiError, isInvalidDescription, newHuaweiId } from "../../protocols/huaweicloud-rest";

/** Simulated durations at timeScale 1. */
export const RDS_BUILD_MS = 15_000;
export const RDS_DELETE_MS = 10_000;
/** Emulated interval of binlog (incremental) backups on an instance with `logBackup` on. */
export const RDS_LOG_BACKUP_INTERVAL_MS = 5 * 60_000;
/** How many of the latest binlog backups the list shows (an hour's worth); older ones expire. */
export const RDS_LOG_BACKUPS_SHOWN = 12;

export type RdsBackupStatus = "BUILDING" | "COMPLETED" | "FAILED" | "DELETING";

export interface RdsInstance {
    id: string;
    name: string;
    /** `MySQL`, `PostgreSQL`, `SQLServer` or `MariaDB` (the list's `datastore.type`). */
    engine: string;
    engineVersion: string;
    /** `ACTIVE` unless set otherwise. */
    state: string;
    databases: string[];
    /** The next backup created on this instance ends FAILED. */
    failNextBackup: boolean;
    /** Binlog backups on: the list carries `incremental` backups made by the cloud. */
    logBackup: boolean;
    /** Manual backups the instance may hold at once; the next create gets `RDS.3003` (a guess: the quota is not documented). */
    manualBackupQuota?: number;
}

/** `manual` and `auto` are full backups; `incremental` (binlog) and `fragment` are made by the cloud. */
export type RdsBackupType = "manual" | "auto" | "incremental" | "fragment";

export interface RdsBackup {
    id: string;
    instanceId: string;
    name: string;
    description: string;
    type: RdsBackupType;
    databases: string[];
    startedAt: number;
    buildMs: number;
    sizeKb: number;
    fails: boolean;
    inUse: boolean;
    deleteRequestedAt?: number;
    deleteMs?: number;
    /** Binlog backups: the interval they belong to. */
    logSlot?: number;
}

const ENGINES: Record<string, { engine: string; version: string; suffix: string }> = {
    mysql: { engine: "MySQL", version: "8.0", suffix: "br01" },
    postgresql: { engine: "PostgreSQL", version: "14", suffix: "br03" },
    postgres: { engine: "PostgreSQL", version: "14", suffix: "br03" },
    sqlserver: { engine: "SQLServer", version: "2019_SE", suffix: "br04" },
    mariadb: { engine: "MariaDB", version: "10.5", suffix: "br01" },
};

function engineInfo(engine: string) {
    const info = ENGINES[engine.toLowerCase().replace(/[^a-z]/g, "")];
    if (!info) throw new TypeError(`Huawei RDS engine must be MySQL, PostgreSQL, SQLServer or MariaDB; got ${engine}`);
    return info;
}

/**
 * Instance states of `GET /v3/{project_id}/instances` (`status`), as the SDK
 * model documents them, plus `SHUTDOWN` for a stopped instance (the
 * simplified instance list documents `shutdown`). `BACKING UP` is shown by
 * the list while a backup builds on an `ACTIVE` instance; it is not set.
 */
export const RDS_INSTANCE_STATES = ["BUILD", "ACTIVE", "FAILED", "FROZEN", "MODIFYING", "REBOOTING", "RESTORING", "MODIFYING INSTANCE TYPE",
    "SWITCHOVER", "MIGRATING", "MODIFYING DATABASE PORT", "STORAGE FULL", "SHUTDOWN"];

function instanceState(state: string): string {
    if (!RDS_INSTANCE_STATES.includes(state)) throw new TypeError(`Huawei RDS instance state must be one of ${RDS_INSTANCE_STATES.join(", ")}; got ${state}`);
    return state;
}

/** Backup types of the admin API's hand-made backups. */
const RDS_HAND_TYPES: Record<string, RdsBackupType> = { Manual: "manual", Automated: "auto", Incremental: "incremental", Fragment: "fragment" };

/** The codes the emulated RDS answers with. */
export const rdsErrors = {
    parameter: (msg: string) => new HuaweiApiError(400, "DBS.200001", msg),
    instanceNotFound: (id: string) => new HuaweiApiError(404, "DBS.200002", `The DB instance does not exist: ${id}.`),
    // Guess: the docs map DBS.201201 to "object already exists"; used for a duplicate name.
    nameTaken: (name: string) => new HuaweiApiError(409, "DBS.201201", `A backup named ${name} already exists on this instance.`),
    description: () => new HuaweiApiError(400, "DBS.280127", "Invalid backup description."),
    busy: (id: string) => new HuaweiApiError(409, "DBS.201205", `A backup operation is in progress on instance ${id}. Wait until it finishes.`),
    // Guess: the docs do not show the answer for a DB instance that is not ACTIVE.
    notActive: (id: string, state: string) => new HuaweiApiError(409, "DBS.200011", `The DB instance ${id} is ${state}; the operation is not allowed.`),
    // Guess: DELETE on an unknown id (candidates in the docs: DBS.201010, DBS.201203, DBS.280214).
    backupNotFound: (id: string) => new HuaweiApiError(404, "DBS.201010", `The backup does not exist: ${id}.`),
    // Guess: the code refusing to delete an automated backup is not documented.
    automated: (id: string) => new HuaweiApiError(400, "DBS.200001", `Backup ${id} is not a manual backup; only manual backups can be deleted.`),
    inUse: (id: string) => new HuaweiApiError(400, "DBS.200054", `the backup is in use: ${id}`),
    // Guess: the docs name RDS.3003 and 413 for the manual-backup quota, not the message or what is counted (here: manual backups held, failed ones included).
    quota: (id: string, quota: number) => new HuaweiApiError(413, "RDS.3003", `The number of manual backups of DB instance ${id} has reached the quota (${quota}).`),
    beingDeleted: (id: string) => new HuaweiApiError(400, "RDS.3016", `The backup file ${id} is being deleted. Try again later.`),
};

/** Huawei RDS backups of all seeded instances. */
export class RdsModel {
    readonly instances = new Map<string, RdsInstance>();
    readonly backups = new Map<string, RdsBackup>();

    constructor(private readonly now: () => number, private readonly timeScale: number) { }

    addInstance(spec: InstanceSpec & { failNextBackup?: boolean }): RdsInstance {
        const info = engineInfo(spec.engine);
        const instance: RdsInstance = {
            id: spec.id, name: spec.name ?? spec.id, engine: info.engine, engineVersion: spec.engineVersion ?? info.version,
            state: instanceState(spec.state ?? "ACTIVE"), databases: [...(spec.databases ?? [])], failNextBackup: spec.failNextBackup ?? false,
            logBackup: spec.logBackup ?? false, manualBackupQuota: spec.manualBackupQuota,
        };
        this.instances.set(instance.id, instance);
        return instance;
    }

    updateInstance(id: string, patch: Partial<InstanceSpec> & { failNextBackup?: boolean }): void {
        const inst = this.instance(id);
        if (patch.engine !== undefined) inst.engine = engineInfo(patch.engine).engine;
        if (patch.engineVersion !== undefined) inst.engineVersion = patch.engineVersion;
        if (patch.state !== undefined) inst.state = instanceState(patch.state);
        if (patch.name !== undefined) inst.name = patch.name;
        if (patch.databases !== undefined) inst.databases = [...patch.databases];
        if (patch.failNextBackup !== undefined) inst.failNextBackup = patch.failNextBackup;
        if (patch.logBackup !== undefined) inst.logBackup = patch.logBackup;
        if (patch.manualBackupQuota !== undefined) inst.manualBackupQuota = patch.manualBackupQuota;
    }

    /** The status a backup shows now. */
    status(b: RdsBackup): RdsBackupStatus {
        if (b.deleteRequestedAt !== undefined) return "DELETING";
        if (this.now() < b.startedAt + b.buildMs) return "BUILDING";
        return b.fails ? "FAILED" : "COMPLETED";
    }

    /** Drops backups whose deletion has finished and brings binlog backups up to date; call before reading. */
    sweep(): void {
        const now = this.now();
        for (const [id, b] of this.backups) {
            if (b.deleteRequestedAt !== undefined && now >= b.deleteRequestedAt + (b.deleteMs ?? 0)) this.backups.delete(id);
        }
        this.sweepLogBackups(now);
    }

    /**
     * Guess: binlog backups are listed as `incremental`, one per interval, the
     * latest `RDS_LOG_BACKUPS_SHOWN` of them; each is finished when it shows.
     * Ids are derived from instance and interval, so every list agrees.
     */
    private sweepLogBackups(now: number): void {
        const last = Math.floor(now / RDS_LOG_BACKUP_INTERVAL_MS);
        const first = last - RDS_LOG_BACKUPS_SHOWN + 1;
        for (const [id, b] of this.backups) {
            const inst = this.instances.get(b.instanceId);
            if (b.type === "incremental" && b.logSlot !== undefined && (!inst?.logBackup || b.logSlot < first)) this.backups.delete(id);
        }
        for (const inst of this.instances.values()) {
            if (!inst.logBackup) continue;
            for (let slot = first; slot <= last; slot++) {
                const id = createHash("sha256").update(`${inst.id}/binlog/${slot}`).digest("hex").slice(0, 32) + engineInfo(inst.engine).suffix;
                if (this.backups.has(id)) continue;
                const endsAt = slot * RDS_LOG_BACKUP_INTERVAL_MS;
                this.backups.set(id, {
                    id, instanceId: inst.id, name: `binlog_${new Date(endsAt).toISOString().replace(/\D/g, "").slice(0, 14)}`, description: "",
                    type: "incremental", databases: [], startedAt: endsAt - 20_000, buildMs: 20_000, sizeKb: 16 + (slot % 7) * 8,
                    fails: false, inUse: false, logSlot: slot,
                });
            }
        }
    }

    instance(id: string): RdsInstance {
        const inst = this.instances.get(id);
        if (!inst) throw rdsErrors.instanceNotFound(id);
        return inst;
    }

    /** `POST /v3/{project_id}/backups`, validated in the order the API documents its rules. */
    create(input: { instanceId: string; name: string; description?: string; databases?: string[] }): RdsBackup {
        this.sweep();
        const inst = this.instance(input.instanceId);
        if (!BACKUP_NAME_PATTERN.test(input.name)) {
            throw rdsErrors.parameter(`Invalid backup name ${input.name}: 4 to 64 characters, starting with a letter; letters, digits, hyphens (-) and underscores (_) only.`);
        }
        if (input.description !== undefined && isInvalidDescription(input.description)) throw rdsErrors.description();
        for (const db of input.databases ?? []) {
            // Guess: the code for an unknown database is not documented.
            if (!inst.databases.includes(db)) throw rdsErrors.parameter(`Database ${db} does not exist on instance ${inst.id}.`);
        }
        const mine = [...this.backups.values()].filter(b => b.instanceId === inst.id);
        // Name before busy: a retried create whose first attempt went through learns the name is taken.
        if (mine.some(b => b.name === input.name)) throw rdsErrors.nameTaken(input.name);
        if (inst.state !== "ACTIVE") throw rdsErrors.notActive(inst.id, inst.state);
        if (mine.some(b => ["BUILDING", "DELETING"].includes(this.status(b)))) throw rdsErrors.busy(inst.id);
        const quota = inst.manualBackupQuota ?? DEFAULT_HUAWEI_MANUAL_BACKUP_QUOTA;
        if (mine.filter(b => b.type === "manual").length >= quota) throw rdsErrors.quota(inst.id, quota);
        const backup: RdsBackup = {
            id: newHuaweiId(engineInfo(inst.engine).suffix), instanceId: inst.id, name: input.name, description: input.description ?? "",
            type: "manual", databases: input.databases ?? [], startedAt: this.now(), buildMs: Math.round(RDS_BUILD_MS * this.timeScale),
            sizeKb: 1024 * (64 + Math.floor(Math.random() * 960)), fails: inst.failNextBackup, inUse: false,
        };
        inst.failNextBackup = false;
        this.backups.set(backup.id, backup);
        return backup;
    }

    /** Backups of an instance, newest first. */
    list(instanceId: string): RdsBackup[] {
        this.sweep();
        this.instance(instanceId);
        return [...this.backups.values()].filter(b => b.instanceId === instanceId).sort((a, b) => b.startedAt - a.startedAt);
    }

    /** The `status` the instance list shows: `BACKING UP` while a backup builds on an active instance. */
    shownState(inst: RdsInstance): string {
        this.sweep();
        return inst.state === "ACTIVE" && this.backupInProgress(inst.id) ? "BACKING UP" : inst.state;
    }

    /** True while a backup of the instance is being built. */
    private backupInProgress(instanceId: string): boolean {
        return [...this.backups.values()].some(b => b.instanceId === instanceId && this.status(b) === "BUILDING");
    }

    /** Throws the error a delete of this backup gets, or returns the backup. */
    private deletable(id: string): RdsBackup {
        const b = this.backups.get(id);
        if (!b) throw rdsErrors.backupNotFound(id);
        if (b.type !== "manual") throw rdsErrors.automated(id);
        const status = this.status(b);
        if (status === "DELETING") throw rdsErrors.beingDeleted(id);
        // Guess, as for creates: an instance that is not ACTIVE (stopped, frozen, ...) refuses deletes with DBS.200011.
        const inst = this.instance(b.instanceId);
        if (inst.state !== "ACTIVE") throw rdsErrors.notActive(inst.id, inst.state);
        // One operation at a time: a backup in progress on the instance (this one or another) refuses deletes as it refuses creates.
        if (status === "BUILDING" || this.backupInProgress(b.instanceId)) throw rdsErrors.busy(b.instanceId);
        if (b.inUse) throw rdsErrors.inUse(id);
        return b;
    }

    private markDeleting(b: RdsBackup): void {
        b.deleteRequestedAt = this.now();
        b.deleteMs = Math.round(RDS_DELETE_MS * this.timeScale);
    }

    /** `DELETE /v3/{project_id}/backups/{backup_id}`. */
    delete(id: string): void {
        this.sweep();
        this.markDeleting(this.deletable(id));
    }

    /** `POST /v3/{project_id}/backups/batch-delete`: per-id results, never throws for one id. */
    batchDelete(ids: string[]): Array<{ backup_id: string; error_code: string; error_msg: string }> {
        this.sweep();
        for (const id of ids) {
            const b = this.backups.get(id);
            // Guess: the error for another engine is not documented; the parameter error is the likeliest.
            if (b && this.instances.get(b.instanceId)?.engine !== "SQLServer") {
                throw rdsErrors.parameter(`Batch deletion is only supported for RDS for SQL Server; backup ${id} belongs to another engine.`);
            }
        }
        return ids.map(id => {
            try {
                this.markDeleting(this.deletable(id));
                return { backup_id: id, error_code: "0", error_msg: "Success" };
            } catch (err) {
                const e = err as HuaweiApiError;
                return { backup_id: id, error_code: e.code, error_msg: e.message };
            }
        });
    }

    /** Admin: a COMPLETED backup made outside Pulumi (by hand, or automated). */
    addHandBackup(spec: HandBackupSpec): RdsBackup {
        this.sweep();
        const inst = this.instance(spec.instanceId);
        const type = RDS_HAND_TYPES[spec.mode ?? "Manual"];
        if (!type) throw new TypeError(`Huawei RDS backup mode must be one of ${Object.keys(RDS_HAND_TYPES).join(", ")}; got ${spec.mode}`);
        const buildMs = 60_000;
        const startedAt = this.now() - (spec.ageDays ?? 0) * 86_400_000 - buildMs;
        const backup: RdsBackup = {
            id: newHuaweiId(engineInfo(inst.engine).suffix), instanceId: inst.id,
            name: spec.name ?? `${type}_${new Date(startedAt).toISOString().replace(/\D/g, "").slice(0, 14)}_${Math.random().toString(36).slice(2, 6)}`,
            description: "", type, databases: [], startedAt, buildMs,
            sizeKb: spec.sizeBytes !== undefined ? spec.sizeBytes / 1024 : 2048, fails: false, inUse: false,
        };
        this.backups.set(backup.id, backup);
        return backup;
    }
}
