/**
 * Nights of a retention policy: one `up` a night of a `BackupRetentionSet`
 * with retention tiers through the real dynamic-provider host, the
 * emulator's clock moved a day between nights by its admin API. After every
 * night the backups in the cloud and in state are checked against the
 * definition (restic's: per tier, the newest backup of each of the last N
 * periods that have a backup), written here apart from the provider's code.
 * With `failEvery`, every n-th backup fails in the cloud and the floor
 * (`minCompleted`) is checked on every night.
 */
import { BackupRetentionSet } from "../../sdk";
import { periodLabel } from "../../provider/periods";
import { Retention, TIER_PERIOD, tiersOf } from "../../provider/retention-policy";
import { expectedHeld } from "../support/retention-definition";
import type { InstanceSpec } from "../../emulator/core/types";
import { startWorld } from "../support/world";

export interface NightsOptions {
    nights: number;
    retention: Retention;
    minCompleted?: number;
    /** Every n-th night's backup fails in the cloud (3: nights 3, 6, 9, ...). */
    failEvery?: number;
    /** The first night (default 2026-01-01T02:00:00Z). */
    start?: string;
    /** A fresh host for every `up`, as each `pulumi up` starts one (default: one host kept for every night, much faster). */
    freshHosts?: boolean;
    log?: (line: string) => void;
    /** Called after each night with what it held, e.g. to draw it. */
    onNight?: (n: NightRecord) => void;
}

/** One night as the checks saw it. */
export interface NightRecord {
    night: number;
    now: string;
    /** The backups the set holds after the night: id, instant, tiers. */
    held: Array<{ backupId: string; at: string; tiers: string[]; heldByFloor?: boolean }>;
    created?: string;
    failed: boolean;
    deleted: string[];
}

export interface NightsReport {
    nights: number;
    /** Backups the cloud was asked to make (the emulator's count of create calls that made one). */
    made: number;
    failed: number;
    /** Backups the tiers would cost if each tier were a set of its own: the sum over tiers of the periods that got a backup. */
    unshared: number;
    mostHeld: number;
    sumOfTiers: number;
    /** Every night on which a check did not hold, and why. */
    violations: string[];
    elapsedMs: number;
}

const INSTANCE: InstanceSpec = { cloud: "alicloud", id: "rm-retention0night", engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0 };

export async function runNights(opts: NightsOptions): Promise<NightsReport> {
    const started = Date.now();
    const log = opts.log ?? (() => undefined);
    const w = await startWorld([INSTANCE]);
    const report: NightsReport = {
        nights: opts.nights, made: 0, failed: 0, unshared: 0, mostHeld: 0,
        sumOfTiers: tiersOf(opts.retention).reduce((n, t) => n + opts.retention[t]!, 0), violations: [], elapsedMs: 0,
    };
    try {
        const engine = w.newEngine({ reuseHost: !opts.freshHosts });
        // The emulator's clock starts at the first night.
        const startAt = Date.parse(opts.start ?? "2026-01-01T02:00:00Z");
        const clockNow = Date.parse((await w.admin.state() as any).clock.now);
        if (startAt > clockNow) await w.admin.advanceClock({ ms: startAt - clockNow });
        let now = "";
        const program = () => { new BackupRetentionSet("gfs", { cloud: "alicloud", instanceId: INSTANCE.id, retention: opts.retention, now, minCompleted: opts.minCompleted }); };
        const good = new Map<number, string>(); // instant → backup id, of the backups that completed
        const periods = new Map<string, Set<string>>();
        let before = new Set<string>();
        for (let n = 1; n <= opts.nights; n++) {
            now = n === 1 ? (await w.admin.state() as any).clock.now : (await w.admin.advanceClock({ days: 1 })).now;
            const failing = !!opts.failEvery && n % opts.failEvery === 0;
            if (failing) await w.admin.patchInstance("alicloudRds", INSTANCE.id, { failNextBackup: true });
            await w.admin.resetCalls();
            const up = await engine.up(program);
            const creates = (await w.admin.calls()).alicloudRds?.CreateBackup?.mutations ?? 0;
            report.made += creates;
            if (!failing && !up.ok) report.violations.push(`night ${n}: up failed: ${up.errors.join("; ")}`);
            if (failing && up.ok) report.violations.push(`night ${n}: the backup was to fail, but the up succeeded`);
            if (failing) report.failed++;
            const members = (engine.view.resources[0]?.outputs.backups ?? {}) as Record<string, any>;
            const made = Object.values(members).find(m => m.at === now && m.status === "COMPLETED");
            if (made) good.set(Date.parse(now), made.backupId);
            if (!failing && creates !== 1) report.violations.push(`night ${n}: ${creates} backups made, one expected`);
            if (made) for (const t of tiersOf(opts.retention)) {
                const p = periodLabel(TIER_PERIOD[t], new Date(now));
                periods.set(t, (periods.get(t) ?? new Set()).add(p));
            }

            // The definition, over every backup that ever completed.
            const expected = new Set([...expectedHeld(opts.retention, [...good.keys()])].map(t => good.get(t)!));
            const cloud = (await w.admin.backupsOf("alicloudRds", INSTANCE.id)).filter((b: any) => b.mode === "Manual");
            const live = new Set(cloud.filter((b: any) => b.status === "Success").map((b: any) => b.backupId as string));
            // What the set shows as held (its backupIds): a backup the cloud reports failed is not among them.
            const heldIds = (engine.view.resources[0]?.outputs.backupIds ?? []) as string[];
            const heldInState = Object.values(members).filter(m => heldIds.includes(m.backupId));
            const floorHeld = Object.values(members).filter(m => m.heldByFloor).map(m => m.backupId as string);
            const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every(x => b.has(x));
            const liveHeld = new Set([...live].filter(id => !floorHeld.includes(id)));
            const deleted = [...before].filter(id => !live.has(id));
            if (failing) {
                // The set records tonight's plan when it starts the backup, before the cloud reports the failure to the wait
                // step; the next up plans again without the failed backup. On the failed night nothing is deleted, so every
                // backup the definition holds is still there.
                if (deleted.length) report.violations.push(`night ${n}: the backup failed, yet ${deleted.join(",")} were deleted`);
                const missing = [...expected].filter(id => !live.has(id));
                if (missing.length) report.violations.push(`night ${n}: the definition holds ${missing.join(",")}, which the cloud no longer has`);
            } else {
                if (!same(liveHeld, expected)) report.violations.push(`night ${n} (${now}): the cloud holds ${[...liveHeld].sort().join(",")} besides the floor's, the definition ${[...expected].sort().join(",")}`);
                if (!same(new Set(heldInState.map(m => m.backupId)), expected)) report.violations.push(`night ${n}: the state's tiers hold ${heldInState.map(m => m.backupId).sort().join(",")}, the definition ${[...expected].sort().join(",")}`);
            }
            if (liveHeld.size > report.sumOfTiers) report.violations.push(`night ${n}: ${liveHeld.size} backups held, more than the ${report.sumOfTiers} of the tiers`);
            for (const id of deleted) if (expected.has(id)) report.violations.push(`night ${n}: backup ${id} was deleted while a tier holds it`);
            // The floor: never fewer completed backups than minCompleted (once that many have been made).
            const floor = Math.min(opts.minCompleted ?? 1, good.size);
            if (live.size < floor) report.violations.push(`night ${n}: ${live.size} completed backups, fewer than the floor ${floor}`);
            report.mostHeld = Math.max(report.mostHeld, live.size);
            before = live;
            opts.onNight?.({
                night: n, now, failed: failing, deleted, created: made?.backupId,
                held: Object.values(members).filter(m => live.has(m.backupId)).map(m => ({ backupId: m.backupId, at: m.at, tiers: m.tiers ?? [], ...(m.heldByFloor ? { heldByFloor: true } : {}) })),
            });
            if (n % 25 === 0 || n === opts.nights) log(`night ${n} (${now.slice(0, 10)}): ${live.size} backups held, ${report.made} made so far, ${report.violations.length} violations`);
        }
        report.unshared = [...periods.values()].reduce((s, p) => s + p.size, 0);
        const down = await engine.destroy();
        if (!down.ok) report.violations.push(`destroy failed: ${down.errors.join("; ")}`);
        await engine.close();
    } finally {
        await w.close();
        report.elapsedMs = Date.now() - started;
    }
    return report;
}

/** The figures as `npm run retention-nights` prints them. */
export function formatNights(r: NightsReport, opts: NightsOptions): string {
    return [
        `retention ${JSON.stringify(opts.retention)}${opts.minCompleted !== undefined ? `, minCompleted ${opts.minCompleted}` : ""}${opts.failEvery ? `, 1 backup in ${opts.failEvery} failing` : ""}: ${r.nights} nights in ${(r.elapsedMs / 1000).toFixed(0)}s`,
        `  backups made ${r.made} (${r.failed} failed in the cloud); one set per tier would have made ${r.unshared} for the backups that completed`,
        `  most backups held at once ${r.mostHeld} (the tiers' sum: ${r.sumOfTiers})`,
        `  nights on which a check did not hold: ${r.violations.length}${r.violations.length ? `\n${r.violations.slice(0, 12).map(v => `    ${v}`).join("\n")}` : ""}`,
    ].join("\n");
}
