/**
 * Huawei Cloud GeminiDB (GaussDB NoSQL, API v3) backups. Every mutating call
 * answers a job id; creation is followed through the job, then the backup
 * list. The batch delete call has no per-id results, so a refused batch is
 * replayed id by id to learn which backup the cloud objects to.
 */
import type {
    BackupAdapter, CloudBackup, CreateBackupRequest, CreationProgress, DeleteOutcome, HuaweicloudSettings, InstanceState, StartedBackup,
} from "../adapter";
import { CloudError } from "../../core/errors";
import type { RetryOptions } from "../../core/retry";
import { mapLimit } from "../../core/concurrency";
import { HuaweicloudHttpClient, readInstanceState, listAllPages } from "./http";
import { huaweiBackupToCloud, type HuaweiBackupItem } from "./backup-item";
import { fallbackBackupName } from "./rds";
import { deleteOutcomeOf, saysNothingAboutBackups, type DeleteCodes } from "../delete-outcome";
import { NotListedRule } from "./not-listed";
import { parseHuaweiTime } from "./time";

/**
 * "Another operation is running on the instance" (403 `DBS.200019`,
 * `DBS.201015`) and "server busy, retry later" (`DBS.280005`): the codes
 * Huawei's Terraform provider retries on GeminiDB (400/403/409). A frozen
 * instance may answer them too, so a busy refusal is followed by a look at
 * the instance's state.
 */
export const GEMINIDB_BUSY_CODES: readonly string[] = ["DBS.200019", "DBS.201015", "DBS.280005"];
/**
 * Instance states (`GET /v3/{project_id}/instances`, `status`) in which no
 * backup operation can run until someone acts; `normal` and `creating` pass.
 */
const GEMINIDB_STOPPED_STATES: Record<string, string> = {
    frozen: "the instance is frozen (the account is in arrears): top up the account so it is unfrozen, then run the update again",
    abnormal: "the instance is abnormal: repair it (see the console or Huawei support), then run the update again",
    createfail: "the instance failed to be created: check instanceId, or create the instance again",
    data_disk_full: "the instance's storage is full: scale up its storage, then run the update again",
};

/**
 * The only answers to a delete that count as "deleted" (api-reference §4.6,
 * the GeminiDB error table; §4.3: Huawei's Terraform provider also reads
 * 400 `DBS.201214` as already deleted): "backup file does not exist". Any 404,
 * the API gateway's `APIGW.0101` for a wrong project id included, does not.
 */
export const GEMINIDB_NOT_FOUND_CODES = ["DBS.201214", "DBS.201204"];
/** Codes meaning "a cloud rule refuses this delete for now" (a restore from it is running). */
export const GEMINIDB_BLOCKED_CODES = ["DBS.201319"];
const GEMINIDB_DELETE_CODES: DeleteCodes = { gone: GEMINIDB_NOT_FOUND_CODES, blocked: GEMINIDB_BLOCKED_CODES };
/** Largest batch of `DELETE /v3/{project_id}/instances/backups`. */
export const GEMINIDB_BATCH_DELETE_MAX = 10;
/** Description sent when the user gave none: the API requires one. */
export const GEMINIDB_DEFAULT_DESCRIPTION = "created by pulumi-db-backups";
const PAGE_SIZE = 100;
const SINGLE_DELETE_CONCURRENCY = 4;

/** A backup as the GeminiDB v4 list shows it. */
export type GeminidbBackupItem = HuaweiBackupItem;

/** A job as `GET /v3/{project_id}/jobs` lists it. */
export interface GeminidbJob {
    id: string;
    name?: string;
    status?: string;
    progress?: string;
    /** `2023-09-12T06:44:01+0000`; empty while Running. */
    end_time?: string;
    fail_reason?: string;
    instance?: { id?: string; name?: string };
}

interface ListAnswer { backups?: GeminidbBackupItem[]; total_count?: number }

/** Maps one listed GeminiDB backup to the lifecycle's shape. */
export const geminidbBackupToCloud = huaweiBackupToCloud;

/** Classifies the error of one single delete into an outcome: deleted only for the documented not-found codes. */
export function geminidbDeleteOutcome(backupId: string, err: unknown): DeleteOutcome {
    return deleteOutcomeOf(backupId, err, GEMINIDB_DELETE_CODES);
}

/** Backups of Huawei Cloud GeminiDB instances (Cassandra, Mongo, Influx, Redis). */
export class HuaweicloudGeminidbAdapter implements BackupAdapter {
    readonly displayName = "Huawei Cloud GeminiDB";
    private readonly client: HuaweicloudHttpClient;
    /** A backup whose job ended but that the list does not show is given up after a grace period. */
    private readonly notListed: NotListedRule;

    constructor(settings: HuaweicloudSettings, options: { retry?: RetryOptions; timeoutMs?: number } = {}) {
        this.client = new HuaweicloudHttpClient(settings, this.displayName, options);
        this.notListed = new NotListedRule({ service: this.displayName, operation: "GET /v4/{project_id}/backups" }, () => this.client.serverNow());
    }

    isBusy(refusal: { code?: string }): boolean {
        return GEMINIDB_BUSY_CODES.includes(refusal.code ?? "");
    }

    /** `GET /v3/{project_id}/instances?id=`: the instance's `status`. */
    instanceState(instanceId: string): Promise<InstanceState | undefined> {
        return readInstanceState(this.client, instanceId, status => GEMINIDB_STOPPED_STATES[status.toLowerCase()]);
    }

    async maxIdsPerDelete(_instanceId: string): Promise<number> {
        return GEMINIDB_BATCH_DELETE_MAX;
    }

    async startBackup(req: CreateBackupRequest): Promise<StartedBackup> {
        const operation = "POST /v3/{project_id}/instances/{instance_id}/backups";
        const res = await this.client.call<{ job_id?: string; backup_id?: string }>({
            method: "POST", path: "/v3/{project_id}/instances/{instance_id}/backups", params: { instance_id: req.instanceId },
            // No busy retry here: the instance coordinator waits for a free instance, bounded by waitTimeout.
            body: { name: req.name ?? fallbackBackupName(), description: req.description || GEMINIDB_DEFAULT_DESCRIPTION },
        });
        const { job_id: jobId, backup_id: backupId } = res.body ?? {};
        if (!jobId && !backupId) {
            throw new CloudError({ service: this.displayName, operation, code: "InvalidResponse", kind: "server", httpStatus: res.status,
                requestId: res.requestId, cloudMessage: `the answer for instance ${req.instanceId} carries neither job_id nor backup_id` });
        }
        // The cloud's clock at its answer: a backup not listed is given up a grace period after it (kept in state as startedAt).
        return { jobId, backupId, startedAt: new Date(this.client.serverNow()).toISOString() };
    }

    async creationStatus(instanceId: string, started: StartedBackup): Promise<CreationProgress> {
        const job = started.jobId ? await this.findJob(started.jobId) : undefined;
        if (job?.status === "Failed") {
            return { status: "FAILED", cloudStatus: "Failed", backupId: started.backupId, failReason: job.fail_reason || `job ${job.id} failed` };
        }
        if (job?.status === "Running") {
            return { status: "BUILDING", cloudStatus: "Running", backupId: started.backupId, progress: job.progress || undefined };
        }
        // Job completed, not listed (yet), or no job to follow: the backup list decides.
        if (!started.backupId) return { status: "BUILDING", cloudStatus: job?.status ?? "BUILDING" };
        const backup = await this.findBackup(instanceId, started.backupId);
        if (!backup) {
            // Not listed: the grace period runs from the create's answer, or from the job's end when that is later (a long job).
            const ended = job?.status === "Completed" ? parseHuaweiTime(job.end_time) : undefined;
            const since = ended && (!started.startedAt || ended > new Date(started.startedAt).toISOString())
                ? { at: ended, what: `its job ${started.jobId} ended` } : { at: started.startedAt, what: "it was created" };
            return this.notListed.missing(instanceId, started.backupId, since, job?.status ?? "NotListed");
        }
        this.notListed.seen(backup.backupId);
        if (backup.status === "COMPLETED") return { status: "COMPLETED", cloudStatus: backup.cloudStatus, backupId: backup.backupId, backup };
        if (backup.status === "FAILED") {
            return { status: "FAILED", cloudStatus: backup.cloudStatus, backupId: backup.backupId, failReason: `backup ${backup.backupId} ended in status ${backup.cloudStatus}` };
        }
        return { status: "BUILDING", cloudStatus: backup.cloudStatus, backupId: backup.backupId };
    }

    async findBackup(instanceId: string, backupId: string): Promise<CloudBackup | undefined> {
        const page = await this.listPage(instanceId, 0, backupId);
        const item = (page.backups ?? []).find(b => b.id === backupId);
        return item ? geminidbBackupToCloud(item, instanceId) : undefined;
    }

    async listBackups(instanceId: string): Promise<CloudBackup[]> {
        const items = await listAllPages(PAGE_SIZE, offset => this.listPage(instanceId, offset));
        return items.map(b => geminidbBackupToCloud(b, instanceId));
    }

    /** The manual backup with this name on the instance, or undefined. */
    async findBackupByName(instanceId: string, name: string): Promise<CloudBackup | undefined> {
        return (await this.listBackups(instanceId)).find(b => b.name === name && b.manual);
    }

    async deleteBackups(_instanceId: string, backupIds: string[]): Promise<DeleteOutcome[]> {
        const ids = [...new Set(backupIds)];
        const outcomes: DeleteOutcome[] = [];
        for (let i = 0; i < ids.length; i += GEMINIDB_BATCH_DELETE_MAX) outcomes.push(...await this.deleteChunk(ids.slice(i, i + GEMINIDB_BATCH_DELETE_MAX)));
        return outcomes;
    }

    private async deleteChunk(ids: string[]): Promise<DeleteOutcome[]> {
        // One id: the single call says more (a job id) for the same cost.
        if (ids.length === 1) return [await this.deleteOne(ids[0])];
        try {
            await this.client.call({ method: "DELETE", path: "/v3/{project_id}/instances/backups", body: { backup_ids: ids } });
            return ids.map(backupId => ({ backupId, result: "deleted" as const }));
        } catch (err) {
            // A rule refusal names one backup at most; replaying singly tells each id's fate.
            // Credentials and exhausted retries would fail the same way for every id, so stop there.
            // So would a busy instance (a backup job running): it refuses every id alike, and so does the API
            // gateway (a wrong project id answers 404 APIGW.0101 whatever the ids).
            if (!(err instanceof CloudError) || err.kind !== "client" || err.httpStatus === 401 || this.isBusy(err)
                || saysNothingAboutBackups(err, GEMINIDB_DELETE_CODES)) {
                return ids.map(id => geminidbDeleteOutcome(id, err));
            }
            return mapLimit(ids, SINGLE_DELETE_CONCURRENCY, id => this.deleteOne(id));
        }
    }

    private async deleteOne(backupId: string): Promise<DeleteOutcome> {
        try {
            await this.client.call({ method: "DELETE", path: "/v3/{project_id}/backups/{backup_id}", params: { backup_id: backupId } });
            return { backupId, result: "deleted" };
        } catch (err) {
            return geminidbDeleteOutcome(backupId, err);
        }
    }

    private async findJob(jobId: string): Promise<GeminidbJob | undefined> {
        const res = await this.client.call<{ jobs?: GeminidbJob[] }>({ method: "GET", path: "/v3/{project_id}/jobs", query: { id: jobId } });
        return (res.body?.jobs ?? []).find(j => j.id === jobId);
    }

    private async listPage(instanceId: string, offset: number, backupId?: string): Promise<ListAnswer> {
        // The v4 list: offset is a documented row index from 0 and both paging parameters are optional
        // (the v3 list counts pages from 1 instead); v4 is also what Huawei's Terraform provider reads.
        const res = await this.client.call<ListAnswer>({
            method: "GET", path: "/v4/{project_id}/backups", query: { instance_id: instanceId, backup_id: backupId, offset, limit: PAGE_SIZE },
        });
        return res.body ?? {};
    }
}
