/**
 * Input validation at the boundary (Check): zod schemas per resource, types
 * derived from them, and the mapping from zod issues to Pulumi
 * `CheckFailure`s that name the property and the allowed values. Nothing here
 * calls a cloud.
 */
import { z } from "zod";
import { parseDuration } from "./wait";
import { HUAWEI_NAME, memberName } from "./naming";
import { HUAWEI_USER_DESCRIPTION_MAX } from "./ownership";

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
const LABEL_RULE = "must be 1–64 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit";
/** The value of every label in the keyed form the SDK sends: `{ "<label>": true }`. */
export const KEYED_LABEL = true;

const duration = z.string().refine(s => (parseDuration(s) ?? 0) > 0, {
    message: "must be a positive duration like \"30m\", \"90s\", \"1h30m\" or \"500ms\"",
});

/** Where a backup lives and how it is made: shared by `ManualBackup` and `BackupRetentionSet`. */
const targetShape = {
    cloud: z.enum(["alicloud", "huaweicloud"]),
    service: z.enum(["rds", "geminidb"]).default("rds"),
    instanceId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, "must contain only letters, digits, '-', '_' and '.'")
        .refine(id => !/^\.+$/.test(id), "must be an instance id, not a path segment like \".\" or \"..\" (it becomes part of the API's URL path)"),
    region: z.string().min(1).regex(/^[a-z0-9-]+$/, "must be a region id such as cn-hangzhou or ap-southeast-1").optional(),
    description: z.string().max(256).optional(),
    databases: z.array(z.string().min(1)).min(1)
        .refine(list => new Set(list).size === list.length, list => ({ message: `lists ${list.find((d, i) => list.indexOf(d) !== i)} more than once; name each database once` }))
        .optional(),
    backupMethod: z.enum(["Physical", "Logical", "Snapshot"]).optional(),
    backupStrategy: z.enum(["db", "instance"]).optional(),
    waitForCompletion: z.boolean().default(true),
    waitTimeout: duration.default("30m"),
    onDeleteBlocked: z.enum(["fail", "forget"]).default("fail"),
    /** Take over (with `adoptBackupId` / `adopt`) a backup whose owner marker names another resource. */
    adoptOwned: z.boolean().optional(),
    /** Set by the SDK to the Pulumi resource name; used for default backup names, owner markers and progress lines. */
    resourceName: z.string().optional(),
    /** Set by the SDK to the Pulumi project and stack: part of the owner marker and of default names. */
    project: z.string().optional(),
    stack: z.string().optional(),
};

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

/** Huawei RDS instance id suffixes of engines without partial (per-database) backups: `in01` is MySQL. */
const HUAWEI_RDS_WHOLE_INSTANCE_ONLY: Array<[RegExp, string]> = [[/in01$/, "MySQL"]];

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
        const wholeOnly = HUAWEI_RDS_WHOLE_INSTANCE_ONLY.find(([re]) => re.test(v.instanceId));
        if (v.service === "rds" && v.databases !== undefined && wholeOnly) {
            fail("databases", `Huawei Cloud RDS makes partial (per-database) backups on SQL Server and PostgreSQL only; instance ${v.instanceId} is ${wholeOnly[1]} (its id ends in "${v.instanceId.slice(-4)}"): remove databases to back up the whole instance`);
        }
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
    name: z.string().optional(),
    adoptBackupId: z.string().min(1).optional(),
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
    namePrefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,40}$/, "must start with a letter and contain only letters, digits, '-' and '_' (at most 41 characters)").optional(),
    /**
     * The labels: an array (what users write, and what states written before
     * keyed labels hold) or an object keyed by label (what the SDK sends, so
     * the CLI's preview diff shows one `+` or `-` line per label).
     */
    labels: z.custom<string[] | Record<string, typeof KEYED_LABEL>>().superRefine(checkLabels),
    maxBackups: z.number().int().min(1).optional(),
    /** Refuse (at preview) an update or replacement that would delete more backups than this; default {@link defaultDeleteBudget}. */
    maxDeletesPerUpdate: z.number().int().min(0).optional(),
    /** Set by the SDK: the resource's URN, so the provider can attach its preview lines to the resource. */
    resourceUrn: z.string().optional(),
    adopt: z.record(z.string().regex(LABEL), z.string().min(1)).optional(),
}).strict().superRefine((v, ctx) => {
    cloudRules(v, ctx);
    if (v.cloud === "alicloud" && v.namePrefix !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["namePrefix"], message: "Alibaba Cloud RDS backup sets have no name, so a name prefix would be ignored; remove it" });
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
