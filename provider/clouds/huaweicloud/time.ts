/**
 * Huawei APIs write times in several shapes: RDS lists use
 * `2018-08-06T12:41:14+0800`, GeminiDB v3 lists `2018-08-06 12:41:14` (UTC),
 * jobs `2023-09-12T06:44:01+0000`. Users get ISO 8601 UTC whatever the source.
 * (The emulator writes these shapes with its own code, not this file's.)
 */

const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a Huawei time leniently into ISO 8601 UTC (`toISOString()`).
 * A time without an offset is taken as UTC (the GeminiDB v3 docs say so; for
 * RDS create answers this is a guess). Returns undefined for empty or
 * unparseable input rather than throwing: a missing time must not fail a read.
 */
export function parseHuaweiTime(value: string | number | null | undefined): string | undefined {
    if (value === null || value === undefined || value === "") return undefined;
    if (typeof value === "number") return Number.isFinite(value) ? new Date(value).toISOString() : undefined;
    const m = TIME_PATTERN.exec(value.trim());
    if (!m) return undefined;
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const ms = frac ? Math.round(Number(frac) * 1000) : 0;
    // Date.UTC rolls month 13 into next year; such input is garbage, not a date.
    if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || (s !== undefined && +s > 59)) return undefined;
    let utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, s ? +s : 0, ms);
    if (zone && zone.toUpperCase() !== "Z") {
        const sign = zone.startsWith("-") ? -1 : 1;
        const digits = zone.slice(1).replace(":", "");
        utc -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    }
    const date = new Date(utc);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Converts a Huawei backup size in kB/KB to bytes. The docs do not say whether
 * their kB is 1000 or 1024 bytes; we assume 1024 (a guess). Returns undefined
 * for missing or non-numeric sizes.
 */
export function kilobytesToBytes(kb: number | string | null | undefined): number | undefined {
    if (kb === null || kb === undefined || kb === "") return undefined;
    const n = typeof kb === "number" ? kb : Number(kb);
    return Number.isFinite(n) ? Math.round(n * 1024) : undefined;
}
