/**
 * Pruning 1000 Alibaba RDS backups of one instance when the cloud refuses one
 * of them, through the adapter's `deleteBackups` on the emulator with a
 * per-call latency standing in for a network. The refused set is younger than
 * the instance's 7-day delete rule; its `StoreStatus` stays Enabled, so
 * nothing in a listing tells it apart from the others, and the adapter learns
 * of it only from the refused `DeleteBackup` of its chunk.
 *
 * Limit: 10 calls for the ten chunks of 100, plus 15 (1 + 2 * ceil(log2 100))
 * to find the refused id in its chunk by halving: 25. Before, the refused chunk
 * was replayed one id at a time: 10 + 100 = 110 calls.
 *
 * Figures only, no thresholds. Run directly (after `npm run build`):
 * `npx ts-node --transpile-only scripts/bench-prune.ts` (`BENCH_LATENCY_MS`, default 50).
 */
import { performance } from "perf_hooks";
import { startEmulator } from "../emulator";
import { AlicloudRdsAdapter, ALICLOUD_MAX_IDS_PER_DELETE } from "../provider/clouds/alicloud/rds";
import { Admin } from "../tests/support/world";

const INSTANCE = "rm-benchprune00001";
const COUNT = 1000;
/** Where the refused set sits in the list: chunk 6, offset 50, where halving takes its full 7 levels. */
const REFUSED_AT = 550;
const CHUNKS = Math.ceil(COUNT / ALICLOUD_MAX_IDS_PER_DELETE);
const HALVING_CALLS = 1 + 2 * Math.ceil(Math.log2(ALICLOUD_MAX_IDS_PER_DELETE));
const LIMIT = CHUNKS + HALVING_CALLS;
const BEFORE = CHUNKS + ALICLOUD_MAX_IDS_PER_DELETE;

function table(head: string[], rows: string[][]): string {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    return [line(head), widths.map(w => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Prunes 1000 sets of which one is refused; returns the figures as a printable table. */
export async function pruneWithRefusal(latencyMs: number): Promise<string> {
    const emu = await startEmulator({
        timeScale: 0.002, latencyMs,
        // Log backup off and no override: sets younger than 7 days are refused.
        instances: [{ cloud: "alicloud", service: "rds", id: INSTANCE, engine: "MySQL", category: "HighAvailability", logBackup: false }],
    });
    try {
        const admin = new Admin(emu.admin);
        const ids: string[] = [];
        for (let i = 0; i < COUNT; i += 25) {
            const batch = Array.from({ length: Math.min(25, COUNT - i) }, (_, j) =>
                admin.addBackup("alicloudRds", { instanceId: INSTANCE, ageDays: i + j === REFUSED_AT ? 3 : 8 + (i + j) / 1000 }));
            ids.push(...(await Promise.all(batch)).map(b => b.backupId));
        }
        const adapter = new AlicloudRdsAdapter({ accessKeyId: emu.accessKeys[0].id, accessKeySecret: emu.accessKeys[0].secret, endpoint: emu.endpoints.alicloudRds });
        await admin.resetCalls();
        const started = performance.now();
        const outcomes = await adapter.deleteBackups(INSTANCE, ids);
        const wallMs = performance.now() - started;
        const counts = (await admin.calls()).alicloudRds ?? {};
        const calls = counts.DeleteBackup?.calls ?? 0;
        const otherCalls = Object.entries(counts).filter(([op]) => op !== "DeleteBackup").reduce((n, [, a]) => n + a.calls, 0);
        const deleted = outcomes.filter(o => o.result === "deleted").length;
        const refused = outcomes.filter(o => o.result !== "deleted");
        const left = (await admin.backupsOf("alicloudRds", INSTANCE)).length;
        const row = [String(COUNT), String(deleted), String(refused.length), String(calls), String(LIMIT), (calls / LIMIT).toFixed(2),
            String(BEFORE), `${(BEFORE / calls).toFixed(1)}x`, String(otherCalls), wallMs.toFixed(0)];
        return [
            `Alibaba RDS deleteBackups of ${COUNT} sets on one instance, one refused (too young, at position ${REFUSED_AT}), ${latencyMs} ms per call`,
            "",
            table(["ids", "deleted", "refused", "DeleteBackup calls", "limit", "ratio", "calls before", "before/now", "other calls", "wall ms"], [row]),
            "",
            `limit ${LIMIT} = ${CHUNKS} chunks of ${ALICLOUD_MAX_IDS_PER_DELETE} + ${HALVING_CALLS} (1 + 2 * ceil(log2 ${ALICLOUD_MAX_IDS_PER_DELETE})) to find the refused id by halving;`
                + ` before: ${CHUNKS} + ${ALICLOUD_MAX_IDS_PER_DELETE} with the refused chunk replayed one id at a time`,
            `refused: ${refused.map(o => `${o.backupId} ${o.result} ${o.code}`).join(", ") || "none"}; sets left on the instance: ${left}`,
        ].join("\n");
    } finally {
        await emu.stop();
    }
}

if (require.main === module) {
    pruneWithRefusal(Number(process.env.BENCH_LATENCY_MS ?? 50)).then(console.log, err => {
        console.error(err);
        process.exit(1);
    });
}
