import * as pulumi from "@pulumi/pulumi";
import shim = require("./shims/backup-retention-set");
import type { ManualBackupArgs } from "./manual-backup";

/**
 * Inputs of a `BackupRetentionSet`: the target and creation options of `ManualBackup` (`waitTimeout`,
 * `deleteTimeout`, `onDeleteBlocked`, ...), plus the labels. `deleteTimeout` bounds the deletes of removed labels:
 * a backup whose delete still meets a busy instance when it runs out stays in `backups` as `pendingDelete`.
 */
export interface BackupRetentionSetArgs extends Omit<ManualBackupArgs, "name" | "adoptBackupId"> {
    /**
     * One backup per label. Adding a label creates a backup; removing one deletes
     * that backup (batched where the cloud allows), so a preview's `labels` diff
     * shows exactly which backups an update creates and deletes. Labels: unique,
     * 1–64 characters of letters, digits, `.`, `_`, `:`, `-`. See `rollingLabels`.
     */
    labels: pulumi.Input<pulumi.Input<string>[]>;
    /** Refuse (at preview) a label list longer than this. */
    maxBackups?: pulumi.Input<number>;
    /** Take over existing manual backups: label → backup id, verified at create/update. Adopted backups are then owned (and deleted) like created ones. */
    adopt?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Huawei only: prefix of the backup names, `<prefix>-<label>` (default: the resource name). Changing it replaces the set. */
    namePrefix?: pulumi.Input<string>;
}

/** What the set knows of one labelled backup. */
export interface RetentionSetMember {
    backupId?: string;
    jobId?: string;
    status: string;
    cloudStatus: string;
    startedAt?: string;
    finishedAt?: string;
    sizeBytes?: number;
    storeStatus?: string;
    name?: string;
    adopted?: boolean;
    /** Set when the cloud refused to delete the backup for now; every later update retries. */
    pendingDelete?: { code: string; reason: string; since: string; deletableAfter?: string };
}

/**
 * A set of labelled manual backups on one instance, reconciled on every
 * `pulumi up`: new labels get backups (created before anything is deleted),
 * removed labels' backups are deleted. It only ever deletes backups it
 * created or adopted. Removing the resource deletes all its backups.
 */
export class BackupRetentionSet extends pulumi.dynamic.Resource {
    /** Label → what is known of its backup (including members pending deletion). */
    declare public readonly backups: pulumi.Output<Record<string, RetentionSetMember>>;
    /** Backup ids of the declared labels, in label order. */
    declare public readonly backupIds: pulumi.Output<string[]>;

    constructor(name: string, args: BackupRetentionSetArgs, opts?: pulumi.CustomResourceOptions) {
        super(shim, name, { ...args, resourceName: name, project: pulumi.getProject(), stack: pulumi.getStack(), backups: undefined, backupIds: undefined },
            opts, "dbbackups", "BackupRetentionSet");
    }
}
