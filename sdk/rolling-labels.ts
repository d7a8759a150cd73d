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

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** ISO 8601 week-numbering year and week of a UTC date: the week belongs to the year of its Thursday. */
export function isoWeek(d: Date): { year: number; week: number } {
    const day = (d.getUTCDay() + 6) % 7; // Monday = 0
    const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
    const year = thursday.getUTCFullYear();
    const firstThursday = new Date(Date.UTC(year, 0, 4));
    const firstWeekMonday = Date.UTC(year, 0, 4 - ((firstThursday.getUTCDay() + 6) % 7));
    return { year, week: 1 + Math.round((thursday.getTime() - 3 * 86_400_000 - firstWeekMonday) / (7 * 86_400_000)) };
}

function labelOf(every: RollingPeriod, d: Date): string {
    const ymd = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    switch (every) {
        case "hour": return `${ymd}T${pad(d.getUTCHours())}`;
        case "day": return ymd;
        case "week": { const w = isoWeek(d); return `${w.year}-W${pad(w.week)}`; }
        case "month": return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
    }
}

/** The start of the period `back` periods before the one containing `now`. */
function periodBefore(every: RollingPeriod, now: Date, back: number): Date {
    const y = now.getUTCFullYear(), m = now.getUTCMonth(), d = now.getUTCDate();
    switch (every) {
        case "hour": return new Date(Date.UTC(y, m, d, now.getUTCHours() - back));
        case "day": return new Date(Date.UTC(y, m, d - back));
        case "week": return new Date(Date.UTC(y, m, d - 7 * back));
        case "month": return new Date(Date.UTC(y, m - back, 1));
    }
}

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
    for (let back = opts.keep - 1; back >= 0; back--) labels.push(`${opts.prefix ?? ""}${labelOf(opts.every, periodBefore(opts.every, now, back))}`);
    return labels;
}
