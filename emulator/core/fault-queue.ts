import { SERVICE_KEYS, type InjectedFault, type ServiceKey } from "./types";

interface PendingFault { fault: InjectedFault; remaining: number; roll: () => number }

/** A small seeded generator (mulberry32), so a fault with a `seed` hits the same calls in the same order. */
export function seededRandom(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * Injected failures waiting to be answered. A fault matches its service and
 * action (or `*`) and is consumed by each matching call until `times` runs out,
 * first added first served. A fault with a `rate` answers each matching call
 * only with that probability; a call it spares goes on to the next fault.
 */
export class FaultQueue {
    private pending: PendingFault[] = [];

    /** Validates and queues a fault; throws a TypeError naming the bad field. */
    add(input: unknown): InjectedFault {
        const fault = validateFault(input);
        const roll = fault.seed !== undefined ? seededRandom(fault.seed) : Math.random;
        this.pending.push({ fault, remaining: fault.times ?? 1, roll });
        return fault;
    }

    /** Returns and consumes the first fault matching this call, if any. */
    take(service: ServiceKey, action: string): InjectedFault | undefined {
        const index = this.pending.findIndex((p) => p.fault.service === service && (p.fault.action === action || p.fault.action === "*")
            && (p.fault.rate === undefined || p.roll() < p.fault.rate));
        if (index < 0) return undefined;
        const entry = this.pending[index];
        entry.remaining -= 1;
        if (entry.remaining <= 0) this.pending.splice(index, 1);
        return entry.fault;
    }

    /** Faults still queued, with how many calls each will still answer. */
    list(): Array<InjectedFault & { remaining: number }> {
        return this.pending.map((p) => ({ ...p.fault, remaining: p.remaining }));
    }

    clear(): void {
        this.pending = [];
    }
}

function validateFault(input: unknown): InjectedFault {
    if (!input || typeof input !== "object") throw new TypeError("fault must be a JSON object");
    const f = input as Record<string, unknown>;
    if (!SERVICE_KEYS.includes(f.service as ServiceKey)) throw new TypeError(`fault.service must be one of ${SERVICE_KEYS.join(", ")}`);
    if (typeof f.action !== "string" || f.action === "") throw new TypeError("fault.action must be a non-empty string (an action name or *)");
    if (f.reset !== undefined && f.reset !== "before" && f.reset !== "after") throw new TypeError('fault.reset must be "before" or "after"');
    if (f.html !== undefined && typeof f.html !== "boolean") throw new TypeError("fault.html must be true or false");
    if (f.reset !== undefined && f.html === true) throw new TypeError("fault.html and fault.reset exclude each other: a reset connection answers nothing");
    // A reset answers nothing, so its status and code are optional labels.
    const status = f.reset !== undefined && f.status === undefined ? 0 : f.status;
    const code = f.reset !== undefined && f.code === undefined ? "ConnectionReset" : f.code;
    const unsent = f.reset !== undefined && status === 0;
    if (!unsent && (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599)) throw new TypeError("fault.status must be an HTTP error status (400-599)");
    if (typeof code !== "string" || code === "") throw new TypeError("fault.code must be a non-empty string");
    if (f.message !== undefined && typeof f.message !== "string") throw new TypeError("fault.message must be a string");
    if (f.rate !== undefined && (typeof f.rate !== "number" || !(f.rate > 0 && f.rate <= 1))) throw new TypeError("fault.rate must be a number above 0 and at most 1");
    if (f.seed !== undefined && (typeof f.seed !== "number" || !Number.isInteger(f.seed))) throw new TypeError("fault.seed must be an integer");
    if (f.times !== undefined && (typeof f.times !== "number" || !Number.isInteger(f.times) || f.times < 1)) throw new TypeError("fault.times must be a positive integer");
    return {
        service: f.service as ServiceKey,
        action: f.action,
        status: status as number,
        code,
        ...(f.message !== undefined ? { message: f.message as string } : {}),
        ...(f.times !== undefined ? { times: f.times as number } : {}),
        ...(f.html === true ? { html: true } : {}),
        ...(f.rate !== undefined ? { rate: f.rate as number } : {}),
        ...(f.seed !== undefined ? { seed: f.seed as number } : {}),
        ...(f.reset !== undefined ? { reset: f.reset as "before" | "after" } : {}),
    };
}
