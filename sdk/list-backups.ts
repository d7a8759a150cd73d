/**
 * `listBackups`: the backups of one instance, read in the program with the
 * same configuration (stack config, environment, shared files) and the same
 * cloud adapters as the resources, like `alicloud.rds.getRdsBackups` or
 * Huawei's `rds.getBackups`.
 */
import * as pulumi from "@pulumi/pulumi";

/** What to list. */
export interface ListBackupsArgs {
    cloud: "alicloud" | "huaweicloud";
    /** `"rds"` (default) or `"geminidb"` (huaweicloud only). */
    service?: "rds" | "geminidb";
    instanceId: string;
    /** Default: `alicloud:region` / `huaweicloud:region` config or environment. */
    region?: string;
    /** Only manual backups (leave out the cloud's automated ones). Default false. */
    manualOnly?: boolean;
}

/** One backup of the instance. */
export interface ListedBackup {
    backupId: string;
    instanceId: string;
    /** Huawei backup name. */
    name?: string;
    /** `BUILDING`, `COMPLETED`, `FAILED` or `DELETING`. */
    status: string;
    /** The cloud's own status word. */
    cloudStatus: string;
    /** Manual (made by a user or this package) or automated. */
    manual: boolean;
    /** ISO 8601 UTC. */
    startedAt?: string;
    /** ISO 8601 UTC. */
    finishedAt?: string;
    sizeBytes?: number;
    backupMethod?: string;
    databases?: string[];
    /** Alibaba `StoreStatus` (`Enabled` = deletable now). */
    storeStatus?: string;
}

/** The backups of an instance, newest first; automated ones too unless `manualOnly`. */
export async function listBackups(args: ListBackupsArgs): Promise<ListedBackup[]> {
    // Loaded on use: programs that never list backups do not load the cloud clients.
    const { Settings } = await import("../provider/config");
    const { AdapterFactory } = await import("../provider/clouds");
    const { redact } = await import("../provider/core/errors");
    const { listedBackups } = await import("../provider/lookups");
    const settings = new Settings({ get: key => pulumi.runtime.getConfig(key) });
    const service = args.service ?? "rds";
    if (service === "geminidb" && args.cloud !== "huaweicloud") throw new Error(`listBackups: service "geminidb" is only available with cloud "huaweicloud"`);
    try {
        const adapter = new AdapterFactory(settings).get({ cloud: args.cloud, service, region: args.region });
        const backups = await adapter.listBackups(args.instanceId);
        return listedBackups(backups, !!args.manualOnly) as unknown as ListedBackup[];
    } catch (err) {
        throw new Error(`listBackups of ${args.instanceId} (${args.cloud} ${service}): ${redact((err as Error)?.message ?? String(err), settings.secrets())}`);
    }
}
