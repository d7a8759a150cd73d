/**
 * Alibaba Cloud ApsaraDB RDS (RPC API 2014-08-15) behind the common adapter
 * interface. The cloud's two-step quirk stays here: `CreateBackup` returns a
 * job id only; the backup-set id comes from `DescribeBackupTasks` once the job
 * is `Finished`, and the set may show in `DescribeBackups` a little later.
 */
import RPCClient = require("@alicloud/pop-core");
import type { AlicloudSettings, BackupAdapter, CloudBackup, CreateBackupRequest, CreationProgress, DeleteOutcome, StartedBackup } from "../adapter";
import { CloudError, ErrorKind, isNetworkError, kindFromHttpStatus, redact } from "../../errors";
import { retryCall, RetryOptions } from "../../retry";
import { mapLimit } from "../../concurrency";

const SERVICE = "Alibaba Cloud RDS";
/** `DeleteBackup` accepts at most 100 comma-separated ids. */
export const ALICLOUD_MAX_IDS_PER_DELETE = 100;
/** Codes by which the cloud refuses a delete because of its rules: the delete may work later, or never; it is not retried in a loop. */
const DELETE_BLOCKED_CODES = new Set(["OperationDenied.BackupSetDeleteNotSupport", "IncorrectDBInstanceType", "IncorrectDBInstanceState",
    "IncorrectDBInstanceLockMode", "IncorrectDBInstanceCharacterType", "ReadDBInstanceNotSupport"]);
const JOB_BUILDING = new Set(["NoStart", "Checking", "Preparing", "Waiting", "Uploading"]);

interface BackupTask { BackupJobId: string; BackupId?: string; BackupStatus: string; BackupProgressStatus?: string; Process?: string }
interface BackupSet {
    BackupId: string; DBInstanceId: string; BackupStatus: string; BackupStartTime?: string; BackupEndTime?: string;
    BackupSize?: number | string; BackupMode?: string; BackupMethod?: string; StoreStatus?: string; DBNames?: string;
}

/** Classifies an Alibaba error code the way the cloud's own tooling does. */
export function alicloudErrorKind(code: string, status?: number): ErrorKind {
    if (/Throttling/i.test(code)) return "throttling";
    if (code === "ServiceUnavailable" || code === "InternalError" || code === "InternalFailure") return "server";
    return kindFromHttpStatus(status);
}

function isoUtc(t?: string): string | undefined {
    if (!t) return undefined;
    const d = new Date(t);
    return isNaN(d.getTime()) ? undefined : d.toISOString();
}

function toBackup(s: BackupSet): CloudBackup {
    return {
        backupId: String(s.BackupId),
        instanceId: s.DBInstanceId,
        status: s.BackupStatus === "Success" ? "COMPLETED" : "FAILED",
        cloudStatus: s.BackupStatus,
        startedAt: isoUtc(s.BackupStartTime),
        finishedAt: isoUtc(s.BackupEndTime),
        sizeBytes: s.BackupSize === undefined ? undefined : Number(s.BackupSize),
        manual: s.BackupMode !== "Automated",
        backupMethod: s.BackupMethod,
        storeStatus: s.StoreStatus,
    };
}

export class AlicloudRdsAdapter implements BackupAdapter {
    readonly displayName = SERVICE;
    private readonly client: RPCClient;

    constructor(private readonly settings: AlicloudSettings, private readonly options: { retry?: RetryOptions; timeoutMs?: number } = {}) {
        this.client = new RPCClient({
            endpoint: settings.endpoint.replace(/\/+$/, ""),
            apiVersion: "2014-08-15",
            accessKeyId: settings.accessKeyId,
            accessKeySecret: settings.accessKeySecret,
            securityToken: settings.securityToken,
        });
    }

    /**
     * One RPC call, always POST (with GET the client puts the key id and
     * signature into the URL and its error text), retried when retryable.
     * `CreateBackup` is not idempotent: it is retried only on throttling, when
     * the cloud surely did not start a job.
     */
    private call<T>(action: string, params: Record<string, string>): Promise<T> {
        const retry: RetryOptions = action === "CreateBackup"
            ? { ...this.options.retry, retryable: err => err instanceof CloudError && err.kind === "throttling" }
            : { ...this.options.retry };
        return retryCall(async () => {
            try {
                return await this.client.request<T>(action, params, { method: "POST", timeout: this.options.timeoutMs ?? 15_000 });
            } catch (err) {
                throw this.toCloudError(action, err);
            }
        }, retry);
    }

    private toCloudError(action: string, err: unknown): CloudError {
        const e = err as { code?: string; data?: { Code?: string; Message?: string; RequestId?: string }; entry?: { response?: { statusCode?: number } }; message?: string };
        const secrets = [this.settings.accessKeySecret, this.settings.securityToken, this.settings.accessKeyId];
        if (e.data?.Code) {
            const status = e.entry?.response?.statusCode;
            return new CloudError({
                service: SERVICE, operation: action, code: e.data.Code, cloudMessage: redact(e.data.Message ?? "", secrets),
                httpStatus: status, requestId: e.data.RequestId, kind: alicloudErrorKind(e.data.Code, status),
            });
        }
        const network = isNetworkError(err) || err instanceof SyntaxError;
        return new CloudError({
            service: SERVICE, operation: action, code: network ? "NetworkError" : (e.code ?? "UnknownError"),
            // pop-core glues "<method> <url> failed." to the cause without a separator: name the host and cause code instead.
            cloudMessage: network && e.code
                ? `could not reach ${new URL(this.settings.endpoint).host} (${e.code})`
                : redact(`${e.message ?? err} (endpoint ${this.settings.endpoint})`, secrets),
            kind: network ? "transient" : "client",
        });
    }

    async maxIdsPerDelete(): Promise<number> {
        return ALICLOUD_MAX_IDS_PER_DELETE;
    }

    /**
     * `BackupJobExists`: a backup job already runs on the instance (one at a
     * time). An instance that is not Running is refused with its own code
     * (`IncorrectDBInstanceState`, a lock mode), never as busy.
     */
    isBusy(refusal: { code?: string }): boolean {
        return refusal.code === "BackupJobExists";
    }

    async startBackup(req: CreateBackupRequest): Promise<StartedBackup> {
        const params: Record<string, string> = { DBInstanceId: req.instanceId };
        if (req.backupMethod) params.BackupMethod = req.backupMethod;
        if (req.backupStrategy) params.BackupStrategy = req.backupStrategy;
        if (req.databases?.length) params.DBName = req.databases.join(",");
        const res = await this.call<{ BackupJobId: string }>("CreateBackup", params);
        return { jobId: String(res.BackupJobId) };
    }

    async creationStatus(instanceId: string, started: StartedBackup): Promise<CreationProgress> {
        let backupId = started.backupId;
        let cloudStatus = "Finished";
        if (!backupId) {
            const res = await this.call<{ Items?: { BackupJob?: BackupTask[] } }>("DescribeBackupTasks",
                { DBInstanceId: instanceId, BackupJobId: String(started.jobId) });
            const job = (res.Items?.BackupJob ?? []).find(j => String(j.BackupJobId) === String(started.jobId));
            if (!job) return { status: "BUILDING", cloudStatus: "NotListed" };
            cloudStatus = job.BackupStatus;
            if (job.BackupStatus === "Failed") return { status: "FAILED", cloudStatus, failReason: `backup job ${started.jobId} ended Failed` };
            if (JOB_BUILDING.has(job.BackupStatus) || !job.BackupId) {
                return { status: "BUILDING", cloudStatus, progress: job.Process ? `${job.Process}%` : undefined };
            }
            backupId = String(job.BackupId);
        }
        // The job is Finished; the set can lag behind in DescribeBackups.
        const backup = await this.findBackup(instanceId, backupId);
        if (!backup) return { status: "BUILDING", cloudStatus, backupId };
        if (backup.status === "FAILED") return { status: "FAILED", cloudStatus: backup.cloudStatus, backupId, backup, failReason: `backup set ${backupId} has BackupStatus Failed` };
        return { status: "COMPLETED", cloudStatus: backup.cloudStatus, backupId, backup };
    }

    async findBackup(instanceId: string, backupId: string): Promise<CloudBackup | undefined> {
        const res = await this.call<{ Items?: { Backup?: BackupSet[] } }>("DescribeBackups", { DBInstanceId: instanceId, BackupId: backupId });
        const set = (res.Items?.Backup ?? []).find(b => String(b.BackupId) === backupId);
        return set ? toBackup(set) : undefined;
    }

    async listBackups(instanceId: string): Promise<CloudBackup[]> {
        const out: CloudBackup[] = [];
        for (let page = 1; ; page++) {
            const res = await this.call<{ TotalRecordCount?: string; Items?: { Backup?: BackupSet[] } }>("DescribeBackups",
                { DBInstanceId: instanceId, PageSize: "100", PageNumber: String(page) });
            const items = res.Items?.Backup ?? [];
            out.push(...items.map(toBackup));
            if (items.length === 0 || out.length >= Number(res.TotalRecordCount ?? 0)) return out;
        }
    }

    async deleteBackups(instanceId: string, backupIds: string[]): Promise<DeleteOutcome[]> {
        const outcomes: DeleteOutcome[] = [];
        for (let i = 0; i < backupIds.length; i += ALICLOUD_MAX_IDS_PER_DELETE) {
            const chunk = backupIds.slice(i, i + ALICLOUD_MAX_IDS_PER_DELETE);
            outcomes.push(...await this.deleteChunk(instanceId, chunk));
        }
        return outcomes;
    }

    private async deleteChunk(instanceId: string, ids: string[]): Promise<DeleteOutcome[]> {
        try {
            await this.call("DeleteBackup", { DBInstanceId: instanceId, BackupId: ids.join(",") });
            return ids.map(backupId => ({ backupId, result: "deleted" as const }));
        } catch (err) {
            if (!(err instanceof CloudError)) throw err;
            const perId = err.code === "InvalidBackupSetID.NotFound" || err.code === "OperationDenied.BackupSetDeleteNotSupport";
            if (ids.length > 1 && perId) {
                // A multi-id call failed because of one of its ids: ask per id to learn which.
                return (await mapLimit(ids, 4, id => this.deleteChunk(instanceId, [id]))).flat();
            }
            return ids.map(backupId => this.outcomeOf(backupId, err));
        }
    }

    private outcomeOf(backupId: string, err: CloudError): DeleteOutcome {
        if (err.code === "InvalidBackupSetID.NotFound") return { backupId, result: "deleted", code: err.code, message: "already gone" };
        const result = DELETE_BLOCKED_CODES.has(err.code) ? "blocked" : "failed";
        return { backupId, result, code: err.code, message: err.cloudMessage };
    }
}
