import * as pulumi from "@pulumi/pulumi";
import shim = require("./shims/backup-retention-set");
import type { ManualBackupArgs } from "./manual-backup";
import { heldKeys } from "../provider/retention-policy";
import { membersAfterWait, setWaitInputs } from "../provider/backup-wait";
import { BackupWait, childUrn, earlierUrn, splitOptions } from "./backup-wait";

/**
 * Inputs of a `BackupRetentionSet`: the target and creation options of `ManualBackup` (`waitTimeout`,
 * `deleteTimeout`, `onDeleteBlocked`, ...), plus the labels. `deleteTimeout` bounds the deletes of removed labels:
 * a backup whose delete still meets a busy instance when it runs out stays in `backups` as `pendingDelete`.
 */
export interface BackupRetentionSetArgs extends Omit<ManualBackupArgs, "name" | "adoptBackupId"> {
    /**
     * One backup per label. Adding a label creates a backup; removing one deletes
     * that backup (batched where the cloud allows). The SDK sends the labels
     * keyed by label, so a preview's `labels` diff shows one `+` line per
     * backup created and one `-` line per backup deleted. Labels: unique,
     * 1–64 characters of letters, digits, `.`, `_`, `:`, `-`. See `rollingLabels`.
     * Required unless `retention` is given.
     */
    labels?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Instead of `labels`: retention tiers, each a count of periods (UTC, ISO
     * weeks), e.g. `{ daily: 7, weekly: 4, monthly: 12 }`. Each tier keeps the
     * newest backup of each of its last N periods that have a backup (what
     * restic's `forget --keep-daily 7 --keep-weekly 4 --keep-monthly 12`
     * keeps). One backup serves every tier it falls in: the first backup of a
     * new day, week and month is one backup held by three tiers, and a backup
     * is deleted only when no tier holds it any more.
     */
    retention?: pulumi.Input<{ hourly?: number; daily?: number; weekly?: number; monthly?: number; yearly?: number }>;
    /**
     * With `retention`: the moment the tiers count back from and date a new
     * backup by, ISO 8601 (default: the time of the run). Pin it so a preview
     * and its `up` plan the same backups.
     */
    now?: pulumi.Input<string>;
    /**
     * An update never deletes a backup of the set if fewer than this many
     * COMPLETED backups would remain (default 1 with `retention`; 0 with
     * `labels`, which delete as before unless it is set): the deletion is deferred
     * (the member shows `heldByFloor`), reported, and retried by a later `up`.
     */
    minCompleted?: pulumi.Input<number>;
    /** Refuse (at preview) a label list longer than this. */
    maxBackups?: pulumi.Input<number>;
    /**
     * Refuse (at preview, and again at update) a change that would delete more
     * backups than this in one update: labels leaving, or the whole set when a
     * change replaces it. Default: fewer than half of the backups the set
     * holds, at least 2 and at most 4. `0` refuses every delete; `destroy` is
     * not limited.
     */
    maxDeletesPerUpdate?: pulumi.Input<number>;
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
    /** With `retention`: the instant the tiers date the backup by (the run's `now` when it was made). */
    at?: string;
    /** With `retention`: the tiers holding the backup, e.g. `["daily", "weekly"]`. */
    tiers?: string[];
    /** No label or tier holds the backup any more, but deleting it would leave fewer than `minCompleted` completed backups. */
    heldByFloor?: boolean;
    /** Set when the cloud refused to delete the backup for now; every later update retries. */
    pendingDelete?: { code: string; reason: string; since: string; deletableAfter?: string };
}

/** The resource that starts the set's backups and records them at once: the set's lifecycle with `waitForCompletion: false`; it owns the backups. */
class RetentionSetStart extends pulumi.dynamic.Resource {
    declare public readonly backups: pulumi.Output<Record<string, RetentionSetMember>>;
    declare public readonly backupIds: pulumi.Output<string[]>;

    constructor(name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        super(shim, name, props, opts, "dbbackups", "BackupRetentionSet");
    }
}

/**
 * A set of labelled manual backups on one instance, reconciled on every
 * `pulumi up`: new labels get backups (created before anything is deleted),
 * removed labels' backups are deleted. It only ever deletes backups it
 * created or adopted. Removing the resource deletes all its backups.
 *
 * It is a component of two steps: the first starts the new backups and
 * records them in state at once (it owns every backup of the set), the
 * second waits for them and then deletes the removed labels' backups, which
 * the first keeps as `pendingDelete` until then. A `pulumi up` killed or
 * cancelled while it waits leaves every backup recorded. `dependsOn` this
 * resource waits for both. A stack written before the split moves over by
 * itself (an alias), with no backup made or deleted.
 */
export class BackupRetentionSet extends pulumi.ComponentResource {
    /** Label → what is known of its backup (including members pending deletion). */
    public readonly backups: pulumi.Output<Record<string, RetentionSetMember>>;
    /** Backup ids of the declared labels, in label order. */
    public readonly backupIds: pulumi.Output<string[]>;

    constructor(name: string, args: BackupRetentionSetArgs, opts?: pulumi.CustomResourceOptions) {
        const split = splitOptions(opts);
        super("dbbackups:sdk:BackupRetentionSet", name, {}, split.component);
        const waiting = pulumi.output(args.waitForCompletion).apply(w => w !== false);
        const start = new RetentionSetStart(name, {
            ...args, labels: keyedLabels(args.labels), resourceName: name, project: pulumi.getProject(), stack: pulumi.getStack(),
            // The waits, and the deletes that must follow the new backups, are the next step's.
            waitForCompletion: false, deferDeletes: waiting,
            resourceUrn: childUrn(this, TYPE, name), backups: undefined, backupIds: undefined,
        }, { ...split.start, parent: this, aliases: [earlierUrn(name, TYPE, opts?.parent)] });
        const wait = new BackupWait(name, {
            cloud: args.cloud, service: args.service, region: args.region, instanceId: args.instanceId, resourceName: name,
            waitForCompletion: args.waitForCompletion, waitTimeout: args.waitTimeout, deleteTimeout: args.deleteTimeout,
            backups: start.backups.apply(b => setWaitInputs(b ?? {}, true).backups),
            deletes: pulumi.all([start.backups, waiting]).apply(([b, w]) => setWaitInputs(b ?? {}, w).deletes),
        }, { parent: this, dependsOn: [start] });
        // A member the wait step could not delete shows the cloud's refusal as its pendingDelete.
        this.backups = pulumi.all([start.backups, wait.facts, wait.deleted, wait.refused]).apply(([b, facts, deleted, refused]) => membersAfterWait(b ?? {}, facts, deleted, refused));
        this.backupIds = pulumi.all([pulumi.output(args.labels), pulumi.output(args.retention), this.backups]).apply(([labels, retention, b]) =>
            heldKeys(labels as string[] | undefined, b, !!retention).map(l => b[l]?.backupId).filter((x): x is string => !!x));
        this.registerOutputs({ backups: this.backups, backupIds: this.backupIds });
    }
}

/** The type of the resource as its URN spells it. */
const TYPE = "pulumi-nodejs:dynamic/dbbackups:BackupRetentionSet";

/**
 * The labels as the provider receives them: `{ "<label>": true }`. The CLI
 * diffs objects key by key, so a roll reads as one label added and one
 * removed (a list would be diffed position by position). A list with a
 * label twice is passed as it is, so the provider's check names the duplicate.
 */
export function keyedLabels(labels: pulumi.Input<pulumi.Input<string>[]> | undefined): pulumi.Output<string[] | Record<string, true> | undefined> {
    return pulumi.output(labels).apply(list => {
        if (!Array.isArray(list) || new Set(list).size !== list.length || list.some(l => typeof l !== "string")) return list;
        return Object.fromEntries(list.map(l => [l, true as const]));
    });
}
