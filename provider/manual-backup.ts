/**
 * `ManualBackup`: one manual backup, with the dynamic-provider contract
 * check / diff / create / read / update / delete. The cloud is reached only
 * through the instance coordinator (`instance.ts`).
 */
import type { CloudBackup, CreateBackupRequest, DeleteOutcome, StartedBackup } from "./clouds/adapter";
import { nextStepFor } from "./clouds/delete-outcome";
import type { InstanceCoordinator } from "./instance";
import { CloudError, hintFor, isNameTaken, ResourceInitError, withProviderKey } from "./core/errors";
import { CreationIncompleteError, dropUndefined, factsOf, BackupFacts } from "./backup-ops";
import { CheckFailure, DEFAULT_DELETE_TIMEOUT, differs, manualBackupSchema, ManualBackupInputs, parseInputs, validate } from "./schema";
import { defaultBackupName } from "./naming";
import { claimBackup, isOwnedBy, markedDescription, markerOf, Owner, ownerTag, releaseBackup } from "./ownership";
import { forgetStart, pendingStart, recordStarted } from "./journal";
import { freeOwnName } from "./instance";
import type { ProviderRuntime } from "./runtime";
import type { ConfigSource } from "./config";

/** Inputs whose change needs a new backup: a backup cannot move, change method or content. */
export const MANUAL_BACKUP_REPLACE_KEYS = ["cloud", "service", "instanceId", "region", "databases", "backupMethod", "backupStrategy", "name", "adoptBackupId"] as const;
/** Inputs that are not the backup itself: a change is recorded in state without an API call. */
const IGNORED_IN_DIFF = new Set(["resourceName", "project", "stack", "resourceUrn", "adoptOwned", "__provider"]);

/** State of a `ManualBackup`: its validated inputs plus what the cloud reported. */
export type ManualBackupState = ManualBackupInputs & BackupFacts & { adopted?: boolean };

/** The prefix of progress lines and warnings: the Pulumi resource name. */
const labelOf = (i: { resourceName?: string; instanceId: string }) => i.resourceName ?? i.instanceId;

/** Who a `ManualBackup`'s backups belong to. */
const ownerOf = (i: ManualBackupInputs): Owner => ({ project: i.project, stack: i.stack, resourceName: i.resourceName });

/** The identity fields of a default name; a change of any of them needs a new name. */
const NAME_IDENTITY = ["resourceName", "cloud", "service", "instanceId", "databases"] as const;

/**
 * Inputs with the Huawei default name filled in (Huawei requires a name;
 * Alibaba sets have none). A default name already recorded for the same
 * resource and target is kept, so a stack renamed (or state from a version
 * whose default names did not hash the project and stack) is not replaced.
 */
function withDefaultName(value: ManualBackupInputs, olds?: Record<string, unknown>): ManualBackupInputs {
    if (value.cloud !== "huaweicloud" || value.name !== undefined) return value;
    const name = defaultBackupName(value);
    const earlier = olds?.name;
    const sameShape = typeof earlier === "string" && earlier.length === name.length && earlier.slice(0, -6) === name.slice(0, -6) && /[0-9a-f]{6}$/.test(earlier);
    if (sameShape && NAME_IDENTITY.every(k => !differs(olds?.[k], value[k]))) return { ...value, name: earlier };
    return { ...value, name };
}

/** The `pulumi.dynamic.ResourceProvider` for `ManualBackup`. */
export class ManualBackupProvider {
    constructor(private readonly rt: ProviderRuntime) { }

    /** Receives the stack config from the host before any other call. */
    configure(req: { config: ConfigSource }): void {
        this.rt.configure(req.config);
    }

    async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
        const v = validate(manualBackupSchema, news);
        if (!v.ok) return { inputs: news, failures: v.failures };
        // While some input is unknown (preview), neither the default name nor the credentials can be judged yet.
        const known = v.unknownKeys.length === 0;
        const value = known ? withDefaultName(v.value as ManualBackupInputs, olds) : v.value;
        const inputs: Record<string, unknown> = { ...news, ...value };
        const missing = known ? this.rt.missingSettings(value) : undefined;
        if (missing) return { inputs, failures: [{ property: "cloud", reason: missing }] };
        return { inputs, failures: known ? await this.rt.instanceFailures(value, "check") : [] };
    }

    async diff(_id: string, olds: ManualBackupState, news: ManualBackupInputs) {
        // A backup the cloud failed (and would not delete) is replaced: a new backup, then the failed one deleted.
        const now = await this.statusSince(olds, news);
        const replaces = [...MANUAL_BACKUP_REPLACE_KEYS.filter(k => differs(olds[k], news[k])), ...(olds.status === "FAILED" || now === "FAILED" ? ["status"] : [])];
        const inputKeys = Object.keys(news).filter(k => !IGNORED_IN_DIFF.has(k));
        // Still building and waited for here; or started without waiting and finished since, which the update records
        // (an Alibaba job's backup id among it, so the backup is known by its id before the job leaves the cloud's list).
        const stillBuilding = olds.status === "BUILDING" && (news.waitForCompletion !== false || now === "COMPLETED");
        const changes = replaces.length > 0 || stillBuilding || inputKeys.some(k => differs((olds as unknown as Record<string, unknown>)[k], (news as unknown as Record<string, unknown>)[k]));
        return { changes, replaces: [...replaces], deleteBeforeReplace: false };
    }

    /**
     * A backup started without waiting (the SDK's first step) that is still
     * BUILDING in state: one look says what the cloud says of it now. Failed
     * since: the update replaces it (a new backup, then the failed one
     * deleted). Completed since: the update records it.
     */
    private async statusSince(olds: ManualBackupState, news: ManualBackupInputs): Promise<string | undefined> {
        if (olds.status !== "BUILDING" || news.waitForCompletion !== false || (!olds.jobId && !olds.backupId)) return undefined;
        try {
            return (await this.rt.instance(olds).status({ jobId: olds.jobId, backupId: olds.backupId, startedAt: olds.startedAt })).status;
        } catch {
            return undefined; // not readable now: judged by the next run
        }
    }

    async create(raw: Record<string, unknown>): Promise<{ id: string; outs: ManualBackupState }> {
        const inputs = withDefaultName(parseInputs(manualBackupSchema, raw));
        const inst = this.rt.instance(inputs);
        const owner = ownerOf(inputs);
        try {
            // What Check could not judge (the instance could not be read then) is judged before anything is made.
            const refused = await this.rt.instanceFailures(inputs, "create");
            if (refused.length) throw new Error(`${refused.map(f => `${f.property}: ${f.reason}`).join("; ")}. Nothing was created`);
            if (inputs.adoptBackupId) return await this.adopt(inst, inputs);
            const resumed = await this.resumeJournaled(inst, inputs);
            if (resumed) return resumed;
            const req: CreateBackupRequest = {
                instanceId: inputs.instanceId, name: inputs.name,
                // The marker proves, later, that this resource created the backup (Huawei keeps descriptions; Alibaba sets have none).
                description: inputs.cloud === "huaweicloud" ? markedDescription(inputs.description, owner) : undefined,
                databases: inputs.databases, backupMethod: inputs.backupMethod, backupStrategy: inputs.backupStrategy,
            };
            const opts = { ...this.rt.opsFor(inputs, labelOf(inputs)), onStarted: (started: StartedBackup) => recordStarted(inputs, ownerTag(owner), started, owner) };
            let result;
            try {
                result = await inst.create(req, opts);
            } catch (err) {
                // The name is taken: perhaps by this resource's own backup from an earlier attempt that lost the answer.
                if (!(isNameTaken(err) && inputs.name)) throw err;
                const earlier = await inst.findByName(inputs.name);
                const taken = earlier && await this.takeOverEarlierAttempt(inst, inputs, earlier);
                if (taken) return taken;
                // Our own failed (or going) backup holds the name: it goes, then the name is ours again.
                if (!earlier || !await freeOwnName(inst, earlier, ownerTag(owner), opts)) throw err;
                result = await inst.create(req, opts);
            }
            const facts = factsOf(result.started, result.progress);
            if (facts.backupId) claimBackup(inputs.instanceId, facts.backupId, ownerTag(owner));
            forgetStart(inputs, ownerTag(owner)); // in state from here on
            return { id: facts.backupId ?? `job-${result.started.jobId}`, outs: { ...inputs, ...facts } };
        } catch (err) {
            const failure = await this.failure(`creating backup of ${inputs.instanceId} on ${inst.adapter.displayName}`, inst, inputs, err);
            // Recorded in state (init failure), or nothing exists: either way the journal's entry has served.
            if (failure instanceof ResourceInitError || err instanceof CreationIncompleteError) forgetStart(inputs, ownerTag(owner));
            throw withProviderKey(failure, raw);
        }
    }

    /**
     * A backup this resource started on this machine whose id never reached
     * the state (the run was killed while waiting): resume it instead of
     * creating a second one. Alibaba needs this most: its backup sets carry
     * no name or marker that would prove whose they are.
     */
    private async resumeJournaled(inst: InstanceCoordinator, inputs: ManualBackupInputs) {
        const tag = ownerTag(ownerOf(inputs));
        const started = pendingStart(inputs, tag);
        if (!started) return undefined;
        let progress;
        try {
            progress = await inst.status(started);
        } catch {
            return undefined; // not found (or not readable): create as usual; the entry is replaced by the new one
        }
        if (progress.status === "FAILED") {
            forgetStart(inputs, tag);
            return undefined;
        }
        this.rt.log(`${labelOf(inputs)}: resuming the backup this resource started in an interrupted run on this machine (${started.jobId ? `job ${started.jobId}` : `backup ${started.backupId}`}) instead of creating a second one`);
        const result = await this.finish(inst, inputs, { ...started, backupId: started.backupId ?? progress.backupId });
        forgetStart(inputs, tag);
        return result;
    }

    /**
     * A backup of our name exists already. It is taken over only when its
     * owner marker proves this resource created it (an earlier attempt died
     * after the cloud accepted it); anybody else's backup is never taken.
     */
    private async takeOverEarlierAttempt(inst: InstanceCoordinator, inputs: ManualBackupInputs, earlier: CloudBackup) {
        const label = labelOf(inputs);
        if (!isOwnedBy(earlier.description, ownerOf(inputs))) {
            const foreign = markerOf(earlier.description) !== undefined;
            throw new Error(`a backup named ${inputs.name} already exists on instance ${inputs.instanceId} (backup ${earlier.backupId}`
                + `${earlier.startedAt ? `, started ${earlier.startedAt}` : ""}) and this resource did not create it`
                + `${foreign ? " (it carries another Pulumi resource's owner marker)" : ""}. Nothing was created. Next: choose another name,`
                + ` or take that backup over on purpose with adoptBackupId: "${earlier.backupId}"${foreign ? " and adoptOwned: true" : ""}`);
        }
        if (earlier.status === "FAILED" || earlier.status === "DELETING") return undefined; // its name is still taken: the cloud's refusal stands
        this.rt.log(`${label}: found backup ${earlier.backupId} named ${inputs.name} that this resource started in an earlier attempt; taking it over`);
        claimBackup(inputs.instanceId, earlier.backupId, ownerTag(ownerOf(inputs)));
        return await this.finish(inst, inputs, { backupId: earlier.backupId }, earlier.status === "COMPLETED" ? factsOf(undefined, undefined, earlier) : undefined);
    }

    async read(id: string, props: ManualBackupState): Promise<{ id: string; props: Record<string, unknown> }> {
        const inst = this.rt.instance(props);
        try {
            if (props.backupId) {
                const backup = await inst.find(props.backupId);
                if (!backup) return { id: "", props: {} };
                return { id: backup.backupId, props: { ...props, ...factsOf({ jobId: props.jobId }, undefined, backup) } };
            }
            if (props.jobId) {
                const progress = await inst.status({ jobId: props.jobId, startedAt: props.startedAt });
                const facts = factsOf({ jobId: props.jobId, startedAt: props.startedAt }, progress);
                // A failed job without a backup left nothing; a failed backup that exists stays, as FAILED: the next update replaces it, deleting it.
                if (progress.status === "FAILED" && !facts.backupId) return { id: "", props: {} };
                // The job finished long ago (a backup started without waiting): its backup may have been deleted since.
                if (facts.backupId && facts.status === "COMPLETED" && !await inst.find(facts.backupId)) return { id: "", props: {} };
                return { id: facts.backupId ?? id, props: { ...props, ...facts } };
            }
            if (!id.startsWith("job-")) {
                // `ManualBackup.get(name, id, ...)`: nothing in state yet but the target; the id is the backup id.
                const backup = await inst.find(id);
                if (!backup) return { id: "", props: {} };
                return { id: backup.backupId, props: { ...props, ...factsOf(undefined, undefined, backup), ...(backup.name ? { name: backup.name } : {}) } };
            }
            return { id, props: { ...props } };
        } catch (err) {
            throw this.rt.describe(`reading backup ${props.backupId ?? id} of ${props.instanceId} on ${inst.adapter.displayName}`, err);
        }
    }

    async update(id: string, olds: ManualBackupState, raw: Record<string, unknown>): Promise<{ outs: ManualBackupState }> {
        try {
            return await this.updateInPlace(id, olds, raw);
        } catch (err) {
            throw withProviderKey(err, raw);
        }
    }

    private async updateInPlace(id: string, olds: ManualBackupState, raw: Record<string, unknown>): Promise<{ outs: ManualBackupState }> {
        const news = withDefaultName(parseInputs(manualBackupSchema, raw));
        const inst = this.rt.instance(news);
        const { backupId, jobId, status, cloudStatus, startedAt, finishedAt, sizeBytes, storeStatus, adopted } = olds;
        if (olds.status === "BUILDING" && news.waitForCompletion) {
            // An earlier create left the job running: resume waiting on it instead of creating another backup.
            try {
                return await this.finish(inst, news, { jobId: olds.jobId, backupId: olds.backupId, startedAt: olds.startedAt });
            } catch (err) {
                throw await this.failure(`waiting for backup ${olds.backupId ?? id} of ${news.instanceId} on ${inst.adapter.displayName}`, inst, news, err);
            }
        }
        if (olds.status === "BUILDING" && !news.waitForCompletion && (olds.jobId || olds.backupId)) {
            // Started without waiting (the SDK's first step): one look records what the cloud says now, the backup id of an Alibaba job
            // among it. Not readable now, or still building: the state stays as it is, and the wait step looks for itself.
            const started = { jobId: olds.jobId, backupId: olds.backupId, startedAt: olds.startedAt };
            const p = await inst.status(started).catch(() => undefined);
            if (p && p.status !== "BUILDING") {
                return { outs: dropUndefined({ ...news, ...factsOf(started, p), startedAt: p.backup?.startedAt ?? startedAt, name: p.backup?.name ?? olds.name, adopted }) };
            }
        }
        // Nothing else can change in place: the new inputs are recorded with what the cloud reported before.
        return { outs: dropUndefined({ ...news, backupId, jobId, status, cloudStatus, startedAt, finishedAt, sizeBytes, storeStatus, adopted }) };
    }

    async delete(id: string, props: ManualBackupState): Promise<void> {
        const inst = this.rt.instance(props);
        const what = `deleting backup ${props.backupId ?? id} of ${props.instanceId} on ${inst.adapter.displayName}`;
        // Every wait of this delete ends deleteTimeout from now.
        const since = Date.now();
        try {
            let backupId = props.backupId;
            if (!backupId && props.jobId) {
                // The job never reported its backup: wait for it, so no backup is left behind.
                const progress = await inst.waitCreated({ jobId: props.jobId, startedAt: props.startedAt }, this.rt.opsForDelete(props, labelOf(props), since)).catch(err => {
                    // A failed job may still have left a failed backup (Alibaba keeps a failed set): that one is deleted.
                    if (err instanceof CreationIncompleteError && err.progress?.status === "FAILED") return err.progress;
                    if (!(err instanceof CreationIncompleteError)) throw err;
                    // A cloud answer that ended the wait (a wrong endpoint, say) says what to fix; otherwise the job is still running.
                    const hint = err.cloudError instanceof CloudError ? hintFor(err.cloudError.code) : "";
                    throw new Error(`${what}: the backup of job ${props.jobId} is not known yet, so it cannot be deleted (${this.rt.message(err)}; deleteTimeout is ${props.deleteTimeout ?? DEFAULT_DELETE_TIMEOUT}).`
                        + ` The resource stays in state. Next: ${hint ? `${hint}, then run the delete again` : "run the delete again once the job has ended, or raise deleteTimeout"}.`);
                });
                backupId = progress?.backupId;
                if (!backupId) return;
            }
            if (!backupId) return;
            // Gathered with other deletes of this instance arriving together (a destroy) into the cloud's batch call.
            const outcome = await inst.deleteGathered(backupId, this.rt.opsForDelete(props, labelOf(props), since));
            if (outcome.result === "deleted") return releaseBackup(props.instanceId, backupId);
            const cause = `${outcome.code}: ${outcome.message}`;
            if (outcome.stillBusy) {
                throw new Error(`${what}: the instance was still busy with another operation when deleteTimeout (${props.deleteTimeout ?? DEFAULT_DELETE_TIMEOUT}) ran out (${cause}).`
                    + ` The backup still exists and stays in state. Next: run the delete again once the instance's running operation has ended, or raise deleteTimeout.`);
            }
            if (outcome.result === "blocked" && props.onDeleteBlocked === "forget") {
                this.rt.log(`warning: ${props.resourceName ?? backupId}: ${inst.adapter.displayName} refused to delete backup ${backupId} (${cause}); onDeleteBlocked is "forget", so it is removed from state and left in the cloud`);
                return;
            }
            const hint = outcome.result === "blocked" ? hintFor(outcome.code) || "retry later, or set onDeleteBlocked: \"forget\" to drop it from state" : nextStepFor(outcome);
            // A 404 that is not the service's "no such backup" (a wrong project id's gateway answer) proves nothing: never forgotten.
            const kept = outcome.result === "unconfirmed" ? "This answer does not say the backup is gone, so it stays in state." : "The backup still exists and stays in state.";
            throw new Error(`${what}: ${inst.adapter.displayName} ${outcome.result === "unconfirmed" ? "answered" : "refused"}: ${cause}. ${kept}${hint ? ` Next: ${hint}.` : ""}`);
        } catch (err) {
            // The errors made above already say what failed.
            if (err instanceof Error && err.message.startsWith(`${what}: `)) throw new Error(this.rt.scrub(err.message));
            throw this.rt.describe(what, err);
        }
    }

    /** Waits (or resumes waiting) for a started backup and returns full outputs. */
    private async finish(inst: InstanceCoordinator, inputs: ManualBackupInputs, started: { jobId?: string; backupId?: string; startedAt?: string }, known?: BackupFacts) {
        if (known) return { id: known.backupId!, outs: { ...inputs, ...known } };
        const progress = await inst.waitCreated(started, this.rt.opsFor(inputs, labelOf(inputs)));
        const facts = factsOf(started, progress);
        return { id: facts.backupId ?? `job-${started.jobId}`, outs: { ...inputs, ...facts } };
    }

    /** Takes over the backup named by `adoptBackupId`: a manual backup that no other resource proves to own. */
    private async adopt(inst: InstanceCoordinator, inputs: ManualBackupInputs) {
        const backup = await this.takeOver(inst, inputs, inputs.adoptBackupId!, {
            via: "adoptBackupId", missing: "or remove adoptBackupId to create a new backup", automated: "adopt a manual backup, or remove adoptBackupId to create one",
            foreign: "if it is really this resource's to take over (for example moved from a stack that no longer manages it), set adoptOwned: true; otherwise remove adoptBackupId",
        });
        this.rt.log(`${labelOf(inputs)}: adopted existing backup ${backup.backupId}`);
        return { id: backup.backupId, outs: { ...inputs, ...factsOf(undefined, undefined, backup), adopted: true } };
    }

    /**
     * `pulumi import` of an existing backup (the provider plugin's Read with
     * no state): the rules of `adoptBackupId` (manual backups only, none
     * another resource's owner marker claims), then the inputs a program
     * declaring it has (the target, and on Huawei the backup's name) and full
     * outputs. Destroying the resource later deletes this backup only.
     */
    async importBackup(target: Record<string, unknown>, backupId: string): Promise<{ id: string; inputs: Record<string, unknown>; outs: ManualBackupState }> {
        const checked = validate(manualBackupSchema, target);
        if (!checked.ok) throw new Error(`importing backup ${backupId}: ${checked.failures.map(f => `${f.property} ${f.reason}`).join("; ")}`);
        const parsed = checked.value as ManualBackupInputs;
        const missing = this.rt.missingSettings(parsed);
        if (missing) throw new Error(`importing backup ${backupId}: ${missing}`);
        const inst = this.rt.instance(parsed);
        try {
            const backup = await this.takeOver(inst, parsed, backupId, {
                via: "import", missing: "and that the import id names the right cloud, service and region", automated: "import a manual backup",
                foreign: "if it is really this resource's to take over, declare it with adoptBackupId and adoptOwned: true instead of importing it",
            }, false);
            const inputs = dropUndefined({ ...target, ...(parsed.cloud === "huaweicloud" ? { name: backup.name } : {}) });
            this.rt.log(`${labelOf(parsed)}: imported existing backup ${backup.backupId}`);
            return { id: backup.backupId, inputs, outs: dropUndefined({ ...parsed, ...inputs, ...factsOf(undefined, undefined, backup) }) as ManualBackupState };
        } catch (err) {
            throw this.rt.describe(`importing backup ${backupId} of ${parsed.instanceId} on ${inst.adapter.displayName}`, err);
        }
    }

    /** The checks of a take-over (adopt or import): the backup exists, is manual, and no other resource's marker claims it. */
    private async takeOver(inst: InstanceCoordinator, inputs: ManualBackupInputs, id: string,
        next: { via: string; missing: string; automated: string; foreign: string }, allowOwned = !!inputs.adoptOwned): Promise<CloudBackup> {
        const backup = await inst.find(id);
        if (!backup) {
            throw new Error(`${next.via} ${id}: no such backup on instance ${inputs.instanceId}; check the id (and instanceId), ${next.missing}`);
        }
        if (!backup.manual) {
            throw new Error(`${next.via} ${id}: backup ${id} on instance ${inputs.instanceId} is an automated backup; the instance's backup policy owns it and deletes it when its retention ends, so it cannot be ${next.via === "import" ? "imported" : "adopted"}. Next: ${next.automated}`);
        }
        const tag = markerOf(backup.description);
        const mine = ownerTag(ownerOf(inputs));
        if (tag !== undefined && tag !== mine && !allowOwned) {
            throw new Error(`${next.via} ${id}: backup ${id} on instance ${inputs.instanceId} carries the owner marker of another Pulumi resource (dbbackups:${tag}), which may still manage and delete it. Next: ${next.foreign}`);
        }
        claimBackup(inputs.instanceId, backup.backupId, mine, next.via);
        return backup;
    }

    /**
     * Turns a failure after the cloud accepted a backup into an init error
     * carrying the id and the outputs known so far (recorded in state, never
     * orphaned). A backup that failed in the cloud is cleaned up and reported.
     */
    private async failure(what: string, inst: InstanceCoordinator, inputs: ManualBackupInputs, err: unknown): Promise<Error> {
        if (!(err instanceof CreationIncompleteError)) return this.rt.describe(what, err);
        const facts = factsOf(err.started, err.progress);
        if (err.progress?.status === "FAILED") {
            if (!facts.backupId) return new Error(`${what}: ${err.message}. Nothing is recorded; the next update tries again.`);
            const [outcome] = await inst.deleteNow([facts.backupId], this.rt.opsForDelete(inputs, labelOf(inputs), Date.now())).catch((e: unknown): DeleteOutcome[] =>
                [{ backupId: facts.backupId!, result: "failed", code: e instanceof CloudError ? e.code : "Error", message: e instanceof CloudError ? e.cloudMessage : String((e as Error)?.message ?? e) }]);
            if (outcome?.result === "deleted") return new Error(`${what}: ${err.message}. The failed backup ${facts.backupId} was deleted and nothing is recorded; the next update tries again.`);
            // Still in the cloud: recorded, so it is not left behind; Diff replaces a FAILED backup, deleting it.
            return new ResourceInitError(`${what}: ${err.message}. The cloud did not delete the failed backup ${facts.backupId} (${outcome?.code}: ${outcome?.message}),`
                + ` so it is recorded in state with status FAILED: the next update replaces it with a new backup and deletes it`, facts.backupId, { ...inputs, ...facts, status: "FAILED" });
        }
        const id = facts.backupId ?? `job-${err.started.jobId}`;
        const message = `${what}: ${this.rt.message(err)}. The backup is recorded in state as ${facts.status}; the next update resumes waiting for it.`;
        return new ResourceInitError(message, id, { ...inputs, ...facts });
    }



}
