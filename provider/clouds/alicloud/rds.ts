/**
 * Alibaba Cloud ApsaraDB RDS (RPC API 2014-08-15) behind the common adapter
 * interface. The cloud's two-step quirk stays here: `CreateBackup` returns a
 * job id only; the backup-set id comes from `DescribeBackupTasks` once the job
 * is `Finished`, and the set may show in `DescribeBackups` a little later.
 * Without an idempotency token, a lost create answer and a job the cloud stops
 * listing are resolved by looking at the instance (`job-lookup.ts`).
 */
import type { AlicloudSettings, BackupAdapter, CloudBackup, CreateBackupRequest, CreationProgress, DeleteOutcome, StartedBackup } from "../adapter";
import { CloudError } from "../../core/errors";
import { retryCall, RetryOptions } from "../../core/retry";
import { formatDuration } from "../../core/wait";
import { inFlightLimit, type InFlightLimit } from "../../core/concurrency";
import { ALICLOUD_RDS_SERVICE, AlicloudRpcClient } from "./client";
import { appearedSince, describeCandidates, setsStartedNear, takeBaseline, type Candidate, type CreateBaseline } from "./job-lookup";
import { deleteOutcomeOf, type DeleteCodes } from "../delete-outcome";
import { describeAllSets, describeJob, JOB_BUILDING, toBackup, type BackupSet } from "./sets";

export { alicloudErrorKind } from "./client";

/** `DeleteBackup` accepts at most 100 comma-separated ids. */
export const ALICLOUD_MAX_IDS_PER_DELETE = 100;
/** Codes by which the cloud refuses a delete because of its rules: the delete may work later, or never; it is not retried in a loop. */
const DELETE_BLOCKED_CODES = new Set(["OperationDenied.BackupSetDeleteNotSupport", "IncorrectDBInstanceType", "IncorrectDBInstanceState",
    "IncorrectDBInstanceLockMode", "IncorrectDBInstanceCharacterType", "ReadDBInstanceNotSupport"]);
/**
 * The only answer to `DeleteBackup` that counts as "deleted" (api-reference
 * §1.8, its error table): 404 `InvalidBackupSetID.NotFound`, "backup set does
 * not exist". Any other 404 (`InvalidDBInstanceName.NotFound` from the wrong
 * region's endpoint, `InvalidAction.NotFound` from a wrong endpoint path, an
 * HTML page) says nothing about the set.
 */
export const ALICLOUD_NOT_FOUND_CODES: readonly string[] = ["InvalidBackupSetID.NotFound"];
const DELETE_CODES: DeleteCodes = { gone: ALICLOUD_NOT_FOUND_CODES, blocked: [...DELETE_BLOCKED_CODES] };
/** Codes by which a multi-id `DeleteBackup` is refused because of some of its ids (the answer does not say which). */
const PER_ID_CODES = new Set(["InvalidBackupSetID.NotFound", "OperationDenied.BackupSetDeleteNotSupport"]);
/** `DeleteBackup` calls one `deleteBackups` has in flight at most while it looks for refused ids. */
const MAX_DELETES_IN_FLIGHT = 4;
/** A job not listed this soon after its create may just not be listed yet. */
export const NOT_LISTED_GRACE_MS = 60_000;
/** After that, how long its set may still lag in `DescribeBackups` before the job is given up as lost. */
export const SET_LISTING_LAG_MS = 5 * 60_000;

/** Classifies the error of a `DeleteBackup` call for one set: deleted only for `InvalidBackupSetID.NotFound`. */
export function alicloudDeleteOutcome(backupId: string, err: unknown): DeleteOutcome {
    return deleteOutcomeOf(backupId, err, DELETE_CODES);
}

export interface AlicloudAdapterOptions {
    retry?: RetryOptions;
    timeoutMs?: number;
    /** Receives a line whenever the adapter does more than the call asked (a lost answer resolved). */
    log?: (line: string) => void;
}

/** The cloud may have acted although no answer arrived (connection lost, timeout, 5xx, unreadable answer). */
function answerLost(err: unknown): boolean {
    return err instanceof CloudError && (err.kind === "transient" || err.kind === "server");
}

export class AlicloudRdsAdapter implements BackupAdapter {
    readonly displayName = ALICLOUD_RDS_SERVICE;
    private readonly rpc: AlicloudRpcClient;
    /** Cloud start times of the jobs this process started, for a state that kept only the job id. */
    private readonly startTimes = new Map<string, number>();

    constructor(settings: AlicloudSettings, private readonly options: AlicloudAdapterOptions = {}) {
        this.rpc = new AlicloudRpcClient(settings, options);
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

    /**
     * Starts a backup. The instance is listed first, so that when the answer is
     * lost the job it started can be told apart: one new job or set is taken
     * over (and said so in `note`), several fail with their ids named, none
     * means the cloud did not act and the create is sent again, with the
     * attempt budget and backoff of every call (`retry.ts`) and never past
     * `req.timeoutMs`. Each resend is compared with the same listing, so a
     * job started by any of the lost calls is found and no second one is made.
     */
    async startBackup(req: CreateBackupRequest): Promise<StartedBackup> {
        const params: Record<string, string> = { DBInstanceId: req.instanceId };
        if (req.backupMethod) params.BackupMethod = req.backupMethod;
        if (req.backupStrategy) params.BackupStrategy = req.backupStrategy;
        if (req.databases?.length) params.DBName = req.databases.join(",");
        const retry = this.options.retry ?? {};
        const deadlineMs = req.timeoutMs !== undefined ? (retry.now ?? Date.now)() + req.timeoutMs : undefined;
        const baseline = await takeBaseline(this.rpc, req.instanceId);
        let lost: CloudError | undefined;
        /** The error of the last call the instance proved made nothing: the one error worth another create. */
        let madeNothing: unknown;
        let attempts = 0;
        try {
            return await retryCall(async () => {
                attempts++;
                const before = this.rpc.serverNow();
                try {
                    // Throttling (the cloud surely did not act) is retried inside the call with every call's budget, as on the other clouds; waitTimeout bounds only the resends below.
                    const res = await this.rpc.call<{ BackupJobId?: string | number }>("CreateBackup", params);
                    if (res.BackupJobId === undefined || res.BackupJobId === "") {
                        throw new CloudError({ service: this.displayName, operation: "CreateBackup", code: "InvalidResponse", kind: "transient",
                            cloudMessage: "the answer carries no BackupJobId" });
                    }
                    const jobId = String(res.BackupJobId);
                    this.startTimes.set(jobId, before);
                    return { jobId, startedAt: new Date(before).toISOString() };
                } catch (err) {
                    // After a lost answer, "a job exists" may be that very job.
                    const busyAfterLoss = lost !== undefined && err instanceof CloudError && err.code === "BackupJobExists";
                    if (!answerLost(err) && !busyAfterLoss) throw err;
                    lost ??= err as CloudError;
                    const found = await this.lostCreate(req.instanceId, baseline, before, lost);
                    if (found) return found;
                    // Nothing of these calls is on the instance: a busy answer stands (the lifecycle waits for the instance), a lost one is sent again.
                    if (answerLost(err)) madeNothing = err;
                    throw err;
                }
            }, { ...retry, retryIf: undefined, retryable: err => err === madeNothing, deadlineMs });
        } catch (err) {
            if (err !== madeNothing) throw err;
            throw this.createGaveUp(req, err as CloudError, attempts, attempts < (retry.maxAttempts ?? 10));
        }
    }

    /** The error when every `CreateBackup` answer was lost and none started a job: the cloud's last error, the attempts, what to do. */
    private createGaveUp(req: CreateBackupRequest, last: CloudError, attempts: number, byDeadline: boolean): CloudError {
        const stop = byDeadline
            ? `the resource's waitTimeout (${formatDuration(req.timeoutMs ?? 0)} left when the create began) allowed no further attempt`
            : "no attempt is left";
        return new CloudError({
            service: last.service, operation: last.operation, code: last.code, httpStatus: last.httpStatus, requestId: last.requestId, kind: last.kind,
            cloudMessage: `${last.cloudMessage}; CreateBackup was sent ${attempts} time${attempts === 1 ? "" : "s"} and every answer was lost, `
                + `the instance ${req.instanceId} showed no new backup job or set after any of them, so no backup was made, and ${stop}. `
                + "Nothing needs cleaning up: run the update again once the network path to the endpoint is steady"
                + (byDeadline ? " (or raise waitTimeout)" : ""),
        });
    }

    /** The job a lost create started, when the instance shows exactly one; throws when it shows several. */
    private async lostCreate(instanceId: string, baseline: CreateBaseline, calledAt: number, cause: CloudError): Promise<StartedBackup | undefined> {
        let candidates: Candidate[];
        try {
            candidates = await appearedSince(this.rpc, instanceId, baseline);
        } catch (err) {
            throw new CloudError({
                service: this.displayName, operation: "CreateBackup", code: cause.code, kind: "client", httpStatus: cause.httpStatus,
                cloudMessage: `the answer was lost (${cause.cloudMessage}) and the instance could not be listed to see whether a backup job started `
                    + `(${err instanceof CloudError ? err.code : String(err)}); check DescribeBackupTasks and DescribeBackups of ${instanceId} before trying again`,
            });
        }
        if (candidates.length === 0) return undefined;
        if (candidates.length > 1) {
            throw new CloudError({
                service: this.displayName, operation: "CreateBackup", code: "LostAnswerAmbiguous", kind: "client",
                cloudMessage: `the answer was lost (${cause.code}) and several manual backups appeared on ${instanceId} since the call: `
                    + `${describeCandidates(candidates)}; none is taken over. Adopt the right one, or delete those that are not yours`,
            });
        }
        const [c] = candidates;
        const note = `the answer to CreateBackup on ${instanceId} was lost (${cause.code}); took over ${describeCandidates(candidates)}, the only manual backup that appeared on the instance since the call`;
        this.options.log?.(note);
        if (c.jobId) this.startTimes.set(c.jobId, calledAt);
        const startedAt = c.backupId && c.startedAt && !isNaN(Date.parse(c.startedAt)) ? new Date(c.startedAt).toISOString() : new Date(calledAt).toISOString();
        return { ...(c.jobId ? { jobId: c.jobId } : {}), ...(c.backupId ? { backupId: c.backupId } : {}), startedAt, note };
    }

    async creationStatus(instanceId: string, started: StartedBackup): Promise<CreationProgress> {
        let backupId = started.backupId;
        let cloudStatus = "Finished";
        if (!backupId) {
            const jobId = String(started.jobId);
            const job = await describeJob(this.rpc, instanceId, jobId);
            if (!job) return this.notListed(instanceId, jobId, started);
            cloudStatus = job.BackupStatus;
            if (job.BackupStatus === "Failed") return this.failedJob(instanceId, jobId, job.BackupId ? String(job.BackupId) : undefined);
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

    /**
     * A job `DescribeBackupTasks` does not list (finished jobs are listed for a
     * limited time): its set is the manual one that started when the job did.
     * Without a start time, or when no single set fits, the error keeps the job id.
     */
    private async notListed(instanceId: string, jobId: string, started: StartedBackup): Promise<CreationProgress> {
        const recorded = started.startedAt ? Date.parse(started.startedAt) : NaN;
        const startedMs = isNaN(recorded) ? this.startTimes.get(jobId) : recorded;
        const lost = (why: string) => new CloudError({
            service: this.displayName, operation: "DescribeBackupTasks", code: "BackupJobNotListed", kind: "client",
            cloudMessage: `backup job ${jobId} of ${instanceId} is no longer listed by DescribeBackupTasks, and ${why}. `
                + "The job id stays in state; find its backup set in DescribeBackups (or the console) and adopt it, or remove the resource from state",
        });
        if (startedMs === undefined) throw lost("no start time is recorded to find its backup set");
        const age = this.rpc.serverNow() - startedMs;
        if (age < NOT_LISTED_GRACE_MS) return { status: "BUILDING", cloudStatus: "NotListed" };
        const sets = await setsStartedNear(this.rpc, instanceId, startedMs, (this.options.timeoutMs ?? 15_000) + 1000);
        if (sets.length > 1) throw lost(`several manual backup sets started when it did: ${sets.map(s => s.BackupId).join(", ")}`);
        if (sets.length === 0) {
            if (age < NOT_LISTED_GRACE_MS + SET_LISTING_LAG_MS) return { status: "BUILDING", cloudStatus: "NotListed" };
            throw lost(`no manual backup set started at ${new Date(startedMs).toISOString()}`);
        }
        const backup = toBackup(sets[0]);
        if (backup.status === "FAILED") {
            return { status: "FAILED", cloudStatus: backup.cloudStatus, backupId: backup.backupId, backup, failReason: `backup job ${jobId} left set ${backup.backupId} with BackupStatus Failed` };
        }
        return { status: "COMPLETED", cloudStatus: backup.cloudStatus, backupId: backup.backupId, backup };
    }

    /** A Failed job may leave a set with BackupStatus Failed; its id is reported so the lifecycle can delete it. */
    private async failedJob(instanceId: string, jobId: string, backupId: string | undefined): Promise<CreationProgress> {
        const failReason = `backup job ${jobId} ended Failed` + (backupId ? ` (backup set ${backupId} has BackupStatus Failed)` : "");
        if (!backupId) return { status: "FAILED", cloudStatus: "Failed", failReason };
        const backup = await this.findBackup(instanceId, backupId);
        return { status: "FAILED", cloudStatus: "Failed", backupId, failReason, ...(backup ? { backup } : {}) };
    }

    async findBackup(instanceId: string, backupId: string): Promise<CloudBackup | undefined> {
        const res = await this.rpc.call<{ Items?: { Backup?: BackupSet[] } }>("DescribeBackups", { DBInstanceId: instanceId, BackupId: backupId });
        const set = (res.Items?.Backup ?? []).find(b => String(b.BackupId) === backupId);
        return set ? toBackup(set) : undefined;
    }

    async listBackups(instanceId: string): Promise<CloudBackup[]> {
        return (await describeAllSets(this.rpc, instanceId)).map(toBackup);
    }

    async deleteBackups(instanceId: string, backupIds: string[]): Promise<DeleteOutcome[]> {
        const outcomes: DeleteOutcome[] = [];
        const limit = inFlightLimit(MAX_DELETES_IN_FLIGHT);
        for (let i = 0; i < backupIds.length; i += ALICLOUD_MAX_IDS_PER_DELETE) {
            const chunk = backupIds.slice(i, i + ALICLOUD_MAX_IDS_PER_DELETE);
            outcomes.push(...await this.deleteChunk(instanceId, chunk, limit));
        }
        return outcomes;
    }

    /**
     * One `DeleteBackup` for `ids`. The cloud refuses a multi-id call as a whole
     * when one of its ids is unknown or not deletable, without naming it; such
     * a call is split in two halves, both sent, and only a half that is refused
     * as a whole is split again, down to single ids, which get their own
     * outcomes. One refused id among n costs 1 + 2 * ceil(log2 n) calls (15 for
     * 100) instead of 1 + n; k refused ids cost at most 2n - 1. Any other
     * refusal (throttling after retries, signature, instance state) says
     * nothing about single ids and fails every id of the call with its code.
     */
    private async deleteChunk(instanceId: string, ids: string[], limit: InFlightLimit): Promise<DeleteOutcome[]> {
        try {
            await limit(() => this.rpc.call("DeleteBackup", { DBInstanceId: instanceId, BackupId: ids.join(",") }));
            return ids.map(backupId => ({ backupId, result: "deleted" as const }));
        } catch (err) {
            if (!(err instanceof CloudError)) throw err;
            if (ids.length > 1 && PER_ID_CODES.has(err.code)) {
                const half = Math.ceil(ids.length / 2);
                const [first, second] = await Promise.all([
                    this.deleteChunk(instanceId, ids.slice(0, half), limit),
                    this.deleteChunk(instanceId, ids.slice(half), limit),
                ]);
                return [...first, ...second];
            }
            return ids.map(backupId => this.outcomeOf(backupId, err));
        }
    }

    private outcomeOf(backupId: string, err: CloudError): DeleteOutcome {
        return alicloudDeleteOutcome(backupId, err);
    }
}
