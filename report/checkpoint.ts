/**
 * What a stack checkpoint (`pulumi stack export`) says about backups: the
 * instances its `ManualBackup` and `BackupRetentionSet` resources target and
 * the backup (or job) each of them holds, with the owner marker each would
 * carry. Read only; nothing here calls a cloud.
 */
import * as fs from "fs";
import { ownerTag, type Owner } from "../provider/ownership";
import type { CloudName, ServiceName } from "../provider/clouds/adapter";

/** Types under which the two resources appear in a checkpoint: the dynamic resources, and the plugin's. */
const MANUAL_BACKUP_TYPES = new Set(["pulumi-nodejs:dynamic/dbbackups:ManualBackup", "dbbackups:index:ManualBackup"]);
const RETENTION_SET_TYPES = new Set(["pulumi-nodejs:dynamic/dbbackups:BackupRetentionSet", "dbbackups:index:BackupRetentionSet"]);
/** The wait step (the SDK's, the plugin's): it owns nothing, but reports what became of the backups its starting step holds. */
const WAIT_TYPES = new Set(["pulumi-nodejs:dynamic/dbbackups:BackupWait", "dbbackups:index:BackupWait"]);
/** The signature key of a secret value in a checkpoint. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** An instance, as the report lists it. */
export interface InstanceRef { cloud: CloudName; service: ServiceName; region?: string; instanceId: string }

/** The resource (and set label) that holds a backup in a checkpoint. */
export interface Holder {
    /** `project/stack`, from the resource's inputs, else from its URN. */
    stack: string;
    project?: string;
    stackName?: string;
    resource: string;
    type: "ManualBackup" | "BackupRetentionSet";
    label?: string;
    urn: string;
    /** The owner marker this resource's (member's) Huawei backups carry. */
    tag: string;
    /** The checkpoint file it came from. */
    file: string;
    /** The checkpoint is of a stack that no longer exists (given with `--removed-stack-file`). */
    removed: boolean;
}

/** One backup (or a job whose backup is not known yet) a checkpoint holds. */
export interface HeldBackup {
    instance: InstanceRef;
    holder: Holder;
    backupId?: string;
    jobId?: string;
    status?: string;
    sizeBytes?: number;
}

/** What one checkpoint file holds. */
export interface CheckpointFacts {
    file: string;
    removed: boolean;
    /** Resources of the two types found. */
    resources: number;
    held: HeldBackup[];
}

/** A value of a checkpoint, with secret values opened when the export shows them, else dropped. */
function plain(v: unknown): unknown {
    if (v && typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>)[SECRET_SIG] !== undefined) {
        const text = (v as { plaintext?: unknown }).plaintext;
        if (typeof text !== "string") return undefined;
        try { return JSON.parse(text); } catch { return text; }
    }
    return v;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The resources of any checkpoint shape: `pulumi stack export` (`deployment`), a backend's state file (`checkpoint.latest`), or a bare `{ resources }`. */
function resourcesOf(doc: any): any[] | undefined {
    const r = doc?.deployment?.resources ?? doc?.checkpoint?.latest?.resources ?? doc?.resources;
    return Array.isArray(r) ? r : (doc?.deployment || doc?.checkpoint || doc?.resources === null ? [] : undefined);
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>`. */
function urnParts(urn: string): { stack?: string; project?: string; name?: string } {
    const m = /^urn:pulumi:([^:]+)::([^:]+)::.*::([^:]*)$/.exec(urn);
    return m ? { stack: m[1], project: m[2], name: m[3] } : {};
}

/** Reads one checkpoint file. Throws with the file's name when it is not a checkpoint. */
export function readCheckpoint(file: string, removed = false): CheckpointFacts {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new Error(`--${removed ? "removed-" : ""}stack-file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not JSON (${(err as Error).message})`}; give the output of \`pulumi stack export\``);
    }
    const resources = resourcesOf(doc);
    if (!resources) throw new Error(`--${removed ? "removed-" : ""}stack-file ${file}: not a stack checkpoint (no deployment.resources); give the output of \`pulumi stack export\``);
    return factsOf(resources, file, removed);
}

/**
 * The wait step of a resource that starts backups (the SDK's components are
 * two steps, under one name): what it learned of each backup (key `backup`
 * or a label), and the keys whose backups it deleted.
 */
function waitOf(resources: any[], start: any): { facts: Record<string, Record<string, unknown>>; deleted: string[] } {
    const name = urnParts(String(start.urn ?? "")).name;
    const wait = resources.find(w => WAIT_TYPES.has(w?.type) && !w.delete && urnParts(String(w.urn ?? "")).name === name
        && ((Array.isArray(w.dependencies) && w.dependencies.includes(start.urn)) || (w.parent !== undefined && w.parent === start.parent)));
    const o = (wait?.outputs ?? {}) as Record<string, unknown>;
    const facts = plain(o.facts), deleted = plain(o.deleted);
    return {
        facts: facts && typeof facts === "object" ? facts as Record<string, Record<string, unknown>> : {},
        deleted: Array.isArray(deleted) ? deleted.filter((d): d is string => typeof d === "string") : [],
    };
}

/** A backup as its starting step recorded it, with what the wait step learned of the same backup (same job or id). */
function withFacts(m: Record<string, unknown>, f: Record<string, unknown> | undefined): Record<string, unknown> {
    if (!f || typeof f !== "object") return m;
    const same = str(m.jobId) ? str(f.jobId) === str(m.jobId) : !!str(m.backupId) && str(f.backupId) === str(m.backupId);
    return same ? { ...m, ...f } : m;
}

/** The backups held by the resources of one checkpoint (a wait step holds none: its starting step does). */
export function factsOf(resources: any[], file: string, removed: boolean): CheckpointFacts {
    const held: HeldBackup[] = [];
    let count = 0;
    for (const r of resources) {
        const type = String(r?.type ?? "");
        const isManual = MANUAL_BACKUP_TYPES.has(type);
        if (!isManual && !RETENTION_SET_TYPES.has(type)) continue;
        count++;
        // Outputs are inputs plus what the cloud reported; a resource whose create failed may have inputs only.
        const o = { ...(r.inputs ?? {}), ...(r.outputs ?? {}) } as Record<string, unknown>;
        const get = (k: string) => plain(o[k]);
        const urn = String(r.urn ?? "");
        const u = urnParts(urn);
        const cloud = str(get("cloud"));
        const instanceId = str(get("instanceId"));
        if ((cloud !== "alicloud" && cloud !== "huaweicloud") || !instanceId) continue;
        const instance: InstanceRef = { cloud, service: str(get("service")) === "geminidb" ? "geminidb" : "rds", region: str(get("region")), instanceId };
        const project = str(get("project"));
        const stackName = str(get("stack"));
        const resourceName = str(get("resourceName"));
        const owner: Owner = { project, stack: stackName, resourceName };
        const base = {
            stack: `${project ?? u.project ?? "?"}/${stackName ?? u.stack ?? "?"}`, project: project ?? u.project, stackName: stackName ?? u.stack,
            resource: resourceName ?? u.name ?? String(r.id ?? "?"), urn, file, removed,
        };
        const wait = waitOf(resources, r);
        if (isManual) {
            const f = withFacts({ backupId: get("backupId"), jobId: get("jobId") }, wait.facts.backup);
            held.push({
                instance, holder: { ...base, type: "ManualBackup", tag: ownerTag(owner) },
                backupId: str(f.backupId) ?? (str(r.id) && !String(r.id).startsWith("job-") ? String(r.id) : undefined),
                jobId: str(get("jobId")), status: str(f.status ?? get("status")), sizeBytes: num(f.sizeBytes ?? get("sizeBytes")),
            });
            continue;
        }
        const members = (get("backups") ?? {}) as Record<string, Record<string, unknown>>;
        for (const [label, raw] of Object.entries(members)) {
            if (!raw || typeof raw !== "object" || wait.deleted.includes(label)) continue;
            const m = withFacts(raw, wait.facts[label]);
            held.push({
                instance, holder: { ...base, type: "BackupRetentionSet", label, tag: ownerTag({ ...owner, label }) },
                backupId: str(m.backupId), jobId: str(m.jobId), status: str(m.status), sizeBytes: num(m.sizeBytes),
            });
        }
    }
    return { file, removed, resources: count, held };
}

/** `project/stack resource[label]`, the way the report names an owner. */
export function holderName(h: Pick<Holder, "stack" | "resource" | "label">): string {
    return `${h.stack} ${h.resource}${h.label !== undefined ? `[${h.label}]` : ""}`;
}
