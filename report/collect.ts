/**
 * Builds a report: lists every backup of the instances (one paged listing
 * per instance, through the adapters the provider uses), then tells whose
 * each backup is from the given checkpoints, the owner markers and this
 * machine's journal. Never a mutating call.
 */
import type { BackupAdapter, CloudBackup } from "../provider/clouds/adapter";
import { AdapterFactory } from "../provider/clouds";
import { MissingSettingError, Settings } from "../provider/config";
import { ProfileFileError } from "../provider/alicloud-profile";
import { CloudError, redact } from "../provider/core/errors";
import { listJournal, journalDir, type JournalEntry } from "../provider/journal";
import { markerOf } from "../provider/ownership";
import { mapLimit } from "../provider/core/concurrency";
import { holderName, type CheckpointFacts, type HeldBackup, type Holder, type InstanceRef } from "./checkpoint";
import { ownerGroup, type BackupKind, DanglingFinding, FailedFinding, InstanceReport, JournalFinding, LeftBehindFinding, Report, ReportBackup, ReportOwner, StorageLine } from "./model";

/** Instances listed at the same time. */
const LISTINGS_IN_FLIGHT = 8;
/** How long after the recorded start a killed run's Alibaba set may start (the create call's timeout, as the adapter allows). */
const JOB_START_WINDOW_MS = 16_000;

export interface CollectOptions {
    /** Instances named on the command line. */
    instances: InstanceRef[];
    checkpoints: CheckpointFacts[];
    env: NodeJS.ProcessEnv;
    /** Read this machine's journal of killed runs (default true). */
    journal?: boolean;
    now: number;
    /** Called after each listing with how many are done of how many. */
    progress?: (done: number, total: number, current: string) => void;
    /** Builds adapters; default: from the environment, as the provider does. */
    factory?: AdapterFactory;
}

/** `cloud/service/instanceId`, with `@region` when the region is not the configured one. */
export function instanceKey(i: InstanceRef): string {
    return `${i.cloud}/${i.service}/${i.instanceId}${i.region ? `@${i.region}` : ""}`;
}

/** The region used when a resource names none: the same config the adapters read. */
function defaultRegion(settings: Settings, i: InstanceRef): string | undefined {
    try {
        return i.cloud === "alicloud" ? settings.alicloud().region : settings.huaweicloud(i.service).region;
    } catch {
        return undefined;
    }
}

const kindOf = (b: CloudBackup): BackupKind => (b.manual ? "manual" : b.full === false ? "log" : "automated");

/** What a person pastes to delete a backup by hand with the cloud's own CLI. */
function deleteCommand(i: InstanceRef, backupId: string, projectId: string | undefined, configuredRegion: string | undefined): string {
    const region = i.region ?? configuredRegion ?? "<region>";
    if (i.cloud === "alicloud") return `aliyun rds DeleteBackup --RegionId ${region} --DBInstanceId ${i.instanceId} --BackupId ${backupId}`;
    const op = i.service === "geminidb" ? "GaussDBforNoSQL DeleteBackup" : "RDS DeleteManualBackup";
    return `hcloud ${op} --cli-region=${region} --project_id=${projectId || "<project id>"} --backup_id=${backupId}`;
}

/** The inputs that take a backup over, for a ManualBackup and for a BackupRetentionSet. */
function takeOverLines(i: InstanceRef, b: ReportBackup, resource: string | undefined, label: string | undefined): string[] {
    const target = `cloud: "${i.cloud}", ${i.service !== "rds" ? `service: "${i.service}", ` : ""}instanceId: "${i.instanceId}"${i.region ? `, region: "${i.region}"` : ""}`;
    // The marker names the resource that made it; any other resource must say it takes it on purpose.
    const owned = b.marker ? ", adoptOwned: true" : "";
    const name = resource ?? `adopted-${b.backupId.replace(/[^A-Za-z0-9]/g, "").slice(-8)}`;
    return [
        `new ManualBackup("${name}", { ${target}, adoptBackupId: "${b.backupId}"${owned} })`,
        `new BackupRetentionSet("<set>", { ${target}, labels: [..., "${label ?? "adopted"}"], adopt: { "${label ?? "adopted"}": "${b.backupId}" }${owned} })`,
    ];
}

/** The one listed manual backup a journal entry points at, if exactly one fits. */
function journalMatch(entry: JournalEntry, listed: CloudBackup[], heldByOther: (b: CloudBackup) => boolean): { backup?: CloudBackup; candidates: CloudBackup[] } {
    const s = entry.started;
    if (s.backupId) {
        const b = listed.find(x => x.backupId === s.backupId);
        return { backup: b, candidates: b ? [b] : [] };
    }
    const t = s.startedAt ? Date.parse(s.startedAt) : NaN;
    if (isNaN(t)) return { candidates: [] };
    // Times are whole seconds: from a second before the recorded start to the call's timeout after.
    const from = Math.floor(t / 1000) * 1000 - 1000;
    // A backup another owner holds in a checkpoint is that owner's, whenever it started.
    const candidates = listed.filter(b => b.manual && b.startedAt && Date.parse(b.startedAt) >= from && Date.parse(b.startedAt) <= t + JOB_START_WINDOW_MS && !heldByOther(b));
    return { backup: candidates.length === 1 ? candidates[0] : undefined, candidates };
}

/** Lists the instances and tells whose every backup is. */
export async function collect(opts: CollectOptions): Promise<Report> {
    const settings = new Settings(undefined, opts.env);
    const factory = opts.factory ?? new AdapterFactory(settings);
    const scrub = (text: string) => redact(text, settings.secrets());
    const journalFolder = journalDir(opts.env);
    const journal = opts.journal === false ? [] : listJournal(journalFolder, opts.now);

    // Every instance once: a resource's region equal to the configured one is the same instance.
    const instances = new Map<string, InstanceReport>();
    const addInstance = (ref: InstanceRef, source: string): string => {
        const region = ref.region && ref.region === defaultRegion(settings, { ...ref, region: undefined }) ? undefined : ref.region;
        const norm: InstanceRef = { cloud: ref.cloud, service: ref.service, region, instanceId: ref.instanceId };
        const key = instanceKey(norm);
        const known = instances.get(key);
        if (known) {
            if (!known.sources.includes(source)) known.sources.push(source);
        } else {
            instances.set(key, { ...norm, key, sources: [source], listed: false, backups: 0, sizeBytes: 0, ms: 0 });
        }
        return key;
    };
    for (const i of opts.instances) addInstance(i, "--instance");
    const held: Array<HeldBackup & { key: string }> = [];
    for (const c of opts.checkpoints) for (const h of c.held) held.push({ ...h, key: addInstance(h.instance, c.file) });
    const journalKeys = new Map<JournalEntry, string>();
    for (const e of journal) {
        if (!e.target || (e.target.cloud !== "alicloud" && e.target.cloud !== "huaweicloud")) continue;
        journalKeys.set(e, addInstance({ cloud: e.target.cloud, service: e.target.service === "geminidb" ? "geminidb" : "rds", region: e.target.region, instanceId: e.target.instanceId }, "journal"));
    }

    // One paged listing per instance.
    const listings = new Map<string, CloudBackup[]>();
    const all = [...instances.values()];
    let done = 0;
    await mapLimit(all, LISTINGS_IN_FLIGHT, async inst => {
        const started = Date.now();
        try {
            const adapter: BackupAdapter = factory.get({ cloud: inst.cloud, service: inst.service, region: inst.region });
            listings.set(inst.key, await adapter.listBackups(inst.instanceId));
            inst.listed = true;
        } catch (err) {
            inst.error = scrub(err instanceof CloudError ? err.message
                : err instanceof MissingSettingError || err instanceof ProfileFileError ? `${err.message} (needed for ${inst.cloud} ${inst.service})`
                    : String((err as Error)?.message ?? err));
        }
        inst.ms = Date.now() - started;
        opts.progress?.(++done, all.length, inst.key);
    });

    // Who holds what, and which owner each marker names.
    const holderOf = new Map<string, Holder>();
    for (const h of held) if (h.backupId) holderOf.set(`${h.key}|${h.backupId}`, h.holder);
    const tagOwners = new Map<string, Holder>();
    for (const h of held) if (!tagOwners.has(h.holder.tag) || tagOwners.get(h.holder.tag)!.removed) tagOwners.set(h.holder.tag, h.holder);

    // Journal entries: the backup each points at, unless a checkpoint of the same owner holds it already.
    const journalFindings: JournalFinding[] = [];
    const journalOwner = new Map<string, JournalEntry>();
    for (const e of journal) {
        const key = journalKeys.get(e);
        const who = e.owner ? holderName({ stack: `${e.owner.project ?? "?"}/${e.owner.stack ?? "?"}`, resource: e.owner.resourceName ?? "?", label: e.owner.label }) : undefined;
        const what = e.started.jobId ? `job ${e.started.jobId}` : `backup ${e.started.backupId}`;
        if (!key) {
            journalFindings.push({ jobId: e.started.jobId, backupId: e.started.backupId, what: `journal entry ${e.file} (${what}) was written by an older version and does not name its instance or owner; the next \`pulumi up\` of its resource on this machine still resumes it` });
            continue;
        }
        const listed = listings.get(key);
        if (!listed) continue; // the instance's listing failed; its error is shown
        const { backup, candidates } = journalMatch(e, listed, b => {
            const h = holderOf.get(`${key}|${b.backupId}`);
            return !!h && h.tag !== e.owner?.tag;
        });
        if (backup) {
            const holder = holderOf.get(`${key}|${backup.backupId}`);
            if (holder && holder.tag === e.owner?.tag) continue; // in state since: the entry has served
            if (!holder) journalOwner.set(`${key}|${backup.backupId}`, e);
            continue;
        }
        journalFindings.push({
            instance: key, owner: who, jobId: e.started.jobId, backupId: e.started.backupId,
            what: candidates.length > 1
                ? `a killed run of ${who} started ${what}; several manual backups started then (${candidates.map(c => c.backupId).join(", ")}), so none is named as its backup`
                : `a killed run of ${who} started ${what}, which the instance does not list (yet): the job may still be running or may have failed; report again later. The next \`pulumi up\` of that resource on this machine resumes it`,
        });
    }

    const backups: ReportBackup[] = [];
    const leftBehind: LeftBehindFinding[] = [];
    const failed: FailedFinding[] = [];
    for (const inst of all) {
        const listed = listings.get(inst.key);
        if (!listed) continue;
        const region = defaultRegion(settings, inst);
        const projectId = inst.cloud === "huaweicloud" ? (() => { try { return settings.huaweicloud(inst.service, inst.region).projectId; } catch { return undefined; } })() : undefined;
        for (const b of listed) {
            const marker = markerOf(b.description);
            const holder = holderOf.get(`${inst.key}|${b.backupId}`);
            const entry = journalOwner.get(`${inst.key}|${b.backupId}`);
            let owner: ReportOwner;
            let why = "";
            if (holder && !holder.removed) {
                owner = { kind: "stack", name: holderName(holder), stack: holder.stack, resource: holder.resource, label: holder.label, tag: holder.tag, urn: holder.urn };
            } else if (holder) {
                owner = { kind: "removed-stack", name: holderName(holder), stack: holder.stack, resource: holder.resource, label: holder.label, tag: holder.tag, urn: holder.urn };
                why = `the removed stack ${holder.stack} (${holder.file}) held it`;
            } else if (!b.manual) {
                owner = { kind: "automated", name: "automated" };
            } else if (entry?.owner) {
                const o = entry.owner;
                const stack = `${o.project ?? "?"}/${o.stack ?? "?"}`;
                owner = { kind: "journal", name: holderName({ stack, resource: o.resourceName ?? "?", label: o.label }), stack, resource: o.resourceName, label: o.label, tag: o.tag };
                why = `a killed run of ${owner.name} on this machine started it (journal ${entry.file}); no given checkpoint holds it`;
            } else if (marker) {
                const known = tagOwners.get(marker);
                owner = known
                    ? { kind: "marker", name: holderName(known), stack: known.stack, resource: known.resource, label: known.label, tag: marker }
                    : { kind: "marker", name: `unknown owner (dbbackups:${marker})`, tag: marker };
                why = known
                    ? `its owner marker names ${holderName(known)}, which holds ${known.type === "ManualBackup" ? "another backup" : "another backup under that label"} in ${known.file}`
                    : "it carries an owner marker of this package that no given checkpoint's resources carry (a removed stack, or a stack not given)";
            } else {
                owner = { kind: "not-ours", name: "not ours" };
            }
            const started = b.startedAt ? Date.parse(b.startedAt) : NaN;
            const rb: ReportBackup = {
                cloud: inst.cloud, service: inst.service, region: inst.region, instanceId: inst.instanceId, instance: inst.key,
                backupId: b.backupId, name: b.name, kind: kindOf(b), status: b.status, cloudStatus: b.cloudStatus, sizeBytes: b.sizeBytes,
                startedAt: b.startedAt, finishedAt: b.finishedAt, ageDays: isNaN(started) ? undefined : Math.max(0, (opts.now - started) / 86_400_000),
                marker, owner, leftBehind: ["removed-stack", "journal", "marker"].includes(owner.kind),
            };
            backups.push(rb);
            inst.backups++;
            inst.sizeBytes += b.sizeBytes ?? 0;
            if (rb.leftBehind) {
                const takeOver = takeOverLines(inst, rb, owner.resource, owner.label);
                if (owner.kind === "journal") takeOver.unshift(`pulumi up of ${owner.stack} on this machine: ${owner.resource}${owner.label !== undefined ? ` (label ${owner.label})` : ""} resumes this backup instead of creating another`);
                leftBehind.push({ instance: inst.key, backupId: b.backupId, owner, why, takeOver, deleteByHand: deleteCommand(inst, b.backupId, projectId, region) });
            }
            if (b.status === "FAILED") {
                failed.push({
                    instance: inst.key, backupId: b.backupId, owner,
                    next: owner.kind === "stack" ? `the next \`pulumi up\` of ${owner.stack} replaces it and deletes the failed one`
                        : owner.kind === "automated" ? "the instance's backup policy owns it; it goes when its retention ends"
                            : `delete it by hand: ${deleteCommand(inst, b.backupId, projectId, region)}`,
                });
            }
        }
    }

    // State entries of live stacks that point at nothing the instance lists.
    const dangling: DanglingFinding[] = [];
    for (const h of held) {
        const listed = listings.get(h.key);
        if (!listed || h.holder.removed) continue;
        const refresh = `\`pulumi refresh\` of ${h.holder.stack} drops it from state`;
        if (h.backupId) {
            if (!listed.some(b => b.backupId === h.backupId)) {
                dangling.push({ instance: h.key, holder: holderName(h.holder), backupId: h.backupId, what: `state holds backup ${h.backupId}, which the instance does not list`, next: refresh });
            }
        } else if (h.jobId) {
            dangling.push({ instance: h.key, holder: holderName(h.holder), jobId: h.jobId, what: `state holds job ${h.jobId} only; its backup is not known yet`, next: `\`pulumi refresh\` (or \`pulumi up\`) of ${h.holder.stack} resolves it` });
        }
    }

    const storage = (key: (b: ReportBackup) => string, kind?: (b: ReportBackup) => StorageLine["kind"]): StorageLine[] => {
        const lines = new Map<string, StorageLine>();
        for (const b of backups) {
            const k = key(b);
            const line = lines.get(k) ?? { name: k, kind: kind?.(b), backups: 0, sizeBytes: 0 };
            line.backups++;
            line.sizeBytes += b.sizeBytes ?? 0;
            lines.set(k, line);
        }
        return [...lines.values()].sort((a, b) => b.sizeBytes - a.sizeBytes || a.name.localeCompare(b.name));
    };

    return {
        generatedAt: new Date(opts.now).toISOString(),
        instances: all,
        backups,
        findings: { leftBehind, dangling, failed, journal: journalFindings },
        storage: { byOwner: storage(ownerGroup, b => b.owner.kind), byInstance: storage(b => b.instance) },
        checkpoints: opts.checkpoints.map(c => ({ file: c.file, removed: c.removed, resources: c.resources, held: c.held.length })),
        journal: { dir: journalFolder, entries: journal.length },
    };
}
