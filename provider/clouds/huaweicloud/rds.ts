/**
 * Huawei Cloud RDS (API v3) backups. Create answers the backup id at once
 * (no job); progress is read from the backup list. Deletes are single calls
 * except on SQL Server, which has a batch call with per-id results.
 */
import type {
    BackupAdapter, CloudBackup, CreateBackupRequest, CreationProgress, DeleteOutcome, HuaweicloudSettings, InstanceState, StartedBackup,
} from "../adapter";
import { CloudError } from "../../core/errors";
import type { RetryOptions } from "../../core/retry";
import { mapLimit } from "../../core/concurrency";
import { HuaweicloudHttpClient, readInstance, readInstanceState, listAllPages } from "./http";
import { huaweiBackupToCloud, type HuaweiBackupItem } from "./backup-item";
import { batchResultOutcome, deleteOutcomeOf, type DeleteCodes } from "../delete-outcome";
import { NotListedRule } from "./not-listed";

/**
 * "Another operation (or backup) is running on the instance, one at a time":
 * the v3 error table (409) and the codes Huawei's Terraform provider retries
 * on RDS creates and deletes (400/409). A stopped or frozen instance may
 * answer one of them too, so a busy refusal is followed by a look at the
 * instance's state.
 */
export const RDS_BUSY_CODES: readonly string[] = ["DBS.200011", "DBS.200018", "DBS.200019", "DBS.200047", "DBS.201202", "DBS.201205", "DBS.201206", "DBS.280011"];
/**
 * Instance states (`GET /v3/{project_id}/instances`, `status`) in which no
 * backup operation can run until someone acts; every other documented state
 * (`ACTIVE`, `BACKING UP`, `MODIFYING`, `REBOOTING`, `RESTORING`, `SWITCHOVER`,
 * `MIGRATING`, ...) passes by itself. `SHUTDOWN` is a stopped instance.
 */
const RDS_STOPPED_STATES: Record<string, string> = {
    SHUTDOWN: "the instance is stopped: start it (console, or POST /v3/{project_id}/instances/{instance_id}/action/startup), then run the update again",
    FROZEN: "the instance is frozen (the account is in arrears): top up the account so it is unfrozen, then run the update again",
    FAILED: "the instance is abnormal: repair it (see the console or Huawei support), then run the update again",
    "STORAGE FULL": "the instance's storage is full: scale up its storage, then run the update again",
};

/**
 * The only answers to a delete that count as "deleted" (api-reference §3.5, the
 * RDS v3 error table): the backup does not exist (`DBS.201010` 404,
 * `DBS.201203` / `RDS.3026` / `DBS.280214` 400: which one the live DELETE
 * answers is not documented, so each counts), or it is already being deleted
 * (`RDS.3016`: a delete retried after a lost answer meets its own delete).
 * Any other 404, the API gateway's `APIGW.0101` included, does not.
 */
export const RDS_NOT_FOUND_CODES = ["DBS.201010", "DBS.201203", "DBS.280214", "RDS.3026", "RDS.3016"];
/** Codes meaning "a cloud rule refuses this delete for now" (the backup is in use). */
export const RDS_BLOCKED_CODES = ["DBS.200054"];
const RDS_DELETE_CODES: DeleteCodes = { gone: RDS_NOT_FOUND_CODES, blocked: RDS_BLOCKED_CODES };
/** Largest batch of the SQL Server batch-delete call. */
export const RDS_BATCH_DELETE_MAX = 50;
/** Single deletes in flight at once on engines without a batch call. */
export const RDS_DELETE_CONCURRENCY = 4;
const PAGE_SIZE = 100;

/** A backup as `GET /v3/{project_id}/backups` lists it. */
/** A backup as the RDS list shows it. */
export type RdsBackupItem = HuaweiBackupItem;

interface ListAnswer { backups?: RdsBackupItem[]; total_count?: number }
interface DeleteResult { backup_id: string; error_code?: string; error_msg?: string }

/** Maps one listed RDS backup to the lifecycle's shape. */
export const rdsBackupToCloud = huaweiBackupToCloud;

/** A name the API accepts (4–64 chars, starts with a letter) when the user gave none. */
export function fallbackBackupName(now: Date = new Date()): string {
    const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
    return `pulumi-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Classifies the error of one delete call into an outcome: deleted only for the documented not-found codes. */
export function rdsDeleteOutcome(backupId: string, err: unknown): DeleteOutcome {
    return deleteOutcomeOf(backupId, err, RDS_DELETE_CODES);
}

/** Backups of Huawei Cloud RDS instances (MySQL, PostgreSQL, SQL Server, MariaDB). */
export class HuaweicloudRdsAdapter implements BackupAdapter {
    readonly displayName = "Huawei Cloud RDS";
    private readonly client: HuaweicloudHttpClient;
    /** Engine per instance (`datastore.type`), learnt from listed backups; it never changes. */
    private readonly engines = new Map<string, string>();
    /** A backup id the list does not show is given up after a grace period. */
    private readonly notListed: NotListedRule;

    constructor(settings: HuaweicloudSettings, options: { retry?: RetryOptions; timeoutMs?: number } = {}) {
        this.client = new HuaweicloudHttpClient(settings, this.displayName, options);
        this.notListed = new NotListedRule({ service: this.displayName, operation: "GET /v3/{project_id}/backups" }, () => this.client.serverNow());
    }

    isBusy(refusal: { code?: string }): boolean {
        return RDS_BUSY_CODES.includes(refusal.code ?? "");
    }

    /** `GET /v3/{project_id}/instances?id=`: the instance's `status`. */
    instanceState(instanceId: string): Promise<InstanceState | undefined> {
        return readInstanceState(this.client, instanceId, status => RDS_STOPPED_STATES[status.toUpperCase()]);
    }

    /** `GET /v3/{project_id}/instances?id=`: the instance's `datastore.type`. */
    async instanceEngine(instanceId: string): Promise<string | undefined> {
        const engine = (await readInstance(this.client, instanceId))?.datastore?.type;
        if (engine) this.engines.set(instanceId, engine);
        return engine;
    }

    async maxIdsPerDelete(instanceId: string): Promise<number> {
        return (await this.isSqlServer(instanceId)) ? RDS_BATCH_DELETE_MAX : 1;
    }

    async startBackup(req: CreateBackupRequest): Promise<StartedBackup> {
        const body: Record<string, unknown> = { instance_id: req.instanceId, name: req.name ?? fallbackBackupName() };
        if (req.description) body.description = req.description;
        if (req.databases?.length) body.databases = req.databases.map(name => ({ name }));
        // No busy retry here: the instance coordinator waits for a free instance, bounded by waitTimeout.
        const res = await this.client.call<{ backup?: { id?: string } }>({ method: "POST", path: "/v3/{project_id}/backups", body });
        const backupId = res.body?.backup?.id;
        if (!backupId) {
            throw new CloudError({ service: this.displayName, operation: "POST /v3/{project_id}/backups", code: "InvalidResponse", kind: "server",
                httpStatus: res.status, requestId: res.requestId, cloudMessage: `the answer for instance ${req.instanceId} carries no backup.id` });
        }
        // The cloud's clock at its answer: a backup not listed is given up a grace period after it (kept in state as startedAt).
        return { backupId, startedAt: new Date(this.client.serverNow()).toISOString() };
    }

    async creationStatus(instanceId: string, started: StartedBackup): Promise<CreationProgress> {
        if (!started.backupId) throw new Error(`Huawei Cloud RDS creation on instance ${instanceId} has no backup id to follow`);
        const backup = await this.findBackup(instanceId, started.backupId);
        // Not listed: just created (within a grace period), else deleted or never made here (BackupNotListed).
        if (!backup) return this.notListed.missing(instanceId, started.backupId, { at: started.startedAt, what: "it was created" });
        this.notListed.seen(backup.backupId);
        const base = { cloudStatus: backup.cloudStatus, backupId: backup.backupId };
        switch (backup.status) {
            case "COMPLETED": return { ...base, status: "COMPLETED", backup };
            case "FAILED": return { ...base, status: "FAILED", failReason: `backup ${backup.backupId} ended in status ${backup.cloudStatus}` };
            case "DELETING": return { ...base, status: "FAILED", failReason: `backup ${backup.backupId} is being deleted` };
            default: return { ...base, status: "BUILDING" };
        }
    }

    async findBackup(instanceId: string, backupId: string): Promise<CloudBackup | undefined> {
        const page = await this.listPage(instanceId, 0, { backup_id: backupId });
        const item = (page.backups ?? []).find(b => b.id === backupId);
        return item ? rdsBackupToCloud(item, instanceId) : undefined;
    }

    async listBackups(instanceId: string): Promise<CloudBackup[]> {
        const items = await listAllPages(PAGE_SIZE, offset => this.listPage(instanceId, offset));
        return items.map(b => rdsBackupToCloud(b, instanceId));
    }

    /** The manual backup with this name on the instance (names are unique), or undefined. */
    async findBackupByName(instanceId: string, name: string): Promise<CloudBackup | undefined> {
        return (await this.listBackups(instanceId)).find(b => b.name === name && b.manual);
    }

    async deleteBackups(instanceId: string, backupIds: string[]): Promise<DeleteOutcome[]> {
        const ids = [...new Set(backupIds)];
        if (ids.length === 0) return [];
        let sqlServer: boolean;
        try {
            sqlServer = await this.isSqlServer(instanceId);
        } catch (err) {
            // The listing that tells the engine is refused: its answer (a wrong project id's APIGW.0101 404) is every id's, never "deleted".
            // A retryable failure still throws, so a wait for a busy instance keeps waiting through it.
            if (!(err instanceof CloudError) || err.retryable) throw err;
            return ids.map(id => rdsDeleteOutcome(id, err));
        }
        if (sqlServer) {
            const outcomes: DeleteOutcome[] = [];
            for (let i = 0; i < ids.length; i += RDS_BATCH_DELETE_MAX) outcomes.push(...await this.batchDelete(ids.slice(i, i + RDS_BATCH_DELETE_MAX)));
            return outcomes;
        }
        return mapLimit(ids, RDS_DELETE_CONCURRENCY, id => this.deleteOne(id));
    }

    private async deleteOne(backupId: string): Promise<DeleteOutcome> {
        try {
            await this.client.call({ method: "DELETE", path: "/v3/{project_id}/backups/{backup_id}", params: { backup_id: backupId } });
            return { backupId, result: "deleted" };
        } catch (err) {
            return rdsDeleteOutcome(backupId, err);
        }
    }

    private async batchDelete(ids: string[]): Promise<DeleteOutcome[]> {
        let results: DeleteResult[];
        try {
            const res = await this.client.call<{ delete_results?: DeleteResult[] }>({
                method: "POST", path: "/v3/{project_id}/backups/batch-delete", body: { backup_ids: ids },
            });
            results = res.body?.delete_results ?? [];
        } catch (err) {
            return ids.map(id => rdsDeleteOutcome(id, err));
        }
        const byId = new Map(results.map(r => [r.backup_id, r]));
        return ids.map((backupId): DeleteOutcome => {
            const r = byId.get(backupId);
            if (!r) return { backupId, result: "failed", code: "NoResult", message: "the batch delete answer has no result for this backup" };
            return batchResultOutcome(backupId, String(r.error_code ?? ""), r.error_msg, RDS_DELETE_CODES);
        });
    }

    private async isSqlServer(instanceId: string): Promise<boolean> {
        if (!this.engines.has(instanceId)) await this.listPage(instanceId, 0, {}, 1);
        // No backup listed yet: nothing to delete either, and single deletes work on every engine.
        return (this.engines.get(instanceId) ?? "").toLowerCase().replace(/[^a-z]/g, "") === "sqlserver";
    }

    private async listPage(instanceId: string, offset: number, filter: Record<string, string> = {}, limit = PAGE_SIZE): Promise<ListAnswer> {
        const res = await this.client.call<ListAnswer>({
            method: "GET", path: "/v3/{project_id}/backups", query: { instance_id: instanceId, ...filter, offset, limit },
        });
        const page = res.body ?? {};
        const engine = page.backups?.find(b => b.datastore?.type)?.datastore?.type;
        if (engine) this.engines.set(instanceId, engine);
        return page;
    }
}
