/**
 * Shared shapes of the emulator: options, seeded instances, the contract each
 * emulated service implements, and the admin operations. One file so the
 * three services and the admin API agree on names.
 */
import type * as http from "http";

/** Keys of the three emulated services, also the keys of `endpoints`. */
export type ServiceKey = "alicloudRds" | "huaweicloudRds" | "huaweicloudGeminidb";
/** Huawei RDS manual backups an instance may hold at once when `manualBackupQuota` is not set (a guess). */
export const DEFAULT_HUAWEI_MANUAL_BACKUP_QUOTA = 200;

export const SERVICE_KEYS: ServiceKey[] = ["alicloudRds", "huaweicloudRds", "huaweicloudGeminidb"];

export interface AccessKey { id: string; secret: string }

/** An instance to seed. `cloud` + `service` choose the emulated service. */
export interface InstanceSpec {
    cloud: "alicloud" | "huaweicloud";
    /** `rds` (default) or `geminidb` (huaweicloud only). */
    service?: "rds" | "geminidb";
    id: string;
    /** Alibaba: MySQL | PostgreSQL | SQLServer | MariaDB. Huawei RDS: MySQL | PostgreSQL | SQLServer. GeminiDB: cassandra | mongodb | influxdb | redis. */
    engine: string;
    engineVersion?: string;
    /** Alibaba edition: HighAvailability | Basic | AlwaysOn | Finance (default HighAvailability). */
    category?: string;
    /** Alibaba: Running (default) | Stopped | ...; Huawei: ACTIVE (default) | ... */
    state?: string;
    /**
     * Log backup on/off (default false). Alibaba: decides when a data backup may be deleted.
     * Huawei RDS: the list carries the instance's binlog backups (`incremental`), one per 5 minutes.
     */
    logBackup?: boolean;
    /** Alibaba: log backup retention in days (default 7). */
    logRetentionDays?: number;
    /**
     * Alibaba: minimum age in days before a data backup may be deleted. When absent
     * it follows the documented rule: 7 days with log backup off, `logRetentionDays` with it on.
     */
    minDeleteAgeDays?: number;
    /** Alibaba lock mode: Unlock (default) | ManualLock | LockByExpiration | ... */
    lockMode?: string;
    /**
     * Alibaba: minutes (emulated clock) a finished job stays queryable by id in
     * DescribeBackupTasks; after that the job is not listed any more. Default:
     * `faults.alicloudTaskRetentionMinutes` (60).
     */
    taskRetentionMinutes?: number;
    /**
     * Alibaba: the daily automated-backup window, `HH:mmZ-HH:mmZ` in UTC (the
     * documented PreferredBackupTime format). While it is open an Automated job
     * occupies the instance (listed by DescribeBackupTasks; CreateBackup and
     * DeleteBackup answer BackupJobExists); when it closes an Automated set is
     * listed. Absent (default): no automated backups run.
     */
    preferredBackupTime?: string | null;
    /** Alibaba: `refuse` (default) answers DeleteBackup with BackupJobExists while a backup job runs; `allow` deletes anyway. */
    deleteDuringBackup?: "refuse" | "allow";
    /** Databases on the instance (Alibaba `DBName`, Huawei `databases`). */
    databases?: string[];
    name?: string;
    /**
     * Huawei RDS: how many manual backups the instance may hold at once; a
     * create beyond it is answered 413 `RDS.3003` (default
     * {@link DEFAULT_HUAWEI_MANUAL_BACKUP_QUOTA}; a guess, the quota is not documented).
     */
    manualBackupQuota?: number;
    /** The next backup job on this instance ends Failed (consumed by that job); patchable through the admin API. */
    failNextBackup?: boolean;
}

/** A backup made outside Pulumi (by hand, or automated by the cloud), added through the admin API. */
export interface HandBackupSpec {
    instanceId: string;
    /**
     * `Manual` (default) or `Automated`. Huawei only: `Incremental` (RDS binlog, GeminiDB Cassandra),
     * `Fragment` (RDS), `Differential` (GeminiDB Cassandra): backups the cloud makes, never deletable.
     */
    mode?: "Manual" | "Automated" | "Incremental" | "Fragment" | "Differential";
    name?: string;
    /** Age of the backup in days (default 0): lets tests seed old sets. */
    ageDays?: number;
    sizeBytes?: number;
}

/** Emulator options, all optional. */
export interface EmulatorOptions {
    /** First port; each service takes the next one. 0 (default) = any free ports. */
    port?: number;
    /** Multiplies simulated job durations: 1 = real-ish (tens of seconds), 0.001 = milliseconds. Default 1. */
    timeScale?: number;
    /** Persist state to this JSON file after each change and load it at start. */
    statePath?: string;
    accessKeys?: AccessKey[];
    /** The Huawei project id the services accept. */
    projectId?: string;
    /** Region that names that project in the emulated IAM's project list (default `ap-southeast-1`). */
    projectRegion?: string;
    /** Instances to seed; default: the documented handful in `defaults.ts`. */
    instances?: InstanceSpec[];
    faults?: FaultOptions;
    /** Bind address (default 127.0.0.1). */
    host?: string;
    /** Added before every service answer, standing in for a real network (the benchmark uses 50). Default 0. */
    latencyMs?: number;
}

export interface FaultOptions {
    /** Alibaba: how long (simulated ms at timeScale 1) a finished job's set stays invisible to DescribeBackups. Default 0. */
    alicloudDescribeLagMs?: number;
    /** Alibaba: default of the instance setting `taskRetentionMinutes` (emulated minutes a finished job stays listed by id). Default 60. */
    alicloudTaskRetentionMinutes?: number;
}

/** One injected failure: the next `times` calls of `action` on `service` answer this error. */
export interface InjectedFault {
    service: ServiceKey;
    /** Alibaba `Action`, or Huawei operation name (see each service's handlers). `*` = any. */
    action: string;
    /** HTTP status to answer. */
    status: number;
    code: string;
    message?: string;
    times?: number;
    /**
     * Answer `status` with an HTML page, as a gateway in front of the API does
     * for 502/503, instead of the cloud's JSON error body (`code` and `message`
     * are then not sent).
     */
    html?: boolean;
    /**
     * Drop the connection without an answer: `before` the service acts (nothing
     * changes), or `after` it acted (the change is made, the answer is lost).
     * `status` and `code` may be omitted; they are then recorded as 0 and
     * `ConnectionReset`.
     */
    reset?: "before" | "after";
    /**
     * Answer each matching call only with this probability (0 < rate <= 1);
     * a spared call is matched against the next queued fault. `times` counts
     * the calls actually answered. Default: every matching call.
     */
    rate?: number;
    /** Seed of the dice of `rate`, so a run can be repeated (default: unseeded). */
    seed?: number;
}

/** Context the emulator hands each service at creation. */
export interface ServiceContext {
    accessKeys: AccessKey[];
    projectId: string;
    timeScale: number;
    faults: FaultOptions;
    /** Emulated clock in ms since epoch (real time plus any admin offset). */
    now(): number;
    /** Records one call; `mutated` = the call changed state. */
    recordCall(action: string, mutated: boolean): void;
    /** Returns and consumes an injected fault for this action, if any. */
    takeFault(action: string): InjectedFault | undefined;
    /** Tells the emulator state changed (for persistence). */
    changed(): void;
}

/** What every emulated service implements. */
export interface EmulatedService {
    readonly key: ServiceKey;
    /** Serves one HTTP request on this service's own port. */
    handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void>;
    /** Admin: add an instance. */
    addInstance(spec: InstanceSpec): void;
    /** Admin: change instance fields (state, lock mode, ...). */
    updateInstance(id: string, patch: Partial<InstanceSpec>): void;
    /** Admin: add a completed backup made outside Pulumi; returns its id. */
    addBackup(spec: HandBackupSpec): string;
    /** Admin: delete a backup behind Pulumi's back; false when unknown. */
    removeBackup(backupId: string): boolean;
    /** Admin: mark a backup in use (Huawei) / not deletable (Alibaba StoreStatus Disabled) or clear it. */
    setBackupInUse(backupId: string, inUse: boolean): boolean;
    /** JSON view of instances, backups (automated ones included) and jobs. */
    snapshot(): unknown;
    /** Restores a snapshot written by `snapshot()`. */
    restore(state: unknown): void;
}
