/**
 * `BackupRetentionSet`: one backup per label. Update reconciles: new labels
 * get backups (created before anything is deleted), removed labels' backups
 * are deleted with as few calls as the cloud allows. The set only ever
 * deletes backups whose ids are in its own state.
 */
import { createHash } from "crypto";
import type { CloudBackup, DeleteOutcome, StartedBackup } from "./clouds/adapter";
import { nextStepFor } from "./clouds/delete-outcome";
import { hintFor, isNameTaken, ResourceInitError, withProviderKey } from "./core/errors";
import { CreationIncompleteError, dropUndefined, factsOf, BackupFacts } from "./backup-ops";
import { freeOwnName, type InstanceCoordinator } from "./instance";
import { memberName } from "./naming";
import { claimBackup, isOwnedBy, markedDescription, markerOf, Owner, ownerTag, releaseBackup } from "./ownership";
import { forgetStart, pendingStart, recordStarted } from "./journal";
import { CheckFailure, containsUnknown, DEFAULT_DELETE_TIMEOUT, defaultDeleteBudget, differs, labelsOf, parseInputs, retentionSetSchema, RetentionSetInputs, validate } from "./schema";
import type { ProviderRuntime } from "./runtime";
import { describeMember } from "./describe";
import type { ConfigSource } from "./config";
import { datedMembers, heldKeys, planTiers, selectTiers, sparedByFloor, Tier, tiersText } from "./retention-policy";

/** A delete the cloud refused for now; retried on every later update. */
export interface PendingDelete { code: string; reason: string; since: string; deletableAfter?: string }

/**
 * One labelled member of the set. With `retention`, the label is the period
 * the backup was made in, `at` the instant the tiers date it by and `tiers`
 * the tiers holding it; `heldByFloor` marks a backup kept only by `minCompleted`.
 */
export type Member = BackupFacts & { name?: string; adopted?: boolean; pendingDelete?: PendingDelete; at?: string; tiers?: Tier[]; heldByFloor?: boolean };

/** What the inputs ask for, given the members: the labels to hold, and with `retention`, the tiers of each and the backup to make now. */
export interface Desired { keys: string[]; held?: Map<string, Tier[]>; create?: string; now?: Date }

/**
 * What `minCompleted` is when not given: 1 with `retention`; 0 with `labels`,
 * so sets declared before the floor existed delete exactly what they did.
 */
export const DEFAULT_MIN_COMPLETED = 1;

/** The floor of a set: `minCompleted`, or its default. */
export function minCompletedOf(inputs: RetentionSetInputs): number {
    return inputs.minCompleted ?? (inputs.retention ? DEFAULT_MIN_COMPLETED : 0);
}

/** Alibaba Cloud's cap on backup sets per instance per (UTC) day; the 21st is answered `Exceeded.BackupTimes`. */
export const ALICLOUD_BACKUPS_PER_DAY = 20;

/** The labels (or, with `retention`, the tiers' keys) the inputs ask for, given the members. */
export function desiredOf(inputs: RetentionSetInputs, members: Record<string, Member>): Desired {
    if (!inputs.retention) return { keys: labelsOf(inputs) };
    const now = new Date(inputs.now ?? Date.now());
    const plan = planTiers(inputs.retention, now, members);
    return { keys: [...plan.held.keys()], held: plan.held, create: plan.create, now };
}

/** State of a `BackupRetentionSet`. */
export type RetentionSetState = RetentionSetInputs & { backups: Record<string, Member>; backupIds: string[] };

/** Inputs whose change needs a new set: its backups cannot move or change method or content. */
export const RETENTION_SET_REPLACE_KEYS = ["cloud", "service", "instanceId", "region", "databases", "backupMethod", "backupStrategy", "namePrefix"] as const;

export { memberName };

/**
 * An error refusing a change the user asked for: its message says everything,
 * so it carries no stack trace (the dynamic-provider host prints an error's
 * stack beside its message).
 */
function refusal(message: string): Error {
    const err = new Error(message);
    err.stack = "";
    return err;
}

/** Who a member's backup belongs to: the set (project, stack, resource name) and the label. */
const ownerOf = (i: RetentionSetInputs, label: string): Owner => ({ project: i.project, stack: i.stack, resourceName: i.resourceName, label });

/**
 * What a member's delete that did not happen leaves: a `pendingDelete` to
 * retry on the next update, with the warning the user reads (a cloud rule,
 * an instance busy until deleteTimeout ran out, or an answer that does not
 * say the backup is gone), or a problem that fails the update. The set's
 * prune and the SDK's wait step (which deletes what the set handed over)
 * both judge outcomes here.
 */
export function keptAfterDelete(o: DeleteOutcome, label: string, since: string,
    inputs: { resourceName?: string; instanceId: string; deleteTimeout?: string }, service: string): { pending?: PendingDelete; warning?: string; problem?: string } {
    const who = inputs.resourceName ?? inputs.instanceId;
    if (o.result === "blocked" || o.stillBusy) {
        // A cloud rule, or an instance busy until deleteTimeout ran out: either way it may work later.
        return {
            pending: dropUndefined({ code: o.code ?? "Blocked", reason: o.message ?? "refused by the cloud", since, deletableAfter: o.deletableAfter }),
            warning: `warning: ${who}: ${service} refused to delete backup ${o.backupId} (label ${label}) for now: ${o.code}: ${o.message}${o.stillBusy ? `; deleteTimeout (${inputs.deleteTimeout ?? DEFAULT_DELETE_TIMEOUT}) ran out` : ""}; it stays in state as pendingDelete and is retried on the next update`,
        };
    }
    if (o.result === "unconfirmed") {
        // A 404 that is not the service's "no such backup" (a wrong project id, endpoint or region): the backup may exist, so it is kept and tried again.
        return {
            pending: dropUndefined({ code: o.code ?? "Unconfirmed", reason: o.message ?? "the answer does not say the backup is gone", since }),
            warning: `warning: ${who}: deleting backup ${o.backupId} (label ${label}) on ${service} is not confirmed: ${o.code}: ${o.message}; `
                + `this answer does not say the backup is gone, so it stays in state as pendingDelete and is retried on the next update. Next: ${nextStepFor(o)}`,
        };
    }
    return { problem: `label ${label} (backup ${o.backupId}): ${o.code}: ${o.message}` };
}

/** The `pulumi.dynamic.ResourceProvider` for `BackupRetentionSet`. */
export class RetentionSetProvider {
    constructor(private readonly rt: ProviderRuntime) { }

    configure(req: { config: ConfigSource }): void {
        this.rt.configure(req.config);
    }

    async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
        const v = validate(retentionSetSchema, news);
        if (!v.ok) return { inputs: news, failures: v.failures };
        const inputs: Record<string, unknown> = { ...news, ...v.value };
        if (v.unknownKeys.length === 0) {
            const value = v.value as RetentionSetInputs;
            const missing = this.rt.missingSettings(value);
            if (missing) return { inputs, failures: [{ property: "cloud", reason: missing }] };
            const failures = await this.rt.instanceFailures(value, "check");
            // A new set (no earlier inputs) creates all its backups: judged against the daily cap here, as Pulumi calls no diff for a create.
            if (failures.length === 0 && !olds.instanceId) {
                const over = await this.overDailyCap(value, desiredOf(value, {}).keys.filter(l => !value.adopt?.[l]).length);
                if (over) failures.push({ property: value.retention ? "retention" : "labels", reason: over });
            }
            return { inputs, failures };
        }
        return { inputs, failures: [] };
    }

    async diff(_id: string, olds: RetentionSetState, news: RetentionSetInputs) {
        const replaces = RETENTION_SET_REPLACE_KEYS.filter(k => differs(olds[k], news[k]));
        // Pending deletes, unfinished backups and labels whose backup vanished (refresh) all need an update.
        this.refuseAdoptOverMember(olds.backups ?? {}, news);
        const desired = desiredOf(news, olds.backups ?? {});
        const labels = desired.keys;
        // A member known only by its job (not waiting) needs an update to learn its backup id, so it is never skipped by a later delete.
        // With the SDK's wait step (deferDeletes), a member still BUILDING here is looked at once by the next update: it records
        // the completion the wait step saw, or sets a failed backup aside and makes a new one.
        const unfinished = Object.values(olds.backups ?? {}).some(m => m.pendingDelete || (m.status === "BUILDING" && (news.waitForCompletion !== false || !m.backupId || news.deferDeletes)))
            || labels.some(l => !olds.backups?.[l] || olds.backups[l].status === "FAILED")
            || Object.keys(olds.backups ?? {}).some(l => !labels.includes(l));
        // Labels compare as sets: the array form of older states and the keyed form the SDK sends now are the same labels.
        const keys = ["adopt", "maxBackups", "description", "waitForCompletion", "waitTimeout", "deleteTimeout", "onDeleteBlocked", "retention", "minCompleted"] as const;
        // With tiers, a backup moving from one tier to another is a change of the state (its `tiers`).
        const retiered = !!desired.held && [...desired.held].some(([k, t]) => differs(olds.backups?.[k]?.tiers, t));
        const changes = replaces.length > 0 || unfinished || retiered || differs([...labelsOf(olds)].sort(), [...labelsOf(news)].sort()) || keys.some(k => differs(olds[k], news[k]));
        // At preview, inputs not known yet are judged at the update, when they are.
        const known = !containsUnknown(news.labels) && !containsUnknown(news.retention) && !containsUnknown(news.now) && !containsUnknown(news.minCompleted)
            && !containsUnknown(news.maxDeletesPerUpdate) && !RETENTION_SET_REPLACE_KEYS.some(k => containsUnknown(news[k]));
        if (changes && known) {
            olds = await this.asTheUpdateFinds(olds, news);
            this.refuseOverBudget(olds, news, replaces.length > 0);
            // Adopted labels take over backups that exist: they make none. A replacement starts from no backup.
            const planned = replaces.length > 0 ? desiredOf(news, {}).keys : labels.filter(l => !olds.backups?.[l]);
            const creates = planned.filter(l => !news.adopt?.[l]).length;
            await this.refuseOverDailyCap(news, creates);
            await this.announce(olds, news, replaces.length > 0);
        }
        return { changes, replaces: [...replaces], deleteBeforeReplace: false };
    }

    /**
     * The earlier state as the update will find it, for the preview to judge
     * what the update does: a member started without waiting and still
     * BUILDING in state is looked at once (the update records its completion
     * and backup id the same way), and with `deferDeletes` the members handed
     * over for deletion that the instance no longer lists (the wait step
     * deleted them) are left out, as the update drops them. When the cloud
     * cannot be read, the state is taken as it is.
     */
    private async asTheUpdateFinds(olds: RetentionSetState, news: RetentionSetInputs): Promise<RetentionSetState> {
        const members: Record<string, Member> = { ...(olds.backups ?? {}) };
        const building = Object.entries(members).filter(([, m]) => m.status === "BUILDING" && !m.pendingDelete);
        const handedOver = news.deferDeletes && Object.values(members).some(m => m.pendingDelete?.code === "AfterNewBackups");
        if ((building.length === 0 && !handedOver) || !olds.instanceId) return olds;
        let inst: InstanceCoordinator;
        try {
            inst = this.rt.instance(olds);
        } catch {
            return olds; // no settings to read the cloud with: the update says so
        }
        await Promise.all(building.map(async ([l, m]) => {
            const started = { jobId: m.jobId, backupId: m.backupId, startedAt: m.startedAt };
            try {
                members[l] = { ...m, ...factsOf(started, await inst.status(started)) };
            } catch {
                // as recorded
            }
        }));
        if (handedOver) {
            const wanted = new Set(desiredOf(news, members).keys);
            await this.dropHandedOverGone(inst, olds, members, wanted, false);
        }
        return { ...olds, backups: members };
    }

    /**
     * The backups a change deletes because of the new inputs: the members
     * whose label leaves, or every member when the set is replaced. Failed
     * backups set aside and deletes the cloud refused earlier are retried
     * whatever the budget (they were counted when their label left). Backups
     * the floor keeps are not deleted by this change. The plugin's detailed
     * diff names these backups too.
     */
    deletedBy(olds: RetentionSetState, news: RetentionSetInputs, replacing: boolean): Array<[string, Member]> {
        const desired = desiredOf(news, olds.backups ?? {});
        const wanted = new Set(replacing ? [] : desired.keys);
        const spared = replacing ? new Set<string>() : this.floorAtPreview(olds, news, desired);
        return Object.entries(olds.backups ?? {})
            .filter(([l, m]) => !wanted.has(l) && !spared.has(l) && (m.backupId || m.jobId) && !m.pendingDelete && !l.includes("~failed-"));
    }

    /**
     * The members the floor keeps, judged before the update as the update will
     * judge it: the new backups completed, the members no label or tier holds gone.
     */
    private floorAtPreview(olds: RetentionSetState, news: RetentionSetInputs, desired: Desired): Set<string> {
        const members = olds.backups ?? {};
        const after: Record<string, Member> = { ...members };
        for (const l of desired.keys) if (!after[l]) after[l] = { status: "COMPLETED", cloudStatus: "planned", backupId: `(new ${l})`, at: desired.now?.toISOString() };
        const wanted = new Set(desired.keys);
        const leaving = Object.keys(members).filter(l => !wanted.has(l) && members[l].backupId);
        return new Set(sparedByFloor(after, leaving, minCompletedOf(news)));
    }

    /**
     * The deletion budget: a change that would delete more backups than
     * `maxDeletesPerUpdate` (default {@link defaultDeleteBudget}) is refused
     * before anything is created or deleted.
     */
    private refuseOverBudget(olds: RetentionSetState, news: RetentionSetInputs, replacing: boolean) {
        const deleted = this.deletedBy(olds, news, replacing);
        const held = Object.entries(olds.backups ?? {}).filter(([l, m]) => (m.backupId || m.jobId) && !m.pendingDelete && !l.includes("~failed-")).length;
        const budget = news.maxDeletesPerUpdate ?? defaultDeleteBudget(held);
        if (deleted.length <= budget) return;
        const why = news.maxDeletesPerUpdate !== undefined ? "maxDeletesPerUpdate"
            : `the default maxDeletesPerUpdate for a set holding ${held} backups: fewer than half, at least 2, at most 4`;
        throw refusal(`deletion budget: this ${replacing ? "replacement" : "update"} would delete ${deleted.length} backups, more than the ${budget} allowed (${why}): `
            + `${deleted.map(([l, m]) => describeMember(l, m)).join(", ")}. Nothing was created or deleted.`
            + ` Next: if this is intended, set maxDeletesPerUpdate: ${deleted.length} on ${news.resourceName ?? olds.resourceName ?? "the set"} for this update; otherwise correct the ${replacing ? `${RETENTION_SET_REPLACE_KEYS.filter(k => differs(olds[k], news[k])).join(", ")}` : "labels"}`);
    }

    /**
     * Alibaba Cloud makes at most {@link ALICLOUD_BACKUPS_PER_DAY} backup sets
     * per instance per UTC day: a plan that would pass the cap is refused
     * before anything is made, counting what the instance made today from
     * the coordinator's one shared listing.
     */
    private async refuseOverDailyCap(inputs: RetentionSetInputs, creates: number) {
        const why = await this.overDailyCap(inputs, creates);
        if (why) throw refusal(`${why}. Nothing was created or deleted.`);
    }

    /** Why `creates` new backups on the instance would pass Alibaba's daily cap, or undefined. */
    private async overDailyCap(inputs: RetentionSetInputs, creates: number): Promise<string | undefined> {
        if (inputs.cloud !== "alicloud" || creates === 0) return undefined;
        let listed: CloudBackup[];
        try {
            listed = await this.rt.instance(inputs).list();
        } catch {
            return undefined; // the instance cannot be read now: the create meets the cap, if any, with the cloud's own words
        }
        const today = new Date(inputs.now ?? Date.now()).toISOString().slice(0, 10);
        const made = listed.filter(b => b.manual && (b.startedAt ?? "").slice(0, 10) === today).length;
        if (made + creates <= ALICLOUD_BACKUPS_PER_DAY) return undefined;
        return `Alibaba Cloud RDS makes at most ${ALICLOUD_BACKUPS_PER_DAY} backup sets per instance per day (Exceeded.BackupTimes): instance ${inputs.instanceId} made ${made} today (${today}, UTC)`
            + ` and this plan of ${inputs.resourceName ?? "the set"} creates ${creates} more. Next: declare fewer new labels in this up (the rest can follow tomorrow), or use retention tiers, where one backup serves every tier`;
    }

    /** Says, at preview, exactly which labels get new backups and which backups (id, label, age, size) will be deleted, attached to the resource. */
    private async announce(olds: RetentionSetState, news: RetentionSetInputs, replacing: boolean) {
        // A replacement is a new set: its plan starts from no backup.
        const desired = desiredOf(news, replacing ? {} : olds.backups ?? {});
        const wanted = new Set(desired.keys);
        const creates = replacing ? [...wanted] : [...wanted].filter(l => !olds.backups?.[l]);
        const spared = replacing ? new Set<string>() : this.floorAtPreview(olds, news, desired);
        // A member started without waiting may be known by its job only (Alibaba): one look names its backup.
        const leaving = await Promise.all(Object.entries(olds.backups ?? {})
            .filter(([l, m]) => (replacing || !wanted.has(l)) && (m.backupId || m.jobId))
            .map(async ([l, m]) => [l, m.backupId ? m : await this.withBackupId(olds, m)] as [string, Member]));
        const tierOf = (l: string) => desired.held ? ` (${tiersText(desired.held.get(l))})` : "";
        const was = (m: Member) => desired.held ? `, held by ${tiersText(m.tiers)} until now` : "";
        const deletes = leaving.filter(([l]) => !spared.has(l)).map(([l, m]) => describeMember(l, m).replace(/\)$/, `${was(m)})`));
        const deferred = leaving.filter(([l]) => spared.has(l)).map(([l, m]) => describeMember(l, m));
        const kept = desired.held ? [...wanted].filter(l => olds.backups?.[l] && !replacing).map(l => `${olds.backups![l].backupId ?? `job ${olds.backups![l].jobId}`} (label ${l}, ${tiersText(desired.held!.get(l))})`) : [];
        if (creates.length === 0 && deletes.length === 0 && deferred.length === 0) return;
        const parts = [
            creates.length ? `creates backups for labels ${creates.map(l => `${l}${tierOf(l)}`).join(", ")}` : "",
            deletes.length ? `deletes backups ${deletes.join(", ")}` : "",
            deferred.length ? `defers deleting ${deferred.join(", ")}: fewer than minCompleted ${minCompletedOf(news)} completed backups would remain; a later up deletes ${deferred.length === 1 ? "it" : "them"}` : "",
            kept.length ? `keeps ${kept.join(", ")}` : "",
        ];
        const target = replacing ? `${news.instanceId} (a replacement: the new set is created first, then the old one on ${olds.instanceId} is deleted)` : news.instanceId;
        await this.rt.report(news.resourceUrn, `${news.resourceName ?? olds.instanceId}: this ${replacing ? "replacement" : "update"} ${parts.filter(Boolean).join(" and ")} on ${target}`);
    }

    /** A member known by its job only, with the backup id the job reports (as it is when the cloud cannot say). */
    private async withBackupId(target: RetentionSetState, m: Member): Promise<Member> {
        try {
            const p = await this.rt.instance(target).status({ jobId: m.jobId, startedAt: m.startedAt });
            return p.backupId ? { ...m, backupId: p.backupId, ...(p.backup ? factsOf({ jobId: m.jobId }, p) : {}) } : m;
        } catch {
            return m;
        }
    }

    async create(raw: Record<string, unknown>): Promise<{ id: string; outs: RetentionSetState }> {
        const inputs = parseInputs(retentionSetSchema, raw);
        const id = `${inputs.instanceId}/${inputs.resourceName ?? createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 8)}`;
        try {
            // What Check could not judge (the instance could not be read then) is judged before anything is made.
            const refused = await this.rt.instanceFailures(inputs, "create");
            if (refused.length) {
                throw new Error(`creating backup set ${id}: ${refused.map(f => `${f.property}: ${f.reason}`).join("; ")}. Nothing was created`);
            }
            return { id, outs: await this.reconcile(id, inputs, {}) };
        } catch (err) {
            throw withProviderKey(err, raw);
        }
    }

    async update(id: string, olds: RetentionSetState, raw: Record<string, unknown>): Promise<{ outs: RetentionSetState }> {
        const news = parseInputs(retentionSetSchema, raw);
        try {
            this.refuseAdoptOverMember(olds.backups ?? {}, news);
            this.refuseOverBudget(olds, news, false);
            return { outs: await this.reconcile(id, news, olds.backups ?? {}) };
        } catch (err) {
            throw withProviderKey(err, raw);
        }
    }

    /**
     * `adopt` naming a label that already holds another backup would drop that
     * backup from state without deleting it: refused, at preview (diff) and at update.
     */
    private refuseAdoptOverMember(members: Record<string, Member>, news: RetentionSetInputs) {
        const clashes = Object.entries(news.adopt ?? {}).filter(([l, bid]) => members[l] && members[l].backupId !== bid && (members[l].backupId || members[l].jobId));
        if (clashes.length === 0) return;
        throw new Error(`adopt: ${clashes.map(([l, bid]) => `label ${l} already holds backup ${members[l].backupId ?? `job ${members[l].jobId}`}, so it cannot also adopt ${bid}`).join("; ")}.`
            + " Nothing was changed. Next: adopt it under a new label, or remove the label first (an up deletes its backup) and adopt it in a later up");
    }

    async read(id: string, props: RetentionSetState): Promise<{ id: string; props: Record<string, unknown> }> {
        const inst = this.rt.instance(props);
        try {
            // One paged listing of the instance, not one call per member.
            const listed = new Map((await inst.list()).map(b => [b.backupId, b]));
            const backups: Record<string, Member> = {};
            for (const [label, m] of Object.entries(props.backups ?? {})) {
                if (m.backupId) {
                    const b = listed.get(m.backupId);
                    if (b) backups[label] = this.member(m, b);
                } else if (m.jobId) {
                    const p = await inst.status({ jobId: m.jobId, startedAt: m.startedAt });
                    // A finished job names its backup: the listing says whether that backup is still there.
                    const b = p.backupId ? listed.get(p.backupId) : undefined;
                    if (b) backups[label] = this.member(m, b);
                    else if (p.status === "BUILDING") backups[label] = { ...m, ...factsOf({ jobId: m.jobId, startedAt: m.startedAt }, p) };
                }
            }
            return { id, props: this.state(props, backups) };
        } catch (err) {
            throw this.rt.describe(`reading backup set ${id} on ${inst.adapter.displayName}`, err);
        }
    }

    async delete(id: string, props: RetentionSetState): Promise<void> {
        const inst = this.rt.instance(props);
        // Every wait of this destroy ends deleteTimeout from now.
        const since = Date.now();
        const resolved = { ...(props.backups ?? {}) };
        const unresolved = await this.resolveJobs(inst, props, resolved, Object.keys(resolved), since);
        if (unresolved.length) {
            throw new Error(`deleting backup set ${id} on ${inst.adapter.displayName}: ${unresolved.join("; ")}. Nothing was deleted; the set stays in state. Next: run destroy again once the jobs have ended`);
        }
        const members = Object.entries(resolved);
        const byId = new Map(members.filter(([, m]) => m.backupId).map(([label, m]) => [m.backupId!, label]));
        if (byId.size === 0) return;
        let outcomes: DeleteOutcome[];
        try {
            outcomes = await inst.deleteNow([...byId.keys()], this.rt.opsForDelete(props, props.resourceName ?? id, since));
        } catch (err) {
            throw this.rt.describe(`deleting backup set ${id} on ${inst.adapter.displayName}`, err);
        }
        const blocked = outcomes.filter(o => o.result === "blocked");
        // An unconfirmed 404 is never "left in the cloud" by onDeleteBlocked: nothing says the cloud refused.
        const failed = outcomes.filter(o => o.result === "failed" || o.result === "unconfirmed");
        const describe = (o: DeleteOutcome) => `${byId.get(o.backupId)} (backup ${o.backupId}): ${o.code}: ${o.message}`;
        if (blocked.length && props.onDeleteBlocked === "forget") {
            this.rt.log(`warning: ${props.resourceName ?? id}: left in the cloud because onDeleteBlocked is "forget": ${blocked.map(describe).join("; ")}`);
        }
        for (const o of outcomes) if (o.result === "deleted") releaseBackup(props.instanceId, o.backupId);
        const fatal = [...failed, ...(props.onDeleteBlocked === "forget" ? [] : blocked)];
        if (fatal.length) {
            const hint = fatal.some(o => o.stillBusy)
                ? `deleteTimeout (${props.deleteTimeout ?? DEFAULT_DELETE_TIMEOUT}) ran out while the instance was busy with another operation; run destroy again once it has ended, or raise deleteTimeout`
                : fatal[0].result === "blocked" ? hintFor(fatal[0].code) : nextStepFor(fatal[0]);
            throw new Error(`deleting backup set ${id} on ${inst.adapter.displayName}: ${fatal.length} of ${outcomes.length} backups were not deleted: ${fatal.map(describe).join("; ")}.`
                + ` They stay in state; the others are deleted.${hint ? ` Next: ${hint}.` : ""}`);
        }
    }

    /**
     * Brings the set's backups to the declared labels: adopt and create first,
     * then delete removed and pending members in batches. Raises an init error
     * carrying the state reached, so nothing that exists is dropped from state.
     */
    private async reconcile(id: string, inputs: RetentionSetInputs, previous: Record<string, Member>): Promise<RetentionSetState> {
        const inst = this.rt.instance(inputs);
        const label = inputs.resourceName ?? id;
        const members: Record<string, Member> = { ...previous };
        const problems: string[] = [];
        let desired = desiredOf(inputs, members);
        let wanted = new Set(desired.keys);
        // A label declared again takes back its backup, even one whose delete the cloud refused so far.
        for (const l of wanted) if (members[l]?.pendingDelete) members[l] = dropUndefined({ ...members[l], pendingDelete: undefined });
        try {
            if (inputs.deferDeletes) await this.dropHandedOverGone(inst, inputs, members, wanted);
            await this.adopt(inst, inputs, members);
            let failedBefore = false;
            // Members still building from an earlier attempt: wait for them instead of creating again.
            // A declared member a refresh found FAILED is looked at too: it is set aside and its label gets a new backup.
            for (const [l, m] of Object.entries(members)) {
                if ((m.status !== "BUILDING" && !(m.status === "FAILED" && wanted.has(l))) || m.pendingDelete) continue;
                const started = { jobId: m.jobId, backupId: m.backupId, startedAt: m.startedAt };
                try {
                    const p = inputs.waitForCompletion
                        ? await inst.waitCreated(started, this.rt.opsFor(inputs, `${label}[${l}]`))
                        : await inst.status(started); // not waiting: one look, to record progress
                    if (p.status === "FAILED") throw new CreationIncompleteError(p.failReason ?? "failed", started, p);
                    members[l] = { ...m, ...factsOf(started, p) };
                } catch (err) {
                    if (!(err instanceof CreationIncompleteError && err.progress?.status === "FAILED")) {
                        if (inputs.deferDeletes && !inputs.waitForCompletion) {
                            // The SDK's start step looks once to record what its wait step saw; without an answer the member stays
                            // as recorded, the wait step looks again, and nothing is deleted before the new backups are known to be done.
                            this.rt.log(`warning: ${label}[${l}]: could not look at ${m.backupId ? `backup ${m.backupId}` : `the backup of job ${m.jobId}`}: ${this.rt.message(err)}; it stays recorded as ${m.status}`);
                            continue;
                        }
                        if (err instanceof Error) err.message = `label ${l}: ${err.message}`; // the error names the member it is about
                        throw err;
                    }
                    this.setAsideFailed(members, l, factsOf(err.started, err.progress));
                    failedBefore = true;
                    this.rt.log(`warning: ${label}[${l}]: the backup failed in the cloud (${err.progress.failReason ?? err.progress.cloudStatus}); ${inputs.retention ? "it is set aside and holds no tier" : "a new one is created"}`);
                }
            }
            // With tiers, a backup that failed held nothing: the plan is made again without it, so the night it
            // was made for gets no new backup later (tonight's backup is planned as any night's).
            if (inputs.retention && failedBefore) {
                desired = desiredOf(inputs, members);
                wanted = new Set(desired.keys);
            }
            const toCreate = desired.keys.filter(l => !members[l]);
            await Promise.all(toCreate.map(async l => {
                // Huawei names are unique per instance: after a failure whose record still exists, take a new name.
                const failedBefore = Object.keys(members).filter(k => k.startsWith(`${l}~failed-`)).length;
                const name = inputs.cloud === "huaweicloud" ? memberName(inputs, failedBefore ? `${l}-r${failedBefore}` : l) : undefined;
                try {
                    // A backup this set started for the label on this machine whose id never reached the state (a killed run).
                    const journaled = await this.journaledStart(inst, inputs, l);
                    if (journaled) {
                        members[l] = dropUndefined({ ...factsOf(journaled, undefined), name });
                        if (inputs.waitForCompletion) members[l] = dropUndefined({ ...factsOf(journaled, await inst.waitCreated(journaled, this.rt.opsFor(inputs, `${label}[${l}]`))), name });
                        return;
                    }
                    const create = () => inst.create({
                        instanceId: inputs.instanceId, name,
                        description: inputs.cloud === "huaweicloud" ? markedDescription(inputs.description, ownerOf(inputs, l)) : undefined,
                        databases: inputs.databases, backupMethod: inputs.backupMethod, backupStrategy: inputs.backupStrategy,
                    }, { ...this.rt.opsFor(inputs, `${label}[${l}]`), onStarted: started => recordStarted(inputs, ownerTag(ownerOf(inputs, l)), started, ownerOf(inputs, l)) });
                    let r;
                    try {
                        r = await create();
                    } catch (err) {
                        // The name is taken: perhaps by this set's own backup from an earlier attempt that lost the answer.
                        const holder = name && isNameTaken(err) ? await inst.findByName(name) : undefined;
                        const taken = holder ? await this.earlierAttempt(inputs, l, name!, holder) : undefined;
                        if (!taken) {
                            // This set's own failed (or going) backup holds the name: it goes, then the name is the label's again.
                            if (!holder || !await freeOwnName(inst, holder, ownerTag(ownerOf(inputs, l)), this.rt.opsFor(inputs, `${label}[${l}]`))) throw err;
                            r = await create();
                            members[l] = dropUndefined({ ...factsOf(r.started, r.progress), name });
                            return;
                        }
                        members[l] = taken;
                        if (taken.status === "BUILDING" && inputs.waitForCompletion) {
                            const started = { backupId: taken.backupId };
                            const p = await inst.waitCreated(started, this.rt.opsFor(inputs, `${label}[${l}]`));
                            members[l] = dropUndefined({ ...taken, ...factsOf(started, p) });
                        }
                        return;
                    }
                    members[l] = dropUndefined({ ...factsOf(r.started, r.progress), name });
                } catch (err) {
                    if (err instanceof CreationIncompleteError) {
                        const facts = dropUndefined({ ...factsOf(err.started, err.progress), name });
                        if (err.progress?.status === "FAILED") {
                            this.setAsideFailed(members, l, facts);
                            // The failed backup is in state now (set aside, deleted by a later prune or destroy), or never existed:
                            // the journal must not offer it to the label's next create, which would wait on a deleted backup.
                            forgetStart(inputs, ownerTag(ownerOf(inputs, l)));
                        } else {
                            members[l] = facts;
                        }
                    }
                    problems.push(this.rt.describe(`label ${l}`, err).message); // a cloud error says what to do next
                }
            }));
        } catch (err) {
            problems.push(this.rt.message(err));
        }
        if (inputs.retention) {
            // The new backup is dated by the run's moment, so a preview pinned to the same now planned the same.
            for (const l of desired.keys) if (members[l] && !members[l].at && desired.create === l) members[l] = { ...members[l], at: desired.now!.toISOString() };
            // The tiers as the members now are (a failed create holds nothing), so no backup a tier holds is ever deleted.
            wanted = new Set(this.annotateTiers(inputs, members).keys());
        }
        const building = [...wanted].some(l => members[l]?.status === "BUILDING");
        if (problems.length === 0 && inputs.deferDeletes && building) this.handOver(inputs, members, wanted);
        else if (problems.length === 0) await this.prune(inst, inputs, members, wanted, problems);
        else problems.push("no backup was deleted because a create did not succeed (create before delete)");
        const state = this.state(inputs, members);
        // Every member in the state returned here is tracked there: the journal's entries for them have served.
        for (const l of desired.keys) if (members[l]) forgetStart(inputs, ownerTag(ownerOf(inputs, l)));
        if (problems.length) {
            throw new ResourceInitError(`reconciling backup set ${id} on ${inst.adapter.displayName}: ${problems.join("; ")}`, id, state, problems);
        }
        return state;
    }

    /** Deletes members whose label was removed, and earlier refusals, in as few calls as the cloud allows. */
    private async prune(inst: InstanceCoordinator, inputs: RetentionSetInputs, members: Record<string, Member>, wanted: Set<string>, problems: string[]) {
        // Every wait of this prune ends deleteTimeout from now.
        const since = Date.now();
        // A removed label whose job is still running has a backup on the way: learn its id before deciding anything.
        problems.push(...await this.resolveJobs(inst, inputs, members, Object.keys(members).filter(l => !wanted.has(l)), since));
        for (const [l, m] of Object.entries(members)) if (!wanted.has(l) && !m.backupId && !m.jobId) delete members[l];
        for (const l of wanted) if (members[l]?.heldByFloor) members[l] = dropUndefined({ ...members[l], heldByFloor: undefined });
        // The floor: never fewer than minCompleted completed backups; what it spares is deleted by a later up.
        const leaving = Object.keys(members).filter(l => !wanted.has(l) && members[l].backupId);
        const minCompleted = minCompletedOf(inputs);
        const spared = new Set(sparedByFloor(members, leaving, minCompleted));
        for (const l of leaving) {
            if (spared.has(l)) {
                if (!members[l].heldByFloor) {
                    this.rt.log(`warning: ${inputs.resourceName ?? inputs.instanceId}: backup ${members[l].backupId} (label ${l}) is not deleted yet: fewer than minCompleted ${minCompleted} completed backups of the set would remain; it stays in state (heldByFloor) and a later up deletes it once newer backups have completed`);
                }
                // Kept, so not pending deletion either (the wait step deletes the members pending deletion).
                members[l] = dropUndefined({ ...members[l], heldByFloor: true, pendingDelete: undefined });
            } else if (members[l].heldByFloor) {
                members[l] = dropUndefined({ ...members[l], heldByFloor: undefined });
            }
        }
        const doomed = Object.entries(members).filter(([l, m]) => !wanted.has(l) && m.backupId && !spared.has(l));
        if (doomed.length === 0) return;
        const labelOf = new Map(doomed.map(([l, m]) => [m.backupId!, l]));
        let outcomes: DeleteOutcome[];
        try {
            outcomes = await inst.deleteKnowingRefusals([...labelOf.keys()], this.rt.opsForDelete(inputs, inputs.resourceName ?? inputs.instanceId, since));
        } catch (err) {
            problems.push(`deleting ${labelOf.size} backups: ${this.rt.message(err)}`);
            return;
        }
        const now = new Date().toISOString();
        for (const o of outcomes) {
            const l = labelOf.get(o.backupId)!;
            if (o.result === "deleted") {
                delete members[l];
                releaseBackup(inputs.instanceId, o.backupId);
                continue;
            }
            const kept = keptAfterDelete(o, l, members[l].pendingDelete?.since ?? now, inputs, inst.adapter.displayName);
            if (kept.problem) problems.push(kept.problem);
            else {
                members[l] = { ...members[l], pendingDelete: kept.pending };
                this.rt.log(kept.warning!);
            }
        }
    }

    /**
     * With `deferDeletes` while a backup of the set is still being made (the
     * instance is busy with it): the members to delete stay in state as
     * `pendingDelete`, for the SDK's wait step to delete once the new backups
     * have completed, so this step returns at once and records them.
     */
    private handOver(inputs: RetentionSetInputs, members: Record<string, Member>, wanted: Set<string>) {
        const now = new Date().toISOString();
        // The floor, judged as it will stand when the wait step deletes: only after every new backup has completed.
        // A new backup known by its job only (Alibaba) counts too: the wait step learns its id before it deletes anything.
        const asCompleted = Object.fromEntries(Object.entries(members).map(([l, m]) => [l, wanted.has(l) && m.status === "BUILDING"
            ? { ...m, status: "COMPLETED", backupId: m.backupId ?? `(job ${m.jobId})` } : m]));
        // Members handed over earlier (or whose delete was refused) leave too: they are not counted as remaining.
        const leaving = Object.keys(members).filter(l => !wanted.has(l) && members[l].backupId);
        const minCompleted = minCompletedOf(inputs);
        const spared = new Set(sparedByFloor(asCompleted, leaving, minCompleted));
        for (const l of spared) {
            if (!members[l].heldByFloor) {
                this.rt.log(`warning: ${inputs.resourceName ?? inputs.instanceId}: backup ${members[l].backupId} (label ${l}) is not deleted yet: fewer than minCompleted ${minCompleted} completed backups of the set would remain; it stays in state (heldByFloor) and a later up deletes it once newer backups have completed`);
            }
            // Kept: no longer one to delete (the wait step deletes the members pending deletion).
            members[l] = dropUndefined({ ...members[l], heldByFloor: true, pendingDelete: undefined });
        }
        for (const l of wanted) if (members[l]?.heldByFloor) members[l] = dropUndefined({ ...members[l], heldByFloor: undefined });
        const handed = Object.entries(members).filter(([l, m]) => !wanted.has(l) && (m.backupId || m.jobId) && !m.pendingDelete && !spared.has(l));
        for (const [l, m] of handed) {
            members[l] = { ...m, pendingDelete: { code: "AfterNewBackups", reason: "deleted once the backups this update started have completed", since: now } };
        }
        for (const [l, m] of Object.entries(members)) if (!wanted.has(l) && !m.backupId && !m.jobId) delete members[l];
        if (handed.length) this.rt.log(`${inputs.resourceName ?? inputs.instanceId}: ${handed.map(([l]) => l).join(", ")}: deleted once the new backups have completed`);
    }

    /**
     * With `deferDeletes`: members handed over for deletion that the instance
     * no longer lists (the wait step deleted them) leave the state, as a
     * refresh would drop them. One listing, only when there are such members.
     */
    private async dropHandedOverGone(inst: InstanceCoordinator, inputs: Pick<RetentionSetInputs, "instanceId">, members: Record<string, Member>, wanted: Set<string>, release = true) {
        // A member known by its job only (Alibaba) learns its backup id first: one look at the job.
        for (const [l, m] of Object.entries(members)) {
            if (wanted.has(l) || !m.pendingDelete || m.backupId || !m.jobId) continue;
            try {
                const p = await inst.status({ jobId: m.jobId, startedAt: m.startedAt });
                if (p.backupId) members[l] = { ...m, backupId: p.backupId };
            } catch {
                // not known yet: it stays as it is and is handed over again
            }
        }
        const handed = Object.entries(members).filter(([l, m]) => !wanted.has(l) && m.pendingDelete && m.backupId);
        if (handed.length === 0) return;
        let listed: Set<string>;
        try {
            listed = new Set((await inst.list()).map(b => b.backupId));
        } catch {
            return; // no listing, no proof: they stay pendingDelete and are handed over again
        }
        for (const [l, m] of handed) {
            if (listed.has(m.backupId!)) continue;
            delete members[l];
            if (release) releaseBackup(inputs.instanceId, m.backupId!);
        }
    }

    /**
     * A failed backup that exists in the cloud is kept in state under a key
     * that is not a valid label, so it is deleted by the next prune and never
     * orphaned; its label gets a new backup.
     */
    private setAsideFailed(members: Record<string, Member>, label: string, facts: Member) {
        delete members[label];
        if (facts.backupId) members[`${label}~failed-${facts.backupId}`] = { ...facts, status: "FAILED" };
    }

    /** The journal's backup for this label, when the cloud still has it (not failed). */
    private async journaledStart(inst: InstanceCoordinator, inputs: RetentionSetInputs, label: string): Promise<StartedBackup | undefined> {
        const started = pendingStart(inputs, ownerTag(ownerOf(inputs, label)));
        if (!started) return undefined;
        try {
            const p = await inst.status(started);
            if (p.status === "FAILED") return undefined;
            this.rt.log(`${inputs.resourceName ?? inputs.instanceId}[${label}]: resuming the backup this set started in an interrupted run on this machine (${started.jobId ? `job ${started.jobId}` : `backup ${started.backupId}`}) instead of creating a second one`);
            return { ...started, backupId: started.backupId ?? p.backupId };
        } catch {
            return undefined;
        }
    }

    /**
     * Members known only by a job id (created without waiting, on Alibaba)
     * are waited for until their backup id is known, so a delete never skips
     * a backup that is on its way. A job that failed without leaving a backup
     * is dropped. Returns a problem per member still unresolved at the deadline.
     */
    private async resolveJobs(inst: InstanceCoordinator, inputs: RetentionSetInputs, members: Record<string, Member>, labels: string[], since: number): Promise<string[]> {
        const problems: string[] = [];
        for (const l of labels) {
            const m = members[l];
            if (!m || m.backupId || !m.jobId) continue;
            const started = { jobId: m.jobId, startedAt: m.startedAt };
            try {
                const p = await inst.waitCreated(started, this.rt.opsForDelete(inputs, `${inputs.resourceName ?? inputs.instanceId}[${l}]`, since));
                members[l] = { ...m, ...factsOf(started, p) };
            } catch (err) {
                if (err instanceof CreationIncompleteError && err.progress?.status === "FAILED") {
                    const facts = factsOf(err.started, err.progress);
                    if (facts.backupId) members[l] = { ...m, ...facts, status: "FAILED" };
                    else delete members[l];
                    continue;
                }
                problems.push(`label ${l} (job ${m.jobId}): its backup id is not known yet: ${this.rt.message(err)}; it stays in state`);
            }
        }
        return problems;
    }

    /**
     * Takes over backups named in `adopt`, verified with one listing of the
     * instance: manual backups only, and none another resource proves to own
     * (unless `adoptOwned`).
     */
    private async adopt(inst: InstanceCoordinator, inputs: RetentionSetInputs, members: Record<string, Member>) {
        const pending = Object.entries(inputs.adopt ?? {}).filter(([l, bid]) => members[l]?.backupId !== bid);
        if (pending.length === 0) return;
        const listed = new Map((await inst.list()).map(b => [b.backupId, b]));
        const refusals: string[] = [];
        for (const [l, bid] of pending) {
            const b = listed.get(bid);
            if (!b) { refusals.push(`label ${l}: backup ${bid} not found on instance ${inputs.instanceId}; check the id or remove it from adopt`); continue; }
            if (!b.manual) { refusals.push(`label ${l}: backup ${bid} is an automated backup, owned by the instance's backup policy, which deletes it when its retention ends; adopt only manual backups`); continue; }
            const tag = markerOf(b.description);
            if (tag !== undefined && tag !== ownerTag(ownerOf(inputs, l)) && !inputs.adoptOwned) {
                refusals.push(`label ${l}: backup ${bid} carries the owner marker of another Pulumi resource (dbbackups:${tag}), which may still manage and delete it; set adoptOwned: true if it is really this set's to take over`);
            }
        }
        if (refusals.length) throw new Error(`adopt: ${refusals.join("; ")}. Nothing was adopted`);
        for (const [l, bid] of pending) {
            claimBackup(inputs.instanceId, bid, ownerTag(ownerOf(inputs, l)), `adopt (label ${l})`);
            members[l] = { ...this.member({}, listed.get(bid)!), adopted: true };
        }
    }

    /**
     * Huawei: the cloud refused the member's name as taken. The backup holding it is
     * taken over only when its owner marker proves this set made it for this
     * label (an earlier attempt lost the answer or died); anything else fails
     * the label without touching that backup.
     */
    private async earlierAttempt(inputs: RetentionSetInputs, label: string, name: string, earlier: CloudBackup): Promise<Member | undefined> {
        if (!isOwnedBy(earlier.description, ownerOf(inputs, label))) {
            throw new Error(`a backup named ${name} already exists on instance ${inputs.instanceId} (backup ${earlier.backupId}${earlier.startedAt ? `, started ${earlier.startedAt}` : ""}) and this set did not create it for label ${label}.`
                + ` Next: take it over on purpose with adopt: { "${label}": "${earlier.backupId}" }, or set another namePrefix`);
        }
        if (earlier.status === "FAILED" || earlier.status === "DELETING") return undefined;
        this.rt.log(`${inputs.resourceName ?? inputs.instanceId}[${label}]: found backup ${earlier.backupId} named ${name} that this set started in an earlier attempt; taking it over`);
        return this.member({ name }, earlier);
    }

    private member(m: Partial<Member>, b: CloudBackup): Member {
        return dropUndefined({ ...m, ...factsOf({ jobId: m.jobId }, undefined, b), name: b.name ?? m.name });
    }

    private state(inputs: RetentionSetInputs, backups: Record<string, Member>): RetentionSetState {
        const held = heldKeys(labelsOf(inputs), backups, !!inputs.retention);
        const backupIds = held.map(l => backups[l]?.backupId).filter((x): x is string => !!x);
        return { ...inputs, backups, backupIds };
    }

    /** Records on each member the tiers holding it now (none for the others); returns them. */
    private annotateTiers(inputs: RetentionSetInputs, members: Record<string, Member>): Map<string, Tier[]> {
        const held = selectTiers(inputs.retention ?? {}, datedMembers(members));
        for (const l of Object.keys(members)) members[l] = dropUndefined({ ...members[l], tiers: held.get(l) });
        return held;
    }



}
