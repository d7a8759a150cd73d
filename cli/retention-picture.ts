/**
 * A picture of a retention policy: nights of a `BackupRetentionSet` with
 * retention tiers, planned by the provider's own tier code (the same
 * functions an `up` runs), drawn as an SVG timeline. Each row is one
 * backup, from the night it is made to the night it is deleted; each night's
 * cell has the colour of the coarsest tier holding the backup then.
 */
import { periodLabel } from "../provider/periods";
import { planTiers, PolicyMember, Retention, Tier, TIER_PERIOD, TIERS, tiersOf } from "../provider/retention-policy";

const DAY = 86_400_000;

/** One backup over the nights. */
export interface PictureBackup {
    key: string;
    /** Night it was made (0-based). */
    made: number;
    /** Night it was deleted, if it was. */
    deleted?: number;
    /** Tiers holding it, per night from `made` on (until deleted). */
    tiers: Tier[][];
}

export interface PolicyHistory {
    retention: Retention;
    nights: number;
    start: string;
    backups: PictureBackup[];
    /** Most backups held at once. */
    mostHeld: number;
    /** What one set per tier would have made: the sum over tiers of the periods that got a backup. */
    unshared: number;
}

/** Runs the policy for `nights` nights, one run a night at the same hour, every backup completing. */
export function simulatePolicy(retention: Retention, nights: number, start = "2026-01-01T02:00:00Z"): PolicyHistory {
    const members: Record<string, PolicyMember> = {};
    const backups = new Map<string, PictureBackup>();
    const periods = new Map<Tier, Set<string>>();
    let mostHeld = 0;
    for (let n = 0; n < nights; n++) {
        const now = new Date(Date.parse(start) + n * DAY);
        const plan = planTiers(retention, now, members);
        if (plan.create) {
            members[plan.create] = { at: now.toISOString(), status: "COMPLETED", backupId: plan.create };
            backups.set(plan.create, { key: plan.create, made: n, tiers: [] });
        }
        for (const k of plan.released) { delete members[k]; backups.get(k)!.deleted = n; }
        for (const [k, tiers] of plan.held) backups.get(k)!.tiers.push(tiers);
        if (plan.create) for (const t of tiersOf(retention)) periods.set(t, (periods.get(t) ?? new Set()).add(periodLabel(TIER_PERIOD[t], now)));
        mostHeld = Math.max(mostHeld, plan.held.size);
    }
    const unshared = [...periods.values()].reduce((s, p) => s + p.size, 0);
    return { retention, nights, start, backups: [...backups.values()], mostHeld, unshared };
}

const COLOURS: Record<Tier, string> = { hourly: "#76b7b2", daily: "#4e79a7", weekly: "#59a14f", monthly: "#f28e2b", yearly: "#b07aa1" };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The history as an SVG document (deterministic: the same history gives the same bytes). */
export function policySvg(h: PolicyHistory): string {
    const cell = 6, row = 4, left = 64, top = 78, bottom = 40;
    const width = left + h.nights * cell + 24;
    const height = top + h.backups.length * row + bottom;
    const coarsest = (tiers: Tier[]) => tiers.reduce<Tier | undefined>((c, t) => (c === undefined || TIERS.indexOf(t) > TIERS.indexOf(c) ? t : c), undefined);
    const out: string[] = [];
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
    out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
    const policy = tiersOf(h.retention).map(t => `${t}: ${h.retention[t]}`).join(", ");
    out.push(`<text x="${left}" y="18" font-size="13" font-weight="bold">BackupRetentionSet retention { ${esc(policy)} } over ${h.nights} nights</text>`);
    out.push(`<text x="${left}" y="34">Each row is one backup, from the night it was made; its colour each night is the coarsest tier holding it; × marks its deletion.</text>`);
    out.push(`<text x="${left}" y="50">${h.backups.length} backups made (one a night, shared by every tier it falls in; one set per tier would make ${h.unshared}); at most ${h.mostHeld} held at once.</text>`);
    let lx = left;
    for (const t of tiersOf(h.retention)) {
        out.push(`<rect x="${lx}" y="59" width="10" height="10" fill="${COLOURS[t]}"/><text x="${lx + 14}" y="68">${t}</text>`);
        lx += 80;
    }
    // Month ticks along the nights.
    for (let n = 0; n < h.nights; n++) {
        const d = new Date(Date.parse(h.start) + n * DAY);
        if (d.getUTCDate() !== 1 && n !== 0) continue;
        const x = left + n * cell;
        out.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - bottom + 4}" stroke="#dddddd"/>`);
        out.push(`<text x="${x + 2}" y="${height - bottom + 16}">${d.toISOString().slice(0, 7)}</text>`);
    }
    out.push(`<text x="${left}" y="${height - 8}">night (UTC)</text>`);
    out.push(`<text transform="translate(16 ${top + (h.backups.length * row) / 2}) rotate(-90)" text-anchor="middle">backups, by night made</text>`);
    h.backups.forEach((b, i) => {
        const y = top + i * row;
        b.tiers.forEach((tiers, j) => {
            const t = coarsest(tiers);
            if (t) out.push(`<rect x="${left + (b.made + j) * cell}" y="${y}" width="${cell}" height="${row - 1}" fill="${COLOURS[t]}"/>`);
        });
        if (b.deleted !== undefined) {
            const x = left + b.deleted * cell + cell / 2, cy = y + (row - 1) / 2;
            out.push(`<path d="M${x - 2} ${cy - 2}L${x + 2} ${cy + 2}M${x - 2} ${cy + 2}L${x + 2} ${cy - 2}" stroke="#c0392b" stroke-width="1"/>`);
        }
    });
    out.push("</svg>");
    return out.join("\n") + "\n";
}

/** The picture the docs show: GFS `{ daily: 7, weekly: 4, monthly: 12 }` over 120 nights from 2026-01-01. */
export function docsPicture(): string {
    return policySvg(simulatePolicy({ daily: 7, weekly: 4, monthly: 12 }, 120));
}
