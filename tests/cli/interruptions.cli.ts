/**
 * A `pulumi up` killed or cancelled while it waits for backups, on a fresh
 * runner afterwards (`npm run test:cli`): one program with a `ManualBackup`
 * and a one-label `BackupRetentionSet` on each service (jobs of about a
 * minute), interrupted (a) by SIGKILL of the CLI and every process it
 * started, (b) by GitHub Actions' cancel sequence (SIGINT, SIGTERM 7.5 s
 * later, SIGKILL of the tree 2.5 s after that). Every command after the
 * interruption gets a new, empty journal folder (DBBACKUPS_JOURNAL_DIR), as
 * a new CI runner would: only the state can save the backups. The documented
 * steps follow (`pulumi cancel` if locked, `pulumi refresh
 * --clear-pending-creates` if a create is pending, `pulumi up`), then per
 * service: the backups are in the state, none is orphaned, none was made
 * twice (creates counted by the emulator), and `pulumi destroy` leaves none.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import type { ServiceKey } from "../../emulator/core/types";
import { Admin } from "../support/world";
import { CliWorkspace, CliResult, expectOk } from "./support";
import { killTree } from "./process-tree";

const PROGRAM = path.join(__dirname, "programs", "interruptions");
/** A second GeminiDB instance, so the set's backup does not queue behind the single backup's. */
const GEMINIDB_2 = "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din07";

/** Per service: the ManualBackup's instance, the set's instance, and the emulator's name of the create call. */
const SERVICES: Record<ServiceKey, { instances: [string, string]; create: string }> = {
    alicloudRds: { instances: [IDS.alicloudQuickstart, IDS.alicloudQuickstart2], create: "CreateBackup" },
    huaweicloudRds: { instances: [IDS.huaweicloudMysql, IDS.huaweicloudPostgres], create: "CreateManualBackup" },
    huaweicloudGeminidb: { instances: [IDS.geminidbCassandra, GEMINIDB_2], create: "CreateBackup" },
};
const KEYS = Object.keys(SERVICES) as ServiceKey[];
const WAIT_TYPE = "pulumi-nodejs:dynamic/dbbackups:BackupWait";
const START_TYPES = ["pulumi-nodejs:dynamic/dbbackups:ManualBackup", "pulumi-nodejs:dynamic/dbbackups:BackupRetentionSet"];

const idOf = (b: any): string => b.backupId ?? b.id;
const madeByApi = (b: any): boolean => (b.origin ?? b.madeBy ?? "api") === "api";
const isLive = (b: any): boolean => b.status !== "DELETING" && !b.deleteJobId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The backup ids a checkpoint records on the steps that own the backups (the starting steps), per instance. */
function recordedIds(checkpoint: any): Set<string> {
    const ids = new Set<string>();
    for (const r of checkpoint?.deployment?.resources ?? []) {
        if (!START_TYPES.includes(r.type)) continue;
        if (r.outputs?.backupId) ids.add(r.outputs.backupId);
        if (r.outputs?.jobId) ids.add(`job:${r.outputs.jobId}`);
        for (const m of Object.values<any>(r.outputs?.backups ?? {})) {
            if (m.backupId) ids.add(m.backupId);
            if (m.jobId) ids.add(`job:${m.jobId}`);
        }
    }
    return ids;
}

/** Every starting step (6) is in the checkpoint with its backup's id or job id: nothing being made can be orphaned. */
function assertStartsRecorded(checkpoint: any, after: string): void {
    const starts = (checkpoint?.deployment?.resources ?? []).filter((r: any) => START_TYPES.includes(r.type));
    const known = starts.filter((r: any) => r.outputs?.backupId || r.outputs?.jobId
        || Object.values<any>(r.outputs?.backups ?? {}).some((m) => m.backupId || m.jobId));
    assert.strictEqual(known.length, 6, `after the ${after}, ${known.length} of 6 backups being made are recorded: ${JSON.stringify(starts.map((r: any) => r.urn))}`);
}

/** One row of the table the suite prints. */
interface Row {
    interruption: string; service: ServiceKey; exit: string; recordedAfterInterruption: string;
    steps: string; backupsAfterUp: number; orphaned: number; secondBackups: number; leftAfterDestroy: number;
}

describe("a `pulumi up` killed or cancelled while it waits, then the documented steps on a fresh runner", function () {
    this.timeout(30 * 60_000);
    let ws: CliWorkspace;
    let emulator: RunningEmulator;
    let admin: Admin;
    const rows: Row[] = [];
    const journals = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-journals-"));
    let journalCount = 0;
    /** A new, empty journal folder: what a fresh CI runner has. */
    const freshJournal = () => {
        const dir = path.join(journals, `runner-${++journalCount}`);
        fs.mkdirSync(dir);
        return { DBBACKUPS_JOURNAL_DIR: dir };
    };

    before(async () => {
        ws = new CliWorkspace();
        ws.install();
        expectOk(await ws.run(ws.root, "login", `file://${ws.backend}`), "pulumi login");
        const instances = [...defaultInstances(), { cloud: "huaweicloud" as const, service: "geminidb" as const, id: GEMINIDB_2, name: "hw-cassandra-2", engine: "cassandra", engineVersion: "3.11" }];
        // timeScale 4: a backup job takes about a minute on the emulator's clock.
        emulator = await startEmulator({ timeScale: 4, instances });
        admin = new Admin(emulator.admin);
    });
    after(async () => {
        await emulator?.stop();
        ws?.remove();
        fs.rmSync(journals, { recursive: true, force: true });
        if (rows.length) {
            console.log("\n      interruption | service | exit of the interrupted up | recorded right after | steps run | backups after the next up | orphaned | second backups | left after destroy");
            for (const r of rows) {
                console.log(`      ${r.interruption} | ${r.service} | ${r.exit} | ${r.recordedAfterInterruption} | ${r.steps} | ${r.backupsAfterUp} | ${r.orphaned} | ${r.secondBackups} | ${r.leftAfterDestroy}`);
            }
        }
    });

    async function newStack(stack: string): Promise<string> {
        const dir = ws.project(PROGRAM, `interruptions-${stack}`);
        expectOk(await ws.run(dir, "stack", "init", stack), "stack init");
        const k = emulator.accessKeys[0];
        const secret = { "alicloud:accessKey": k.id, "alicloud:secretKey": k.secret, "huaweicloud:access_key": k.id, "huaweicloud:secret_key": k.secret };
        const plain = {
            "alicloud:region": "cn-hangzhou",
            "huaweicloud:project_id": emulator.projectId,
            "huaweicloud:region": "ap-southeast-1",
            "dbbackups:endpoints": JSON.stringify(emulator.endpoints),
            "dbbackups:pollInterval": "500ms",
            "test:instances": JSON.stringify(Object.fromEntries(KEYS.map((k) => [k, SERVICES[k].instances]))),
        };
        expectOk(await ws.run(dir, "config", "set-all",
            ...Object.entries(secret).flatMap(([k, v]) => ["--secret", `${k}=${v}`]),
            ...Object.entries(plain).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])), "config set-all");
        return dir;
    }

    /** A CLI command on a fresh runner. */
    const fresh = (dir: string, ...args: string[]): Promise<CliResult> => ws.start(dir, args, freshJournal()).done;
    async function checkpoint(dir: string): Promise<any> {
        return JSON.parse(expectOk(await fresh(dir, "stack", "export"), "stack export").stdout);
    }
    /** The checkpoint as the file backend holds it right now (readable while an update runs). */
    function liveCheckpoint(stack: string): any {
        const file = path.join(ws.backend, ".pulumi", "stacks", "interruptions", `${stack}.json`);
        try { return JSON.parse(fs.readFileSync(file, "utf8")); } catch { return undefined; }
    }
    const ours = async (key: ServiceKey) => (await Promise.all(SERVICES[key].instances.map((i) => admin.backupsOf(key, i)))).flat().filter(madeByApi);
    const creates = async (key: ServiceKey) => (await admin.calls())[key]?.[SERVICES[key].create]?.calls ?? 0;

    /**
     * Starts `pulumi up` and resolves once both starting steps of every
     * service are in the state and every backup is still being made: the
     * waits are running.
     */
    async function upUntilWaiting(dir: string, stack: string) {
        const run = ws.start(dir, ["up", "--yes", "--skip-preview"], freshJournal());
        const deadline = Date.now() + 180_000;
        let ended = false;
        void run.done.then(() => { ended = true; });
        for (;;) {
            if (ended) throw new Error(`the up ended before the waits could be interrupted:\n${run.output()}`);
            const starts = (liveCheckpoint(stack)?.checkpoint?.latest?.resources ?? []).filter((r: any) => START_TYPES.includes(r.type) && r.id);
            if (starts.length === 6) break;
            if (Date.now() > deadline) throw new Error(`the starting steps were not all recorded in 3 minutes:\n${run.output()}`);
            await sleep(200);
        }
        await sleep(1_000);
        // No wait step has finished: every backup is still being made (jobs take about a minute).
        const waits = (liveCheckpoint(stack)?.checkpoint?.latest?.resources ?? []).filter((r: any) => r.type === WAIT_TYPE && r.id);
        assert.deepStrictEqual(waits.map((r: any) => r.urn), [], "a wait ended before the interruption");
        return run;
    }

    /** The documented steps on a fresh runner, then the checks and the row of the table per service. */
    async function recover(dir: string, interruption: string, result: CliResult, afterInterruption: any) {
        const steps: string[] = [];
        const cancel = await fresh(dir, "cancel", "--yes");
        if (cancel.code === 0) steps.push("cancel");
        const pending = (await checkpoint(dir)).deployment.pending_operations ?? [];
        if (pending.length) {
            expectOk(await fresh(dir, "refresh", "--yes", "--skip-preview", "--clear-pending-creates"), "refresh --clear-pending-creates");
            steps.push("refresh --clear-pending-creates");
        }
        // The jobs finish meanwhile (the next run of a pipeline comes later).
        await admin.advanceClock({ hours: 1 });
        expectOk(await fresh(dir, "up", "--yes", "--skip-preview"), `up after the ${interruption}`);
        steps.push("up");
        const state = await checkpoint(dir);
        const recorded = recordedIds(state);
        const outputs = JSON.parse(expectOk(await fresh(dir, "stack", "output", "--json"), "stack output").stdout);
        const figures = new Map<ServiceKey, Omit<Row, "leftAfterDestroy">>();
        for (const key of KEYS) {
            const cloud = (await ours(key)).filter(isLive);
            const before = recordedIds(afterInterruption);
            const atInterruption = cloud.filter((b) => before.has(idOf(b)) || (b.jobId && before.has(`job:${b.jobId}`))).length;
            // A backup counts as recorded by its id, or by its job id (an Alibaba step that started it without waiting knows the job).
            const orphaned = cloud.filter((b) => !recorded.has(idOf(b)) && !(b.jobId && recorded.has(`job:${b.jobId}`))).length;
            const made = await creates(key);
            figures.set(key, {
                interruption, service: key, exit: result.code === null ? String(result.signal) : `exit ${result.code}`,
                recordedAfterInterruption: `${atInterruption} of 2`, steps: steps.join(", "), backupsAfterUp: cloud.length, orphaned, secondBackups: made - 2,
            });
            assert.deepStrictEqual([outputs.backups[key], ...outputs.sets[key]].sort(), cloud.map(idOf).sort(), `${key}: the stack outputs and the instance disagree`);
        }
        expectOk(await fresh(dir, "destroy", "--yes", "--skip-preview"), "destroy");
        await admin.advanceClock({ hours: 1 }); // Huawei deletes asynchronously
        for (const key of KEYS) {
            const left = (await ours(key)).filter(isLive).length;
            rows.push({ ...figures.get(key)!, leftAfterDestroy: left });
        }
        for (const row of rows.filter((r) => r.interruption === interruption)) {
            assert.deepStrictEqual([row.service, row.backupsAfterUp, row.orphaned, row.secondBackups, row.leftAfterDestroy], [row.service, 2, 0, 0, 0]);
        }
    }

    it("(a) SIGKILL of the CLI and its plugins while the backups are waited for: 0 orphaned, 0 second backups, 0 left after destroy", async () => {
        const dir = await newStack("killed");
        await admin.resetCalls();
        const run = await upUntilWaiting(dir, "killed");
        killTree(run.child.pid!);
        const result = await run.done;
        assert.strictEqual(result.signal, "SIGKILL");
        const afterKill = await checkpoint(dir);
        assertStartsRecorded(afterKill, "kill");
        await recover(dir, "SIGKILL", result, afterKill);
    });

    it("(b) the CI cancel sequence (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that): recorded, finished by the next up, 0 second backups", async () => {
        const dir = await newStack("cancelled");
        await admin.resetCalls();
        const run = await upUntilWaiting(dir, "cancelled");
        const pid = run.child.pid!;
        process.kill(pid, "SIGINT");
        await Promise.race([run.done, sleep(7_500)]);
        try { process.kill(pid, "SIGTERM"); } catch { /* ended already */ }
        await Promise.race([run.done, sleep(2_500)]);
        killTree(pid);
        const result = await run.done;
        console.log(`      (the cancelled up ended with ${result.code === null ? result.signal : `exit ${result.code}`}; its last lines:\n${(result.stdout + result.stderr).trim().split("\n").slice(-12).map((l) => `        ${l}`).join("\n")})`);
        const afterCancel = await checkpoint(dir);
        assertStartsRecorded(afterCancel, "cancel");
        await recover(dir, "CI cancel", result, afterCancel);
    });

    it("(c) the exit codes of the failures a pipeline acts on: a timeout with the backup recorded, a refused delete kept as pendingDelete, the deletion budget at preview", async () => {
        const dir = ws.project(path.join(__dirname, "programs", "exit-codes"), "exit-codes");
        expectOk(await ws.run(dir, "stack", "init", "codes"), "stack init");
        const k = emulator.accessKeys[0];
        expectOk(await ws.run(dir, "config", "set-all", "--secret", `alicloud:accessKey=${k.id}`, "--secret", `alicloud:secretKey=${k.secret}`,
            "--plaintext", "alicloud:region=cn-hangzhou", "--plaintext", `dbbackups:endpoints=${JSON.stringify(emulator.endpoints)}`,
            "--plaintext", "dbbackups:pollInterval=500ms", "--plaintext", `test:backupInstance=${IDS.alicloudQuickstart}`,
            "--plaintext", `test:setInstance=${IDS.alicloudRetention7d}`, "--plaintext", "test:waitTimeout=2s", "--plaintext", 'test:labels=["a"]'), "config");
        const config = (...kv: string[]) => ws.run(dir, "config", "set-all", ...kv.flatMap((x) => ["--plaintext", x]));
        /** An up, with the emulator's clock moved on while it runs (every job then ends within seconds). */
        const upAdvancing = async (advance: boolean) => {
            const run = ws.start(dir, ["up", "--yes", "--skip-preview"], freshJournal());
            let ended = false;
            void run.done.then(() => { ended = true; });
            for (let i = 0; advance && !ended; i++) { await sleep(2_000); if (!ended && i > 1) await admin.advanceClock({ hours: 1 }); }
            return run.done;
        };
        const codes: Array<[string, string, number | null]> = [];

        const timedOut = await upAdvancing(false);
        codes.push(["a wait timed out (`waitTimeout`); the backup is recorded, the next `up` waits again", "up", timedOut.code]);
        assert.match(timedOut.stdout + timedOut.stderr, /recorded in state .*the next `pulumi up` waits for it again/s);
        assertStartsRecordedIn(await checkpoint(dir), 2);

        expectOk(await config("test:waitTimeout=30m", 'test:labels=["b"]'), "config");
        const refused = await upAdvancing(true);
        codes.push(["a delete the cloud refuses for now (kept as `pendingDelete`, retried by every later `up`)", "up", refused.code]);
        assert.match(refused.stdout + refused.stderr, /stays in state as pendingDelete/);
        const outs = JSON.parse(expectOk(await fresh(dir, "stack", "output", "--json"), "stack output").stdout);
        assert.strictEqual(outs.backups.a?.pendingDelete?.code !== undefined, true, JSON.stringify(outs.backups));

        expectOk(await config("test:labels=[]", "test:maxDeletesPerUpdate=0"), "config");
        const budget = await fresh(dir, "preview");
        codes.push(["the deletion budget refuses the change (nothing created or deleted)", "preview", budget.code]);
        assert.match(budget.stdout + budget.stderr, /deletion budget/);
        const budgetUp = await fresh(dir, "up", "--yes");
        codes.push(["the same, refused by `up`'s own preview", "up", budgetUp.code]);
        console.log("\n      failure | command | exit code");
        for (const [what, cmd, code] of codes) console.log(`      ${what} | ${cmd} | ${code}`);
        console.log(`      (the timed-out up's last lines:\n${(timedOut.stdout + timedOut.stderr).trim().split("\n").slice(-14).map((l) => `        ${l}`).join("\n")})`);
        assert.deepStrictEqual(codes.map(([, , c]) => c !== 0), [true, false, true, true]);
    });
});

/** `n` starting steps are in the checkpoint with their backup's id or job id. */
function assertStartsRecordedIn(checkpoint: any, n: number): void {
    const starts = (checkpoint?.deployment?.resources ?? []).filter((r: any) => START_TYPES.includes(r.type));
    const known = starts.filter((r: any) => r.outputs?.backupId || r.outputs?.jobId
        || Object.values<any>(r.outputs?.backups ?? {}).some((m) => m.backupId || m.jobId));
    assert.strictEqual(known.length, n, JSON.stringify(starts.map((r: any) => r.urn)));
}
