/**
 * Retention tiers and the floor of completed backups, as pure functions of
 * the set's members and a moment: which backups each tier holds, whether
 * tonight needs a new backup, and which deletions the floor defers. Nothing
 * here calls a cloud; `retention-set.ts` applies the plans.
 *
 * A tier keeps what restic's `forget --keep-daily N` (and borg `prune`)
 * keeps: going from the newest backup to the oldest, the newest backup of
 * each period, for the last N periods that have a backup (a period without
 * one does not count). One backup serves every tier it is picked by.
 */
import { Period, periodLabel } from "./periods";

/** The tiers, finest first. */
export const TIERS = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;
export type Tier = typeof TIERS[number];

/** Counts of periods per tier: `{ daily: 7, weekly: 4, monthly: 12 }`. */
export type Retention = Partial<Record<Tier, number>>;

/** The period each tier counts. */
export const TIER_PERIOD: Record<Tier, Period> = { hourly: "hour", daily: "day", weekly: "week", monthly: "month", yearly: "year" };

/** What the policy needs to know of a member. */
export interface PolicyMember {
    /** The instant the tiers date the backup by: when the run that made it planned it, else when it started. */
    at?: string;
    startedAt?: string;
    status: string;
    backupId?: string;
    jobId?: string;
    pendingDelete?: unknown;
}

/** The declared tiers, finest first. */
export function tiersOf(retention: Retention): Tier[] {
    return TIERS.filter(t => (retention[t] ?? 0) > 0);
}

/** The instant a member is dated by (ms), or undefined when it has none. */
export function instantOf(m: PolicyMember): number | undefined {
    const t = Date.parse(m.at ?? m.startedAt ?? "");
    return isNaN(t) ? undefined : t;
}

/** Keys of failed backups set aside for deletion: never candidates of a tier. */
export const isSetAside = (key: string) => key.includes("~failed-");

/** Members a tier may hold, with their instants, newest first: a backup that exists or is on its way, dated, not failed. */
export function datedMembers(members: Record<string, PolicyMember>): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [k, m] of Object.entries(members)) {
        const at = instantOf(m);
        if (isSetAside(k) || m.status === "FAILED" || at === undefined || (!m.backupId && !m.jobId)) continue;
        out.push([k, at]);
    }
    // Newest first; equal instants by key, so the choice never depends on the order of the state's keys.
    return out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1));
}

/**
 * The tiers holding each backup: key → tiers, finest first. Keys no tier
 * holds are absent. Instants are given as ms since the epoch.
 */
export function selectTiers(retention: Retention, dated: Array<[string, number]>): Map<string, Tier[]> {
    const held = new Map<string, Tier[]>();
    const sorted = [...dated].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1));
    for (const tier of tiersOf(retention)) {
        let left = retention[tier]!;
        let last: string | undefined;
        for (const [key, at] of sorted) {
            if (left === 0) break;
            const period = periodLabel(TIER_PERIOD[tier], new Date(at));
            if (period === last) continue;
            last = period;
            left--;
            held.set(key, [...(held.get(key) ?? []), tier]);
        }
    }
    return held;
}

/** The key of a backup made at `now`: the name of its period in the finest declared tier, e.g. `2026-01-05`. */
export function keyFor(retention: Retention, now: Date): string {
    return periodLabel(TIER_PERIOD[tiersOf(retention)[0]], now);
}

/** What the tiers ask of the set at `now`. */
export interface TierPlan {
    /** The key of the backup to make now, when the current period of a tier has none. */
    create?: string;
    /** Every key the tiers hold after the plan (the new one included) → its tiers. */
    held: Map<string, Tier[]>;
    /** Keys of members no tier holds any more (failed ones set aside included). */
    released: string[];
}

/**
 * The plan at `now`: a new backup when some tier's current period has no
 * backup yet (so one backup serves the new day, week and month at once), and
 * which backups each tier then holds.
 */
export function planTiers(retention: Retention, now: Date, members: Record<string, PolicyMember>): TierPlan {
    const dated = datedMembers(members);
    const tiers = tiersOf(retention);
    const missing = tiers.some(t => {
        const current = periodLabel(TIER_PERIOD[t], now);
        return !dated.some(([, at]) => periodLabel(TIER_PERIOD[t], new Date(at)) === current);
    });
    let create: string | undefined;
    if (missing) {
        create = keyFor(retention, now);
        // A key still used by a member (one set aside is renamed, so only an undated one can clash) gets a suffix.
        for (let n = 2; members[create] !== undefined; n++) create = `${keyFor(retention, now)}-${n}`;
        dated.push([create, now.getTime()]);
    }
    const held = selectTiers(retention, dated);
    const released = Object.keys(members).filter(k => !held.has(k)).sort();
    return { create, held, released };
}

/**
 * The floor: of the members about to be deleted, those that must stay so that
 * at least `minCompleted` COMPLETED backups remain, newest first. Failed and
 * unfinished backups never count towards the floor, and are never spared by it.
 */
export function sparedByFloor(members: Record<string, PolicyMember>, doomed: string[], minCompleted: number): string[] {
    const going = new Set(doomed);
    const completed = (k: string) => !isSetAside(k) && members[k]?.status === "COMPLETED" && !!members[k].backupId;
    let remaining = Object.keys(members).filter(k => !going.has(k) && completed(k)).length;
    if (remaining >= minCompleted) return [];
    const spared: string[] = [];
    const byNewest = doomed.filter(completed).sort((a, b) => (instantOf(members[b]) ?? 0) - (instantOf(members[a]) ?? 0) || (a < b ? 1 : -1));
    for (const k of byNewest) {
        if (remaining >= minCompleted) break;
        spared.push(k);
        remaining++;
    }
    return spared;
}

/** Tiers as words for a preview line: `daily+weekly`, or `no tier` for a backup none holds. */
export function tiersText(tiers: readonly string[] | undefined): string {
    return tiers && tiers.length ? tiers.join("+") : "no tier";
}

/**
 * The keys whose backups a set's `backupIds` lists, in its order: with
 * retention tiers, the members a tier holds, oldest first; otherwise the
 * declared labels as given. A failed backup is not listed.
 */
export function heldKeys(labels: readonly string[] | undefined, members: Record<string, PolicyMember & { tiers?: readonly string[] }>, tiered: boolean): string[] {
    if (!tiered) return [...(labels ?? [])];
    // A backup the cloud reports failed serves no tier, even before the set's next update sets it aside.
    return Object.keys(members).filter(k => members[k].tiers?.length && members[k].status !== "FAILED")
        .sort((a, b) => (instantOf(members[a]) ?? 0) - (instantOf(members[b]) ?? 0) || (a < b ? -1 : 1));
}
