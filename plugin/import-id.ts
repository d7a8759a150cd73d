/**
 * The id `pulumi import dbbackups:index:ManualBackup <name> <id>` (and the
 * `import` resource option) takes: it names the backup's whole address,
 *
 *     <cloud>/<service>/<region>/<instanceId>/<backupId>
 *     <cloud>/<service>/<instanceId>/<backupId>          (region from the configuration)
 *
 * e.g. `alicloud/rds/cn-hangzhou/rm-uf6wjk5xxxxxxx/1234567` or
 * `huaweicloud/geminidb/ap-southeast-1/43e4...in06/2f4d...br06`. No part may
 * contain `/` (none of the clouds' ids do).
 */

/** Where the backup to import lives. */
export interface ImportTarget { cloud: string; service: string; region?: string; instanceId: string; backupId: string }

/** The format, for messages. */
export const IMPORT_ID_FORMAT = "<cloud>/<service>/<region>/<instanceId>/<backupId> (or <cloud>/<service>/<instanceId>/<backupId> to use the configured region)";

/** Parses an import id; throws naming the format and what was wrong. */
export function parseImportId(id: string): ImportTarget {
    const parts = id.split("/");
    const bad = (why: string) => new Error(`import id "${id}" ${why}; expected ${IMPORT_ID_FORMAT}, e.g. alicloud/rds/cn-hangzhou/rm-uf6wjk5xxxxxxx/1234567`);
    if (parts.length !== 4 && parts.length !== 5) throw bad(`has ${parts.length} part${parts.length === 1 ? "" : "s"}`);
    if (parts.some(p => p === "")) throw bad("has an empty part");
    const [cloud, service] = parts;
    if (cloud !== "alicloud" && cloud !== "huaweicloud") throw bad(`names cloud "${cloud}" (allowed: "alicloud", "huaweicloud")`);
    if (service !== "rds" && service !== "geminidb") throw bad(`names service "${service}" (allowed: "rds", "geminidb")`);
    const [region, instanceId, backupId] = parts.length === 5 ? parts.slice(2) : [undefined, ...parts.slice(2)];
    return { cloud, service, ...(region ? { region } : {}), instanceId: instanceId!, backupId: backupId! };
}

/** The import id of a backup. */
export function formatImportId(t: ImportTarget): string {
    return [t.cloud, t.service, ...(t.region ? [t.region] : []), t.instanceId, t.backupId].join("/");
}
