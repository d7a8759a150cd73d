/** The shape of a report, as `--json` prints it and the renderers read it. */
import type { InstanceRef } from "./checkpoint";

export type BackupKind = "manual" | "automated" | "log";

/**
 * Whose a backup is: `stack` (held by a given checkpoint), `removed-stack`
 * (held by the checkpoint of a stack that no longer exists), `journal` (a
 * killed run on this machine started it), `marker` (our owner marker, no
 * given checkpoint names that owner), `automated` (the instance's backup
 * policy), `not-ours` (nothing proves it is ours).
 */
export type OwnerKind = "stack" | "removed-stack" | "journal" | "marker" | "automated" | "not-ours";

export interface ReportOwner {
    kind: OwnerKind;
    /** How tables and the page name the owner, e.g. `shop/prod nightly[n1]`, `automated`, `not ours`. */
    name: string;
    stack?: string;
    resource?: string;
    label?: string;
    /** The owner marker (`dbbackups:<tag>`) the owner's Huawei backups carry. */
    tag?: string;
    urn?: string;
}

export interface ReportBackup extends InstanceRef {
    instance: string;
    backupId: string;
    name?: string;
    kind: BackupKind;
    status: string;
    cloudStatus: string;
    sizeBytes?: number;
    startedAt?: string;
    finishedAt?: string;
    ageDays?: number;
    /** The owner marker the description carries, if any. */
    marker?: string;
    owner: ReportOwner;
    /** Ours (marker, journal or a removed stack's checkpoint) but held by no given checkpoint. */
    leftBehind: boolean;
}

export interface LeftBehindFinding {
    instance: string;
    backupId: string;
    owner: ReportOwner;
    why: string;
    /** Each way to take it over, as text to paste. */
    takeOver: string[];
    /** The command that deletes it by hand. */
    deleteByHand: string;
}

export interface DanglingFinding {
    instance: string;
    holder: string;
    backupId?: string;
    jobId?: string;
    what: string;
    next: string;
}

export interface FailedFinding {
    instance: string;
    backupId: string;
    owner: ReportOwner;
    next: string;
}

export interface JournalFinding {
    instance?: string;
    owner?: string;
    jobId?: string;
    backupId?: string;
    what: string;
}

export interface InstanceReport extends InstanceRef {
    key: string;
    /** Why it is in the report: `--instance`, a checkpoint file, `journal`. */
    sources: string[];
    listed: boolean;
    error?: string;
    backups: number;
    sizeBytes: number;
    /** Time the listing took. */
    ms: number;
}

export interface StorageLine { name: string; kind?: OwnerKind; backups: number; sizeBytes: number }

export interface Report {
    generatedAt: string;
    instances: InstanceReport[];
    backups: ReportBackup[];
    findings: {
        leftBehind: LeftBehindFinding[];
        dangling: DanglingFinding[];
        failed: FailedFinding[];
        journal: JournalFinding[];
    };
    /** Per owner (a retention set's members together), and per instance; largest first. */
    storage: { byOwner: StorageLine[]; byInstance: StorageLine[] };
    checkpoints: Array<{ file: string; removed: boolean; resources: number; held: number }>;
    journal: { dir: string; entries: number };
}

/** The owner as storage and colours group it: a retention set's members together (`shop/prod nightly`). */
export function ownerGroup(b: Pick<ReportBackup, "owner">): string {
    return b.owner.stack && b.owner.resource ? `${b.owner.stack} ${b.owner.resource}` : b.owner.name;
}
