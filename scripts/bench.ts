/**
 * `npm run bench`: prints figures, no thresholds.
 *  (a) the size of the provider Pulumi serializes into every resource's state,
 *      obtained the way `pulumi.dynamic.Resource` does it;
 *  (b) pruning through each adapter's `deleteBackups` on the emulator: wall
 *      time and delete calls for N hand-made backups per instance, compared
 *      with one call per backup.
 */
import { performance } from "perf_hooks";
import { DEFAULT_INSTANCE_IDS, startEmulator, type RunningEmulator } from "../emulator";
import type { ServiceKey } from "../emulator/core/types";
import { providerShim, type ResourceKind } from "../dist/sdk/provider-shim";
import type { BackupAdapter } from "../provider/clouds/adapter";
import { AlicloudRdsAdapter } from "../provider/clouds/alicloud/rds";
import { HuaweicloudGeminidbAdapter } from "../provider/clouds/huaweicloud/geminidb";
import { HuaweicloudRdsAdapter } from "../provider/clouds/huaweicloud/rds";
import { Admin } from "../tests/support/world";

const N = 110;

/** Admin-API operation names that delete backups, per emulated service. */
const DELETE_OPS: Record<ServiceKey, string[]> = {
    alicloudRds: ["DeleteBackup"],
    huaweicloudRds: ["BatchDeleteBackups", "DeleteManualBackup"],
    huaweicloudGeminidb: ["BatchDeleteBackups", "DeleteBackup"],
};

interface Case { label: string; service: ServiceKey; instanceId: string; adapter: (emu: RunningEmulator) => BackupAdapter }

const CASES: Case[] = [
    {
        label: "Alibaba RDS (MySQL HA)", service: "alicloudRds", instanceId: DEFAULT_INSTANCE_IDS.alicloudQuickstart,
        adapter: emu => new AlicloudRdsAdapter({ accessKeyId: emu.accessKeys[0].id, accessKeySecret: emu.accessKeys[0].secret, endpoint: emu.endpoints.alicloudRds }),
    },
    {
        label: "Huawei RDS SQL Server", service: "huaweicloudRds", instanceId: DEFAULT_INSTANCE_IDS.huaweicloudSqlServer,
        adapter: emu => new HuaweicloudRdsAdapter(huawei(emu, emu.endpoints.huaweicloudRds)),
    },
    {
        label: "Huawei RDS MySQL (no batch)", service: "huaweicloudRds", instanceId: DEFAULT_INSTANCE_IDS.huaweicloudMysql,
        adapter: emu => new HuaweicloudRdsAdapter(huawei(emu, emu.endpoints.huaweicloudRds)),
    },
    {
        label: "Huawei GeminiDB (Cassandra)", service: "huaweicloudGeminidb", instanceId: DEFAULT_INSTANCE_IDS.geminidbCassandra,
        adapter: emu => new HuaweicloudGeminidbAdapter(huawei(emu, emu.endpoints.huaweicloudGeminidb)),
    },
];

function huawei(emu: RunningEmulator, endpoint: string) {
    return { accessKey: emu.accessKeys[0].id, secretKey: emu.accessKeys[0].secret, projectId: emu.projectId, endpoint };
}

function table(head: string[], rows: string[][]): string {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    return [line(head), widths.map(w => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

async function providerSizes(): Promise<void> {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const rows: string[][] = [];
    for (const kind of ["ManualBackup", "BackupRetentionSet"] as ResourceKind[]) {
        const shim = providerShim(kind);
        const serialized = await pulumi.runtime.serializeFunction(() => shim, { allowSecrets: true });
        rows.push([kind, String(serialized.text.length), serialized.containsSecrets ? "yes" : "no"]);
    }
    console.log("(a) serialized provider stored in each resource's state\n");
    console.log(table(["resource kind", "bytes", "secrets"], rows));
}

async function pruning(): Promise<void> {
    const emu = await startEmulator({ timeScale: 0.002 });
    const admin = new Admin(emu.admin);
    const rows: string[][] = [];
    try {
        for (const c of CASES) {
            const ids: string[] = [];
            for (let i = 0; i < N; i += 10) {
                const batch = Array.from({ length: Math.min(10, N - i) }, (_, j) =>
                    admin.addBackup(c.service, { instanceId: c.instanceId, ageDays: 1 + (i + j) / 100, name: `bench-${i + j}-${Date.now() % 100000}` }));
                ids.push(...(await Promise.all(batch)).map(b => b.backupId));
            }
            const adapter = c.adapter(emu);
            await admin.resetCalls();
            const started = performance.now();
            const outcomes = await adapter.deleteBackups(c.instanceId, ids);
            const wallMs = performance.now() - started;
            const counts = (await admin.calls())[c.service];
            const deleteCalls = DELETE_OPS[c.service].reduce((n, op) => n + (counts[op]?.calls ?? 0), 0);
            const otherCalls = Object.entries(counts).filter(([op]) => !DELETE_OPS[c.service].includes(op)).reduce((n, [, a]) => n + a.calls, 0);
            const deleted = outcomes.filter(o => o.result === "deleted").length;
            rows.push([
                c.label, String(N), `${deleted}/${N}`, String(deleteCalls), (N / deleteCalls).toFixed(1),
                deleteCalls < N ? `${deleteCalls} vs ${N} = ${(N / deleteCalls).toFixed(1)}x fewer` : `${deleteCalls} vs ${N} (no batch call)`,
                String(otherCalls), wallMs.toFixed(1),
            ]);
        }
    } finally {
        await emu.stop();
    }
    console.log(`\n(b) adapter deleteBackups of ${N} hand-made backups per instance (emulator, timeScale 0.002)\n`);
    console.log(table(["service", "ids", "deleted", "delete calls", "ids/call", "vs one call per id", "other calls", "wall ms"], rows));
}

async function main(): Promise<void> {
    await providerSizes();
    await pruning();
}

main().catch(err => {
    console.error(err);
    process.exit(1);
});
