/**
 * Input validation at the boundary (Check): zod schemas per resource, types
 * derived from them, and the mapping from zod issues to Pulumi
 * `CheckFailure`s that name the property and the allowed values. Nothing here
 * calls a cloud (rules that need the instance itself take what was read as an
 * argument).
 */
import { z } from "zod";
import { parseDuration } from "./core/wait";
import { HUAWEI_NAME, memberName } from "./naming";
import { HUAWEI_USER_DESCRIPTION_MAX } from "./ownership";
import { TIERS, tiersOf } from "./retention-policy";

/** What `deleteTimeout` is when not given. */
export const DEFAULT_DELETE_TIMEOUT = "30m";

/** The value Pulumi sends for an input that is not known yet during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure { property: string; reason: string }

export { HUAWEI_NAME };
/** Huawei descriptions: up to 256 characters, none of `> ! < " & ' =`. */
const HUAWEI_DESCRIPTION_FORBIDDEN = /[>!<"&'=]/;
/** Alibaba database names: lower-case letters, digits and underscores, a letter first, not ending in `_`. */
const ALICLOUD_DB_NAME = /^[a-z]([a-z0-9_]{0,62}[a-z0-9])?$/;
/** Retention-set labels: 1–64 characters of letters, digits, `.`, `_`, `:` and `-`, starting with a letter or digit. */
export const LABEL = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Tiers' periods in words, for the descriptions. */
const TIER_WORDS: Record<(typeof TIERS)[number], string> = { hourly: "hours", daily: "days", weekly: "ISO weeks", monthly: "months", yearly: "years" };
const LABEL_RULE = "must be 1–64 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit";
/** The value of every label in the keyed form the SDK sends: `{ "<label>": true }`. */
export const KEYED_LABEL = true;

const duration = z.string().refine(s => (parseDuration(s) ?? 0) > 0, {
    message: "must be a positive duration like \"30m\", \"90s\", \"1h30m\" or \"500ms\"",
});

/** Where a backup lives and how it is made: shared by `ManualBackup` and `BackupRetentionSet`. */
const targetShape = {
    cloud: z.enum(["alicloud", "huaweicloud"])
        .describe("`alicloud` (ApsaraDB RDS) or `huaweicloud`. Changing it replaces the backup."),
    service: z.enum(["rds", "geminidb"]).default("rds")
        .describe("`rds`, or `geminidb` (Huawei GeminiDB, with `huaweicloud` only). Changing it replaces the backup."),
    instanceId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, "must contain only letters, digits, '-', '_' and '.'")
        .refine(id => !/^\.+$/.test(id), "must be an instance id, not a path segment like \".\" or \"..\" (it becomes part of the API's URL path)")
        .describe("The database instance to back up, e.g. `rm-uf6wjk5xxxxxxx` or `43e4...in01`. Changing it replaces the backup (the new one is made first, then the old one deleted)."),
    region: z.string().min(1).regex(/^[a-z0-9-]+$/, "must be a region id such as cn-hangzhou or ap-southeast-1").optional()
        .describe("Region of the instance. Default: the configured region (provider configuration, stack config or environment). Changing it replaces the backup."),
    description: z.string().max(256).optional()
        .describe("Huawei only: up to 231 characters (the cloud's 256 less the owner marker), none of `> ! < \" & ' =`. A change is recorded in state only; the cloud cannot edit it."),
    databases: z.array(z.string().min(1)).min(1)
        .refine(list => new Set(list).size === list.length, list => ({ message: `lists ${list.find((d, i) => list.indexOf(d) !== i)} more than once; name each database once` }))
        .optional()
        .describe("Databases to back up (Alibaba with `backupStrategy: db`; Huawei RDS for SQL Server and PostgreSQL). Default: the whole instance. Changing it replaces the backup."),
    backupMethod: z.enum(["Physical", "Logical", "Snapshot"]).optional()
        .describe("Alibaba only: `Physical` (the cloud's default), `Logical` or `Snapshot`. Changing it replaces the backup."),
    backupStrategy: z.enum(["db", "instance"]).optional()
        .describe("Alibaba only: `instance` or `db` (needed with `databases`). Changing it replaces the backup."),
    waitForCompletion: z.boolean().default(true)
        .describe("Wait until the cloud reports the backup finished. With `false`, `status` stays `BUILDING` until a refresh or the next update."),
    waitTimeout: duration.default("30m")
        .describe("How long to wait for a backup, e.g. `30m`, `2h`, `90s`. A backup still running then is recorded in state and waited for again by the next update."),
    /**
     * How long a delete (destroy, replacement, removed label) waits for a busy instance, and for a running job whose
     * backup must be known first. No default is filled in, so state written before this input existed shows no change.
     */
    deleteTimeout: duration.optional()
        .describe("How long a delete (destroy, replacement, a removed label) waits for a busy instance, e.g. `30m` (the default when unset), `2h`. When it runs out nothing is lost: the backup stays in state (a set keeps it as `pendingDelete`)."),
    onDeleteBlocked: z.enum(["fail", "forget"]).default("fail")
        .describe("When the cloud refuses a delete (retention rules, backup in use): `fail` keeps it in state and fails; `forget` drops it from state with a warning and leaves it in the cloud."),
    /** Take over (with `adoptBackupId` / `adopt`) a backup whose owner marker names another resource. */
    adoptOwned: z.boolean().optional()
        .describe("With `adoptBackupId` (or a retention set's `adopt`): also take over a backup whose owner marker names another Pulumi resource, e.g. one moved from a stack that no longer manages it. Default `false`."),
    /** Set by the SDK to the Pulumi resource name; used for default backup names, owner markers and progress lines. */
    resourceName: z.string().optional(),
    /** Set by the SDK to the Pulumi project and stack: part of the owner marker and of default names. */
    project: z.string().optional(),
    stack: z.string().optional(),
    /** Set by the SDK (or the plugin): the resource's URN, so the provider can attach its preview lines to the resource. */
    resourceUrn: z.string().optional(),
};

/** Inputs that the door (the SDK's classes, or the provider plugin from the resource's URN) sets: never a user's. */
export const DOOR_INPUTS = ["resourceName", "project", "stack", "resourceUrn", "deferDeletes"] as const;

type Ctx = z.RefinementCtx;

/** `labels`: a list of labels, or the keyed form `{ "<label>": true }`; each label matches {@link LABEL}. */
function checkLabels(v: unknown, ctx: Ctx) {
    const fail = (path: Array<string | number>, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    if (Array.isArray(v)) {
        v.forEach((l, i) => {
            if (typeof l !== "string") fail([i], `must be a string, got ${l === null ? "null" : typeof l}`);
            else if (!LABEL.test(l)) fail([i], LABEL_RULE);
        });
    } else if (v !== null && typeof v === "object") {
        for (const [l, value] of Object.entries(v)) {
            if (!LABEL.test(l)) fail([l], `label "${l}" ${LABEL_RULE}`);
            else if (value !== KEYED_LABEL) fail([l], `must be ${KEYED_LABEL} (the keyed form the SDK sends); got ${JSON.stringify(value)}`);
        }
    } else {
        fail([], v === undefined ? "is required (a list of labels)" : `must be a list of labels, got ${typeof v}`);
    }
}
interface TargetFields {
    cloud: string; service: string; instanceId: string; description?: string; databases?: string[]; backupMethod?: string; backupStrategy?: string;
}

/**
 * Huawei RDS engines (`datastore.type`, compared without case and
 * punctuation) whose backups do not take `databases`: partial backups are
 * made on SQL Server and PostgreSQL only. An engine not named here is left to
 * the cloud to judge.
 */
const HUAWEI_RDS_WHOLE_INSTANCE_ONLY: Record<string, string> = { mysql: "MySQL", mariadb: "MariaDB" };

/**
 * Why Huawei RDS refuses `databases` on this engine (the instance's
 * `datastore.type`), or undefined when the engine takes it (or is not known
 * here). Judged at Check when the engine can be read then, otherwise before
 * the create.
 */
export function huaweiRdsDatabasesRefusal(engine: string, instanceId: string): string | undefined {
    const name = HUAWEI_RDS_WHOLE_INSTANCE_ONLY[engine.toLowerCase().replace(/[^a-z]/g, "")];
    if (!name) return undefined;
    return `Huawei Cloud RDS makes partial (per-database) backups on SQL Server and PostgreSQL only; instance ${instanceId} runs ${name}`
        + ` (its datastore.type is "${engine}"): remove databases to back up the whole instance`;
}

/** Rules that depend on which cloud and service the resource targets. */
function cloudRules(v: TargetFields, ctx: Ctx) {
    const fail = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (v.service === "geminidb" && v.cloud !== "huaweicloud") fail("service", "\"geminidb\" is only available with cloud \"huaweicloud\"; allowed with \"alicloud\": \"rds\"");
    if (v.cloud === "alicloud") {
        if (v.description !== undefined) fail("description", "Alibaba Cloud RDS backup sets have no description; remove it");
        for (const db of v.databases ?? []) {
            if (!ALICLOUD_DB_NAME.test(db)) fail("databases", `"${db}" is not a valid Alibaba database name (lower-case letters, digits, '_', starting with a letter)`);
        }
        if (v.databases !== undefined && v.backupStrategy !== "db") {
            // The cloud accepts DBName without the database-level strategy and silently backs up the whole instance.
            fail("databases", `is used by Alibaba Cloud RDS only with backupStrategy: "db" (got ${v.backupStrategy === undefined ? "no backupStrategy" : `backupStrategy: "${v.backupStrategy}"`}); set backupStrategy: "db", or remove databases to back up the whole instance`);
        }
    } else {
        if (v.backupMethod !== undefined) fail("backupMethod", "only Alibaba Cloud RDS takes a backup method; remove it for huaweicloud");
        if (v.backupStrategy !== undefined) fail("backupStrategy", "only Alibaba Cloud RDS takes a backup strategy; remove it for huaweicloud");
        if (v.service === "geminidb" && v.databases !== undefined) fail("databases", "GeminiDB backups are instance backups here; remove databases");
        // Which Huawei RDS engines take databases needs the instance's engine: see huaweiRdsDatabasesRefusal.
        if (v.description !== undefined && HUAWEI_DESCRIPTION_FORBIDDEN.test(v.description)) {
            fail("description", "must not contain any of > ! < \" & ' =");
        }
        if (v.description !== undefined && v.description.length > HUAWEI_USER_DESCRIPTION_MAX) {
            fail("description", `must be at most ${HUAWEI_USER_DESCRIPTION_MAX} characters on huaweicloud (the cloud allows 256; the rest holds the marker that proves this resource created the backup); got ${v.description.length}`);
        }
    }
}

export const manualBackupSchema = z.object({
    ...targetShape,
    name: z.string().optional()
        .describe("Huawei only: the backup name, 4–64 characters, a letter first, then letters, digits, `-` and `_`; unique per instance. Default: the resource name plus a short stable suffix. Changing it replaces the backup."),
    adoptBackupId: z.string().min(1).optional()
        .describe("Take over this existing manual backup instead of creating one. Automated backups, and backups whose owner marker names another resource (unless `adoptOwned`), are refused."),
}).strict().superRefine((v, ctx) => {
    cloudRules(v, ctx);
    if (v.cloud === "alicloud" && v.name !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["name"], message: "Alibaba Cloud RDS backup sets have no name; remove it" });
    }
    if (v.cloud === "huaweicloud" && v.name !== undefined && !HUAWEI_NAME.test(v.name)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["name"], message: "must be 4–64 characters, start with a letter and contain only letters, digits, '-' and '_'" });
    }
});

/** Validated `ManualBackup` inputs. */
export type ManualBackupInputs = z.infer<typeof manualBackupSchema>;

export const retentionSetSchema = z.object({
    ...targetShape,
    /** Prefix of the backup names on Huawei (default: the resource name). */
    namePrefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,40}$/, "must start with a letter and contain only letters, digits, '-' and '_' (at most 41 characters)").optional()
        .describe("Huawei only: backup names are `<namePrefix>-<label>`. Default: the resource name. Changing it replaces the set."),
    /**
     * The labels: an array (what users write, and what states written before
     * keyed labels hold) or an object keyed by label (what the SDK sends, so
     * the CLI's preview diff shows one `+` or `-` line per label).
     */
    labels: z.custom<string[] | Record<string, typeof KEYED_LABEL>>().superRefine(checkLabels).optional()
        .describe("One backup per label. Adding a label creates a backup; removing one deletes that backup (batched where the cloud allows). Unique, 1–64 characters of letters, digits, `.`, `_`, `:` and `-`. Required unless `retention` is given."),
    /** Tiers instead of labels: counts of periods, one backup per instant serving every tier it falls in. */
    retention: z.object(Object.fromEntries(TIERS.map(t => [t, z.number().int().min(1).max(1000).optional()
        .describe(`Keep the newest backup of each of the last N ${TIER_WORDS[t]} that have a backup (1–1000).`)])) as Record<(typeof TIERS)[number], z.ZodOptional<z.ZodNumber>>).strict()
        .refine(r => tiersOf(r).length > 0, { message: `needs at least one tier: ${TIERS.join(", ")}` }).optional()
        .describe("Instead of `labels`: retention tiers `{ hourly, daily, weekly, monthly, yearly }`, each a count of periods (UTC, ISO weeks). Each tier keeps the newest backup of each of its last N periods that have a backup, as restic's `--keep-daily` does; one backup serves every tier it falls in, and is deleted only when no tier holds it."),
    now: z.string().refine(s => !isNaN(Date.parse(s)), { message: "must be an ISO 8601 date-time, e.g. \"2026-11-21T02:00:00Z\"" }).optional()
        .describe("With `retention`: the moment the tiers count back from and date a new backup by, ISO 8601. Default: the time of the run; pin it so a preview and its `up` plan the same."),
    minCompleted: z.number().int().min(0).optional()
        .describe("An update never deletes a backup of the set if fewer than this many COMPLETED backups would remain (default 1 with `retention`, 0 with `labels`); the deletion is deferred, reported and retried by a later `up`. `destroy` is not limited."),
    maxBackups: z.number().int().min(1).optional()
        .describe("Refuse, at preview, a label list longer than this."),
    /** Refuse (at preview) an update or replacement that would delete more backups than this; default {@link defaultDeleteBudget}. */
    maxDeletesPerUpdate: z.number().int().min(0).optional()
        .describe("Refuse, at preview, an update or replacement that would delete more backups than this. Default: fewer than half of what the set holds, at least 2 and at most 4. `destroy` is not budgeted."),
    adopt: z.record(z.string().regex(LABEL), z.string().min(1)).optional()
        .describe("Existing manual backups to take over, label → backup id; verified at create and update, then owned (and deleted) like created ones."),
    /**
     * Set by the SDK, whose wait step follows the set: while a backup of the
     * set is still being made, removed labels' backups are kept as
     * `pendingDelete` (code `AfterNewBackups`) for the wait step to delete
     * once the new backups have completed, instead of being deleted here.
     */
    deferDeletes: z.boolean().optional(),
}).strict().superRefine((v, ctx) => {
    cloudRules(v, ctx);
    if (v.cloud === "alicloud" && v.namePrefix !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["namePrefix"], message: "Alibaba Cloud RDS backup sets have no name, so a name prefix would be ignored; remove it" });
    }
    if (v.labels === undefined && v.retention === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["labels"], message: "is required (a list of labels), unless retention is given (tiers such as { daily: 7, weekly: 4 })" });
    }
    if (v.labels !== undefined && v.retention !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["retention"], message: "is used instead of labels: give either labels or retention, not both" });
    }
    if (v.retention !== undefined && v.adopt !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["adopt"], message: "works with labels only; a set with retention tiers makes its own backups" });
    }
    if (v.now !== undefined && v.retention === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["now"], message: "is used with retention only; remove it, or give retention tiers" });
    }
    if (v.retention !== undefined && v.maxBackups !== undefined) {
        const most = tiersOf(v.retention).reduce((n, t) => n + v.retention![t]!, 0);
        if (most > v.maxBackups) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["retention"], message: `may hold up to ${most} backups (the sum of its tiers), more than maxBackups ${v.maxBackups}` });
    }
    const seen = new Set<string>();
    const labels = labelsOf(v);
    // Issues name the label's place: its index in an array, the label itself in the keyed form.
    const at = (l: string, i: number) => Array.isArray(v.labels) ? i : l;
    labels.forEach((l, i) => {
        if (seen.has(l)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["labels", i], message: `duplicate label "${l}": labels must be unique` });
        seen.add(l);
    });
    if (v.maxBackups !== undefined && labels.length > v.maxBackups) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["labels"], message: `has ${labels.length} labels, more than maxBackups ${v.maxBackups}` });
    }
    for (const label of Object.keys(v.adopt ?? {})) {
        if (!seen.has(label)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["adopt", label], message: `label "${label}" is not in labels; adopt only labels the set declares` });
    }
    if (v.cloud === "huaweicloud") {
        // Huawei names are unique per instance: two labels must not become one backup name.
        const byName = new Map<string, string>();
        labels.forEach((l, i) => {
            const name = memberName(v, l);
            const other = byName.get(name);
            if (other !== undefined && other !== l) {
                ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["labels", at(l, i)], message: `labels "${other}" and "${l}" both become the Huawei backup name "${name}" (characters other than letters, digits, '-' and '_' turn into '-'); rename one of them` });
            }
            byName.set(name, l);
        });
    }
});

/** Validated `BackupRetentionSet` inputs. */
export type RetentionSetInputs = z.infer<typeof retentionSetSchema>;

/**
 * The labels of a set in either form: an array in its order, the keyed form
 * sorted (an object's key order does not survive the engine).
 */
export function labelsOf(inputs: { labels?: unknown }): string[] {
    const labels = inputs.labels;
    if (Array.isArray(labels)) return labels.filter((l): l is string => typeof l === "string");
    return labels !== null && typeof labels === "object" ? Object.keys(labels).sort() : [];
}

/**
 * The deletion budget of an update when `maxDeletesPerUpdate` is not set,
 * from the number of backups the set holds: fewer than half of them, but at
 * least 2 (a missed night) and at most 4 (a month boundary where a daily, a
 * weekly and a monthly backup leave together, plus a missed night).
 */
export function defaultDeleteBudget(held: number): number {
    return Math.min(4, Math.max(2, Math.ceil(held / 2) - 1));
}

function reasonOf(issue: z.ZodIssue): string {
    switch (issue.code) {
        case z.ZodIssueCode.invalid_enum_value:
            return `got ${JSON.stringify(issue.received)}; allowed values: ${issue.options.map(o => JSON.stringify(o)).join(", ")}`;
        case z.ZodIssueCode.invalid_type:
            return issue.received === "undefined" ? `is required (${issue.expected})` : `must be a ${issue.expected}, got ${issue.received}`;
        case z.ZodIssueCode.unrecognized_keys:
            return `unknown input ${issue.keys.map(k => JSON.stringify(k)).join(", ")}`;
        default:
            return issue.message;
    }
}

export function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/**
 * Validates raw inputs. Inputs still unknown at preview are not judged (they
 * are checked again once known). `__provider` is the host's own key.
 */
export function validate<S extends z.ZodTypeAny>(schema: S, raw: Record<string, unknown>):
    { ok: true; value: z.infer<S>; unknownKeys: string[] } | { ok: false; failures: CheckFailure[]; unknownKeys: string[] } {
    const { __provider: _ignored, ...inputs } = raw;
    const unknownKeys = Object.keys(inputs).filter(k => containsUnknown(inputs[k]));
    const result = schema.safeParse(inputs);
    if (result.success) return { ok: true, value: result.data, unknownKeys };
    const failures = result.error.issues
        .filter(i => !(i.path.length > 0 && unknownKeys.includes(String(i.path[0]))))
        .map(i => ({ property: i.path.length ? i.path.map(String).join(".") : "inputs", reason: reasonOf(i) }));
    if (failures.length === 0 && unknownKeys.length > 0) return { ok: true, value: inputs as z.infer<S>, unknownKeys };
    return { ok: false, failures, unknownKeys };
}

/** Validated inputs for create/update (Check already reported failures; this guards against state written elsewhere). */
export function parseInputs<S extends z.ZodTypeAny>(schema: S, raw: Record<string, unknown>): z.infer<S> {
    const v = validate(schema, raw);
    if (!v.ok) throw new Error(`invalid inputs: ${v.failures.map(f => `${f.property} ${f.reason}`).join("; ")}`);
    return v.value;
}

/** Whether an input changed between the prior state and the new inputs (`undefined` and `null` count as absent). */
export function differs(a: unknown, b: unknown): boolean {
    return JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
}
