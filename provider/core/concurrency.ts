/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i], i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

/** Runs the function it is given once fewer than its limit run; calls made through one limit share it. */
export type InFlightLimit = <R>(fn: () => Promise<R>) => Promise<R>;

/** A limit of `limit` calls in flight, in the order they asked; a call may wait for a slot, never for the call that holds it. */
export function inFlightLimit(limit: number): InFlightLimit {
    let running = 0;
    const waiting: (() => void)[] = [];
    return async <R>(fn: () => Promise<R>): Promise<R> => {
        if (running >= limit) await new Promise<void>(resolve => waiting.push(resolve));
        else running++;
        try {
            return await fn();
        } finally {
            const next = waiting.shift();
            if (next) next();
            else running--;
        }
    };
}
