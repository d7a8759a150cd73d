/**
 * `ManualBackup`: one manual backup, with the dynamic-provider contract
 * check / diff / create / read / update / delete. Cloud-specific work goes
 * through the adapter interface only.
 */
import { createHash } from "crypto";
import type { BackupAdapter, CreateBackupRequest } from "./clouds/adapter";
import { hintFor, ResourceInitError } from "./errors";
import { CreationIncompleteError, createBackup, dropUndefined, factsOf, waitCreated, BackupFacts } from "./backup-ops";
import { CheckFailure, differs, manualBackupSchema, ManualBackupInputs, parseInputs, validate } from "./schema";
import type { ProviderRuntime } from "./runtime";
import type { ConfigSource } from "./config";

/** Inputs whose change needs a new backup: a backup cannot move, change method or content. */
export const MANUAL_BACKUP_REPLACE_KEYS = ["cloud", "service", "instanceId", "region", "databases", "backupMethod", "backupStrategy", "name", "adoptBackupId"] as const;
/** Inputs that are not the backup itself: a change is recorded in state without an API call. */
const IGNORED_IN_DIFF = new Set(["resourceName", "__provider"]);

/** State of a `ManualBackup`: its validated inputs plus what the cloud reported. */
export type ManualBackupState = ManualBackupInputs & BackupFacts & { adopted?: boolean };

/**
 * The default Huawei backup name: the resource name made valid, plus a short
 * hash of what identifies the backup, so a replacement on the same instance
 * gets a different (unique) name and re-runs get the same one.
 */
export function defaultBackupName(resourceName: string | undefined, identity: unknown[]): string {
    let base = (resourceName ?? "backup").replace(/[^A-Za-z0-9_-]/g, "-");
    if (!/^[A-Za-z]/.test(base)) base = `b-${base}`;
    const suffix = createHash("sha256").update(JSON.stringify([resourceName, ...identity])).digest("hex").slice(0, 6);
    return `${base.slice(0, 57)}-${suffix}`.padEnd(4, "0");
}

/** The prefix of progress lines and warnings: the Pulumi resource name. */
const labelOf = (i: { resourceName?: string; instanceId: string }) => i.resourceName ?? i.instanceId;

/** Inputs with the Huawei default name filled in (Huawei requires a name; Alibaba sets have none). */
function withDefaultName(value: ManualBackupInputs): ManualBackupInputs {
    if (value.cloud !== "huaweicloud" || value.name !== undefined) return value;
    return { ...value, name: defaultBackupName(value.resourceName, [value.cloud, value.service, value.instanceId, value.databases ?? null]) };
}

/** The `pulumi.dynamic.ResourceProvider` for `ManualBackup`. */
export class ManualBackupProvider {
    constructor(private readonly rt: ProviderRuntime) { }

    /** Receives the stack config from the host before any other call. */
    configure(req: { config: ConfigSource }): void {
        this.rt.configure(req.config);
    }

    async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
        const v = validate(manualBackupSchema, news);
        if (!v.ok) return { inputs: news, failures: v.failures };
        // While some input is unknown (preview), neither the default name nor the credentials can be judged yet.
        const known = v.unknownKeys.length === 0;
        const value = known ? withDefaultName(v.value as ManualBackupInputs) : v.value;
        const inputs: Record<string, unknown> = { ...news, ...value };
        const missing = known ? this.rt.missingSettings(value) : undefined;
        return { inputs, failures: missing ? [{ property: "cloud", reason: missing }] : [] };
    }

    async diff(_id: string, olds: ManualBackupState, news: ManualBackupInputs) {
        const replaces = MANUAL_BACKUP_REPLACE_KEYS.filter(k => differs(olds[k], news[k]));
        const inputKeys = Object.keys(news).filter(k => !IGNORED_IN_DIFF.has(k));
        const stillBuilding = olds.status === "BUILDING" && news.waitForCompletion !== false;
        const changes = replaces.length > 0 || stillBuilding || inputKeys.some(k => differs((olds as unknown as Record<string, unknown>)[k], (news as unknown as Record<string, unknown>)[k]));
        return { changes, replaces: [...replaces], deleteBeforeReplace: false };
    }

    async create(raw: Record<string, unknown>): Promise<{ id: string; outs: ManualBackupState }> {
        const inputs = withDefaultName(parseInputs(manualBackupSchema, raw));
        const adapter = this.rt.adapter(inputs);
        const label = labelOf(inputs);
        try {
            if (inputs.adoptBackupId) return await this.adopt(adapter, inputs);
            if (inputs.name && adapter.findBackupByName) {
                // An earlier attempt may have died after the cloud accepted it: take that backup over instead of making a second one.
                const earlier = await adapter.findBackupByName(inputs.instanceId, inputs.name);
                if (earlier && earlier.status !== "FAILED" && earlier.status !== "DELETING") {
                    this.rt.log(`${label}: found backup ${earlier.backupId} named ${inputs.name} from an earlier attempt; taking it over`);
                    return await this.finish(adapter, inputs, { backupId: earlier.backupId }, earlier.status === "COMPLETED" ? factsOf(undefined, undefined, earlier) : undefined);
                }
            }
            const req: CreateBackupRequest = {
                instanceId: inputs.instanceId, name: inputs.name, description: inputs.description,
                databases: inputs.databases, backupMethod: inputs.backupMethod, backupStrategy: inputs.backupStrategy,
            };
            const result = await createBackup(adapter, req, this.rt.opsFor(inputs, labelOf(inputs)));
            const facts = factsOf(result.started, result.progress);
            return { id: facts.backupId ?? `job-${result.started.jobId}`, outs: { ...inputs, ...facts } };
        } catch (err) {
            throw await this.failure(`creating backup of ${inputs.instanceId} on ${adapter.displayName}`, adapter, inputs, err);
        }
    }

    async read(id: string, props: ManualBackupState): Promise<{ id: string; props: Record<string, unknown> }> {
        const adapter = this.rt.adapter(props);
        try {
            if (props.backupId) {
                const backup = await adapter.findBackup(props.instanceId, props.backupId);
                if (!backup) return { id: "", props: {} };
                return { id: backup.backupId, props: { ...props, ...factsOf({ jobId: props.jobId }, undefined, backup) } };
            }
            if (props.jobId) {
                const progress = await adapter.creationStatus(props.instanceId, { jobId: props.jobId });
                if (progress.status === "FAILED") return { id: "", props: {} };
                const facts = factsOf({ jobId: props.jobId }, progress);
                return { id: facts.backupId ?? id, props: { ...props, ...facts } };
            }
            if (!id.startsWith("job-")) {
                // `ManualBackup.get(name, id, ...)`: nothing in state yet but the target; the id is the backup id.
                const backup = await adapter.findBackup(props.instanceId, id);
                if (!backup) return { id: "", props: {} };
                return { id: backup.backupId, props: { ...props, ...factsOf(undefined, undefined, backup), ...(backup.name ? { name: backup.name } : {}) } };
            }
            return { id, props: { ...props } };
        } catch (err) {
            throw this.rt.describe(`reading backup ${props.backupId ?? id} of ${props.instanceId} on ${adapter.displayName}`, err);
        }
    }

    async update(id: string, olds: ManualBackupState, raw: Record<string, unknown>): Promise<{ outs: ManualBackupState }> {
        const news = withDefaultName(parseInputs(manualBackupSchema, raw));
        const adapter = this.rt.adapter(news);
        const { backupId, jobId, status, cloudStatus, startedAt, finishedAt, sizeBytes, storeStatus, adopted } = olds;
        if (olds.status === "BUILDING" && news.waitForCompletion) {
            // An earlier create left the job running: resume waiting on it instead of creating another backup.
            try {
                return await this.finish(adapter, news, { jobId: olds.jobId, backupId: olds.backupId });
            } catch (err) {
                throw await this.failure(`waiting for backup ${olds.backupId ?? id} of ${news.instanceId} on ${adapter.displayName}`, adapter, news, err);
            }
        }
        // Nothing else can change in place: the new inputs are recorded with what the cloud reported before.
        return { outs: dropUndefined({ ...news, backupId, jobId, status, cloudStatus, startedAt, finishedAt, sizeBytes, storeStatus, adopted }) };
    }

    async delete(id: string, props: ManualBackupState): Promise<void> {
        const adapter = this.rt.adapter(props);
        const what = `deleting backup ${props.backupId ?? id} of ${props.instanceId} on ${adapter.displayName}`;
        try {
            let backupId = props.backupId;
            if (!backupId && props.jobId) {
                // The job never reported its backup: wait for it, so no backup is left behind.
                const progress = await waitCreated(adapter, props.instanceId, { jobId: props.jobId }, this.rt.opsFor(props, labelOf(props))).catch(err => {
                    if (err instanceof CreationIncompleteError && err.progress?.status === "FAILED") return undefined;
                    throw err;
                });
                backupId = progress?.backupId;
                if (!backupId) return;
            }
            if (!backupId) return;
            const [outcome] = await adapter.deleteBackups(props.instanceId, [backupId]);
            if (outcome.result === "deleted") return;
            const cause = `${outcome.code}: ${outcome.message}`;
            if (outcome.result === "blocked" && props.onDeleteBlocked === "forget") {
                this.rt.log(`warning: ${props.resourceName ?? backupId}: ${adapter.displayName} refused to delete backup ${backupId} (${cause}); onDeleteBlocked is "forget", so it is removed from state and left in the cloud`);
                return;
            }
            const hint = outcome.result === "blocked" ? hintFor(outcome.code) || "retry later, or set onDeleteBlocked: \"forget\" to drop it from state" : hintFor(outcome.code);
            throw new Error(`${what}: ${adapter.displayName} refused: ${cause}. The backup still exists and stays in state.${hint ? ` Next: ${hint}.` : ""}`);
        } catch (err) {
            throw this.rt.describe(what, err);
        }
    }

    /** Waits (or resumes waiting) for a started backup and returns full outputs. */
    private async finish(adapter: BackupAdapter, inputs: ManualBackupInputs, started: { jobId?: string; backupId?: string }, known?: BackupFacts) {
        if (known) return { id: known.backupId!, outs: { ...inputs, ...known } };
        const progress = await waitCreated(adapter, inputs.instanceId, started, this.rt.opsFor(inputs, labelOf(inputs)));
        const facts = factsOf(started, progress);
        return { id: facts.backupId ?? `job-${started.jobId}`, outs: { ...inputs, ...facts } };
    }

    private async adopt(adapter: BackupAdapter, inputs: ManualBackupInputs) {
        const backup = await adapter.findBackup(inputs.instanceId, inputs.adoptBackupId!);
        if (!backup) {
            throw new Error(`adoptBackupId ${inputs.adoptBackupId}: no such backup on instance ${inputs.instanceId}; check the id (and instanceId), or remove adoptBackupId to create a new backup`);
        }
        this.rt.log(`${labelOf(inputs)}: adopted existing backup ${backup.backupId}`);
        return { id: backup.backupId, outs: { ...inputs, ...factsOf(undefined, undefined, backup), adopted: true } };
    }

    /**
     * Turns a failure after the cloud accepted a backup into an init error
     * carrying the id and the outputs known so far (recorded in state, never
     * orphaned). A backup that failed in the cloud is cleaned up and reported.
     */
    private async failure(what: string, adapter: BackupAdapter, inputs: ManualBackupInputs, err: unknown): Promise<Error> {
        if (!(err instanceof CreationIncompleteError)) return this.rt.describe(what, err);
        const facts = factsOf(err.started, err.progress);
        if (err.progress?.status === "FAILED") {
            if (facts.backupId) await adapter.deleteBackups(inputs.instanceId, [facts.backupId]).catch(() => undefined);
            return new Error(`${what}: ${err.message}. Nothing is recorded; the next update tries again.`);
        }
        const id = facts.backupId ?? `job-${err.started.jobId}`;
        const message = `${what}: ${this.rt.message(err)}. The backup is recorded in state as ${facts.status}; the next update resumes waiting for it.`;
        return new ResourceInitError(message, id, { ...inputs, ...facts });
    }



}
