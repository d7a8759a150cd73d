/**
 * A backup id a Huawei create answered (RDS at once, GeminiDB with its job)
 * that the backup list does not show. Both services answer the create with the
 * id of a backup record they have already made (RDS even answers its
 * `status: BUILDING`), and the list reads those records, so a backup that is
 * still not listed some minutes later was deleted (by someone, or as a failed
 * one), or belongs elsewhere. Without a limit such an id would be waited on as
 * "being built" until `waitTimeout` (30 minutes by default), and again on
 * every later update.
 */
import type { CreationProgress } from "../adapter";
import { CloudError } from "../../core/errors";
import { formatDuration } from "../../core/wait";

/**
 * How long a backup id may stay out of the list, from its create's answer
 * (GeminiDB: from its job's end, when later). No Huawei document states a
 * listing lag; Alibaba's, the only cloud here that documents one, is about a
 * minute (`DescribeBackups`). Five times that leaves room for a slow list on a
 * busy region while still ending long before the default `waitTimeout`.
 */
export const NOT_LISTED_GRACE_MS = 5 * 60_000;

/** Where the list was read: the service and its list operation, for the error. */
export interface ListSource { service: string; operation: string }

/**
 * Applies the grace period. Ages are measured on the cloud's clock (`now`)
 * from the time a caller gives (the create's answer, kept in state as
 * `startedAt`); without one (a state written before that was kept, a backup
 * taken over by name), from the first poll of this process that missed the id.
 */
export class NotListedRule {
    /** When this process first missed each id, on the cloud's clock. */
    private readonly firstMissed = new Map<string, number>();

    constructor(private readonly source: ListSource, private readonly now: () => number) { }

    /** The id is listed: forget any earlier miss. */
    seen(backupId: string): void {
        this.firstMissed.delete(backupId);
    }

    /**
     * The progress of a backup the list does not show: still BUILDING within
     * the grace period; afterwards a `BackupNotListed` error naming the id,
     * the instance and what to do (not retryable: the wait ends, the id stays
     * in state).
     */
    missing(instanceId: string, backupId: string, since: { at?: string; what: string }, cloudStatus = "NotListed"): CreationProgress {
        const now = this.now();
        const first = this.firstMissed.get(backupId) ?? now;
        this.firstMissed.set(backupId, first);
        const recorded = since.at ? Date.parse(since.at) : NaN;
        const from = isNaN(recorded) ? first : recorded;
        const age = now - from;
        if (age < NOT_LISTED_GRACE_MS) return { status: "BUILDING", cloudStatus, backupId };
        this.firstMissed.delete(backupId);
        throw new CloudError({
            service: this.source.service, operation: this.source.operation, code: "BackupNotListed", kind: "client",
            cloudMessage: `backup ${backupId} of instance ${instanceId} is not in the instance's backup list ${formatDuration(age)} after `
                + `${isNaN(recorded) ? "this process first looked for it" : since.what} (a new backup is listed at once; ${formatDuration(NOT_LISTED_GRACE_MS)} are allowed): `
                + "it was deleted, or never made on this instance. The backup id stays in state. Next: look for the backup in the console; "
                + "if it is gone, run `pulumi refresh` to drop it from state (the next `pulumi up` then makes a new one); "
                + "if it is there, check instanceId and the huaweicloud region and project settings",
        });
    }
}
