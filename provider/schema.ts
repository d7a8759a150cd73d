/**
 * Input validation at the boundary (Check): zod schemas per resource, types
 * derived from them, and the mapping from zod issues to Pulumi
 * `CheckFailure`s that name the property and the allowed values. Nothing here
 * calls a cloud (rules that need the instance itself take what was read as an
 * argument).
 */
import { z } from "zod";
import { parseDuration } from "./wait";
import { HUAWEI_NAME, memberName } from "./naming";
import { HUAWEI_USER_DESCRIPTION_MAX } from "./ownership";

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
    /**
     * How long a delete (destroy, replacement, removed label) waits for a busy instance, and for a running job whose
     * backup must be known first. No default is filled in, so state written before this input existed shows no change.
     */
    deleteTimeout: duration.optional(),
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
    labels: z.array(z.string().regex(LABEL, "must be 1–64 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit")),
    maxBackups: z.number().int().min(1).optional(),
    adopt: z.record(z.string().regex(LABEL), z.string().min(1)).optional(),
}).strict().superRefine((v, ctx) => {
    cloudRules(v, ctx);
    if (v.cloud === "alicloud" && v.namePrefix !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["namePrefix"], message: "Alibaba Cloud RDS backup sets have no name, so a name prefix would be ignored; remove it" });
    }
    const seen = new Set<string>();
    v.labels.forEach((l, i) => {
        if (seen.has(l)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["labels", i], message: `duplicate label "${l}": labels must be unique` });
        seen.add(l);
    });
    if (v.maxBackups !== undefined && v.labels.length > v.maxBackups) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["labels"], message: `has ${v.labels.length} labels, more than maxBackups ${v.maxBackups}` });
    }
    for (const label of Object.keys(v.adopt ?? {})) {
        if (!seen.has(label)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["adopt", label], message: `label "${label}" is not in labels; adopt only labels the set declares` });
    }
    if (v.cloud === "huaweicloud") {
        // Huawei names are unique per instance: two labels must not become one backup name.
        const byName = new Map<string, string>();
        v.labels.forEach((l, i) => {
            const name = memberName(v, l);
            const other = byName.get(name);
            if (other !== undefined && other !== l) {
                ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["labels", i], message: `labels "${other}" and "${l}" both become the Huawei backup name "${name}" (characters other than letters, digits, '-' and '_' turn into '-'); rename one of them` });
            }
            byName.set(name, l);
        });
    }
});

/** Validated `BackupRetentionSet` inputs. */
export type RetentionSetInputs = z.infer<typeof retentionSetSchema>;

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

function containsUnknown(v: unknown): boolean {
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
