/**
 * The lifecycle steps both resources share: start a backup (queued per
 * instance, because each cloud runs one backup job at a time), wait until it
 * ends, and turn the result into outputs. Cloud-agnostic: only the adapter
 * interface is used here.
 */
import type { BackupAdapter, CloudBackup, CreateBackupRequest, CreationProgress, StartedBackup } from "./clouds/adapter";
import { CloudError } from "./errors";
import { KeyedQueue } from "./concurrency";
import { isRetryable } from "./retry";
import { formatDuration, waitFor, WaitOptions } from "./wait";

/** Codes meaning "another backup or operation is running on this instance; try again later". */
const INSTANCE_BUSY_CODES = new Set(["BackupJobExists", "DBS.201205", "RDS.3004", "DBS.200019", "DBS.201015", "DBS.201202", "DBS.200011", "DBS.200047"]);

export function isInstanceBusy(err: unknown): boolean {
    return err instanceof CloudError && INSTANCE_BUSY_CODES.has(err.code);
}

/** One queue per provider process: creates on the same instance run one after another. */
const instanceQueue = new KeyedQueue();

/** Timing and reporting knobs, injectable for tests. */
export interface OpsOptions {
    timeoutMs: number;
    /** Wait for the backup to finish (default true). */
    wait: boolean;
    /** Prefix of progress lines, e.g. the resource name. */
    label: string;
    log: (line: string) => void;
    polling?: Partial<WaitOptions>;
}

/** The result of a creation: what the cloud accepted, and how far it got. */
export interface CreationResult {
    started: StartedBackup;
    progress: CreationProgress;
}

/** Raised when the cloud accepted a backup but it did not complete; carries what is known so it can be recorded. */
export class CreationIncompleteError extends Error {
    constructor(message: string, public readonly started: StartedBackup, public readonly progress?: CreationProgress) {
        super(message);
        this.name = "CreationIncompleteError";
    }
}

function queueKey(adapter: BackupAdapter, instanceId: string) {
    return `${adapter.displayName}/${instanceId}`;
}

/**
 * Starts a backup and (optionally) waits for it. The instance's queue slot is
 * held for the whole job, so several backups of one instance declared in one
 * deployment run one after another instead of failing with "job exists".
 */
export function createBackup(adapter: BackupAdapter, req: CreateBackupRequest, opts: OpsOptions): Promise<CreationResult> {
    return instanceQueue.run(queueKey(adapter, req.instanceId), async () => {
        const deadline = Date.now() + opts.timeoutMs;
        const started = await waitFor(`a free backup slot on instance ${req.instanceId}`, async () => {
            try {
                return { done: true as const, value: await adapter.startBackup(req) };
            } catch (err) {
                if (isInstanceBusy(err)) return { done: false as const, note: `instance busy: ${(err as CloudError).code}` };
                throw err;
            }
        }, { ...waitDefaults(opts), timeoutMs: opts.timeoutMs });
        opts.log(`${opts.label}: ${adapter.displayName} accepted the backup of ${req.instanceId}${started.jobId ? ` (job ${started.jobId})` : ""}${started.backupId ? ` (backup ${started.backupId})` : ""}`);
        if (!opts.wait) {
            return { started, progress: { status: "BUILDING", cloudStatus: "Started", backupId: started.backupId } };
        }
        const progress = await waitCreated(adapter, req.instanceId, started, { ...opts, timeoutMs: Math.max(1, deadline - Date.now()) });
        return { started, progress };
    });
}

function waitDefaults(opts: OpsOptions): Partial<WaitOptions> {
    return { minDelayMs: 1000, maxDelayMs: 15_000, progressEveryMs: 10_000, ...opts.polling };
}

/**
 * Polls the creation until the cloud reports it completed or failed. A
 * failure, a timeout or a broken poll raises `CreationIncompleteError` with
 * the job and backup ids known so far.
 */
export async function waitCreated(adapter: BackupAdapter, instanceId: string, started: StartedBackup, opts: OpsOptions): Promise<CreationProgress> {
    let last: CreationProgress | undefined;
    const what = started.jobId ? `backup job ${started.jobId}` : `backup ${started.backupId}`;
    try {
        const progress = await waitFor(`${what} on ${instanceId} to finish`, async () => {
            try {
                last = await adapter.creationStatus(instanceId, { ...started, backupId: started.backupId ?? last?.backupId });
            } catch (err) {
                // A poll that still fails after its own retries does not end the wait: only the deadline or a definite answer does.
                if (!isRetryable(err)) throw err;
                return { done: false as const, note: `poll failed, still waiting (${err instanceof CloudError ? err.code : (err as Error)?.message ?? String(err)})` };
            }
            if (last.status === "BUILDING") return { done: false as const, note: `${last.cloudStatus}${last.progress ? ` ${last.progress}` : ""}` };
            return { done: true as const, value: last };
        }, {
            ...waitDefaults(opts), timeoutMs: opts.timeoutMs,
            onProgress: (note, elapsed) => opts.log(`${opts.label}: ${what} on ${instanceId}: ${note}, ${formatDuration(elapsed)} elapsed`),
        });
        if (progress.status === "FAILED") {
            throw new CreationIncompleteError(`${adapter.displayName} reports ${what} on ${instanceId} failed: ${progress.failReason ?? progress.cloudStatus}`, started, progress);
        }
        opts.log(`${opts.label}: backup ${progress.backupId ?? started.backupId} on ${instanceId} completed`);
        return progress;
    } catch (err) {
        if (err instanceof CreationIncompleteError) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        throw new CreationIncompleteError(`waiting for ${what} on ${instanceId}: ${reason}`, { ...started, backupId: started.backupId ?? last?.backupId }, last);
    }
}

/** Output fields describing one backup, from whatever is known. */
export interface BackupFacts {
    backupId?: string;
    jobId?: string;
    status: string;
    cloudStatus: string;
    startedAt?: string;
    finishedAt?: string;
    sizeBytes?: number;
    storeStatus?: string;
}

export function factsOf(started: StartedBackup | undefined, progress: CreationProgress | undefined, backup?: CloudBackup): BackupFacts {
    const b = backup ?? progress?.backup;
    return dropUndefined({
        backupId: b?.backupId ?? progress?.backupId ?? started?.backupId,
        jobId: started?.jobId,
        status: b?.status ?? progress?.status ?? "BUILDING",
        cloudStatus: b?.cloudStatus ?? progress?.cloudStatus ?? "Started",
        startedAt: b?.startedAt,
        finishedAt: b?.finishedAt,
        sizeBytes: b?.sizeBytes,
        storeStatus: b?.storeStatus,
    });
}

/** Pulumi's Struct conversion rejects `undefined`; drop such keys. */
export function dropUndefined<T extends object>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
