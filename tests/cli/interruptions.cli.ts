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
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import type { ServiceKey } from "../../emulator/core/types";
import { Admin } from "../support/world";
import { CliWorkspace, CliResult, expectOk } from "./support";
import { killTree } from "./process-tree";
import {
    ciCancel, createCalls, documentedSteps, exitOf, FreshRunners, idOf, interruptionInstances, isLive, isRecorded, KEYS, lastLines, ours,
    printTable, recordedIds, recordingResources, Row, SERVICES, sleep, upUntil,
} from "./interruption-support";

const PROGRAM = path.join(__dirname, "programs", "interruptions");
const WAIT_TYPE = "pulumi-nodejs:dynamic/dbbackups:BackupWait";
/** The steps that start and own the backups. */
const START_TYPES = ["pulumi-nodejs:dynamic/dbbackups:ManualBackup", "pulumi-nodejs:dynamic/dbbackups:BackupRetentionSet"];

/** `n` starting steps are in the checkpoint with their backup's id or job id: nothing being made can be orphaned. */
function assertStartsRecorded(checkpoint: any, n: number, after: string): void {
    const known = recordingResources(checkpoint, START_TYPES).length;
    const starts = (checkpoint?.deployment?.resources ?? []).filter((r: any) => START_TYPES.includes(r.type));
    assert.strictEqual(known, n, `after the ${after}, ${known} of ${n} backups being made are recorded: ${JSON.stringify(starts.map((r: any) => r.urn))}`);
}

describe("a `pulumi up` killed or cancelled while it waits, then the documented steps on a fresh runner", function () {
    this.timeout(30 * 60_000);
    let ws: CliWorkspace;
    let emulator: RunningEmulator;
    let admin: Admin;
    const rows: Row[] = [];
    const runners = new FreshRunners();
    const freshJournal = () => runners.env();

    before(async () => {
        ws = new CliWorkspace();
        await ws.installAndLogIn();
        // timeScale 4: a backup job takes about a minute on the emulator's clock.
        emulator = await startEmulator({ timeScale: 4, instances: interruptionInstances() });
        admin = new Admin(emulator.admin);
    });
    after(async () => {
        await emulator?.stop();
        ws?.remove();
        runners.remove();
        printTable(rows);
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
    const liveCheckpoint = (stack: string): any => ws.liveCheckpoint("interruptions", stack);
    const creates = (key: ServiceKey) => createCalls(admin, key, "calls");

    /**
     * Starts `pulumi up` and resolves once both starting steps of every
     * service are in the state and every backup is still being made: the
     * waits are running.
     */
    async function upUntilWaiting(dir: string, stack: string) {
        const recorded = () => (liveCheckpoint(stack)?.checkpoint?.latest?.resources ?? []).filter((r: any) => START_TYPES.includes(r.type) && r.id);
        const run = await upUntil(ws, dir, freshJournal(), async () => recorded().length === 6, "the starting steps were not all recorded");
        // No wait step has finished: every backup is still being made (jobs take about a minute).
        const waits = (liveCheckpoint(stack)?.checkpoint?.latest?.resources ?? []).filter((r: any) => r.type === WAIT_TYPE && r.id);
        assert.deepStrictEqual(waits.map((r: any) => r.urn), [], "a wait ended before the interruption");
        return run;
    }

    /** The documented steps on a fresh runner, then the checks and the row of the table per service. */
    async function recover(dir: string, interruption: string, result: CliResult, afterInterruption: any) {
        const steps = await documentedSteps((...args) => fresh(dir, ...args), async () => (await checkpoint(dir)).deployment.pending_operations ?? []);
        // The jobs finish meanwhile (the next run of a pipeline comes later).
        await admin.advanceClock({ hours: 1 });
        expectOk(await fresh(dir, "up", "--yes", "--skip-preview"), `up after the ${interruption}`);
        steps.push("up");
        const recorded = recordedIds(await checkpoint(dir), START_TYPES);
        const before = recordedIds(afterInterruption, START_TYPES);
        const outputs = JSON.parse(expectOk(await fresh(dir, "stack", "output", "--json"), "stack output").stdout);
        const figures = new Map<ServiceKey, Omit<Row, "leftAfterDestroy">>();
        for (const key of KEYS) {
            const cloud = (await ours(admin, key)).filter(isLive);
            // A backup counts as recorded by its id, or by its job id (an Alibaba step that started it without waiting knows the job).
            figures.set(key, {
                interruption, service: key, exit: exitOf(result), recordedAfterInterruption: `${cloud.filter((b) => isRecorded(before, b)).length} of 2`,
                steps: steps.join(", "), backupsAfterUp: cloud.length, orphaned: cloud.filter((b) => !isRecorded(recorded, b)).length, secondBackups: (await creates(key)) - 2,
            });
            assert.deepStrictEqual([outputs.backups[key], ...outputs.sets[key]].sort(), cloud.map(idOf).sort(), `${key}: the stack outputs and the instance disagree`);
        }
        expectOk(await fresh(dir, "destroy", "--yes", "--skip-preview"), "destroy");
        await admin.advanceClock({ hours: 1 }); // Huawei deletes asynchronously
        for (const key of KEYS) {
            const left = (await ours(admin, key)).filter(isLive).length;
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
        assertStartsRecorded(afterKill, 6, "kill");
        await recover(dir, "SIGKILL", result, afterKill);
    });

    it("(b) the CI cancel sequence (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that): recorded, finished by the next up, 0 second backups", async () => {
        const dir = await newStack("cancelled");
        await admin.resetCalls();
        const { result } = await ciCancel(await upUntilWaiting(dir, "cancelled"));
        console.log(`      (the cancelled up ended with ${exitOf(result)}; its last lines:\n${lastLines(result, 12)})`);
        const afterCancel = await checkpoint(dir);
        assertStartsRecorded(afterCancel, 6, "cancel");
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
        assertStartsRecorded(await checkpoint(dir), 2, "timeout");

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
        console.log(`      (the timed-out up's last lines:\n${lastLines(timedOut, 14)})`);
        assert.deepStrictEqual(codes.map(([, , c]) => c !== 0), [true, false, true, true]);
    });
});
