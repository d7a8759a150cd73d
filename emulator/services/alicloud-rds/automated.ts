/**
 * The daily automated-backup window of an emulated RDS instance
 * (`preferredBackupTime`, `HH:mmZ-HH:mmZ` in UTC): its windows over a span of
 * time, and the Automated job each one runs, derived from the clock and never
 * stored.
 */
import { createHash } from "crypto";
import type { InstanceRecord } from "./instances";
import type { BackupJobRecord } from "./jobs";

const WINDOW_RE = /^([01]\d|2[0-3]):([0-5]\d)Z-([01]\d|2[0-3]):([0-5]\d)Z$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The window `HH:mmZ-HH:mmZ` as minutes after midnight UTC; a window ending before it starts runs past midnight. */
export function parseBackupWindow(text: string): { startMinute: number; durationMinutes: number } | undefined {
    const m = WINDOW_RE.exec(text);
    if (!m) return undefined;
    const start = +m[1] * 60 + +m[2];
    const end = +m[3] * 60 + +m[4];
    if (start === end) return undefined;
    return { startMinute: start, durationMinutes: (end - start + 1440) % 1440 };
}

/** Automated-backup windows of the instance that overlap [fromMs, toMs], oldest first. */
export function automatedWindows(instance: InstanceRecord, fromMs: number, toMs: number): Array<{ startMs: number; endMs: number }> {
    const window = instance.preferredBackupTime ? parseBackupWindow(instance.preferredBackupTime) : undefined;
    if (!window || toMs < fromMs) return [];
    const out: Array<{ startMs: number; endMs: number }> = [];
    // Start a day early: a window that began yesterday may still be open. Spans past a year are cut (the loop stays short).
    for (let day = Math.floor(Math.max(fromMs, toMs - 366 * DAY_MS) / DAY_MS) - 1; day <= Math.floor(toMs / DAY_MS); day++) {
        const startMs = day * DAY_MS + window.startMinute * MINUTE_MS;
        const endMs = startMs + window.durationMinutes * MINUTE_MS;
        if (endMs >= fromMs && startMs <= toMs) out.push({ startMs, endMs });
    }
    return out;
}

function digestInt(text: string): number {
    return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/** The Automated jobs of the windows overlapping [fromMs, toMs], with ids stable per instance and window, far above manual job ids. */
export function automatedJobs(instance: InstanceRecord, fromMs: number, toMs: number): BackupJobRecord[] {
    return automatedWindows(instance, fromMs, toMs).map(({ startMs, endMs }) => ({
        jobId: String(900_000_000 + (digestInt(`${instance.id}@${startMs}`) % 99_000_000)),
        instanceId: instance.id,
        mode: "Automated",
        method: "Physical",
        dbNames: [],
        startMs,
        durationMs: endMs - startMs,
        willFail: false,
        backupId: String(900_000_000 + (digestInt(`set:${instance.id}@${startMs}`) % 99_000_000)),
        settled: false,
    }));
}
