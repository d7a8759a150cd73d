import * as pulumi from "@pulumi/pulumi";
import shim = require("./shims/manual-backup");
import { BackupWait, earlierUrn, splitOptions } from "./backup-wait";
import { waitedOf } from "../provider/backup-wait";

/** Inputs of a `ManualBackup`. Validated at preview (Check): a bad value fails there, naming the property and the allowed values. */
export interface ManualBackupArgs {
    /** `"alicloud"` (ApsaraDB RDS) or `"huaweicloud"`. Changing it replaces the backup. */
    cloud: pulumi.Input<"alicloud" | "huaweicloud">;
    /** `"rds"` (default) or `"geminidb"` (huaweicloud only). Changing it replaces the backup. */
    service?: pulumi.Input<"rds" | "geminidb">;
    /** The database instance to back up, e.g. `rm-uf6wjk5xxxxxxx` or `43e4...in01`. Changing it replaces the backup (new one first, then the old one is deleted). */
    instanceId: pulumi.Input<string>;
    /** Region of the instance; default: `alicloud:region` / `huaweicloud:region` config or environment. Changing it replaces the backup. */
    region?: pulumi.Input<string>;
    /** Huawei only: backup name, 4–64 characters, a letter first, then letters, digits, `-`, `_`; unique per instance. Default: the resource name plus a short stable suffix. Changing it replaces the backup. */
    name?: pulumi.Input<string>;
    /** Huawei only: up to 256 characters, none of `> ! < " & ' =`. A change is recorded in state only (the cloud cannot edit it). */
    description?: pulumi.Input<string>;
    /** Databases to back up (Alibaba `DBName` with `backupStrategy: "db"`; Huawei RDS SQL Server/PostgreSQL). Default: the whole instance. Changing it replaces the backup. */
    databases?: pulumi.Input<pulumi.Input<string>[]>;
    /** Alibaba only: `"Physical"` (cloud default), `"Logical"` or `"Snapshot"`. Changing it replaces the backup. */
    backupMethod?: pulumi.Input<"Physical" | "Logical" | "Snapshot">;
    /** Alibaba only: `"instance"` or `"db"`. Changing it replaces the backup. */
    backupStrategy?: pulumi.Input<"db" | "instance">;
    /** Wait until the cloud reports the backup finished (default `true`). With `false`, `status` stays `BUILDING` until a refresh or the next update. */
    waitForCompletion?: pulumi.Input<boolean>;
    /** How long to wait for the backup, e.g. `"30m"` (default), `"2h"`. Pulumi's `customTimeouts` do not reach dynamic providers. */
    waitTimeout?: pulumi.Input<string>;
    /**
     * How long a delete (`destroy`, the old backup of a replacement, a retention set's removed labels) waits for a
     * busy instance (the clouds run one backup operation at a time per instance), and for a running job whose backup
     * must be known before it can be deleted, e.g. `"30m"` (default), `"5m"`, `"2h"`. When it runs out nothing is
     * dropped: the delete fails and the backup stays in state (a retention set keeps it as `pendingDelete`, retried
     * on the next update).
     */
    deleteTimeout?: pulumi.Input<string>;
    /** When the cloud refuses a delete (retention rules, backup in use): `"fail"` (default) keeps it in state and fails; `"forget"` removes it from state with a warning and leaves it in the cloud. */
    onDeleteBlocked?: pulumi.Input<"fail" | "forget">;
    /** Take over this existing manual backup instead of creating one (Pulumi's `import` option cannot work for dynamic resources). Verified at create: automated backups, and backups whose owner marker names another resource, are refused. */
    adoptBackupId?: pulumi.Input<string>;
    /** With `adoptBackupId` (or a retention set's `adopt`): also take over a backup whose owner marker names another Pulumi resource, e.g. one moved from a stack that no longer manages it. Default `false`. */
    adoptOwned?: pulumi.Input<boolean>;
}

/** Where an existing backup lives, for {@link ManualBackup.get}. */
export interface ManualBackupLookup {
    cloud: pulumi.Input<"alicloud" | "huaweicloud">;
    service?: pulumi.Input<"rds" | "geminidb">;
    instanceId: pulumi.Input<string>;
    region?: pulumi.Input<string>;
}

/** The type of the resource that starts the backup, as URNs spell it (the type `ManualBackup` had before it became a component). */
const START_TYPE = "pulumi-nodejs:dynamic/dbbackups:ManualBackup";

/**
 * The resource that starts (or adopts) the backup and records it in state at
 * once: `ManualBackup`'s lifecycle with `waitForCompletion: false`. It owns
 * the backup: replacing or destroying it deletes the backup.
 */
class ManualBackupStart extends pulumi.dynamic.Resource {
    declare public readonly backupId: pulumi.Output<string>;
    declare public readonly status: pulumi.Output<string>;
    declare public readonly cloudStatus: pulumi.Output<string>;
    declare public readonly jobId: pulumi.Output<string | undefined>;
    declare public readonly startedAt: pulumi.Output<string | undefined>;
    declare public readonly finishedAt: pulumi.Output<string | undefined>;
    declare public readonly sizeBytes: pulumi.Output<number | undefined>;
    declare public readonly storeStatus: pulumi.Output<string | undefined>;
    declare public readonly name: pulumi.Output<string | undefined>;
    declare public readonly adopted: pulumi.Output<boolean | undefined>;

    constructor(name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        super(shim, name, props, opts, "dbbackups", "ManualBackup");
    }
}

/**
 * A database manual backup as a Pulumi resource: `pulumi up` creates it and
 * waits until the cloud reports it finished, `refresh` notices it was deleted
 * outside Pulumi, a change of instance (or method, databases, ...) replaces
 * it, `destroy` deletes it.
 *
 * It is a component of two steps: the first starts the backup and records
 * it in state at once (it owns the backup), the second waits for it. So a
 * `pulumi up` killed or cancelled while it waits leaves the backup recorded,
 * and the next `up` waits for it instead of making another. `dependsOn` this
 * resource waits for both. A stack written before the split moves over by
 * itself: the first step takes over the earlier resource (an alias), with no
 * backup made or deleted.
 */
export class ManualBackup extends pulumi.ComponentResource {
    /** The cloud's backup id (Alibaba backup-set id, Huawei backup id). */
    public readonly backupId: pulumi.Output<string>;
    /** The id of the resource that holds the backup: the backup id, or `job-<jobId>` while Alibaba has not named the set yet. */
    public readonly id: pulumi.Output<pulumi.ID>;
    /** `BUILDING`, `COMPLETED`, `FAILED` or `DELETING`. */
    public readonly status: pulumi.Output<string>;
    /** The cloud's own status word, e.g. `Success`, `COMPLETED`. */
    public readonly cloudStatus: pulumi.Output<string>;
    /** The backup job id (Alibaba, GeminiDB); absent on Huawei RDS. */
    public readonly jobId: pulumi.Output<string | undefined>;
    /** When the backup started, ISO 8601 UTC. */
    public readonly startedAt: pulumi.Output<string | undefined>;
    /** When the backup finished, ISO 8601 UTC. */
    public readonly finishedAt: pulumi.Output<string | undefined>;
    /** Size in bytes. */
    public readonly sizeBytes: pulumi.Output<number | undefined>;
    /** Alibaba `StoreStatus`: `Enabled` = the cloud allows deleting it now. */
    public readonly storeStatus: pulumi.Output<string | undefined>;
    /** The backup name (Huawei); the default is derived from the resource name. */
    public readonly name: pulumi.Output<string | undefined>;
    /** True when the backup was taken over with `adoptBackupId`. */
    public readonly adopted: pulumi.Output<boolean | undefined>;

    /**
     * Reads an existing backup (by its cloud backup id) into the program
     * without managing it: Pulumi never changes or deletes it. Fails when the
     * instance has no backup with that id.
     */
    static get(name: string, id: pulumi.Input<pulumi.ID>, lookup: ManualBackupLookup, opts?: pulumi.CustomResourceOptions): ManualBackup {
        return new ManualBackup(name, { cloud: lookup.cloud, service: lookup.service, instanceId: lookup.instanceId, region: lookup.region }, { ...opts, id });
    }

    constructor(name: string, args: ManualBackupArgs, opts?: pulumi.CustomResourceOptions) {
        const split = splitOptions(opts);
        super("dbbackups:sdk:ManualBackup", name, {}, split.component);
        const reading = opts?.id !== undefined;
        const start = new ManualBackupStart(name, {
            ...args,
            // The wait is the next step's: this one returns as soon as the cloud accepted the backup.
            ...(reading ? {} : { waitForCompletion: false }),
            resourceName: name, project: pulumi.getProject(), stack: pulumi.getStack(),
            backupId: undefined, status: undefined, cloudStatus: undefined, jobId: undefined, startedAt: undefined,
            finishedAt: undefined, sizeBytes: undefined, storeStatus: undefined, adopted: undefined,
            name: args.name,
        }, { ...split.start, parent: this, aliases: reading ? undefined : [earlierUrn(name, START_TYPE, opts?.parent)] });
        const wait = reading ? undefined : new BackupWait(name, {
            cloud: args.cloud, service: args.service, region: args.region, instanceId: args.instanceId, resourceName: name,
            waitForCompletion: args.waitForCompletion, waitTimeout: args.waitTimeout, deleteTimeout: args.deleteTimeout,
            backups: pulumi.all([start.backupId, start.jobId, start.startedAt, start.status, start.cloudStatus, start.finishedAt, start.sizeBytes, start.storeStatus])
                .apply(([backupId, jobId, startedAt, status, cloudStatus, finishedAt, sizeBytes, storeStatus]) =>
                    ({ backup: waitedOf({ backupId, jobId, startedAt, status, cloudStatus, finishedAt, sizeBytes, storeStatus }) })),
        }, { parent: this, dependsOn: [start] });
        const fact = <T>(k: "backupId" | "status" | "cloudStatus" | "finishedAt" | "sizeBytes" | "storeStatus"): pulumi.Output<T> =>
            wait ? pulumi.all([wait.facts, start[k] as pulumi.Output<unknown>]).apply(([f, s]) => ((f?.backup as any)?.[k] ?? s) as T) : start[k] as unknown as pulumi.Output<T>;
        this.backupId = fact<string>("backupId");
        this.id = wait ? pulumi.all([this.backupId, start.id]).apply(([b, i]) => b ?? i) : start.id;
        this.status = fact<string>("status");
        this.cloudStatus = fact<string>("cloudStatus");
        this.finishedAt = fact<string | undefined>("finishedAt");
        this.sizeBytes = fact<number | undefined>("sizeBytes");
        this.storeStatus = fact<string | undefined>("storeStatus");
        this.jobId = start.jobId;
        this.startedAt = start.startedAt;
        this.name = start.name;
        this.adopted = start.adopted;
        this.registerOutputs({ backupId: this.backupId, status: this.status });
    }
}
