/**
 * What the two interruption suites share (`interruptions.cli.ts` for the
 * dynamic resources, `plugin-interruptions.cli.ts` for the provider plugin):
 * the instances a run uses per service, a fresh journal folder per command
 * (a new CI runner), the CI cancel sequence, the documented steps after an
 * interruption, what a checkpoint records and the table the suites print.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import type { InstanceSpec, ServiceKey } from "../../emulator/core/types";
import type { Admin } from "../support/world";
import { expectOk, type CliResult, type CliWorkspace } from "./support";
import { killTree } from "./process-tree";

type CliRun = ReturnType<CliWorkspace["start"]>;

/** A second GeminiDB instance, so the set's backup does not queue behind the single backup's. */
const GEMINIDB_2 = "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din07";

/** Per service: cloud and service, the ManualBackup's instance, the set's instance, and the emulator's name of the create call. */
export const SERVICES: Record<ServiceKey, { cloud: "alicloud" | "huaweicloud"; service: "rds" | "geminidb"; instances: [string, string]; create: string }> = {
    alicloudRds: { cloud: "alicloud", service: "rds", instances: [IDS.alicloudQuickstart, IDS.alicloudQuickstart2], create: "CreateBackup" },
    huaweicloudRds: { cloud: "huaweicloud", service: "rds", instances: [IDS.huaweicloudMysql, IDS.huaweicloudPostgres], create: "CreateManualBackup" },
    huaweicloudGeminidb: { cloud: "huaweicloud", service: "geminidb", instances: [IDS.geminidbCassandra, GEMINIDB_2], create: "CreateBackup" },
};
export const KEYS = Object.keys(SERVICES) as ServiceKey[];

/** The emulator's default instances and the second GeminiDB one. */
export function interruptionInstances(): InstanceSpec[] {
    return [...defaultInstances(), { cloud: "huaweicloud", service: "geminidb", id: GEMINIDB_2, name: "hw-cassandra-2", engine: "cassandra", engineVersion: "3.11" }];
}

export const idOf = (b: any): string => b.backupId ?? b.id;
export const madeByApi = (b: any): boolean => (b.origin ?? b.madeBy ?? "api") === "api";
export const isLive = (b: any): boolean => b.status !== "DELETING" && !b.deleteJobId;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A resource of `types` records a backup: its id, or the job that makes it. */
function recordsBackup(r: any): boolean {
    return Boolean(r.outputs?.backupId || r.outputs?.jobId || Object.values<any>(r.outputs?.backups ?? {}).some((m) => m.backupId || m.jobId));
}

/** The backup ids (and `job:<id>` for a job whose backup is not known yet) a checkpoint records on resources of `types`. */
export function recordedIds(checkpoint: any, types: string[]): Set<string> {
    const ids = new Set<string>();
    for (const r of checkpoint?.deployment?.resources ?? []) {
        if (!types.includes(r.type)) continue;
        if (r.outputs?.backupId) ids.add(r.outputs.backupId);
        if (r.outputs?.jobId) ids.add(`job:${r.outputs.jobId}`);
        for (const m of Object.values<any>(r.outputs?.backups ?? {})) {
            if (m.backupId) ids.add(m.backupId);
            if (m.jobId) ids.add(`job:${m.jobId}`);
        }
    }
    return ids;
}

/** The resources of `types` a checkpoint holds with their backup's id or job id. */
export function recordingResources(checkpoint: any, types: string[]): any[] {
    return (checkpoint?.deployment?.resources ?? []).filter((r: any) => types.includes(r.type) && recordsBackup(r));
}

/** A backup on the instance is recorded in `ids` by its id or by its job. */
export const isRecorded = (ids: Set<string>, b: any): boolean => ids.has(idOf(b)) || Boolean(b.jobId && ids.has(`job:${b.jobId}`));

/** One row of the table the suites print. */
export interface Row {
    interruption: string; service: ServiceKey; exit: string; recordedAfterInterruption: string;
    steps: string; backupsAfterUp: number; orphaned: number; secondBackups: number; leftAfterDestroy: number;
}

export function printTable(rows: Row[]): void {
    if (!rows.length) return;
    console.log("\n      interruption | service | exit of the interrupted up | recorded right after | steps run | backups after the next up | orphaned | second backups | left after destroy");
    for (const r of rows) {
        console.log(`      ${r.interruption} | ${r.service} | ${r.exit} | ${r.recordedAfterInterruption} | ${r.steps} | ${r.backupsAfterUp} | ${r.orphaned} | ${r.secondBackups} | ${r.leftAfterDestroy}`);
    }
}

/** How a run ended, as the table says it. */
export const exitOf = (result: CliResult): string => result.code === null ? String(result.signal) : `exit ${result.code}`;

/** The last lines of a run's output, indented for the suite's log. */
export const lastLines = (result: CliResult, n: number): string =>
    (result.stdout + result.stderr).trim().split("\n").slice(-n).map((l) => `        ${l}`).join("\n");

/** New, empty journal folders: what a fresh CI runner has, one per command. */
export class FreshRunners {
    private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-journals-"));
    private count = 0;
    env(): Record<string, string> {
        const dir = path.join(this.root, `runner-${++this.count}`);
        fs.mkdirSync(dir);
        return { DBBACKUPS_JOURNAL_DIR: dir };
    }
    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

/**
 * GitHub Actions' cancel: SIGINT, SIGTERM 7.5 s later, SIGKILL of the tree
 * 2.5 s after that; each only if the run has not ended. Resolves with how
 * the run ended and how long after the SIGINT.
 */
export async function ciCancel(run: CliRun): Promise<{ result: CliResult; tookMs: number }> {
    const pid = run.child.pid!;
    const interrupted = Date.now();
    let ended = false;
    void run.done.then(() => { ended = true; });
    process.kill(pid, "SIGINT");
    await Promise.race([run.done, sleep(7_500)]);
    if (!ended) process.kill(pid, "SIGTERM");
    await Promise.race([run.done, sleep(2_500)]);
    if (!ended) killTree(pid);
    const result = await run.done;
    return { result, tookMs: Date.now() - interrupted };
}

/**
 * The documented steps before the next `up`: `pulumi cancel` (it succeeds
 * only when the stack is locked) and, when the checkpoint holds pending
 * operations, `pulumi refresh --clear-pending-creates`. Returns the steps run.
 */
export async function documentedSteps(fresh: (...args: string[]) => Promise<CliResult>, pendingOperations: () => Promise<any[]>): Promise<string[]> {
    const steps: string[] = [];
    const cancel = await fresh("cancel", "--yes");
    if (cancel.code === 0) steps.push("cancel");
    if ((await pendingOperations()).length) {
        expectOk(await fresh("refresh", "--yes", "--skip-preview", "--clear-pending-creates"), "refresh --clear-pending-creates");
        steps.push("refresh --clear-pending-creates");
    }
    return steps;
}

/** The backups made through the API (not by hand, not automated) on a service's two instances. */
export async function ours(admin: Admin, key: ServiceKey): Promise<any[]> {
    return (await Promise.all(SERVICES[key].instances.map((i) => admin.backupsOf(key, i)))).flat().filter(madeByApi);
}

/** The service's create calls the emulator counted: every call, or only those that changed something (a backup made). */
export async function createCalls(admin: Admin, key: ServiceKey, which: "calls" | "mutations"): Promise<number> {
    return (await admin.calls())[key]?.[SERVICES[key].create]?.[which] ?? 0;
}

/**
 * Starts `pulumi up` and resolves once `ready` holds (polled every 200 ms, at
 * most 3 minutes), then a second more: the waits are running. Fails when the
 * up ends first.
 */
export async function upUntil(ws: CliWorkspace, dir: string, env: Record<string, string>, ready: () => Promise<boolean>, what: string): Promise<CliRun> {
    const run = ws.start(dir, ["up", "--yes", "--skip-preview"], env);
    const deadline = Date.now() + 180_000;
    let ended = false;
    void run.done.then(() => { ended = true; });
    for (;;) {
        if (ended) throw new Error(`the up ended before the waits could be interrupted:\n${run.output()}`);
        if (await ready()) break;
        if (Date.now() > deadline) throw new Error(`${what} in 3 minutes:\n${run.output()}`);
        await sleep(200);
    }
    await sleep(1_000);
    return run;
}
