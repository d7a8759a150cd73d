/** The report as a terminal table: one block per instance, then the findings and the storage. */
import type { Report, ReportBackup, StorageLine } from "./model";

/** `1.5 GiB`, `312 MiB`, `16 KiB`, `-` when unknown. */
export function formatSize(bytes: number | undefined): string {
    if (bytes === undefined) return "-";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = bytes;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** `3.2d`, `5h`, `12m`. */
export function formatAge(days: number | undefined): string {
    if (days === undefined) return "-";
    if (days >= 1) return `${days >= 10 ? Math.round(days) : days.toFixed(1)}d`;
    const hours = days * 24;
    return hours >= 1 ? `${Math.round(hours)}h` : `${Math.round(hours * 60)}m`;
}

/** `2026-11-20 02:00`, in UTC. */
const shortTime = (iso: string | undefined) => (iso ? iso.slice(0, 16).replace("T", " ") : "-");

function table(rows: string[][], indent = "  "): string[] {
    const widths = rows[0].map((_, c) => Math.max(...rows.map(r => (r[c] ?? "").length)));
    return rows.map(r => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ").trimEnd());
}

function owner(b: ReportBackup): string {
    return `${b.owner.name}${b.leftBehind ? "  LEFT BEHIND" : ""}`;
}

function storageLines(lines: StorageLine[]): string[] {
    return table([["", "BACKUPS", "SIZE"], ...lines.map(l => [l.name, String(l.backups), formatSize(l.sizeBytes)])]);
}

/** The whole report as text for a terminal. */
export function renderText(r: Report): string {
    const out: string[] = [];
    for (const inst of r.instances) {
        out.push(`${inst.key}${inst.listed ? `: ${inst.backups} backup${inst.backups === 1 ? "" : "s"}, ${formatSize(inst.sizeBytes)}` : ""}`);
        if (!inst.listed) {
            out.push(`  could not list: ${inst.error}`, "");
            continue;
        }
        const rows = r.backups.filter(b => b.instance === inst.key)
            .sort((a, b) => (a.startedAt ?? "").localeCompare(b.startedAt ?? ""))
            .map(b => [b.backupId, b.name ?? "-", b.kind, b.status, formatSize(b.sizeBytes), shortTime(b.startedAt), shortTime(b.finishedAt), formatAge(b.ageDays), owner(b)]);
        if (rows.length) out.push(...table([["BACKUP ID", "NAME", "KIND", "STATUS", "SIZE", "STARTED (UTC)", "ENDED (UTC)", "AGE", "OWNER"], ...rows]));
        else out.push("  no backups");
        out.push("");
    }
    const f = r.findings;
    out.push(`Left behind (ours, held by no given checkpoint): ${f.leftBehind.length}`);
    for (const l of f.leftBehind) {
        out.push(`  ${l.backupId} on ${l.instance}: ${l.owner.name}; ${l.why}`);
        l.takeOver.forEach((t, i) => out.push(`    ${i === 0 ? "take over:" : "       or:"} ${t}`));
        out.push(`    delete by hand: ${l.deleteByHand}`);
    }
    out.push(`State entries pointing at nothing: ${f.dangling.length}`);
    for (const d of f.dangling) out.push(`  ${d.holder} on ${d.instance}: ${d.what}; ${d.next}`);
    out.push(`Failed backups still present: ${f.failed.length}`);
    for (const x of f.failed) out.push(`  ${x.backupId} on ${x.instance} (${x.owner.name}): ${x.next}`);
    if (f.journal.length) {
        out.push(`Journal entries not matched to a backup: ${f.journal.length}`);
        for (const j of f.journal) out.push(`  ${j.instance ? `${j.instance}: ` : ""}${j.what}`);
    }
    out.push("", "Storage per owner:", ...storageLines(r.storage.byOwner), "", "Storage per instance:", ...storageLines(r.storage.byInstance));
    const failedListings = r.instances.filter(i => !i.listed).length;
    out.push("", `${r.instances.length} instance${r.instances.length === 1 ? "" : "s"}${failedListings ? ` (${failedListings} could not be listed)` : ""}, ${r.backups.length} backups, `
        + `${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? "" : "s"}, ${r.journal.entries} journal entr${r.journal.entries === 1 ? "y" : "ies"} (${r.journal.dir})`);
    return out.join("\n") + "\n";
}
