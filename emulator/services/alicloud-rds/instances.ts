/**
 * Emulated RDS instances: the record the model keeps, built from an
 * `InstanceSpec` with the documented defaults, and the rules that depend only
 * on the instance (which engines may delete sets, how old a set must be).
 */
import type { InstanceSpec } from "../../core/types";
import { parseBackupWindow } from "./automated";

/** An RDS instance as the model stores it (every spec default resolved). */
export interface InstanceRecord {
    id: string;
    name: string;
    engine: string;
    engineVersion: string;
    /** HighAvailability | Basic | AlwaysOn | Finance | ... */
    category: string;
    /** Running | Stopped | ... */
    state: string;
    lockMode: string;
    logBackup: boolean;
    logRetentionDays: number;
    /** Explicit minimum age before a data set may be deleted; absent = documented rule. */
    minDeleteAgeDays?: number;
    databases: string[];
    failNextBackup: boolean;
    /** Minutes a finished job stays listed by id; absent = the emulator default. */
    taskRetentionMinutes?: number;
    /** Daily automated-backup window `HH:mmZ-HH:mmZ`; absent = no automated backups. */
    preferredBackupTime?: string;
    deleteDuringBackup: "refuse" | "allow";
    /** Automated windows that ended up to this time have produced their sets. */
    automatedSettledMs?: number;
}

const ENGINES = ["MySQL", "PostgreSQL", "SQLServer", "MariaDB"];
const DEFAULT_VERSIONS: Record<string, string> = { MySQL: "8.0", PostgreSQL: "14.0", SQLServer: "2019_std_ha", MariaDB: "10.3" };

/** Alibaba's engine word for any casing the caller used ("mysql" → "MySQL"); unknown engines are kept as given. */
function normalizeEngine(engine: string): string {
    return ENGINES.find((e) => e.toLowerCase() === engine.toLowerCase()) ?? engine;
}

function assertType(cond: boolean, message: string): void {
    if (!cond) throw new TypeError(message);
}

/** Validates the fields an admin may set; throws a TypeError naming the bad one. */
function checkFields(spec: Partial<InstanceSpec>): void {
    const optionalString = (k: keyof InstanceSpec) => assertType(spec[k] === undefined || typeof spec[k] === "string", `instance.${k} must be a string`);
    (["engine", "engineVersion", "category", "state", "lockMode", "name"] as const).forEach(optionalString);
    assertType(spec.logBackup === undefined || typeof spec.logBackup === "boolean", "instance.logBackup must be a boolean");
    assertType(spec.failNextBackup === undefined || typeof spec.failNextBackup === "boolean", "instance.failNextBackup must be a boolean");
    for (const k of ["logRetentionDays", "minDeleteAgeDays"] as const) {
        const v = spec[k];
        assertType(v === undefined || (typeof v === "number" && Number.isFinite(v) && v >= 0), `instance.${k} must be a number >= 0`);
    }
    assertType(spec.taskRetentionMinutes === undefined || (typeof spec.taskRetentionMinutes === "number" && Number.isFinite(spec.taskRetentionMinutes) && spec.taskRetentionMinutes >= 0),
        "instance.taskRetentionMinutes must be a number >= 0");
    assertType(spec.preferredBackupTime === undefined || spec.preferredBackupTime === null || (typeof spec.preferredBackupTime === "string" && parseBackupWindow(spec.preferredBackupTime) !== undefined),
        "instance.preferredBackupTime must be a UTC window HH:mmZ-HH:mmZ (e.g. 02:00Z-03:00Z), or null for none");
    assertType(spec.deleteDuringBackup === undefined || spec.deleteDuringBackup === "refuse" || spec.deleteDuringBackup === "allow",
        'instance.deleteDuringBackup must be "refuse" or "allow"');
    assertType(spec.databases === undefined || (Array.isArray(spec.databases) && spec.databases.every((d) => typeof d === "string")), "instance.databases must be an array of strings");
}

/** Builds a record from a seed or admin spec, applying defaults (HighAvailability, Running, Unlock, log backup off). */
export function instanceFromSpec(spec: InstanceSpec): InstanceRecord {
    assertType(typeof spec.id === "string" && spec.id !== "", "instance.id must be a non-empty string");
    assertType(typeof spec.engine === "string" && spec.engine !== "", "instance.engine must be a non-empty string");
    checkFields(spec);
    const engine = normalizeEngine(spec.engine);
    return {
        id: spec.id,
        name: spec.name ?? spec.id,
        engine,
        engineVersion: spec.engineVersion ?? DEFAULT_VERSIONS[engine] ?? "",
        category: spec.category ?? "HighAvailability",
        state: spec.state ?? "Running",
        lockMode: spec.lockMode ?? "Unlock",
        logBackup: spec.logBackup ?? false,
        logRetentionDays: spec.logRetentionDays ?? 7,
        ...(spec.minDeleteAgeDays !== undefined ? { minDeleteAgeDays: spec.minDeleteAgeDays } : {}),
        databases: [...(spec.databases ?? [])],
        failNextBackup: spec.failNextBackup ?? false,
        ...(spec.taskRetentionMinutes !== undefined ? { taskRetentionMinutes: spec.taskRetentionMinutes } : {}),
        ...(typeof spec.preferredBackupTime === "string" ? { preferredBackupTime: spec.preferredBackupTime } : {}),
        deleteDuringBackup: spec.deleteDuringBackup ?? "refuse",
    };
}

/** Applies an admin patch; `id`, `cloud` and `service` cannot change. `minDeleteAgeDays: null` returns to the documented rule, `preferredBackupTime: null` turns automated backups off. */
export function patchInstance(record: InstanceRecord, patch: Partial<InstanceSpec>): void {
    checkFields({ ...patch, minDeleteAgeDays: patch.minDeleteAgeDays ?? undefined });
    if (patch.id !== undefined && patch.id !== record.id) throw new TypeError("instance.id cannot be changed");
    if (patch.engine !== undefined) record.engine = normalizeEngine(patch.engine);
    for (const k of ["engineVersion", "category", "state", "lockMode", "name"] as const) {
        if (patch[k] !== undefined) record[k] = patch[k] as string;
    }
    if (patch.logBackup !== undefined) record.logBackup = patch.logBackup;
    if (patch.logRetentionDays !== undefined) record.logRetentionDays = patch.logRetentionDays;
    if (patch.minDeleteAgeDays === null) delete record.minDeleteAgeDays;
    else if (patch.minDeleteAgeDays !== undefined) record.minDeleteAgeDays = patch.minDeleteAgeDays;
    if (patch.databases !== undefined) record.databases = [...patch.databases];
    if (patch.failNextBackup !== undefined) record.failNextBackup = patch.failNextBackup;
    if (patch.taskRetentionMinutes !== undefined) record.taskRetentionMinutes = patch.taskRetentionMinutes;
    if (patch.preferredBackupTime === null) delete record.preferredBackupTime;
    else if (patch.preferredBackupTime !== undefined) record.preferredBackupTime = patch.preferredBackupTime;
    if (patch.deleteDuringBackup !== undefined) record.deleteDuringBackup = patch.deleteDuringBackup;
}

/**
 * Days a data set must be kept before DeleteBackup accepts it. Documented rule:
 * 7 days with log backup off; with it on, the log-retention period (the docs only
 * cover log retention shorter than data retention; using it always is a guess).
 */
export function minDeleteAgeDays(instance: InstanceRecord): number {
    if (instance.minDeleteAgeDays !== undefined) return instance.minDeleteAgeDays;
    return instance.logBackup ? instance.logRetentionDays : 7;
}

/** DeleteBackup works on RDS MySQL and PostgreSQL, High-availability edition only. */
export function supportsBackupDelete(instance: InstanceRecord): boolean {
    return (instance.engine === "MySQL" || instance.engine === "PostgreSQL") && instance.category === "HighAvailability";
}
