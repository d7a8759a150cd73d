/**
 * Huawei backup names the provider chooses. Names are unique per instance on
 * Huawei, so a default name carries a hash of everything that identifies the
 * backup's owner: two stacks (or projects) declaring the same resource name on
 * one instance get different names and never share a backup.
 */
import { createHash } from "crypto";

/** Huawei backup names: 4–64 characters, a letter first, then letters, digits, `-` or `_`. */
export const HUAWEI_NAME = /^[A-Za-z][A-Za-z0-9_-]{3,63}$/;

/** What identifies a `ManualBackup`'s default name. */
export interface DefaultNameIdentity {
    project?: string;
    stack?: string;
    resourceName?: string;
    cloud: string;
    service: string;
    instanceId: string;
    databases?: string[];
}

/**
 * The default Huawei backup name: the resource name made valid, plus a short
 * hash of the owner (project, stack, resource name) and of what identifies the
 * backup, so a replacement on the same instance gets a different (unique) name
 * and re-runs get the same one.
 */
export function defaultBackupName(v: DefaultNameIdentity): string {
    let base = (v.resourceName ?? "backup").replace(/[^A-Za-z0-9_-]/g, "-");
    if (!/^[A-Za-z]/.test(base)) base = `b-${base}`;
    const identity = [v.project ?? null, v.stack ?? null, v.resourceName ?? null, v.cloud, v.service, v.instanceId, v.databases ?? null];
    const suffix = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 6);
    return `${base.slice(0, 57)}-${suffix}`.padEnd(4, "0");
}

/** Huawei backup name of a retention-set member: `<prefix>-<label>`, made valid, 4 to 64 characters. */
export function memberName(inputs: { namePrefix?: string; resourceName?: string }, label: string): string {
    let prefix = (inputs.namePrefix ?? inputs.resourceName ?? "set").replace(/[^A-Za-z0-9_-]/g, "-");
    if (!/^[A-Za-z]/.test(prefix)) prefix = `s-${prefix}`;
    // At least 4 characters, as Huawei requires (a set `g` with label `x` would be `g-x`).
    const name = `${prefix}-${label.replace(/[^A-Za-z0-9_-]/g, "-")}`.padEnd(4, "0");
    if (name.length <= 64) return name;
    return `${name.slice(0, 57)}-${createHash("sha256").update(name).digest("hex").slice(0, 6)}`;
}
