/**
 * The wait step of the SDK's resources: a light dynamic resource that waits
 * for backups another resource started and already recorded in state (a
 * `ManualBackup` or `BackupRetentionSet` created with `waitForCompletion:
 * false`), then deletes the members a retention set handed over for deletion
 * once its new backups have completed.
 *
 * It owns no backup: its delete does nothing, and the resource that started a
 * backup stays the one that deletes it. Because the ids reach the state
 * before this step starts waiting, an `up` killed or cancelled during the
 * wait leaves nothing behind: the next `up` waits again.
 */
import { CreationIncompleteError, dropUndefined, factsOf, BackupFacts } from "./backup-ops";
import type { DeleteOutcome, StartedBackup } from "./clouds/adapter";
import { CloudError, ResourceInitError, withProviderKey } from "./core/errors";
import type { InstanceCoordinator } from "./instance";
import { releaseBackup } from "./ownership";
import { keptAfterDelete, PendingDelete } from "./retention-set";
import type { ProviderRuntime } from "./runtime";
import type { ConfigSource } from "./config";

/** A backup to wait for, as the starting resource recorded it. */
export interface WaitedBackup extends Partial<BackupFacts> { }

/** The facts of a started backup the wait step is given. */
const WAITED_KEYS = ["backupId", "jobId", "startedAt", "status", "cloudStatus", "finishedAt", "sizeBytes", "storeStatus"] as const;

/** A started backup as the wait step gets it: the starting step's record of it, reduced to its facts. */
export function waitedOf(m: object): WaitedBackup {
    return dropUndefined(Object.fromEntries(WAITED_KEYS.map(k => [k, (m as Record<string, unknown>)[k] ?? undefined]))) as WaitedBackup;
}

/** A set member as the starting step records it (the parts the wait step reads). */
type StartedMember = { backupId?: string; jobId?: string; pendingDelete?: unknown };

/**
 * What a set's wait step gets from the set's starting step: the backups of
 * its labels to wait for, and, when it waits at all, the members handed over
 * for deletion (`pendingDelete`) once those completed. A key holding `~`
 * is a member kept past its label, not one to wait for.
 */
export function setWaitInputs(members: Record<string, StartedMember>, waiting: boolean): { backups: Record<string, WaitedBackup>; deletes: Record<string, { backupId?: string; jobId?: string }> } {
    const entries = Object.entries(members);
    return {
        backups: Object.fromEntries(entries.filter(([l, m]) => !m.pendingDelete && !l.includes("~")).map(([l, m]) => [l, waitedOf(m)])),
        deletes: !waiting ? {} : Object.fromEntries(entries.filter(([, m]) => m.pendingDelete && (m.backupId || m.jobId))
            .map(([l, m]) => [l, dropUndefined({ backupId: m.backupId, jobId: m.jobId })])),
    };
}

/** A set's members after its wait step: those it deleted leave, what it saw of each is merged in, a refusal shows as its pendingDelete. */
export function membersAfterWait<M extends object>(members: Record<string, M>, facts: Record<string, object> | undefined, deleted: readonly string[] | undefined,
    refused: Record<string, PendingDelete> | undefined): Record<string, M> {
    return Object.fromEntries(Object.entries(members).filter(([l]) => !(deleted ?? []).includes(l))
        .map(([l, m]) => [l, { ...m, ...(facts?.[l] ?? {}), ...(refused?.[l] ? { pendingDelete: refused[l] } : {}) }]));
}

/** Inputs of the wait step (set by the SDK from the starting resource's outputs). */
export interface BackupWaitInputs {
    cloud: "alicloud" | "huaweicloud";
    service: "rds" | "geminidb";
    region?: string;
    instanceId: string;
    resourceName?: string;
    waitForCompletion?: boolean;
    waitTimeout?: string;
    deleteTimeout?: string;
    /** Key (a label, or `backup` for a `ManualBackup`) → the backup to wait for. */
    backups: Record<string, WaitedBackup>;
    /** Key → a backup the starting resource keeps as `pendingDelete` until its new backups have completed. */
    deletes?: Record<string, { backupId?: string; jobId?: string }>;
}

/**
 * State of the wait step: its inputs, what the cloud reported, the keys whose
 * backups it deleted, and the handed-over members it could not delete yet
 * (shown on the set's member as its `pendingDelete`; the set hands them over
 * again on the next update).
 */
export type BackupWaitState = BackupWaitInputs & { facts: Record<string, BackupFacts>; deleted: string[]; refused?: Record<string, PendingDelete> };

/** The inputs with the target's defaults (the SDK passes the user's values, `service` possibly unset). */
function withDefaults(raw: Record<string, unknown>): BackupWaitInputs {
    return { ...(raw as unknown as BackupWaitInputs), service: (raw.service as BackupWaitInputs["service"] | undefined) ?? "rds" };
}

/** Identity of a started backup: the job when there is one (Alibaba learns the backup id late), else the backup. */
const identity = (b: WaitedBackup | undefined) => (b?.jobId ? `job:${b.jobId}` : `backup:${b?.backupId ?? ""}`);

/** The `pulumi.dynamic.ResourceProvider` of the wait step. */
export class BackupWaitProvider {
    constructor(private readonly rt: ProviderRuntime) { }

    configure(req: { config: ConfigSource }): void {
        this.rt.configure(req.config);
    }

    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        return { inputs: news, failures: [] };
    }

    async diff(_id: string, olds: BackupWaitState, news: BackupWaitInputs) {
        // At preview the starting step's outputs may not be known (an output it does not have, like Huawei RDS's job id, reads as
        // unknown then): the step is shown as it stands; at the update the inputs are known and this diff decides.
        if (typeof news.backups !== "object" || news.backups === null || Object.values(news.backups).some(b => typeof b !== "object")) {
            const unsettled = Object.values(olds.facts ?? {}).some(f => f.status !== "COMPLETED") || Object.keys(news.deletes ?? {}).length > 0;
            return { changes: unsettled || !olds.facts, replaces: [], deleteBeforeReplace: false };
        }
        const before = olds.backups ?? {}, after = news.backups;
        const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
        // Other backups (a replaced backup, a label added or removed): an update, which waits only for backups whose completion
        // it has not seen (a replacement would forget the completions it has); the step owns nothing, so nothing is deleted.
        const others = [...keys].some(k => identity(before[k]) !== identity(after[k]));
        if (news.waitForCompletion === false) return { changes: others || olds.waitForCompletion !== false, replaces: [], deleteBeforeReplace: false };
        const unfinished = Object.values(olds.facts ?? {}).some(f => f.status !== "COMPLETED") || Object.keys(after).some(k => !olds.facts?.[k]);
        const deletes = Object.keys(news.deletes ?? {}).length > 0;
        return { changes: others || unfinished || deletes, replaces: [], deleteBeforeReplace: false };
    }

    async create(raw: Record<string, unknown>): Promise<{ id: string; outs: BackupWaitState }> {
        const inputs = withDefaults(raw);
        const id = `${inputs.instanceId}/${inputs.resourceName ?? "backup"}/wait`;
        try {
            return { id, outs: await this.run(id, inputs, {}) };
        } catch (err) {
            throw withProviderKey(err, raw);
        }
    }

    async update(id: string, olds: BackupWaitState, raw: Record<string, unknown>): Promise<{ outs: BackupWaitState }> {
        try {
            return { outs: await this.run(id, withDefaults(raw), olds.facts ?? {}) };
        } catch (err) {
            throw withProviderKey(err, raw);
        }
    }

    async read(id: string, props: BackupWaitState): Promise<{ id: string; props: Record<string, unknown> }> {
        const inst = this.rt.instance(props);
        try {
            const listed = new Map((await inst.list()).map(b => [b.backupId, b]));
            const facts: Record<string, BackupFacts> = {};
            for (const [k, f] of Object.entries(props.facts ?? {})) {
                const b = f.backupId ? listed.get(f.backupId) : undefined;
                if (b) facts[k] = factsOf({ jobId: f.jobId }, undefined, b);
                else if (!f.backupId) facts[k] = f;
            }
            // Every backup it waited for is gone (the starting resource's refresh drops them too): so is the step.
            if (Object.keys(props.facts ?? {}).length > 0 && Object.keys(facts).length === 0) return { id: "", props: {} };
            return { id, props: { ...props, facts } };
        } catch (err) {
            throw this.rt.describe(`reading the wait for ${props.resourceName ?? id} on ${inst.adapter.displayName}`, err);
        }
    }

    /** The backups belong to the resource that started them: nothing to delete here. */
    async delete(): Promise<void> { }

    /**
     * Waits for every backup not known to be completed (all at once), then,
     * when all completed, deletes the handed-over members. Raises an init
     * failure naming the ids when a wait ends early (timeout, cancel) or a
     * backup failed, so the step is retried by the next `up`.
     */
    private async run(id: string, inputs: BackupWaitInputs, known: Record<string, BackupFacts>): Promise<BackupWaitState> {
        // `waitForCompletion: false`: nothing to wait for, and nothing to report (the starting step's outputs stand).
        if (inputs.waitForCompletion === false) return { ...inputs, facts: {}, deleted: [], refused: {} };
        const inst = this.rt.instance(inputs);
        const label = inputs.resourceName ?? inputs.instanceId;
        const facts: Record<string, BackupFacts> = {};
        const problems: string[] = [];
        await Promise.all(Object.entries(inputs.backups ?? {}).map(async ([k, b]) => {
            const who = k === "backup" ? label : `${label}[${k}]`;
            const prior = known[k];
            if (prior?.status === "COMPLETED" && identity(prior) === identity(b)) { facts[k] = prior; return; }
            if (b.status === "COMPLETED" && b.backupId) { facts[k] = dropUndefined({ ...factsOf(b, undefined), ...b }) as BackupFacts; return; }
            const started: StartedBackup = dropUndefined({ jobId: b.jobId, backupId: b.backupId, startedAt: b.startedAt });
            facts[k] = factsOf(started, undefined);
            try {
                facts[k] = factsOf(started, await inst.waitCreated(started, this.rt.opsFor(inputs, who)));
            } catch (err) {
                problems.push(this.problem(who, inst, err, b));
                if (err instanceof CreationIncompleteError) facts[k] = factsOf(err.started, err.progress);
            }
        }));
        const { deleted, refused } = problems.length === 0 ? await this.deleteHandedOver(inst, inputs, known, problems) : { deleted: [], refused: {} };
        const state: BackupWaitState = { ...inputs, facts, deleted, refused };
        if (problems.length) {
            throw new ResourceInitError(problems.join("; "), id, state as unknown as Record<string, unknown>, problems);
        }
        return state;
    }

    /** What went wrong with one wait, naming the backup and saying what the next command does. */
    private problem(who: string, inst: InstanceCoordinator, err: unknown, b: WaitedBackup): string {
        const what = `${who}: waiting for ${b.backupId ? `backup ${b.backupId}` : `the backup of job ${b.jobId}`} of ${inst.instanceId} on ${inst.adapter.displayName}`;
        if (err instanceof CreationIncompleteError && err.progress?.status === "FAILED") {
            return `${what}: the cloud reports it failed (${err.progress.failReason ?? err.progress.cloudStatus}). It stays recorded in state.`
                + " Next: run `pulumi refresh` (it records the failure), then `pulumi up` (it replaces the failed backup and deletes it)";
        }
        if (err instanceof CreationIncompleteError && err.cloudError instanceof CloudError) {
            // The cloud's answer ended the wait (the backup is not listed, a wrong endpoint): its code and next step are what count.
            return `${this.rt.describe(what, err.cloudError).message} (the backup stays recorded in state)`;
        }
        if (err instanceof CreationIncompleteError) {
            return `${what}: ${this.rt.message(err)}. The backup is recorded in state (status ${err.progress?.status ?? "BUILDING"}); the next \`pulumi up\` waits for it again, and no second backup is made`;
        }
        return this.rt.describe(what, err).message;
    }

    /**
     * Deletes the members a retention set kept as `pendingDelete` until its
     * new backups completed. A backup the cloud refuses (or a busy instance)
     * stays with the set, which keeps it as `pendingDelete` and hands it over
     * again on the next `up`.
     */
    private async deleteHandedOver(inst: InstanceCoordinator, inputs: BackupWaitInputs, known: Record<string, BackupFacts>, problems: string[]): Promise<{ deleted: string[]; refused: Record<string, PendingDelete> }> {
        const deleted: string[] = [];
        const refused: Record<string, PendingDelete> = {};
        const label = inputs.resourceName ?? inputs.instanceId;
        const byId = new Map<string, string>();
        for (const [k, d] of Object.entries(inputs.deletes ?? {})) {
            // A member the set knows by its job only (Alibaba): the backup id this step saw when it waited, or one look at the job.
            let backupId = d.backupId ?? (d.jobId && known[k]?.jobId === d.jobId ? known[k].backupId : undefined);
            if (!backupId && d.jobId) {
                try {
                    backupId = (await inst.status({ jobId: d.jobId })).backupId;
                } catch (err) {
                    this.rt.log(`warning: ${label}: the backup of job ${d.jobId} (label ${k}) is not known yet, so it is not deleted now: ${this.rt.message(err)}; it stays in state as pendingDelete and is retried on the next update`);
                }
            }
            if (backupId) byId.set(backupId, k);
        }
        if (byId.size === 0) return { deleted, refused };
        let outcomes: DeleteOutcome[];
        try {
            outcomes = await inst.deleteKnowingRefusals([...byId.keys()], this.rt.opsForDelete(inputs, label, Date.now()));
        } catch (err) {
            problems.push(`deleting ${byId.size} backups of ${label}: ${this.rt.message(err)}`);
            return { deleted, refused };
        }
        const now = new Date().toISOString();
        for (const o of outcomes) {
            const k = byId.get(o.backupId)!;
            if (o.result === "deleted") {
                deleted.push(k);
                releaseBackup(inputs.instanceId, o.backupId);
                continue;
            }
            // Judged as the set's own prune judges it; the member stays with the set either way.
            const kept = keptAfterDelete(o, k, now, inputs, inst.adapter.displayName);
            if (kept.problem) problems.push(kept.problem);
            else {
                refused[k] = kept.pending!;
                this.rt.log(kept.warning!);
            }
        }
        return { deleted: deleted.sort(), refused };
    }
}
