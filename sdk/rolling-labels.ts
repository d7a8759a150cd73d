import { isoWeek, periodBefore, periodLabel } from "../provider/periods";

/** Period lengths `rollingLabels` understands. */
export type RollingPeriod = "hour" | "day" | "week" | "month";

/** Options of `rollingLabels`. */
export interface RollingLabelsOptions {
    /** Length of one period: `"hour"`, `"day"`, `"week"` (ISO 8601 weeks, Monday first) or `"month"`. */
    every: RollingPeriod;
    /** How many periods to keep (1–1000), the current one included. */
    keep: number;
    /** The moment to count back from (default: now). Everything is computed in UTC. */
    now?: Date | string | number;
    /** Text put before every label, e.g. `"nightly-"` (default none). */
    prefix?: string;
}

export { isoWeek };

/**
 * The labels of the last `keep` periods, oldest first and the current period
 * last: `rollingLabels({ every: "day", keep: 3, now: "2026-01-01T05:00Z" })`
 * is `["2025-12-30", "2025-12-31", "2026-01-01"]`. Pure: the same `now`
 * gives the same labels. Used as `BackupRetentionSet` labels, a nightly
 * `pulumi up` creates the new period's backup and deletes the oldest.
 */
export function rollingLabels(opts: RollingLabelsOptions): string[] {
    const periods: RollingPeriod[] = ["hour", "day", "week", "month"];
    if (!periods.includes(opts.every)) {
        throw new Error(`rollingLabels: every must be one of ${periods.map(p => `"${p}"`).join(", ")}; got ${JSON.stringify(opts.every)}`);
    }
    if (!Number.isInteger(opts.keep) || opts.keep < 1 || opts.keep > 1000) {
        throw new Error(`rollingLabels: keep must be a whole number from 1 to 1000; got ${JSON.stringify(opts.keep)}`);
    }
    const now = opts.now === undefined ? new Date() : new Date(opts.now);
    if (isNaN(now.getTime())) throw new Error(`rollingLabels: now is not a valid date: ${JSON.stringify(opts.now)}`);
    const labels: string[] = [];
    for (let back = opts.keep - 1; back >= 0; back--) labels.push(`${opts.prefix ?? ""}${periodLabel(opts.every, periodBefore(opts.every, now, back))}`);
    return labels;
}
