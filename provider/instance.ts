/**
 * Everything this provider process knows and does about one database
 * instance, in one place: the create queue (the clouds run one backup job at
 * a time per instance), one shared listing, the waits for running jobs and
 * their schedule, and the delete batcher. The resource modules ask the
 * coordinator; only the coordinator talks to the adapter, so "how many calls
 * hit one instance, and why" is answered here.
 *
 * The Pulumi engine runs resource operations concurrently and one host
 * process serves every resource of a provider, so resources of one instance
 * meet here: concurrent reads share one listing, deletes that arrive together
 * go out in the cloud's batch call.
 */
import type { BackupAdapter, CloudBackup, CreateBackupRequest, CreationProgress, DeleteOutcome, StartedBackup } from "./clouds/adapter";
import { CloudError } from "./errors";
import { isRetryable, realSleep } from "./retry";
import { formatDuration, waitFor, WaitOptions } from "./wait";
import { CreationIncompleteError, CreationResult, isInstanceBusy, OpsOptions } from "./backup-ops";

/** A listing younger than this is reused (unless this process changed the instance since). */
const LISTING_FRESH_MS = 5_000;
/** Deletes go out once none has arrived for this long (deletes a destroy sends together arrive within it)... */
const DELETE_QUIET_MS = 25;
/** ...or this long after the first one waited, whichever comes first. */
const DELETE_GATHER_MAX_MS = 250;
/** How many recent job durations the schedule remembers. */
const DURATIONS_KEPT = 5;

/** The clock the coordinator waits with; injectable for tests. */
export interface Clock { now: () => number; sleep: (ms: number) => Promise<void> }
const REAL_CLOCK: Clock = { now: () => Date.now(), sleep: realSleep };

interface GatheredDelete { backupId: string; resolve: (o: DeleteOutcome) => void; reject: (e: unknown) => void }

export class InstanceCoordinator {
    private tail: Promise<unknown> = Promise.resolve();
    private listing?: { at: number; generation: number; promise: Promise<CloudBackup[]> };
    /** Bumped by every change this process makes, so a listing started before it is not reused. */
    private generation = 0;
    /** Durations (ms) of this instance's recent backups, newest last. */
    private readonly durations: number[] = [];
    private gathered: GatheredDelete[] = [];
    private gatherTimer?: ReturnType<typeof setTimeout>;
    private gatherStart = 0;

    constructor(readonly adapter: BackupAdapter, readonly instanceId: string, private readonly clock: Clock = REAL_CLOCK) { }

    /** Every backup of the instance, from one listing shared by whoever asks while it is fresh. */
    list(): Promise<CloudBackup[]> {
        const l = this.listing;
        if (l && l.generation === this.generation && this.clock.now() - l.at < LISTING_FRESH_MS) return l.promise;
        const promise = this.adapter.listBackups(this.instanceId);
        const entry = { at: this.clock.now(), generation: this.generation, promise };
        this.listing = entry;
        promise.then(backups => this.learnDurations(backups), () => { if (this.listing === entry) this.listing = undefined; });
        return promise;
    }

    /** Forget the listing: this process changed the instance. */
    private changed(): void {
        this.generation++;
        this.listing = undefined;
    }

    /** The backup with this id, from the shared listing; an id missing there is asked for directly (listings can lag). */
    async find(backupId: string): Promise<CloudBackup | undefined> {
        const listed = (await this.list()).find(b => b.backupId === backupId);
        return listed ?? this.adapter.findBackup(this.instanceId, backupId);
    }

    /** The manual backup of this name (Huawei names are unique per instance), from a fresh listing. */
    async findByName(name: string): Promise<CloudBackup | undefined> {
        this.changed(); // asked because the cloud just said the name is taken: a cached listing may predate that backup
        return (await this.list()).find(b => b.name === name && b.manual);
    }

    /**
     * Starts a backup (queued behind this instance's other creates) and,
     * unless told not to, waits for it. The queue slot passes to the next
     * create as soon as this job is seen to end.
     */
    create(req: CreateBackupRequest, opts: OpsOptions): Promise<CreationResult> {
        const run = async (): Promise<CreationResult> => {
            const deadline = this.clock.now() + opts.timeoutMs;
            const started = await waitFor(`a free backup slot on instance ${this.instanceId}`, async () => {
                try {
                    return { done: true as const, value: await this.adapter.startBackup(req) };
                } catch (err) {
                    if (isInstanceBusy(err)) return { done: false as const, note: `instance busy: ${(err as CloudError).code}` };
                    throw err;
                }
            }, { now: this.clock.now, sleep: this.clock.sleep, ...this.pollDefaults(opts), timeoutMs: opts.timeoutMs });
            this.changed();
            opts.onStarted?.(started);
            opts.log(`${opts.label}: ${this.adapter.displayName} accepted the backup of ${this.instanceId}${started.jobId ? ` (job ${started.jobId})` : ""}${started.backupId ? ` (backup ${started.backupId})` : ""}`);
            if (started.note) opts.log(`${opts.label}: ${started.note}`); // e.g. a lost answer's job found and taken over
            if (!opts.wait) return { started, progress: { status: "BUILDING", cloudStatus: "Started", backupId: started.backupId } };
            const progress = await this.waitCreated(started, { ...opts, timeoutMs: Math.max(1, deadline - this.clock.now()) });
            return { started, progress };
        };
        const result = this.tail.then(run, run);
        this.tail = result.catch(() => undefined);
        return result;
    }

    /** One look at a creation. */
    status(started: StartedBackup): Promise<CreationProgress> {
        return this.adapter.creationStatus(this.instanceId, started);
    }

    /**
     * Polls a creation until the cloud reports it completed or failed. A poll
     * that fails after its own retries does not end the wait; the deadline or
     * a definite answer does. A failure, a timeout or a definite error raises
     * `CreationIncompleteError` with the ids known so far.
     */
    async waitCreated(started: StartedBackup, opts: OpsOptions): Promise<CreationProgress> {
        let last: CreationProgress | undefined;
        const what = started.jobId ? `backup job ${started.jobId}` : `backup ${started.backupId}`;
        const begin = this.clock.now();
        const expectedMs = this.expectedDurationMs();
        const defaults = this.pollDefaults(opts);
        try {
            const progress = await waitFor(`${what} on ${this.instanceId} to finish`, async () => {
                try {
                    last = await this.status({ ...started, backupId: started.backupId ?? last?.backupId });
                } catch (err) {
                    if (!isRetryable(err)) throw err;
                    return { done: false as const, note: `poll failed, still waiting (${err instanceof CloudError ? err.code : (err as Error)?.message ?? String(err)})` };
                }
                if (last.status === "BUILDING") return { done: false as const, note: `${last.cloudStatus}${last.progress ? ` ${last.progress}` : ""}` };
                return { done: true as const, value: last };
            }, {
                now: this.clock.now, sleep: this.clock.sleep, ...defaults, timeoutMs: opts.timeoutMs,
                nextDelay: (attempt, elapsed) => nextPollDelay({ attempt, elapsedMs: elapsed, expectedMs, progress: last?.progress, minDelayMs: defaults.minDelayMs!, maxDelayMs: defaults.maxDelayMs! }),
                onProgress: (note, elapsed) => opts.log(`${opts.label}: ${what} on ${this.instanceId}: ${note}, ${formatDuration(elapsed)} elapsed`),
            });
            if (progress.status === "FAILED") {
                throw new CreationIncompleteError(`${this.adapter.displayName} reports ${what} on ${this.instanceId} failed: ${progress.failReason ?? progress.cloudStatus}`, started, progress);
            }
            this.remember(this.clock.now() - begin);
            this.changed();
            opts.log(`${opts.label}: backup ${progress.backupId ?? started.backupId} on ${this.instanceId} completed`);
            return progress;
        } catch (err) {
            if (err instanceof CreationIncompleteError) throw err;
            const reason = err instanceof Error ? err.message : String(err);
            throw new CreationIncompleteError(`waiting for ${what} on ${this.instanceId}: ${reason}`, { ...started, backupId: started.backupId ?? last?.backupId }, last);
        }
    }

    /** Deletes these backups now, in as few calls as the cloud allows (a retention set's prune). */
    async deleteNow(backupIds: string[]): Promise<DeleteOutcome[]> {
        try {
            return await this.adapter.deleteBackups(this.instanceId, backupIds);
        } finally {
            this.changed();
        }
    }

    /**
     * Deletes backups, leaving out those the listing already marks as not
     * deletable (Alibaba `StoreStatus: Disabled`): a batch the cloud refuses
     * as a whole would otherwise be replayed to find the refused id.
     */
    async deleteKnowingRefusals(backupIds: string[]): Promise<DeleteOutcome[]> {
        const listed = backupIds.length > 1 ? await this.list().catch(() => [] as CloudBackup[]) : [];
        const refused = new Set(listed.filter(b => b.storeStatus === "Disabled" && backupIds.includes(b.backupId)).map(b => b.backupId));
        const rest = backupIds.filter(id => !refused.has(id));
        const outcomes = rest.length ? await this.deleteNow(rest) : [];
        return [...outcomes, ...[...refused].map(backupId => ({
            backupId, result: "blocked" as const, code: "StoreStatus.Disabled",
            message: "the cloud marks this backup set as not deletable yet (StoreStatus Disabled, its retention rule)",
        }))];
    }

    /**
     * Deletes one backup, gathered with the other deletes of this instance
     * that arrive close together (a destroy, replacements) into the cloud's
     * batch call. Each caller gets its own backup's outcome.
     */
    deleteGathered(backupId: string): Promise<DeleteOutcome> {
        return new Promise((resolve, reject) => {
            if (this.gathered.length === 0) this.gatherStart = Date.now();
            this.gathered.push({ backupId, resolve, reject });
            if (this.gatherTimer) clearTimeout(this.gatherTimer);
            const wait = Math.min(DELETE_QUIET_MS, Math.max(0, this.gatherStart + DELETE_GATHER_MAX_MS - Date.now()));
            this.gatherTimer = setTimeout(() => void this.flushDeletes(), wait);
        });
    }

    private async flushDeletes(): Promise<void> {
        this.gatherTimer = undefined;
        const batch = this.gathered;
        this.gathered = [];
        const ids = [...new Set(batch.map(g => g.backupId))];
        try {
            const outcomes = new Map((await this.deleteKnowingRefusals(ids)).map(o => [o.backupId, o]));
            for (const g of batch) {
                g.resolve(outcomes.get(g.backupId) ?? { backupId: g.backupId, result: "failed", code: "NoOutcome", message: "the cloud's answer did not mention this backup" });
            }
        } catch (err) {
            for (const g of batch) g.reject(err);
        }
    }

    private pollDefaults(opts: OpsOptions): Partial<WaitOptions> & { minDelayMs: number; maxDelayMs: number } {
        return { minDelayMs: 1000, maxDelayMs: 15_000, progressEveryMs: 10_000, ...opts.polling } as Partial<WaitOptions> & { minDelayMs: number; maxDelayMs: number };
    }

    private remember(ms: number): void {
        this.durations.push(ms);
        if (this.durations.length > DURATIONS_KEPT) this.durations.shift();
    }

    /** Learns how long this instance's manual backups took, from a listing, until this process has seen its own. */
    private learnDurations(backups: CloudBackup[]): void {
        if (this.durations.length) return;
        const recent = backups
            .filter(b => b.manual && b.status === "COMPLETED" && b.startedAt && b.finishedAt)
            .sort((a, b) => a.finishedAt!.localeCompare(b.finishedAt!))
            .slice(-DURATIONS_KEPT)
            .map(b => Date.parse(b.finishedAt!) - Date.parse(b.startedAt!))
            .filter(ms => ms > 0);
        this.durations.push(...recent);
    }

    /** The median of recent durations, when there are any. */
    expectedDurationMs(): number | undefined {
        if (this.durations.length === 0) return undefined;
        const sorted = [...this.durations].sort((a, b) => a - b);
        return sorted[Math.floor(sorted.length / 2)];
    }
}

/** What the poll schedule knows when choosing the next delay. */
export interface PollPlan {
    attempt: number;
    elapsedMs: number;
    /** How long recent backups of the instance took. */
    expectedMs?: number;
    /** The cloud's progress text, e.g. `60%` (Alibaba `Process`, GeminiDB `progress`). */
    progress?: string;
    minDelayMs: number;
    maxDelayMs: number;
}

/**
 * The delay before the next poll. Without a hint it doubles from the minimum
 * to the maximum. With an expected end (recent durations, or the cloud's
 * progress) it sleeps toward that end in steps of at most a tenth of the
 * expected duration (so a job ending early is still noticed), lands on it,
 * and then polls closely until the job is seen to end.
 */
export function nextPollDelay(p: PollPlan): number {
    // The cloud's own progress is the freshest estimate; otherwise recent durations.
    const percent = p.progress ? parseFloat(p.progress) : NaN;
    const fromProgress = Number.isFinite(percent) && percent > 0 && percent < 100 && p.elapsedMs > 0 ? p.elapsedMs * 100 / percent : undefined;
    const expected = fromProgress ?? p.expectedMs;
    if (expected === undefined || expected <= 0) return Math.min(p.maxDelayMs, p.minDelayMs * 2 ** p.attempt);
    const ceiling = Math.max(p.maxDelayMs, expected / 10);
    const remaining = expected - p.elapsedMs;
    if (remaining > p.minDelayMs) return Math.min(ceiling, remaining);
    // Past the expected end: poll closely, a little less closely as it drags on.
    const over = -remaining;
    return Math.min(ceiling, Math.max(p.minDelayMs, expected / 25, over / 2));
}

/** One coordinator per adapter (cloud, service, region, credentials) and instance, for the life of the process. */
const coordinators = new WeakMap<BackupAdapter, Map<string, InstanceCoordinator>>();

/** The coordinator of this instance for this adapter. */
export function coordinatorFor(adapter: BackupAdapter, instanceId: string): InstanceCoordinator {
    let byInstance = coordinators.get(adapter);
    if (!byInstance) coordinators.set(adapter, byInstance = new Map());
    let c = byInstance.get(instanceId);
    if (!c) byInstance.set(instanceId, c = new InstanceCoordinator(adapter, instanceId));
    return c;
}
