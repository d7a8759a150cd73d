/**
 * The package schema the plugin serves (`GetSchema`), built from the zod
 * schemas in `provider/schema.ts`: every input, its type, default and
 * description come from there, so adding an input to the lifecycle adds it
 * here. What zod does not know (the outputs, the functions, the plugin's own
 * configuration) is described below, once.
 */
import { z } from "zod";
import { DOOR_INPUTS, manualBackupSchema, retentionSetSchema } from "../provider/schema";

/** The package name: resource tokens are `dbbackups:index:<Type>`. */
export const PACKAGE = "dbbackups";
export const MANUAL_BACKUP = `${PACKAGE}:index:ManualBackup`;
export const RETENTION_SET = `${PACKAGE}:index:BackupRetentionSet`;
/** The wait step each resource registers under its first step (see `plugin/construct.ts`); served by the plugin, not written by programs, so not in the schema. */
export const BACKUP_WAIT = `${PACKAGE}:index:BackupWait`;
export const GET_BACKUP = `${PACKAGE}:index:getBackup`;
export const LIST_BACKUPS = `${PACKAGE}:index:listBackups`;

/** One property of the Pulumi package schema. */
export interface PropertySpec {
    type?: string;
    items?: PropertySpec;
    additionalProperties?: PropertySpec;
    $ref?: string;
    oneOf?: PropertySpec[];
    description?: string;
    default?: unknown;
    secret?: boolean;
    replaceOnChanges?: boolean;
}

/** A zod type with its wrappers (optional, default, refinements) peeled off, and what they said. */
function unwrap(t: z.ZodTypeAny): { inner: z.ZodTypeAny; optional: boolean; default?: unknown; description?: string } {
    let optional = false;
    let def: unknown;
    let description = t.description;
    for (; ;) {
        description ??= t.description;
        if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) { optional = true; t = t.unwrap(); continue; }
        if (t instanceof z.ZodDefault) { optional = true; def = t._def.defaultValue(); t = t._def.innerType; continue; }
        if (t instanceof z.ZodEffects) { t = t.innerType(); continue; }
        return { inner: t, optional, default: def, description };
    }
}

/** The schema type of a zod type. */
function typeOf(t: z.ZodTypeAny): PropertySpec {
    const { inner } = unwrap(t);
    if (inner instanceof z.ZodString || inner instanceof z.ZodEnum || inner instanceof z.ZodLiteral) return { type: "string" };
    if (inner instanceof z.ZodBoolean) return { type: "boolean" };
    if (inner instanceof z.ZodNumber) return { type: inner.isInt ? "integer" : "number" };
    if (inner instanceof z.ZodArray) return { type: "array", items: typeOf(inner.element) };
    if (inner instanceof z.ZodRecord) return { type: "object", additionalProperties: typeOf(inner.valueSchema) };
    if (inner instanceof z.ZodUnion) return { oneOf: (inner.options as z.ZodTypeAny[]).map(typeOf) };
    throw new Error(`no schema type for zod ${inner.constructor.name}`);
}

/**
 * Inputs whose zod type is checked by hand and so says nothing of its shape:
 * `labels` also accepts the keyed form the Node.js SDK sends, but a program
 * of another language writes a list.
 */
const DECLARED_TYPES: Record<string, PropertySpec> = {
    labels: { type: "array", items: { type: "string" } },
    retention: { $ref: "#/types/dbbackups:index:RetentionTiers" },
};

/** The properties of the `retention` input's type, from its zod schema. */
function retentionTiers(): Record<string, PropertySpec> {
    const { inner } = unwrap(shapeOf(retentionSetSchema).retention);
    if (!(inner instanceof z.ZodObject)) throw new Error("retention must be an object of tiers");
    return Object.fromEntries(Object.entries(inner.shape as Record<string, z.ZodTypeAny>).map(([k, t]) => [k, { ...typeOf(t), description: unwrap(t).description }]));
}

/** The allowed values of an enum input, for its description. */
function allowed(t: z.ZodTypeAny): string[] | undefined {
    const { inner } = unwrap(t);
    return inner instanceof z.ZodEnum ? (inner.options as string[]) : undefined;
}

/** The object shape behind a resource's zod schema (under its refinements). */
export function shapeOf(schema: z.ZodTypeAny): Record<string, z.ZodTypeAny> {
    const { inner } = unwrap(schema);
    if (!(inner instanceof z.ZodObject)) throw new Error("a resource schema must be an object");
    return inner.shape as Record<string, z.ZodTypeAny>;
}

/** A resource's user inputs (without those the door sets), as schema properties, and which are required. */
export function inputsOf(schema: z.ZodTypeAny, replaceKeys: readonly string[] = []): { properties: Record<string, PropertySpec>; required: string[] } {
    const properties: Record<string, PropertySpec> = {};
    const required: string[] = [];
    for (const [name, t] of Object.entries(shapeOf(schema))) {
        if ((DOOR_INPUTS as readonly string[]).includes(name)) continue;
        const u = unwrap(t);
        if (!u.description) throw new Error(`input ${name} has no description in provider/schema.ts`);
        const values = allowed(t);
        properties[name] = {
            ...(DECLARED_TYPES[name] ?? typeOf(t)),
            description: u.description + (values && !/`/.test(u.description) ? ` One of ${values.map(v => `\`${v}\``).join(", ")}.` : ""),
            ...(u.default !== undefined ? { default: u.default } : {}),
            ...(replaceKeys.includes(name) ? { replaceOnChanges: true } : {}),
        };
        if (!u.optional) required.push(name);
    }
    return { properties, required };
}

const str = (description: string): PropertySpec => ({ type: "string", description });

/** What the cloud reports about one backup: outputs of both resources, and of the lookups. */
const BACKUP_FACTS: Record<string, PropertySpec> = {
    backupId: str("The cloud's backup id (Alibaba backup set id, Huawei backup id)."),
    jobId: str("The backup job id (Alibaba, GeminiDB); absent on Huawei RDS."),
    status: str("`BUILDING`, `COMPLETED`, `FAILED` or `DELETING`."),
    cloudStatus: str("The cloud's own status word, e.g. `Success` or `COMPLETED`."),
    startedAt: str("When the backup started, ISO 8601 UTC."),
    finishedAt: str("When the backup finished, ISO 8601 UTC."),
    sizeBytes: { type: "number", description: "Size in bytes." },
    storeStatus: str("Alibaba `StoreStatus`: `Enabled` means the cloud allows deleting the backup now."),
};

const MANUAL_BACKUP_OUTPUTS: Record<string, PropertySpec> = {
    ...BACKUP_FACTS,
    name: str("The backup name (Huawei); the default comes from the resource name."),
    adopted: { type: "boolean", description: "True when the backup was taken over with `adoptBackupId`." },
};

const RETENTION_SET_OUTPUTS: Record<string, PropertySpec> = {
    backups: { type: "object", additionalProperties: { $ref: "#/types/dbbackups:index:RetentionSetMember" }, description: "Label (with `retention`: the period the backup was made in) → what is known of its backup, members whose delete the cloud refused for now, or the floor defers, included." },
    backupIds: { type: "array", items: { type: "string" }, description: "Backup ids of the declared labels, in label order; with `retention`, of the backups the tiers hold, oldest first." },
};

const LISTED_BACKUP: Record<string, PropertySpec> = {
    ...BACKUP_FACTS,
    instanceId: str("The instance the backup belongs to."),
    name: str("Huawei backup name."),
    manual: { type: "boolean", description: "Manual (made by a user or this package) or automated (the instance's backup policy)." },
    backupMethod: str("How the backup was made, as the cloud says (e.g. `Physical`)."),
    databases: { type: "array", items: { type: "string" }, description: "Databases in a partial backup." },
    description: str("Huawei backup description."),
};

/** The plugin's configuration (`dbbackups:<key>`); each maps to the setting the dynamic resources read (see `plugin/config.ts`). */
export const CONFIG: Record<string, PropertySpec> = {
    alicloudAccessKey: { type: "string", secret: true, description: "Alibaba Cloud access key id. Default: env `ALICLOUD_ACCESS_KEY`, `ALIBABA_CLOUD_ACCESS_KEY_ID`, or the Alibaba CLI profile." },
    alicloudSecretKey: { type: "string", secret: true, description: "Alibaba Cloud access key secret. Default: env `ALICLOUD_SECRET_KEY`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, or the Alibaba CLI profile." },
    alicloudSecurityToken: { type: "string", secret: true, description: "Alibaba Cloud STS token. Default: env `ALICLOUD_SECURITY_TOKEN`, `ALIBABA_CLOUD_SECURITY_TOKEN`." },
    alicloudRegion: str("Alibaba Cloud region. Default: env `ALICLOUD_REGION`, `ALIBABA_CLOUD_REGION`, or the profile's region."),
    alicloudProfile: str("Alibaba CLI profile to read credentials from (`~/.aliyun/config.json`). Default: env `ALIBABA_CLOUD_PROFILE`, else the file's current profile."),
    alicloudSharedCredentialsFile: str("Path of the Alibaba CLI profile file. Default: env `ALICLOUD_SHARED_CREDENTIALS_FILE`, else `~/.aliyun/config.json`."),
    huaweicloudAccessKey: { type: "string", secret: true, description: "Huawei Cloud access key (AK). Default: env `HW_ACCESS_KEY`, `HUAWEICLOUD_SDK_AK`." },
    huaweicloudSecretKey: { type: "string", secret: true, description: "Huawei Cloud secret key (SK). Default: env `HW_SECRET_KEY`, `HUAWEICLOUD_SDK_SK`." },
    huaweicloudSecurityToken: { type: "string", secret: true, description: "Huawei Cloud temporary security token. Default: env `HW_SECURITY_TOKEN`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`." },
    huaweicloudAuthToken: { type: "string", secret: true, description: "Huawei Cloud IAM token, instead of AK/SK. Default: env `HW_AUTH_TOKEN`." },
    huaweicloudProjectId: str("Huawei Cloud project id. Default: env `HW_PROJECT_ID`, `HUAWEICLOUD_SDK_PROJECT_ID`, else looked up once per region in IAM."),
    huaweicloudRegion: str("Huawei Cloud region. Default: env `HW_REGION_NAME`."),
    endpoints: {
        type: "object", additionalProperties: { type: "string" },
        description: "Endpoint overrides (the emulator, private endpoints): keys `alicloudRds`, `huaweicloudRds`, `huaweicloudGeminidb`, `huaweicloudIam`. Default: env `DBBACKUPS_ALICLOUD_RDS_ENDPOINT`, `DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT`, `DBBACKUPS_HUAWEICLOUD_GEMINIDB_ENDPOINT`, `DBBACKUPS_HUAWEICLOUD_IAM_ENDPOINT`, else the public endpoint of the region.",
    },
    pollInterval: { type: "string", default: "2s", description: "First delay between polls while waiting for a backup, growing to 15 times that (at most 30s)." },
    retryDelay: { type: "string", default: "500ms", description: "First pause before retrying a cloud call that failed with throttling or a transient or server error, doubling up to 20 times that; at most 10 attempts per call." },
};

/** The lookups' target: the first inputs every resource has. */
function lookupTarget(): Record<string, PropertySpec> {
    const { properties } = inputsOf(manualBackupSchema);
    return { cloud: properties.cloud, service: properties.service, instanceId: properties.instanceId, region: properties.region };
}

/** Input keys whose change replaces the resource, for `replaceOnChanges` in the schema. */
export interface ReplaceKeys { manualBackup: readonly string[]; retentionSet: readonly string[] }

/** The whole package schema. */
export function packageSchema(version: string, replaceKeys: ReplaceKeys = { manualBackup: [], retentionSet: [] }) {
    const manual = inputsOf(manualBackupSchema, replaceKeys.manualBackup);
    const set = inputsOf(retentionSetSchema, replaceKeys.retentionSet);
    const stateOf = (inputs: Record<string, PropertySpec>, outputs: Record<string, PropertySpec>) =>
        Object.fromEntries(Object.entries({ ...inputs, ...outputs }).map(([k, v]) => [k, { ...v, default: undefined, replaceOnChanges: undefined }]));
    return JSON.parse(JSON.stringify({
        name: PACKAGE,
        displayName: "Database backups",
        version,
        description: "Database manual backups on Alibaba Cloud RDS, Huawei Cloud RDS and Huawei GeminiDB as declarative resources.",
        keywords: ["pulumi", "backup", "database", "rds", "alicloud", "huaweicloud", "geminidb", "category/database"],
        homepage: "https://github.com/pulumi-db-backups/pulumi-db-backups",
        repository: "https://github.com/pulumi-db-backups/pulumi-db-backups",
        license: "Apache-2.0",
        publisher: "pulumi-db-backups",
        config: { variables: CONFIG },
        provider: {
            description: "The dbbackups provider: credentials, regions and endpoints for the clouds it reaches.",
            inputProperties: CONFIG,
        },
        types: {
            "dbbackups:index:PendingDelete": {
                type: "object", description: "A delete the cloud refused for now; retried on every later update.",
                properties: {
                    code: str("The cloud's error code."), reason: str("The cloud's message."),
                    since: str("When the delete was first refused, ISO 8601 UTC."), deletableAfter: str("When the cloud says the backup can be deleted, if it says."),
                },
                required: ["code", "reason", "since"],
            },
            "dbbackups:index:RetentionTiers": {
                type: "object", description: "Retention tiers of a `BackupRetentionSet`: counts of periods (UTC, ISO weeks); one backup serves every tier it falls in.",
                properties: retentionTiers(),
            },
            "dbbackups:index:RetentionSetMember": {
                type: "object", description: "What a `BackupRetentionSet` knows of one labelled backup.",
                properties: {
                    ...BACKUP_FACTS,
                    name: str("The backup name (Huawei)."),
                    adopted: { type: "boolean", description: "True when the backup was taken over with `adopt`." },
                    at: str("With `retention`: the instant the tiers date the backup by (the run's `now` when it was made), ISO 8601 UTC."),
                    tiers: { type: "array", items: { type: "string" }, description: "With `retention`: the tiers holding the backup, e.g. `[\"daily\", \"weekly\"]`." },
                    heldByFloor: { type: "boolean", description: "True when no label or tier holds the backup any more but deleting it would leave fewer than `minCompleted` completed backups; a later `up` deletes it." },
                    pendingDelete: { $ref: "#/types/dbbackups:index:PendingDelete", description: "Set when the cloud refused to delete the backup for now." },
                },
                required: ["status", "cloudStatus"],
            },
            "dbbackups:index:ListedBackup": {
                type: "object", description: "One backup of an instance, as `listBackups` and `getBackup` return it.",
                properties: LISTED_BACKUP,
                required: ["backupId", "instanceId", "status", "cloudStatus", "manual"],
            },
        },
        resources: {
            [MANUAL_BACKUP]: {
                isComponent: true,
                description: "A database manual backup: `up` creates it and waits until the cloud reports it finished, `refresh` notices a backup deleted outside Pulumi, a change of instance (or method, databases, ...) replaces it, `destroy` deletes it. Import an existing manual backup with the id `<cloud>/<service>/<region>/<instanceId>/<backupId>` (region may be left out: `<cloud>/<service>/<instanceId>/<backupId>`).",
                inputProperties: manual.properties,
                requiredInputs: manual.required,
                properties: stateOf(manual.properties, MANUAL_BACKUP_OUTPUTS),
                required: ["cloud", "service", "instanceId", "status", "cloudStatus"],
            },
            [RETENTION_SET]: {
                isComponent: true,
                description: "A set of labelled manual backups on one instance, reconciled on every `up`: new labels get backups (made before anything is deleted), removed labels' backups are deleted. It only ever deletes backups it created or adopted; removing the resource deletes all of them.",
                inputProperties: set.properties,
                requiredInputs: set.required,
                properties: stateOf(set.properties, RETENTION_SET_OUTPUTS),
                required: ["cloud", "service", "instanceId", "backups", "backupIds"],
            },
        },
        functions: {
            [GET_BACKUP]: {
                description: "One backup of an instance, by its id; fails when the instance has no such backup.",
                inputs: { properties: { ...lookupTarget(), backupId: str("The cloud's backup id.") }, required: ["cloud", "instanceId", "backupId"] },
                outputs: { properties: LISTED_BACKUP, required: ["backupId", "instanceId", "status", "cloudStatus", "manual"] },
            },
            [LIST_BACKUPS]: {
                description: "The backups of an instance, newest first; automated ones too unless `manualOnly`.",
                inputs: {
                    properties: { ...lookupTarget(), manualOnly: { type: "boolean", default: false, description: "Only manual backups (leave out the cloud's automated ones)." } },
                    required: ["cloud", "instanceId"],
                },
                outputs: {
                    properties: { backups: { type: "array", items: { $ref: "#/types/dbbackups:index:ListedBackup" }, description: "The backups, newest first." } },
                    required: ["backups"],
                },
            },
        },
        language: {
            nodejs: { packageName: "@dbbackups/pulumi", dependencies: { "@pulumi/pulumi": "^3.142.0" } },
            python: { packageName: "pulumi_dbbackups" },
            go: { importBasePath: "github.com/pulumi-db-backups/pulumi-db-backups/plugin/sdks/go/dbbackups" },
            csharp: { rootNamespace: "DbBackups", packageReferences: { Pulumi: "3.*" } },
        },
    }));
}
