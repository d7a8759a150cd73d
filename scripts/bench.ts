/**
 * `npm run bench`: prints figures, no thresholds.
 *  (a) the size of the provider Pulumi serializes into every resource's state,
 *      obtained the way `pulumi.dynamic.Resource` does it;
 *  (b) pruning through each adapter's `deleteBackups` on the emulator: wall
 *      time and delete calls for N hand-made backups per instance, compared
 *      with one call per backup;
 *  (c) through the real dynamic-provider host, with a per-call latency
 *      standing in for a network: calls for a refresh and a destroy of N
 *      `ManualBackup`s on one instance (reads and deletes run concurrently, as
 *      the CLI runs them), against their limits;
 *  (d) 20 backups of one instance in one `up`: wall time over the sum of job
 *      times;
 *  (e) the poll schedule for a 10-minute job: polls and how late the end is
 *      noticed, with and without the durations of earlier backups;
 *  (f) a prune of 1000 on one Alibaba instance with one id the cloud refuses;
 *  and the provider hosts' peak memory and CPU. `BENCH_ONLY=ce` runs only
 *  those sections.
 */
import { readFileSync } from "fs";
import { performance } from "perf_hooks";
import { DEFAULT_INSTANCE_IDS, startEmulator, type RunningEmulator } from "../emulator";
import type { ServiceKey } from "../emulator/core/types";
import { providerShim, type ResourceKind } from "../dist/sdk/provider-shim";
import type { BackupAdapter } from "../provider/clouds/adapter";
import { AlicloudRdsAdapter } from "../provider/clouds/alicloud/rds";
import { HuaweicloudGeminidbAdapter } from "../provider/clouds/huaweicloud/geminidb";
import { HuaweicloudRdsAdapter } from "../provider/clouds/huaweicloud/rds";
import { Admin, startWorld } from "../tests/support/world";
import { liveHostPids } from "../tests/support/host-driver";
import { pruneWithRefusal } from "./bench-prune";
import { ManualBackup } from "../dist/sdk";
import { nextPollDelay } from "../provider/instance";
import { ALL_INSTANCES, CASES as LIFECYCLE_CASES } from "../tests/lifecycle/cases";

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
        // Serialized exactly as pulumi.dynamic.Resource does it (the closure's variable is named `provider` there too).
        const provider = providerShim(kind);
        const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
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

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const SIZES = (process.env.BENCH_SIZES ?? "50,200,500").split(",").map(Number);
const LIST_ACTION: Record<string, string> = { alicloudRds: "DescribeBackups", huaweicloudRds: "ListBackups", huaweicloudGeminidb: "ListBackups" };
const PAGE = 100;

/** (c) refresh and destroy of N ManualBackups on one instance, through the host. */
async function throughHost(): Promise<void> {
    const rows: string[][] = [];
    for (const c of LIFECYCLE_CASES) {
        for (const n of SIZES) {
            const w = await startWorld(ALL_INSTANCES, { latencyMs: LATENCY_MS });
            try {
                const ids: string[] = [];
                for (let i = 0; i < n; i += 20) {
                    ids.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) =>
                        w.admin.addBackup(c.serviceKey, { instanceId: c.batchInstance, name: `bench-${i + j}` })))).map(b => b.backupId));
                }
                const engine = w.newEngine();
                const up = await engine.up(() => { ids.forEach((id, i) => new ManualBackup(`b${i}`, { ...c.args, instanceId: c.batchInstance, adoptBackupId: id })); });
                if (!up.ok) throw new Error(up.errors.slice(0, 3).join("\n"));
                const count = async (actions: string[]) => {
                    const all = (await w.admin.calls())[c.serviceKey] ?? {};
                    return actions.reduce((k, a) => k + (all[a]?.calls ?? 0), 0);
                };
                await w.admin.resetCalls();
                let t = performance.now();
                const refresh = await engine.refresh();
                const refreshMs = performance.now() - t;
                if (!refresh.ok) throw new Error(refresh.errors.slice(0, 3).join("\n"));
                const lists = await count([LIST_ACTION[c.serviceKey]]);
                const listLimit = 2 * Math.ceil(n / PAGE);
                await w.admin.resetCalls();
                t = performance.now();
                const destroy = await engine.destroy();
                const destroyMs = performance.now() - t;
                if (!destroy.ok) throw new Error(destroy.errors.slice(0, 3).join("\n"));
                const deletes = await count(c.deleteActions);
                const deleteLimit = Math.ceil(n / c.batchSize) + 3;
                rows.push([c.title, String(n), `${lists}`, `${listLimit}`, (lists / listLimit).toFixed(2), refreshMs.toFixed(0),
                    `${deletes}`, `${deleteLimit}`, (deletes / deleteLimit).toFixed(2), destroyMs.toFixed(0)]);
            } finally {
                await w.close();
            }
        }
    }
    console.log(`\n(c) through the dynamic-provider host, ${LATENCY_MS} ms per call: refresh and destroy of N ManualBackups on one instance\n`);
    console.log(table(["service", "N", "refresh list calls", "limit", "ratio", "refresh ms", "destroy delete calls", "limit", "ratio", "destroy ms"], rows));
}

/**
 * (d) 20 backups of one instance in one up: wall time against the sum of the
 * jobs' own times. Every clock of the world is scaled by the same factor
 * (default 0.2): the emulator's jobs (15-20 s at scale 1, themselves shorter
 * than real backups of minutes), the per-call latency and the poll interval,
 * so they keep the proportions of a 50 ms network and the default 2 s
 * interval; only the processes' own CPU time is not scaled, which makes the
 * figure pessimistic. The scale keeps the jobs whole seconds long (3 and 4 s):
 * the clouds report start and end in whole seconds, so a 3.75 s job (scale
 * 0.25) is expected to take 3 or 4 s and noticed up to 0.25 s late, 7% of
 * it; against real jobs of minutes that second is noise. The gap per backup (what one backup adds beyond its
 * job: noticing the end, the next create and its calls) is given at scale 1.
 * The services run one after another: the stand-in engine runs programs in
 * this process, where Pulumi's runtime state is global.
 */
async function sequentialCreates(): Promise<void> {
    const count = Number(process.env.BENCH_CREATES ?? 20);
    const scale = Number(process.env.BENCH_CREATE_TIME_SCALE ?? 0.2);
    const latencyMs = LATENCY_MS * scale;
    const rows: string[][] = [];
    for (const c of LIFECYCLE_CASES) {
        const w = await startWorld(ALL_INSTANCES, { latencyMs, timeScale: scale });
        try {
            const engine = w.newEngine({ config: { ...w.config, "dbbackups:pollInterval": `${2000 * scale}ms` } });
            const t = performance.now();
            const up = await engine.up(() => { for (let i = 0; i < count; i++) new ManualBackup(`seq${i}`, { ...c.args, instanceId: c.instanceB }); });
            const wall = performance.now() - t;
            if (!up.ok) throw new Error(up.errors.slice(0, 3).join("\n"));
            const jobs = engine.view.resources.filter(r => r.outputs.finishedAt).map(r => Date.parse(String(r.outputs.finishedAt)) - Date.parse(String(r.outputs.startedAt)));
            if (jobs.length !== count) throw new Error(`${c.title}: ${jobs.length} of ${count} backups have a finish time`);
            const sum = jobs.reduce((a, b) => a + b, 0);
            rows.push([c.title, String(count), (sum / 1000).toFixed(1), (wall / 1000).toFixed(1), (wall / sum).toFixed(3), "1.10",
                ((wall - sum) / count / 1000 / scale).toFixed(2)]);
            await engine.destroy();
        } finally {
            await w.close();
        }
    }
    console.log(`\n(d) ${count} backups of one instance in one up (all clocks x${scale}: ${latencyMs} ms per call, pollInterval ${2000 * scale}ms)\n`);
    console.log(table(["service", "backups", "sum of job times s", "wall s", "wall / sum", "limit", "gap per backup at scale 1, s"], rows));
}

/**
 * (e) The poll schedule, simulated on a clock: a 10-minute job (the target:
 * 12 polls, noticed within 10% of its duration or 5 s), plus jobs that end a
 * little after or well before what history predicts.
 */
function pollSchedule(): void {
    const rows: string[][] = [];
    for (const [label, job, expected, progress] of [
        ["no history, no progress", 600_000, undefined, false],
        ["earlier backups took 10 min", 600_000, 600_000, false],
        ["earlier backups took 10 min, this one 10m05s", 605_000, 600_000, false],
        ["earlier backups took 8 min", 600_000, 480_000, false],
        ["earlier backups took 12 min", 600_000, 720_000, false],
        ["cloud reports progress (Alibaba Process)", 600_000, undefined, true],
        ["earlier backups took 10 min, this one 4 min", 240_000, 600_000, false],
    ] as Array<[string, number, number | undefined, boolean]>) {
        let t = 0;
        let polls = 0;
        for (let attempt = 0; ; attempt++) {
            polls++;
            if (t >= job) break;
            const pct = progress ? `${Math.floor((t / job) * 100)}%` : undefined;
            t += nextPollDelay({ attempt, elapsedMs: t, expectedMs: expected, progress: pct, minDelayMs: 2000, maxDelayMs: 30_000 });
        }
        const late = t - job;
        const allowed = Math.max(job / 10, 5000);
        const tenMinutes = Math.abs(job - 600_000) <= 10_000;
        rows.push([label, `${(job / 60_000).toFixed(2)}`, String(polls), tenMinutes ? "12" : "-", tenMinutes ? (polls / 12).toFixed(2) : "-",
            (late / 1000).toFixed(1), (allowed / 1000).toFixed(0), (late / allowed).toFixed(2)]);
    }
    console.log("\n(e) poll schedule (pollInterval 2s, maximum delay 30s)\n");
    console.log(table(["what the provider knows", "job min", "polls", "limit", "ratio", "noticed late s", "limit s", "ratio"], rows));
}

/** Peak memory and CPU of the provider hosts, sampled from /proc while the bench runs (Linux). */
function sampleHosts(): { stop: () => string } {
    const peakKb = new Map<number, number>();
    const cpuTicks = new Map<number, number>();
    const read = () => {
        for (const pid of liveHostPids()) {
            try {
                const status = readFileSync(`/proc/${pid}/status`, "utf8");
                const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
                peakKb.set(pid, Math.max(peakKb.get(pid) ?? 0, hwm));
                const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
                cpuTicks.set(pid, Number(fields[11]) + Number(fields[12])); // utime + stime, after the state field
            } catch { /* the host just exited */ }
        }
    };
    const timer = setInterval(read, 100);
    return {
        stop: () => {
            clearInterval(timer);
            if (peakKb.size === 0) return "provider hosts: not sampled (no /proc)";
            const cpu = [...cpuTicks.values()];
            return `provider hosts (${peakKb.size} processes, one per engine operation): peak RSS of the largest ${(Math.max(...peakKb.values()) / 1024).toFixed(0)} MB; `
                + `CPU ${(cpu.reduce((a, b) => a + b, 0) / 100).toFixed(1)} s in all, at most ${(Math.max(...cpu) / 100).toFixed(1)} s in one`;
        },
    };
}

async function main(): Promise<void> {
    const only = (process.env.BENCH_ONLY ?? "abcdef").split("");
    const hosts = sampleHosts();
    if (only.includes("a")) await providerSizes();
    if (only.includes("b")) await pruning();
    if (only.includes("e")) pollSchedule();
    if (only.includes("d")) await sequentialCreates();
    if (only.includes("c")) await throughHost();
    if (only.includes("f")) console.log(`\n(f) prune of 1000 on one Alibaba instance, one id refused (not predictable from the listing), ${LATENCY_MS} ms per call\n\n${await pruneWithRefusal(LATENCY_MS)}`);
    const mem = process.memoryUsage();
    console.log(`\n${hosts.stop()}`);
    console.log(`bench process (engine and emulator): RSS at the end ${(mem.rss / 1048576).toFixed(0)} MB, CPU ${(process.cpuUsage().user / 1e6).toFixed(1)} s user`);
}

main().catch(err => {
    console.error(err);
    process.exit(1);
});
