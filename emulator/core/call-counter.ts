import { SERVICE_KEYS, type ServiceKey } from "./types";

/** Count of calls to one action and how many of them changed state. */
export interface ActionCount { calls: number; mutations: number }

/** `{ <serviceKey>: { <action>: { calls, mutations } } }`, the body of admin `GET /calls`. */
export type CallCounts = Record<ServiceKey, Record<string, ActionCount>>;

/** Counts calls per service and action, so tests can assert what a provider really sent. */
export class CallCounter {
    private counts: CallCounts = CallCounter.empty();

    private static empty(): CallCounts {
        const counts = {} as CallCounts;
        for (const key of SERVICE_KEYS) counts[key] = {};
        return counts;
    }

    /** Records one call; `mutated` = the call changed emulator state. */
    record(service: ServiceKey, action: string, mutated: boolean): void {
        const entry = (this.counts[service][action] ??= { calls: 0, mutations: 0 });
        entry.calls += 1;
        if (mutated) entry.mutations += 1;
    }

    /** A copy, safe to serialize and hand out. */
    snapshot(): CallCounts {
        return JSON.parse(JSON.stringify(this.counts)) as CallCounts;
    }

    reset(): void {
        this.counts = CallCounter.empty();
    }
}
