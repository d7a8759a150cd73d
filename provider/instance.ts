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
import type { BackupAdapter, CloudBackup, CreateBackupRequest, CreationProgress, DeleteOutcome, InstanceState, StartedBackup } from "./clouds/adapter";
import { CloudError } from "./core/errors";
import { markerOf } from "./ownership";
import { isRetryable, realSleep } from "./core/retry";
import { formatDuration, parseDuration, pollDelay, waitFor, WaitOptions, WaitTimeoutError } from "./core/wait";
import { DEFAULT_DELETE_TIMEOUT } from "./schema";
import { CreationIncompleteError, CreationResult, OpsOptions } from "./backup-ops";

/** A listing younger than this is reused (unless this process changed the instance since). */
const LISTING_FRESH_MS = 5_000;
/** Deletes go out once none has arrived for this long (deletes a destroy sends together arrive within it)... */
const DELETE_QUIET_MS = 25;
/** ...or this long after the first one waited, whichever comes first. */
const DELETE_GATHER_MAX_MS = 250;
/** How many recent job durations the schedule remembers. */
const DURATIONS_KEPT = 5;
/** How long a delete waits for a busy instance when its caller names no timeout (the resources' default `deleteTimeout`). */
export const DELETE_WAIT_DEFAULT_MS = parseDuration(DEFAULT_DELETE_TIMEOUT)!;

/** How long a delete may wait for a busy instance, and where its progress lines go. */
export type DeleteWaitOptions = Partial<Pick<OpsOptions, "timeoutMs" | "label" | "log" | "polling">> & {
    /** Per backup: the clock time after which it is not asked again (default: the start plus `timeoutMs`). */
    deadlineOf?: (backupId: string) => number;
    /** Called as soon as a backup's outcome is final, before the batch ends (a caller whose limit comes first is answered then). */
    onSettled?: (outcome: DeleteOutcome) => void;
};

/**
 * The cloud refused an operation with a busy code, but the instance is not
 * busy: it is stopped, frozen or faulty, and waiting would only run into the
 * timeout. Names the state and what to do.
 */
export class InstanceNotRunningError extends Error {
    constructor(service: string, instanceId: string, readonly instanceState: InstanceState, refusal: { code?: string; message?: string }) {
        super(`${service} instance ${instanceId} is ${instanceState.state}, not running, so it cannot take backup operations`
            + ` (the cloud refused with ${refusal.code}${refusal.message ? `: ${refusal.message}` : ""}).`
            + ` Next: ${instanceState.hint ?? "bring the instance back to running, then run the update again"}`);
        this.name = "InstanceNotRunningError";
    }
}

/** The clock the coordinator waits with; injectable for tests. */
export interface Clock { now: () => number; sleep: (ms: number) => Promise<void> }
const REAL_CLOCK: Clock = { now: () => Date.now(), sleep: realSleep };

interface GatheredDelete { backupId: string; opts: DeleteWaitOptions; deadline: number; resolve: (o: DeleteOutcome) => void; reject: (e: unknown) => void }

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
    /** A job this process started without waiting for it; the next create follows it to its end first. */
    private unfinished?: StartedBackup;
    /** Whether the instance was listed to learn its backups' durations (once per process). */
    private learnedFromListing = false;
    /** The read of the instance's engine: shared while in flight, kept once it answered (an engine never changes). */
    private engineRead?: { promise: Promise<string | undefined>; failed: boolean };

    constructor(readonly adapter: BackupAdapter, readonly instanceId: string, private readonly clock: Clock = REAL_CLOCK) { }

    /** Every backup of the instance, from one listing shared by whoever asks while it is fresh. */
    list(): Promise<CloudBackup[]> {
        const l = this.listing;
        if (l && l.generation === this.generation && this.clock.now() - l.at < LISTING_FRESH_MS) return l.promise;
        const promise = this.adapter.listBackups(this.instanceId);
        const entry = { at: this.clock.now(), generation: this.generation, promise };
        this.listing = entry;
        promise.then(backups => { this.learnedFromListing = true; this.learnDurations(backups); }, () => { if (this.listing === entry) this.listing = undefined; });
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

    /**
     * The instance's database engine (Huawei RDS `datastore.type`), read at
     * most once per process while it answers: concurrent callers (the Checks
     * of every resource on the instance) share one call, and the answer is
     * kept. Undefined when the service has no such read, or the read failed
     * (network, credentials, permissions, an instance the cloud does not
     * list): it never throws. A failed read is not made again, except for a
     * caller passing `again` (a create, which must not rely on a Check's
     * failed read). `withinMs` bounds how long this caller waits (the read
     * goes on, and its answer is kept for later callers).
     */
    engine(opts: { again?: boolean; withinMs?: number } = {}): Promise<string | undefined> {
        const read = this.adapter.instanceEngine;
        if (!read) return Promise.resolve(undefined);
        let entry = this.engineRead;
        if (!entry || (opts.again && entry.failed)) {
            const fresh = { failed: false, promise: Promise.resolve<string | undefined>(undefined) };
            fresh.promise = read.call(this.adapter, this.instanceId).then(
                engine => { fresh.failed = engine === undefined; return engine; },
                () => { fresh.failed = true; return undefined; });
            this.engineRead = entry = fresh;
        }
        if (opts.withinMs === undefined) return entry.promise;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), opts.withinMs); timer.unref?.(); });
        return Promise.race([entry.promise, late]).finally(() => clearTimeout(timer));
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
            await this.afterUnfinished(opts);
            let looked = false;
            const started = await waitFor(`a free backup slot on instance ${this.instanceId}`, async () => {
                try {
                    const timeoutMs = Math.max(1, deadline - this.clock.now()); // resends of a lost answer stop at the resource's deadline too
                    return { done: true as const, value: await this.adapter.startBackup({ ...req, timeoutMs }) };
                } catch (err) {
                    if (!(err instanceof CloudError) || !this.adapter.isBusy(err)) throw err;
                    // A stopped or frozen instance may answer with a busy code too: one look at its state tells.
                    if (!looked) {
                        looked = true;
                        const stopped = await this.notRunning({ code: err.code, message: err.cloudMessage });
                        if (stopped) throw stopped;
                    }
                    return { done: false as const, note: `instance busy: ${err.code}` };
                }
            }, { now: this.clock.now, sleep: this.clock.sleep, ...this.pollDefaults(opts), timeoutMs: opts.timeoutMs });
            this.changed();
            opts.onStarted?.(started);
            opts.log(`${opts.label}: ${this.adapter.displayName} accepted the backup of ${this.instanceId}${started.jobId ? ` (job ${started.jobId})` : ""}${started.backupId ? ` (backup ${started.backupId})` : ""}`);
            if (started.note) opts.log(`${opts.label}: ${started.note}`); // e.g. a lost answer's job found and taken over
            if (!opts.wait) {
                this.unfinished = started; // the next create waits for it by polling it, not by being refused
                return { started, progress: { status: "BUILDING", cloudStatus: "Started", backupId: started.backupId } };
            }
            const progress = await this.waitCreated(started, { ...opts, timeoutMs: Math.max(1, deadline - this.clock.now()) });
            return { started, progress };
        };
        const result = this.tail.then(run, run);
        this.tail = result.catch(() => undefined);
        return result;
    }

    /**
     * Before the next create: a job this process started without waiting
     * (`waitForCompletion: false`) still holds the instance (one backup job
     * at a time). Following that job costs one status call per poll, on the
     * schedule its expected duration gives, where asking to create again
     * would be refused until it ends (on Alibaba three calls a refusal). Its
     * outcome is not this create's concern: whatever it is, the create is
     * then tried, and a busy refusal is still waited on.
     */
    private async afterUnfinished(opts: OpsOptions): Promise<void> {
        const started = this.unfinished;
        if (!started) return;
        this.unfinished = undefined;
        const quiet: OpsOptions = { ...opts, wait: true, onStarted: undefined, log: () => undefined };
        await this.waitCreated(started, quiet).catch(() => undefined);
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
        const expectedMs = await this.expectDuration();
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
            // The cloud's own start and end times, when it gives them. The time this wait took is too high by however late
            // the end was noticed, and remembering it would feed on itself: each wait would land a poll's time later.
            const b = progress.backup;
            const cloudMs = b?.startedAt && b.finishedAt ? Date.parse(b.finishedAt) - Date.parse(b.startedAt) : NaN;
            this.remember(cloudMs > 0 ? cloudMs : this.clock.now() - begin);
            this.changed();
            opts.log(`${opts.label}: backup ${progress.backupId ?? started.backupId} on ${this.instanceId} completed`);
            return progress;
        } catch (err) {
            if (err instanceof CreationIncompleteError) throw err;
            const reason = err instanceof Error ? err.message : String(err);
            throw new CreationIncompleteError(`waiting for ${what} on ${this.instanceId}: ${reason}`, { ...started, backupId: started.backupId ?? last?.backupId }, last, err);
        }
    }

    /**
     * Deletes these backups now, in as few calls as the cloud allows (a
     * retention set's prune). Ids refused because the instance is busy (a
     * backup job runs: one operation at a time) are asked again once it is
     * free, until `opts.timeoutMs` (default 30 minutes) or each id's own
     * deadline (`opts.deadlineOf`).
     */
    async deleteNow(backupIds: string[], opts: DeleteWaitOptions = {}): Promise<DeleteOutcome[]> {
        try {
            return await this.deleteWhenFree(backupIds, opts);
        } finally {
            this.changed();
        }
    }

    /**
     * The delete calls, and the wait for a free instance between them. A busy
     * refusal from an instance that is not running (stopped, frozen) fails
     * those ids at once, naming the state. An id still refused as busy at its
     * deadline is not asked again: it keeps its last refusal, marked
     * `stillBusy` and `failed`, so the backup stays where it is recorded.
     */
    private async deleteWhenFree(backupIds: string[], opts: DeleteWaitOptions): Promise<DeleteOutcome[]> {
        const ids = [...new Set(backupIds)];
        const outcomes = new Map<string, DeleteOutcome>();
        const start = this.clock.now();
        const deadlineOf = opts.deadlineOf ?? (() => start + (opts.timeoutMs ?? DELETE_WAIT_DEFAULT_MS));
        const lastDeadline = Math.max(start, ...ids.map(deadlineOf));
        const settle = (o: DeleteOutcome) => {
            outcomes.set(o.backupId, o);
            opts.onSettled?.(o);
        };
        const gaveUp = (o: DeleteOutcome): DeleteOutcome => ({
            ...o, result: "failed", stillBusy: true,
            message: `${o.message ?? "refused"} (the instance was still busy after waiting ${formatDuration(this.clock.now() - start)})`,
        });
        let pending = ids;
        let looked = false;
        const what = `instance ${this.instanceId} to be free for deleting backups`;
        const defaults = this.pollDefaults(opts);
        try {
            await waitFor(what, async () => {
                // An id refused before whose deadline has come is not asked again.
                const due = pending.filter(id => outcomes.has(id) && deadlineOf(id) <= this.clock.now());
                for (const id of due) settle(gaveUp(outcomes.get(id)!));
                pending = pending.filter(id => !due.includes(id));
                if (pending.length === 0) return { done: true as const, value: undefined };
                let answered: DeleteOutcome[];
                try {
                    answered = await this.adapter.deleteBackups(this.instanceId, pending);
                } catch (err) {
                    // A later round that fails after its own retries does not end the wait (earlier rounds' outcomes stand).
                    if (outcomes.size === 0 || !isRetryable(err)) throw err;
                    return { done: false as const, note: `delete failed, still waiting (${err instanceof CloudError ? err.code : (err as Error)?.message ?? String(err)})` };
                }
                const busy = answered.filter(o => o.result !== "deleted" && this.adapter.isBusy(o));
                for (const o of answered) if (!busy.includes(o)) settle(o);
                for (const o of busy) outcomes.set(o.backupId, o);
                if (busy.length === 0) return { done: true as const, value: undefined };
                if (!looked) {
                    looked = true;
                    const stopped = await this.notRunning(busy[0]);
                    if (stopped) {
                        for (const o of busy) settle({ ...o, result: "failed", message: stopped.message });
                        pending = [];
                        return { done: true as const, value: undefined };
                    }
                }
                const now = this.clock.now();
                for (const o of busy) if (deadlineOf(o.backupId) <= now) settle(gaveUp(o));
                pending = busy.filter(o => deadlineOf(o.backupId) > now).map(o => o.backupId);
                if (pending.length === 0) return { done: true as const, value: undefined };
                return { done: false as const, note: `instance busy: ${busy[0].code}` };
            }, {
                now: this.clock.now, sleep: this.clock.sleep, ...defaults, timeoutMs: lastDeadline - start,
                // Never sleep past the nearest deadline of an id still waiting.
                nextDelay: attempt => Math.min(pollDelay(attempt, defaults), Math.max(1, Math.min(...pending.map(deadlineOf)) - this.clock.now())),
                onProgress: opts.log ? (note, elapsed) => opts.log!(`${opts.label ?? this.instanceId}: deleting on ${this.instanceId}: ${note}, ${formatDuration(elapsed)} elapsed`) : undefined,
            });
        } catch (err) {
            if (!(err instanceof WaitTimeoutError)) throw err;
            for (const id of pending) settle(gaveUp(outcomes.get(id)!));
        }
        return ids.map(backupId => outcomes.get(backupId) ?? { backupId, result: "failed", code: "NoOutcome", message: "the cloud's answer did not mention this backup" });
    }

    /**
     * When a busy refusal comes from an instance that is not running, the
     * error to fail with; undefined when it is running (or its state cannot
     * be read: then it is waited on as busy).
     */
    private async notRunning(refusal: { code?: string; message?: string }): Promise<InstanceNotRunningError | undefined> {
        if (!this.adapter.instanceState) return undefined;
        const state = await this.adapter.instanceState(this.instanceId).catch(() => undefined);
        if (!state || state.running) return undefined;
        return new InstanceNotRunningError(this.adapter.displayName, this.instanceId, state, refusal);
    }

    /**
     * Deletes backups, leaving out those the listing already marks as not
     * deletable (Alibaba `StoreStatus: Disabled`): a batch the cloud refuses
     * as a whole would otherwise cost a few more calls to find the refused id
     * (the adapter halves it).
     */
    async deleteKnowingRefusals(backupIds: string[], opts: DeleteWaitOptions = {}): Promise<DeleteOutcome[]> {
        const listed = backupIds.length > 1 ? await this.list().catch(() => [] as CloudBackup[]) : [];
        const refused = new Set(listed.filter(b => b.storeStatus === "Disabled" && backupIds.includes(b.backupId)).map(b => b.backupId));
        const rest = backupIds.filter(id => !refused.has(id));
        const blocked = [...refused].map((backupId): DeleteOutcome => ({
            backupId, result: "blocked", code: "StoreStatus.Disabled",
            message: "the cloud marks this backup set as not deletable yet (StoreStatus Disabled, its retention rule)",
        }));
        for (const o of blocked) opts.onSettled?.(o);
        const outcomes = rest.length ? await this.deleteNow(rest, opts) : [];
        return [...outcomes, ...blocked];
    }

    /**
     * Deletes one backup, gathered with the other deletes of this instance
     * that arrive close together (a destroy, replacements) into the cloud's
     * batch call. Each caller gets its own backup's outcome. A busy instance
     * is waited for as in `deleteNow`, each backup up to its own caller's
     * timeout: a caller whose limit comes first is answered then, and its
     * backup is not asked for again.
     */
    deleteGathered(backupId: string, opts: DeleteWaitOptions = {}): Promise<DeleteOutcome> {
        return new Promise((resolve, reject) => {
            if (this.gathered.length === 0) this.gatherStart = Date.now();
            this.gathered.push({ backupId, opts, deadline: this.clock.now() + (opts.timeoutMs ?? DELETE_WAIT_DEFAULT_MS), resolve, reject });
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
        // One batch; each id waits for a busy instance as long as its most patient caller allows.
        const deadlines = new Map<string, number>();
        for (const g of batch) deadlines.set(g.backupId, Math.max(deadlines.get(g.backupId) ?? 0, g.deadline));
        const answer = (o: DeleteOutcome) => { for (const g of batch) if (g.backupId === o.backupId) g.resolve(o); };
        const opts: DeleteWaitOptions = { ...batch[0].opts, deadlineOf: id => deadlines.get(id)!, onSettled: answer };
        try {
            const outcomes = new Map((await this.deleteKnowingRefusals(ids, opts)).map(o => [o.backupId, o]));
            for (const g of batch) {
                g.resolve(outcomes.get(g.backupId) ?? { backupId: g.backupId, result: "failed", code: "NoOutcome", message: "the cloud's answer did not mention this backup" });
            }
        } catch (err) {
            for (const g of batch) g.reject(err);
        }
    }

    private pollDefaults(opts: Pick<OpsOptions, "polling">): Partial<WaitOptions> & { minDelayMs: number; maxDelayMs: number } {
        return { minDelayMs: 1000, maxDelayMs: 15_000, progressEveryMs: 10_000, ...opts.polling } as Partial<WaitOptions> & { minDelayMs: number; maxDelayMs: number };
    }

    private remember(ms: number): void {
        this.durations.push(ms);
        if (this.durations.length > DURATIONS_KEPT) this.durations.shift();
    }

    /**
     * Learns how long this instance's backups take from a listing, until this
     * process has seen its own: the recent manual ones, or, when there are
     * none, the recent full automated ones (the instance's daily backup does
     * the same work). Log and incremental backups say nothing about it.
     */
    private learnDurations(backups: CloudBackup[]): void {
        if (this.durations.length) return;
        const finished = backups.filter(b => b.status === "COMPLETED" && b.startedAt && b.finishedAt && b.full !== false);
        const manual = finished.filter(b => b.manual);
        const recent = (manual.length ? manual : finished.filter(b => b.full))
            .sort((a, b) => a.finishedAt!.localeCompare(b.finishedAt!))
            .slice(-DURATIONS_KEPT)
            .map(b => Date.parse(b.finishedAt!) - Date.parse(b.startedAt!))
            .filter(ms => ms > 0);
        this.durations.push(...recent);
    }

    /**
     * The expected duration of a backup of this instance. When nothing is
     * known yet, the instance is listed once (shared with any reader) to learn
     * it from earlier backups; a listing that fails leaves the schedule
     * without a hint.
     */
    private async expectDuration(): Promise<number | undefined> {
        if (this.durations.length === 0 && !this.learnedFromListing) {
            this.learnedFromListing = true;
            await this.list().catch(() => undefined);
        }
        return this.expectedDurationMs();
    }

    /** The median of recent durations, when there are any. */
    expectedDurationMs(): number | undefined {
        if (this.durations.length === 0) return undefined;
        const sorted = [...this.durations].sort((a, b) => a - b);
        return sorted[Math.floor(sorted.length / 2)];
    }
}

/**
 * A Huawei backup name is held by a backup this owner made that failed (or
 * is being deleted): deletes it if needed and waits until the name is free,
 * bounded by the wait options. True once the name is free; false when the
 * backup is not this owner's or the name stays taken.
 */
export async function freeOwnName(inst: InstanceCoordinator, holder: CloudBackup, tag: string, opts: OpsOptions): Promise<boolean> {
    if (markerOf(holder.description) !== tag || (holder.status !== "FAILED" && holder.status !== "DELETING") || !holder.name) return false;
    if (holder.status === "FAILED") {
        const [outcome] = await inst.deleteNow([holder.backupId], opts);
        if (outcome?.result !== "deleted") return false;
        opts.log(`${opts.label}: deleted backup ${holder.backupId}, which this resource made in an earlier attempt and which failed in the cloud, to free its name ${holder.name}`);
    }
    try {
        await waitFor(`the name ${holder.name} to be free on ${inst.instanceId}`, async () =>
            (await inst.findByName(holder.name!)) ? { done: false as const, note: "still being deleted" } : { done: true as const, value: undefined },
        { minDelayMs: 1000, maxDelayMs: 15_000, ...opts.polling, timeoutMs: opts.timeoutMs });
        return true;
    } catch {
        return false;
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

/** Before the expected end, steps of at most this share of it: a job that ends early is noticed within it. */
const STEP_BEFORE_END = 1 / 8;
/** With nothing known, the next poll comes after this share of the time the job has run, up to the maximum delay. */
const STEP_UNKNOWN = 1 / 2;
/** Once a job runs past what anything predicted, the next poll comes after this share of the time it has run. */
const STEP_OVERDUE = 1 / 10;

/**
 * The delay before the next poll.
 *
 * With an expected end (the cloud's progress, or recent durations of the
 * instance) it sleeps toward that end in steps of at most an eighth of the
 * expected duration and lands on it. With nothing known it waits half the
 * time the job has run so far, from the poll interval up to the maximum
 * delay. Past the expected end, or once a tenth of the running time exceeds
 * the maximum delay, the next poll comes after a tenth of the time the job
 * has run: its end is then noticed within 10% of its duration, and a long
 * silent job costs a poll per 10% of its running time rather than one per
 * maximum delay.
 */
export function nextPollDelay(p: PollPlan): number {
    // The cloud's own progress is the freshest estimate; otherwise recent durations.
    const percent = p.progress ? parseFloat(p.progress) : NaN;
    const fromProgress = Number.isFinite(percent) && percent > 0 && percent < 100 && p.elapsedMs > 0 ? p.elapsedMs * 100 / percent : undefined;
    const expected = fromProgress ?? p.expectedMs;
    const overdue = Math.max(p.minDelayMs, p.elapsedMs * STEP_OVERDUE);
    // Nothing known: half the running time (a short job is noticed within half its duration), at most the maximum delay.
    if (expected === undefined || expected <= 0) return Math.max(Math.min(p.maxDelayMs, Math.max(p.minDelayMs, p.elapsedMs * STEP_UNKNOWN)), p.elapsedMs * STEP_OVERDUE);
    const remaining = expected - p.elapsedMs;
    if (remaining > p.minDelayMs) return Math.min(Math.max(p.maxDelayMs, expected * STEP_BEFORE_END), remaining);
    return overdue;
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
