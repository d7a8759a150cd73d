/**
 * Calendar periods in UTC, shared by `rollingLabels` (the SDK) and the
 * retention tiers (the lifecycle): hours, days, ISO 8601 weeks (Monday
 * first, the week belongs to the year of its Thursday), months and years.
 */

/** Period lengths. */
export type Period = "hour" | "day" | "week" | "month" | "year";

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

/**
 * The name of the period holding `d`: `2026-01-05T02` (hour), `2026-01-05`
 * (day), `2026-W02` (ISO week), `2026-01` (month), `2026` (year). Two
 * instants are in the same period exactly when their names are equal.
 */
export function periodLabel(every: Period, d: Date): string {
    const ymd = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    switch (every) {
        case "hour": return `${ymd}T${pad(d.getUTCHours())}`;
        case "day": return ymd;
        case "week": { const w = isoWeek(d); return `${w.year}-W${pad(w.week)}`; }
        case "month": return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
        case "year": return String(d.getUTCFullYear());
    }
}

/** A moment in the period `back` periods before the one containing `now` (its start, except for weeks: the same weekday). */
export function periodBefore(every: Period, now: Date, back: number): Date {
    const y = now.getUTCFullYear(), m = now.getUTCMonth(), d = now.getUTCDate();
    switch (every) {
        case "hour": return new Date(Date.UTC(y, m, d, now.getUTCHours() - back));
        case "day": return new Date(Date.UTC(y, m, d - back));
        case "week": return new Date(Date.UTC(y, m, d - 7 * back));
        case "month": return new Date(Date.UTC(y, m - back, 1));
        case "year": return new Date(Date.UTC(y - back, 0, 1));
    }
}
