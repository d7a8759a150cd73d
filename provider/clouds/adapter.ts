/**
 * The one interface every cloud adapter implements. The lifecycle code in
 * `manual-backup.ts` and `retention-set.ts` only talks to this interface and
 * never knows which cloud is behind it. Each adapter keeps its cloud's quirks
 * (Alibaba: job first, backup id later; GeminiDB: job ids on every call)
 * inside its own folder.
 */

/** Normalised backup status shown to users as the `status` output. */
export type BackupStatus = "BUILDING" | "COMPLETED" | "FAILED" | "DELETING";

/** Which API a resource talks to. */
export type CloudName = "alicloud" | "huaweicloud";
export type ServiceName = "rds" | "geminidb";

/** A backup as the lifecycle sees it, whatever cloud it lives on. */
export interface CloudBackup {
    backupId: string;
    instanceId: string;
    /** Backup name (Huawei); Alibaba sets have none. */
    name?: string;
    description?: string;
    status: BackupStatus;
    /** The cloud's own status word, e.g. `Success`, `COMPLETED`. */
    cloudStatus: string;
    /** ISO 8601 UTC. */
    startedAt?: string;
    /** ISO 8601 UTC. */
    finishedAt?: string;
    sizeBytes?: number;
    /** Manual (made by a user or this provider) vs automated. */
    manual: boolean;
    /**
     * A full backup of the instance, as opposed to a log or incremental one
     * (Huawei `incremental`/`fragment`, Alibaba `IncrementalBackup`); absent
     * when the cloud does not say. How long full ones took predicts how long
     * the next manual backup takes.
     */
    full?: boolean;
    backupMethod?: string;
    databases?: string[];
    /** Alibaba `StoreStatus` (`Enabled` = deletable); absent elsewhere. */
    storeStatus?: string;
}

/** What to create. Fields a cloud does not support are ignored by its adapter (Check rejects them first). */
export interface CreateBackupRequest {
    instanceId: string;
    name?: string;
    description?: string;
    databases?: string[];
    backupMethod?: string;
    backupStrategy?: string;
    /**
     * How long starting the backup may take, resends after lost answers
     * included: what is left of the resource's `waitTimeout`. Set by the
     * instance coordinator; without it only the attempt budget bounds a start.
     */
    timeoutMs?: number;
}

/** What the cloud answered to a create call. At least one of the two is set. */
export interface StartedBackup {
    /** Job id (Alibaba `BackupJobId`, GeminiDB `job_id`); absent on Huawei RDS. */
    jobId?: string;
    /** Backup id, when the cloud gives it at once (Huawei); Alibaba gives it only when the job ends. */
    backupId?: string;
    /**
     * ISO 8601 UTC, the cloud's clock just before the create call (Alibaba):
     * finds the set of a job the cloud no longer lists. Worth keeping in state.
     */
    startedAt?: string;
    /** What happened beyond a plain create (e.g. a job taken over after a lost answer); worth a log line. */
    note?: string;
}

/** One poll of a running creation. */
export interface CreationProgress {
    /** `BUILDING` while running; `COMPLETED` once the backup set is visible; `FAILED` on failure. */
    status: BackupStatus;
    cloudStatus: string;
    /** Known once the cloud tells it. */
    backupId?: string;
    /** The cloud's reason when `status` is `FAILED`. */
    failReason?: string;
    /** The finished backup, when `status` is `COMPLETED`. */
    backup?: CloudBackup;
    /** Progress text as the cloud reports it (e.g. `60%`). */
    progress?: string;
}

/** The outcome of deleting one backup. */
export interface DeleteOutcome {
    backupId: string;
    /**
     * `deleted`: the cloud accepted the delete, or answered with one of the
     * service's documented "this backup does not exist" codes.
     * `blocked`: the cloud refused because of its rules (retention, backup in use); retry later.
     * `unconfirmed`: a 404 that is not such a code (the API gateway's
     * `APIGW.0101` for a wrong project id or path, an HTML page, an unknown
     * instance): it says nothing about the backup, which may well still exist.
     * `failed`: any other error (signature, network after retries).
     */
    result: "deleted" | "blocked" | "unconfirmed" | "failed";
    code?: string;
    message?: string;
    /** ISO 8601 UTC time after which the cloud's rule allows the delete, when the rule tells. */
    deletableAfter?: string;
    /**
     * Set by the instance coordinator (never by an adapter): the instance was
     * still busy (another operation running) when the delete's time limit
     * (`deleteTimeout`) ran out, so the delete was not attempted again. The
     * backup still exists.
     */
    stillBusy?: boolean;
}

/** What the cloud says about an instance, read when it refuses a call as busy. */
export interface InstanceState {
    /** The cloud's own word, e.g. `ACTIVE`, `SHUTDOWN` (Huawei RDS), `frozen` (GeminiDB). */
    state: string;
    /**
     * False when the instance cannot run operations until someone acts
     * (stopped, frozen, faulty): waiting would only run into the timeout.
     */
    running: boolean;
    /** What the user can do when it is not running. */
    hint?: string;
}

/** The four verbs per cloud: create, status (one poll), find/list, delete. */
export interface BackupAdapter {
    /** Human name used in messages, e.g. `Alibaba Cloud RDS`. */
    readonly displayName: string;
    /** Largest number of ids one delete call may carry for this instance (1 when there is no batch call). */
    maxIdsPerDelete(instanceId: string): Promise<number>;
    /** Starts a manual backup. Throws `CloudError` when the cloud refuses. */
    startBackup(req: CreateBackupRequest): Promise<StartedBackup>;
    /** One poll of a creation started by `startBackup`. */
    creationStatus(instanceId: string, started: StartedBackup): Promise<CreationProgress>;
    /** The backup with this id on this instance, or `undefined` when it does not exist. */
    findBackup(instanceId: string, backupId: string): Promise<CloudBackup | undefined>;
    /** Every backup of the instance (all pages), automated ones included. */
    listBackups(instanceId: string): Promise<CloudBackup[]>;
    /** Clouds whose backups carry unique names (Huawei): the backup of that name, or `undefined`. */
    findBackupByName?(instanceId: string, name: string): Promise<CloudBackup | undefined>;
    /**
     * Deletes backups with as few calls as the cloud allows. Never throws for
     * a per-backup refusal: each id gets an outcome. Throws only when nothing
     * could be attempted at all.
     */
    deleteBackups(instanceId: string, backupIds: string[]): Promise<DeleteOutcome[]>;
    /**
     * True when a refusal (a thrown `CloudError`, or a delete outcome) means
     * "another operation runs on this instance, one at a time": the same call
     * may succeed later. Each service has its own documented codes.
     */
    isBusy(refusal: { code?: string }): boolean;
    /**
     * The instance's state, or `undefined` when the cloud does not list it.
     * Read once when a call is refused as busy, to tell a busy instance
     * (wait) from one that is stopped or frozen (fail now, say why).
     */
    instanceState?(instanceId: string): Promise<InstanceState | undefined>;
    /**
     * The instance's database engine as the cloud names it (Huawei RDS
     * `datastore.type`: `MySQL`, `PostgreSQL`, `SQLServer`, `MariaDB`), or
     * `undefined` when the cloud does not list the instance. Services whose
     * rules do not depend on the engine leave it out.
     */
    instanceEngine?(instanceId: string): Promise<string | undefined>;
}

/** Credentials and endpoint an adapter needs, resolved by `config.ts`. */
export interface AlicloudSettings {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
    region?: string;
    endpoint: string;
}

export interface HuaweicloudSettings {
    accessKey?: string;
    secretKey?: string;
    securityToken?: string;
    /** IAM token, used instead of AK/SK when set. */
    authToken?: string;
    /** Empty when not configured: then `projectIdLookup` finds it (IAM) before the first call. */
    projectId: string;
    projectIdLookup?: () => Promise<string>;
    region?: string;
    endpoint: string;
}
