/**
 * The report as one self-contained HTML page: per instance an SVG timeline
 * (time across, one mark per backup, coloured by owner, labelled, with a
 * tooltip), a table of its backups, then the findings and the storage. No
 * script, no external file.
 */
import { ownerGroup, type Report, type ReportBackup } from "./model";
import { formatAge, formatSize } from "./text";

/** Colours of owners that are stacks (or were), in order of first appearance. */
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#e15759", "#1f77b4", "#8c564b", "#17becf"];
export const AUTOMATED_COLOUR = "#9aa0a6";
export const NOT_OURS_COLOUR = "#d8cfc0";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Owner (a set's members together) → colour; the same owner has the same colour on every timeline. */
export function ownerColours(r: Report): Map<string, string> {
    const colours = new Map<string, string>();
    let next = 0;
    for (const b of r.backups) {
        const owner = ownerGroup(b);
        if (colours.has(owner)) continue;
        if (b.owner.kind === "automated") colours.set(owner, AUTOMATED_COLOUR);
        else if (b.owner.kind === "not-ours") colours.set(owner, NOT_OURS_COLOUR);
        else colours.set(owner, PALETTE[next++ % PALETTE.length]);
    }
    return colours;
}

/** The short text beside a mark: the set label, the resource, the backup's name, or its id. */
function labelOf(b: ReportBackup): string {
    if (b.kind === "log") return "log";
    if (b.owner.label !== undefined) return b.owner.label;
    if (b.owner.resource) return b.owner.resource;
    if (b.kind === "automated") return "auto";
    return b.name ?? b.backupId.slice(0, 10);
}

function tooltip(b: ReportBackup): string {
    return [
        `${b.backupId}${b.name ? ` (${b.name})` : ""}`,
        `${b.kind}, ${b.status}, ${formatSize(b.sizeBytes)}`,
        `started ${b.startedAt ?? "-"}`, `ended ${b.finishedAt ?? "-"}`, `age ${formatAge(b.ageDays)}`,
        `owner: ${b.owner.name}${b.leftBehind ? " (left behind)" : ""}`,
    ].join("\n");
}

const WIDTH = 960;
const LEFT = 16;
const RIGHT = 16;
const LANE = 26;
const AXIS = 30;
const CHAR = 6.6;

/** Tick positions: whole days (or hours for short spans) between `from` and `to`. */
function ticks(from: number, to: number): number[] {
    const span = to - from;
    const steps = [3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000, 365 * 86_400_000];
    const step = steps.find(s => span / s <= 8) ?? steps[steps.length - 1];
    const out: number[] = [];
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
    return out;
}

/** The time range every timeline of the page shares, so instances compare at a glance. */
function timeRange(backups: ReportBackup[], now: number): { from: number; to: number } {
    const times = backups.flatMap(b => [b.startedAt, b.finishedAt]).filter((t): t is string => !!t).map(t => Date.parse(t)).filter(t => !isNaN(t));
    const min = Math.min(now - 3_600_000, ...times);
    const max = Math.max(now, ...times);
    const pad = Math.max(60_000, (max - min) * 0.03);
    return { from: min - pad, to: max + pad };
}

function timeline(instance: string, backups: ReportBackup[], colours: Map<string, string>, now: number, range: { from: number; to: number }): string {
    const { from, to } = range;
    const x = (t: number) => LEFT + ((t - from) / (to - from)) * (WIDTH - LEFT - RIGHT);
    // Lanes: a mark and its label take the first lane where they overlap nothing; a label that would leave the page goes left of its mark.
    const laneEnds: number[] = [];
    const sorted = [...backups].sort((a, b) => Date.parse(a.startedAt ?? "") - Date.parse(b.startedAt ?? "") || a.backupId.localeCompare(b.backupId));
    const marks = sorted.map(b => {
        const s = Date.parse(b.startedAt ?? b.finishedAt ?? "");
        const e = Date.parse(b.finishedAt ?? "");
        const x1 = isNaN(s) ? x(now) : x(s);
        const w = Math.max(6, isNaN(e) ? 6 : x(e) - x1);
        const label = labelOf(b);
        const labelWidth = label.length * CHAR;
        const leftLabel = x1 + w + 4 + labelWidth > WIDTH - 2;
        const start = leftLabel ? x1 - labelWidth - 6 : x1;
        const end = (leftLabel ? x1 + w : x1 + w + 4 + labelWidth) + 6;
        let lane = laneEnds.findIndex(le => le <= start);
        if (lane < 0) { lane = laneEnds.length; laneEnds.push(end); } else laneEnds[lane] = end;
        return { b, x1, w, lane, label, leftLabel };
    });
    const height = AXIS + Math.max(1, laneEnds.length) * LANE + 10;
    const parts: string[] = [];
    parts.push(`<svg class="timeline" data-instance="${esc(instance)}" data-backups="${backups.length}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="backups of ${esc(instance)} over time">`);
    parts.push(`<line class="axis" x1="${LEFT}" y1="${AXIS - 8}" x2="${WIDTH - RIGHT}" y2="${AXIS - 8}" stroke="#555"/>`);
    const short = (to - from) < 3 * 86_400_000;
    for (const t of ticks(from, to)) {
        const iso = new Date(t).toISOString();
        parts.push(`<line x1="${x(t).toFixed(1)}" y1="${AXIS - 12}" x2="${x(t).toFixed(1)}" y2="${height - 4}" stroke="#e3e3e3"/>`
            + `<text class="tick" x="${x(t).toFixed(1)}" y="${AXIS - 14}" text-anchor="middle">${short ? iso.slice(5, 16).replace("T", " ") : iso.slice(0, 10)}</text>`);
    }
    parts.push(`<line class="now" x1="${x(now).toFixed(1)}" y1="${AXIS - 12}" x2="${x(now).toFixed(1)}" y2="${height - 4}" stroke="#c00" stroke-dasharray="3 3"><title>now ${new Date(now).toISOString()}</title></line>`);
    for (const m of marks) {
        const y = AXIS + m.lane * LANE;
        const colour = colours.get(ownerGroup(m.b)) ?? NOT_OURS_COLOUR;
        const stroke = m.b.leftBehind ? ` stroke="#c00" stroke-width="2" stroke-dasharray="4 2"` : m.b.status === "FAILED" ? ` stroke="#000" stroke-width="2"` : ` stroke="#333" stroke-width="0.5"`;
        parts.push(`<g class="mark" data-backup-id="${esc(m.b.backupId)}" data-owner="${esc(ownerGroup(m.b))}" data-owner-kind="${m.b.owner.kind}" data-kind="${m.b.kind}" data-status="${esc(m.b.status)}"${m.b.leftBehind ? ` data-left-behind="true"` : ""}>`
            + `<title>${esc(tooltip(m.b))}</title>`
            + `<rect x="${m.x1.toFixed(1)}" y="${y}" width="${m.w.toFixed(1)}" height="16" rx="3" fill="${colour}"${stroke}/>`
            + `<text class="label" x="${(m.leftLabel ? m.x1 - 4 : m.x1 + m.w + 4).toFixed(1)}" y="${y + 12}"${m.leftLabel ? ` text-anchor="end"` : ""}>${esc(m.label)}</text></g>`);
    }
    if (marks.length === 0) parts.push(`<text x="${LEFT + 4}" y="${AXIS + 12}">no backups</text>`);
    parts.push("</svg>");
    return parts.join("\n");
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin: 28px 0 6px; font-family: ui-monospace, monospace; }
.summary span { margin-right: 18px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0; }
.legend .swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; vertical-align: -2px; margin-right: 6px; border: 1px solid #666; }
svg.timeline { display: block; border: 1px solid #ddd; background: #fcfcfc; max-width: 100%; height: auto; }
svg text { font: 11px ui-monospace, monospace; fill: #222; }
svg text.tick { fill: #666; font-size: 10px; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 12px; }
th, td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid #eee; vertical-align: top; }
td:not(:last-child) { white-space: nowrap; }
td.id, code { font-family: ui-monospace, monospace; }
.left { color: #b00; font-weight: 600; }
.error { color: #b00; }
`;

/** The whole report as one HTML page. */
export function renderHtml(r: Report): string {
    const colours = ownerColours(r);
    const now = Date.parse(r.generatedAt);
    const range = timeRange(r.backups, now);
    const f = r.findings;
    const body: string[] = [];
    body.push(`<h1>Database backups on ${r.instances.length} instance${r.instances.length === 1 ? "" : "s"}</h1>`);
    body.push(`<p class="summary"><span>generated ${esc(r.generatedAt)}</span><span>${r.backups.length} backups</span><span>${formatSize(r.backups.reduce((n, b) => n + (b.sizeBytes ?? 0), 0))}</span>`
        + `<span class="${f.leftBehind.length ? "left" : ""}">${f.leftBehind.length} left behind</span><span>${f.dangling.length} state entries pointing at nothing</span><span>${f.failed.length} failed</span></p>`);
    body.push(`<div class="legend">${[...colours].map(([name, c]) => `<span class="owner" data-owner="${esc(name)}" data-colour="${c}"><span class="swatch" style="background:${c}"></span>${esc(name)}</span>`).join("")}`
        + `<span><span class="swatch" style="background:#fff;border:2px dashed #c00"></span>left behind</span></div>`);
    for (const inst of r.instances) {
        body.push(`<section class="instance" data-instance="${esc(inst.key)}"><h2>${esc(inst.key)}</h2>`);
        if (!inst.listed) {
            body.push(`<p class="error">could not list: ${esc(inst.error ?? "")}</p></section>`);
            continue;
        }
        const backups = r.backups.filter(b => b.instance === inst.key);
        body.push(`<p>${backups.length} backup${backups.length === 1 ? "" : "s"}, ${formatSize(inst.sizeBytes)}</p>`);
        body.push(timeline(inst.key, backups, colours, now, range));
        if (backups.length) {
            body.push("<table><tr><th>backup id</th><th>name</th><th>kind</th><th>status</th><th>size</th><th>started (UTC)</th><th>age</th><th>owner</th></tr>");
            for (const b of [...backups].sort((a, c) => (a.startedAt ?? "").localeCompare(c.startedAt ?? ""))) {
                body.push(`<tr><td class="id">${esc(b.backupId)}</td><td>${esc(b.name ?? "")}</td><td>${b.kind}</td><td>${esc(b.status)}</td><td>${formatSize(b.sizeBytes)}</td>`
                    + `<td>${esc((b.startedAt ?? "").slice(0, 19).replace("T", " "))}</td><td>${formatAge(b.ageDays)}</td><td${b.leftBehind ? ` class="left"` : ""}>${esc(b.owner.name)}${b.leftBehind ? " (left behind)" : ""}</td></tr>`);
            }
            body.push("</table>");
        }
        body.push("</section>");
    }
    body.push(`<h2>Left behind: ${f.leftBehind.length}</h2>`);
    if (f.leftBehind.length) {
        body.push("<table><tr><th>backup</th><th>owner</th><th>why</th><th>take over, or delete by hand</th></tr>");
        for (const l of f.leftBehind) {
            body.push(`<tr><td class="id">${esc(l.backupId)}<br>${esc(l.instance)}</td><td>${esc(l.owner.name)}</td><td>${esc(l.why)}</td>`
                + `<td>${l.takeOver.map(t => `<code>${esc(t)}</code>`).join("<br>")}<br><code>${esc(l.deleteByHand)}</code></td></tr>`);
        }
        body.push("</table>");
    }
    body.push(`<h2>State entries pointing at nothing: ${f.dangling.length}</h2>`);
    if (f.dangling.length) body.push(`<ul>${f.dangling.map(d => `<li>${esc(d.holder)} on <code>${esc(d.instance)}</code>: ${esc(d.what)}; ${esc(d.next)}</li>`).join("")}</ul>`);
    body.push(`<h2>Failed backups still present: ${f.failed.length}</h2>`);
    if (f.failed.length) body.push(`<ul>${f.failed.map(x => `<li><code>${esc(x.backupId)}</code> on <code>${esc(x.instance)}</code> (${esc(x.owner.name)}): ${esc(x.next)}</li>`).join("")}</ul>`);
    if (f.journal.length) body.push(`<h2>Journal entries not matched: ${f.journal.length}</h2><ul>${f.journal.map(j => `<li>${esc(j.what)}</li>`).join("")}</ul>`);
    body.push("<h2>Storage per owner</h2><table><tr><th>owner</th><th>backups</th><th>size</th></tr>"
        + r.storage.byOwner.map(s => `<tr><td>${esc(s.name)}</td><td>${s.backups}</td><td>${formatSize(s.sizeBytes)}</td></tr>`).join("") + "</table>");
    body.push("<h2>Storage per instance</h2><table><tr><th>instance</th><th>backups</th><th>size</th></tr>"
        + r.storage.byInstance.map(s => `<tr><td>${esc(s.name)}</td><td>${s.backups}</td><td>${formatSize(s.sizeBytes)}</td></tr>`).join("") + "</table>");
    return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Backup report ${esc(r.generatedAt)}</title><style>${STYLE}</style></head>\n<body>\n${body.join("\n")}\n</body></html>\n`;
}
