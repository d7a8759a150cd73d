/**
 * What both resources share about one creation: its options, its result,
 * the error that carries a backup accepted but not finished, and how a
 * result becomes outputs. The creating and waiting itself is the instance
 * coordinator's (`instance.ts`).
 */
import type { CloudBackup, CreationProgress, StartedBackup } from "./clouds/adapter";
import type { WaitOptions } from "./core/wait";

// Which refusals mean "the instance is busy" is each service's own knowledge: see `BackupAdapter.isBusy`.

/** Timing and reporting knobs, injectable for tests. */
export interface OpsOptions {
    timeoutMs: number;
    /** Wait for the backup to finish (default true). */
    wait: boolean;
    /** Prefix of progress lines, e.g. the resource name. */
    label: string;
    log: (line: string) => void;
    polling?: Partial<WaitOptions>;
    /** Called once the cloud accepted the backup, before any wait (the journal records it). */
    onStarted?: (started: StartedBackup) => void;
}

/** The result of a creation: what the cloud accepted, and how far it got. */
export interface CreationResult {
    started: StartedBackup;
    progress: CreationProgress;
}

/** Raised when the cloud accepted a backup but it did not complete; carries what is known so it can be recorded. */
export class CreationIncompleteError extends Error {
    /** `cloudError`: the cloud's answer that ended the wait early, when one did (it says what to fix). */
    constructor(message: string, public readonly started: StartedBackup, public readonly progress?: CreationProgress, public readonly cloudError?: unknown) {
        super(message);
        this.name = "CreationIncompleteError";
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
        // Before the cloud lists the backup, the job's own start (Alibaba: the cloud's clock) is kept, so a job that stops being listed can still be found by its time.
        startedAt: b?.startedAt ?? started?.startedAt,
        finishedAt: b?.finishedAt,
        sizeBytes: b?.sizeBytes,
        storeStatus: b?.storeStatus,
    });
}

/** Pulumi's Struct conversion rejects `undefined`; drop such keys. */
export function dropUndefined<T extends object>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
