/**
 * The time shapes Huawei's backup APIs write and read, produced by the
 * emulator's own code (never the provider's parser, so a wrong format on one
 * side cannot hide behind the other):
 * - RDS lists: `2018-08-06T12:41:14+0800` (the region's offset);
 * - GeminiDB v3 lists: `2018-08-06 12:41:14` (UTC);
 * - GeminiDB v3.1/v4 lists and jobs: `2019-05-27T03:38:51+0000`.
 */

const two = (n: number) => String(n).padStart(2, "0");

function dateAndTime(ms: number): [string, string] {
    const d = new Date(ms);
    return [
        `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
        `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`,
    ];
}

/** `yyyy-mm-ddThh:mm:ss±hhmm` in the given offset from UTC (minutes). */
export function offsetTime(ms: number, offsetMinutes: number): string {
    const [date, time] = dateAndTime(ms + offsetMinutes * 60_000);
    const abs = Math.abs(offsetMinutes);
    return `${date}T${time}${offsetMinutes < 0 ? "-" : "+"}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

/** `yyyy-mm-dd hh:mm:ss` in UTC. */
export function spaceTime(ms: number): string {
    return dateAndTime(ms).join(" ");
}

/** `yyyy-mm-ddThh:mm:ss` without an offset (the RDS create answer's `begin_time`). */
export function localTime(ms: number): string {
    return dateAndTime(ms).join("T");
}

const OFFSET_FORM = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)([+-])(\d\d)(\d\d)$/;
const SPACE_FORM = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/;

/**
 * Reads a query time in the one shape an API documents (`offset`:
 * `yyyy-mm-ddThh:mm:ss±hhmm`, `space`: `yyyy-mm-dd hh:mm:ss` UTC) into epoch
 * ms; undefined when it does not match.
 */
export function parseQueryTime(value: string, form: "offset" | "space"): number | undefined {
    const m = (form === "offset" ? OFFSET_FORM : SPACE_FORM).exec(value);
    if (!m) return undefined;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
    const utc = Date.UTC(y, mo - 1, d, h, mi, s);
    if (form === "space") return utc;
    const sign = m[7] === "-" ? -1 : 1;
    return utc - sign * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
}
