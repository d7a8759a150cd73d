/**
 * The cloud's clock as its answers tell it. Every HTTP answer carries a `Date`
 * header (RFC 9110); ages of jobs and backups are measured on the cloud's
 * clock, so a skewed machine clock neither shortens nor stretches them.
 */

/**
 * The offset (cloud minus this machine, in ms) a `Date` header gives, or
 * undefined when there is none. The header has whole seconds: the offset is
 * kept at that precision, never more than a second off.
 */
export function clockOffsetFrom(date: unknown, localNow: number = Date.now()): number | undefined {
    const ms = typeof date === "string" ? Date.parse(date) : NaN;
    return isNaN(ms) ? undefined : ms + 500 - localNow;
}
