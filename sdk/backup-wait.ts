/**
 * The wait step the SDK's `ManualBackup` and `BackupRetentionSet` add after
 * the resource that starts their backups. The starting resource returns as
 * soon as the cloud accepted the backups, so their ids are in the state
 * before anything waits; this step then waits for them (and, for a set,
 * deletes the backups of removed labels once the new ones completed). A
 * `pulumi up` killed or cancelled while it waits leaves every backup
 * recorded: the next `up` waits again.
 */
import * as pulumi from "@pulumi/pulumi";
import shim = require("./shims/backup-wait");

/** A backup to wait for, from the starting resource's outputs. */
export interface WaitedBackup {
    backupId?: string; jobId?: string; startedAt?: string; status?: string; cloudStatus?: string; finishedAt?: string; sizeBytes?: number; storeStatus?: string;
}
/** What the cloud reported at the end of the wait. */
export interface WaitedFacts {
    backupId?: string; jobId?: string; status: string; cloudStatus: string;
    startedAt?: string; finishedAt?: string; sizeBytes?: number; storeStatus?: string;
}

export interface BackupWaitArgs {
    cloud: pulumi.Input<string>;
    service?: pulumi.Input<string>;
    region?: pulumi.Input<string>;
    instanceId: pulumi.Input<string>;
    resourceName: string;
    waitForCompletion?: pulumi.Input<boolean>;
    waitTimeout?: pulumi.Input<string>;
    deleteTimeout?: pulumi.Input<string>;
    backups: pulumi.Input<Record<string, WaitedBackup>>;
    deletes?: pulumi.Input<Record<string, { backupId?: string; jobId?: string }>>;
}

/** The wait step (type `pulumi-nodejs:dynamic/dbbackups:BackupWait`); it owns no backup and deletes none on destroy. */
export class BackupWait extends pulumi.dynamic.Resource {
    declare public readonly facts: pulumi.Output<Record<string, WaitedFacts>>;
    declare public readonly deleted: pulumi.Output<string[]>;
    /** Handed-over members it could not delete yet, with the cloud's code and words. */
    declare public readonly refused: pulumi.Output<Record<string, { code: string; reason: string; since: string; deletableAfter?: string }> | undefined>;

    constructor(name: string, args: BackupWaitArgs, opts?: pulumi.CustomResourceOptions) {
        super(shim, name, { ...args, facts: undefined, deleted: undefined, refused: undefined }, opts, "dbbackups", "BackupWait");
    }
}

/** Options of the starting resource that only a custom resource has; the rest go to the component. */
const CUSTOM_ONLY = ["id", "import", "provider", "deleteBeforeReplace", "ignoreChanges", "additionalSecretOutputs", "customTimeouts", "replaceOnChanges", "retainOnDelete", "deletedWith"] as const;

/**
 * Splits a `ManualBackup`'s or `BackupRetentionSet`'s options: the component
 * takes the general ones (parent, dependsOn, protect, aliases, ...), the
 * starting resource also the custom-resource ones and the dependencies.
 */
export function splitOptions(opts: pulumi.CustomResourceOptions | undefined): { component: pulumi.ComponentResourceOptions; start: pulumi.CustomResourceOptions } {
    const component: Record<string, unknown> = { ...opts };
    const start: Record<string, unknown> = {};
    for (const k of CUSTOM_ONLY) {
        if (component[k] !== undefined) start[k] = component[k];
        delete component[k];
    }
    if (opts?.dependsOn !== undefined) start.dependsOn = opts.dependsOn;
    if (opts?.protect !== undefined) start.protect = opts.protect;
    return { component: component as pulumi.ComponentResourceOptions, start: start as pulumi.CustomResourceOptions };
}

/**
 * The URN the resource had before the wait step existed (a custom resource
 * of this type directly under the program's parent): the starting resource
 * takes it over, state and all, so an existing stack moves over with no
 * replacement and no backup made or deleted.
 */
export function earlierUrn(name: string, type: string, parent: pulumi.Resource | undefined): pulumi.Output<string> {
    return pulumi.createUrn(name, type, parent);
}

/**
 * The URN of a child of `parent` as a plain value: an input holding
 * `parent.urn` itself would make the child depend on the parent component,
 * that is on all its children, the child itself and the wait step after it
 * included, and its registration would never start.
 */
export function childUrn(parent: pulumi.Resource, type: string, name: string): pulumi.Output<string> {
    return pulumi.output(new Promise<string>(resolve => {
        parent.urn.apply(urn => {
            const [head, project, types] = urn.split("::");
            resolve(`${head}::${project}::${types}$${type}::${name}`);
            return urn;
        });
    }));
}
