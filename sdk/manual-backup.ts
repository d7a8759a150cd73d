import * as pulumi from "@pulumi/pulumi";
import shim = require("./shims/manual-backup");

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

/**
 * A database manual backup as a Pulumi resource: `pulumi up` creates it and
 * waits until the cloud reports it finished, `refresh` notices it was deleted
 * outside Pulumi, a change of instance (or method, databases, ...) replaces
 * it, `destroy` deletes it.
 */
export class ManualBackup extends pulumi.dynamic.Resource {
    /** The cloud's backup id (Alibaba backup-set id, Huawei backup id). */
    declare public readonly backupId: pulumi.Output<string>;
    /** `BUILDING`, `COMPLETED`, `FAILED` or `DELETING`. */
    declare public readonly status: pulumi.Output<string>;
    /** The cloud's own status word, e.g. `Success`, `COMPLETED`. */
    declare public readonly cloudStatus: pulumi.Output<string>;
    /** The backup job id (Alibaba, GeminiDB); absent on Huawei RDS. */
    declare public readonly jobId: pulumi.Output<string | undefined>;
    /** When the backup started, ISO 8601 UTC. */
    declare public readonly startedAt: pulumi.Output<string | undefined>;
    /** When the backup finished, ISO 8601 UTC. */
    declare public readonly finishedAt: pulumi.Output<string | undefined>;
    /** Size in bytes. */
    declare public readonly sizeBytes: pulumi.Output<number | undefined>;
    /** Alibaba `StoreStatus`: `Enabled` = the cloud allows deleting it now. */
    declare public readonly storeStatus: pulumi.Output<string | undefined>;
    /** The backup name (Huawei); the default is derived from the resource name. */
    declare public readonly name: pulumi.Output<string | undefined>;
    /** True when the backup was taken over with `adoptBackupId`. */
    declare public readonly adopted: pulumi.Output<boolean | undefined>;

    /**
     * Reads an existing backup (by its cloud backup id) into the program
     * without managing it: Pulumi never changes or deletes it. Fails when the
     * instance has no backup with that id.
     */
    static get(name: string, id: pulumi.Input<pulumi.ID>, lookup: ManualBackupLookup, opts?: pulumi.CustomResourceOptions): ManualBackup {
        return new ManualBackup(name, { cloud: lookup.cloud, service: lookup.service, instanceId: lookup.instanceId, region: lookup.region }, { ...opts, id });
    }

    constructor(name: string, args: ManualBackupArgs, opts?: pulumi.CustomResourceOptions) {
        super(shim, name, {
            ...args,
            resourceName: name, project: pulumi.getProject(), stack: pulumi.getStack(),
            backupId: undefined, status: undefined, cloudStatus: undefined, jobId: undefined, startedAt: undefined,
            finishedAt: undefined, sizeBytes: undefined, storeStatus: undefined, adopted: undefined,
            name: args.name,
        }, opts, "dbbackups", "ManualBackup");
    }
}
