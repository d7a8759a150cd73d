/**
 * How previews, errors and the `summarize` command name a backup: its id,
 * its label, its age and its size, in words a reviewer reads at a glance.
 */

/** What is known of a backup that a line names. */
export interface DescribedBackup {
    backupId?: string;
    jobId?: string;
    startedAt?: string;
    finishedAt?: string;
    sizeBytes?: number;
    pendingDelete?: unknown;
}

const GiB = 1024 ** 3, MiB = 1024 ** 2;

/** The age of a backup from when it finished (or started), as "5 h" or "7 days"; undefined when unknown. */
export function ageText(b: DescribedBackup, now = Date.now()): string | undefined {
    const since = Date.parse(b.finishedAt ?? b.startedAt ?? "");
    if (isNaN(since)) return undefined;
    const hours = Math.max(0, (now - since) / 3_600_000);
    return hours < 48 ? `${Math.floor(hours)} h` : `${Math.floor(hours / 24)} days`;
}

/** A size in bytes as "1.2 GiB" or "340.0 MiB"; undefined when unknown. */
export function sizeText(bytes: unknown): string | undefined {
    if (typeof bytes !== "number" || !isFinite(bytes)) return undefined;
    return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

/** A set member as one phrase: `<backup id> (label <label>, 7 days old, 1.2 GiB)`. */
export function describeMember(label: string, b: DescribedBackup, now = Date.now()): string {
    const age = ageText(b, now);
    const size = sizeText(b.sizeBytes);
    const facts = [label.includes("~failed-") ? "failed backup" : `label ${label}`, age && `${age} old`, size, pendingText(b.pendingDelete)];
    return `${b.backupId ?? `job ${b.jobId}`} (${facts.filter(Boolean).join(", ")})`;
}

/** What a member kept as `pendingDelete` waits for: the new backups of the update that handed it over, or a retry of a refused delete. */
function pendingText(pending: unknown): string | undefined {
    if (!pending) return undefined;
    return (pending as { code?: unknown }).code === "AfterNewBackups" ? "deleted once the new backups have completed" : "retrying a refused delete";
}
