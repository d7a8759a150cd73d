/**
 * Waiting for a state: poll, ask an acceptor whether we are done, sleep with
 * growing delays, give up at a deadline. The one waiting loop every resource
 * uses; retries of a single call live in `retry.ts`. Clock and sleep are
 * injectable so tests can assert the delay sequence without sleeping.
 */
import { realSleep } from "./retry";

export type Acceptance<R> = { done: true; value: R } | { done: false; note?: string };

export interface WaitOptions {
    /** Give up after this many ms. */
    timeoutMs: number;
    /** First delay between polls (default 1000). */
    minDelayMs?: number;
    /** Largest delay between polls (default 15 000). */
    maxDelayMs?: number;
    /** Print a progress line at most this often (default 10 000 ms). */
    progressEveryMs?: number;
    onProgress?: (note: string, elapsedMs: number) => void;
    /** Chooses the delay before poll `attempt + 1` (default: doubling from min to max). */
    nextDelay?: (attempt: number, elapsedMs: number) => number;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    /** Ends the wait at once (before the next poll, or during a sleep) with `WaitAbortedError`: the engine cancelled the operation. */
    signal?: AbortSignal;
}

/** Raised when the deadline passes; carries the last thing the acceptor said. */
export class WaitTimeoutError extends Error {
    constructor(public readonly what: string, public readonly elapsedMs: number, public readonly lastNote?: string) {
        super(`timed out after ${formatDuration(elapsedMs)} waiting for ${what}${lastNote ? ` (last seen: ${lastNote})` : ""}`);
        this.name = "WaitTimeoutError";
    }
}

/** Raised when the wait's `signal` fires: nothing more is polled; the caller records what it knows. */
export class WaitAbortedError extends Error {
    constructor(public readonly what: string, public readonly elapsedMs: number, public readonly lastNote?: string) {
        super(`stopped waiting for ${what} after ${formatDuration(elapsedMs)} because the operation was cancelled${lastNote ? ` (last seen: ${lastNote})` : ""}`);
        this.name = "WaitAbortedError";
    }
}

/** Sleeps `ms`, or less when `signal` fires first. */
function sleepUnlessAborted(sleep: (ms: number) => Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal) return sleep(ms);
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>(resolve => {
        const done = () => { signal.removeEventListener("abort", done); resolve(); };
        signal.addEventListener("abort", done);
        sleep(ms).then(done, done);
    });
}

/** The delays a waiter uses: doubling from min to max. */
export function pollDelay(attempt: number, opts: Pick<WaitOptions, "minDelayMs" | "maxDelayMs">): number {
    const min = opts.minDelayMs ?? 1000;
    const max = opts.maxDelayMs ?? 15_000;
    return Math.min(max, min * 2 ** attempt);
}

/**
 * Polls `poll` until it accepts, or throws `WaitTimeoutError` at the deadline
 * or `WaitAbortedError` when `opts.signal` fires (checked before every poll,
 * and a sleep ends early). Errors thrown by `poll` propagate.
 */
export async function waitFor<R>(what: string, poll: () => Promise<Acceptance<R>>, opts: WaitOptions): Promise<R> {
    const now = opts.now ?? Date.now;
    const sleep = opts.sleep ?? realSleep;
    const start = now();
    let lastProgress = start;
    let lastNote: string | undefined;
    for (let attempt = 0; ; attempt++) {
        if (opts.signal?.aborted) throw new WaitAbortedError(what, now() - start, lastNote);
        const r = await poll();
        if (r.done) return r.value;
        lastNote = r.note ?? lastNote;
        const elapsed = now() - start;
        if (opts.onProgress && now() - lastProgress >= (opts.progressEveryMs ?? 10_000)) {
            lastProgress = now();
            opts.onProgress(lastNote ?? "waiting", elapsed);
        }
        if (elapsed >= opts.timeoutMs) throw new WaitTimeoutError(what, elapsed, lastNote);
        const delay = Math.min(opts.nextDelay ? opts.nextDelay(attempt, elapsed) : pollDelay(attempt, opts), Math.max(0, opts.timeoutMs - elapsed));
        await sleepUnlessAborted(sleep, Math.max(delay, 1), opts.signal);
    }
}

/** Parses durations like `30m`, `90s`, `1h30m`, `500ms` into ms. Returns undefined when invalid. */
export function parseDuration(text: string): number | undefined {
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
    const trimmed = text.trim();
    if (!/^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(trimmed)) return undefined;
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    let total = 0;
    for (const m of trimmed.matchAll(re)) total += parseFloat(m[1]) * unit[m[2]];
    return total;
}

/** `95000` → `1m35s`. */
export function formatDuration(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 60) return ms < 1000 ? `${ms}ms` : `${s}s`;
    const m = Math.floor(s / 60);
    return `${m}m${s % 60 ? `${s % 60}s` : ""}`;
}
