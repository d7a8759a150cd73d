/**
 * Retrying one call. Kept apart from waiting for a state (`wait.ts`): a call
 * is retried only when its error is throttling, transient or a server error,
 * with exponential backoff, full jitter, a bounded number of attempts and,
 * when the caller has one, a deadline.
 * Sleep and randomness are injectable so tests can assert the delays.
 */
import { CloudError, httpStatusOf, isNetworkError, isUnparsableAnswer } from "./errors";

export interface RetryOptions {
    /** Total attempts including the first (default 10: about a minute of backoff at most, so a burst of throttling or gateway errors does not fail a step). */
    maxAttempts?: number;
    /** First backoff in ms (default 500). */
    baseDelayMs?: number;
    /** Cap for one backoff in ms (default 10 000). */
    maxDelayMs?: number;
    sleep?: (ms: number) => Promise<void>;
    random?: () => number;
    /** Extra predicate: retry this error too (e.g. a cloud-specific "busy" code). */
    retryIf?: (err: unknown) => boolean;
    /** Replaces the default classification, e.g. to retry a non-idempotent call only when the cloud surely rejected it. */
    retryable?: (err: unknown) => boolean;
    /** Called before each retry with the error and the delay chosen. */
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
    /**
     * No attempt starts after this time (ms, as `now` tells): when the backoff
     * before the next attempt would end past it, the last error is thrown now.
     */
    deadlineMs?: number;
    /** The clock `deadlineMs` is read on (default `Date.now`). */
    now?: () => number;
}

export const realSleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * True when an error is worth another attempt of the same call: a retryable
 * `CloudError`, and for errors no adapter classified, a network failure, an
 * answer that could not be parsed, or any 5xx.
 */
export function isRetryable(err: unknown): boolean {
    if (err instanceof CloudError) return err.retryable;
    const status = httpStatusOf(err);
    return isNetworkError(err) || isUnparsableAnswer(err) || (status !== undefined && status >= 500);
}

/** The delay before retry number `attempt` (1-based): full jitter over an exponential ceiling. */
export function backoffDelay(attempt: number, opts: RetryOptions, retryAfterSeconds?: number): number {
    const base = opts.baseDelayMs ?? 500;
    const cap = opts.maxDelayMs ?? 10_000;
    const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
    const jittered = Math.round((opts.random ?? Math.random)() * ceiling);
    return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}

/** Runs `call`, retrying retryable failures. Rethrows the last error. */
export async function retryCall<T>(call: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
    const maxAttempts = opts.maxAttempts ?? 10;
    const sleep = opts.sleep ?? realSleep;
    for (let attempt = 1; ; attempt++) {
        try {
            return await call();
        } catch (err) {
            const retry = (opts.retryable ?? isRetryable)(err) || (opts.retryIf?.(err) ?? false);
            if (!retry || attempt >= maxAttempts) throw err;
            const delay = backoffDelay(attempt, opts, err instanceof CloudError ? err.retryAfterSeconds : undefined);
            if (opts.deadlineMs !== undefined && (opts.now ?? Date.now)() + delay > opts.deadlineMs) throw err;
            opts.onRetry?.(err, attempt, delay);
            await sleep(delay);
        }
    }
}
