/**
 * A `pulumi up` of a Pulumi YAML program using the provider plugin, killed or
 * cancelled while it waits for backups, on a fresh runner afterwards
 * (`npm run test:cli`): the table of interruptions.cli.ts for the plugin. One
 * program with a `dbbackups:index:ManualBackup` and a one-label
 * `dbbackups:index:BackupRetentionSet` on each service (jobs of about a
 * minute), interrupted (a) by SIGKILL of the CLI and every process it
 * started, (b) by GitHub Actions' cancel sequence (SIGINT, SIGTERM 7.5 s
 * later, SIGKILL of the tree 2.5 s after that). Every command after the
 * interruption gets a new, empty journal folder (DBBACKUPS_JOURNAL_DIR), as a
 * new CI runner would. The documented steps follow (`pulumi cancel` if
 * locked, `pulumi refresh --clear-pending-creates` if a create is pending,
 * `pulumi up`), then `pulumi destroy`. Second backups are the creates the
 * emulator accepted beyond the first two per service (a create the cloud
 * refuses because the name is taken makes none).
 *
 * Under the plugin each resource is two steps (its `Construct`): the first,
 * with the resource's own type, returns as soon as the cloud accepted the
 * backups, so their ids reach the checkpoint before the second,
 * `dbbackups:index:BackupWait`, waits for them. A SIGKILL during the wait
 * leaves every backup recorded (the wait steps' creates pending): the next
 * `up` waits for them, on every service, Alibaba included. The CI cancel
 * reaches the plugin as the engine's Cancel, which ends every wait with an
 * init failure carrying the backup's id: recorded, finished by the next
 * `up`, no second backup.
 */
import * as assert from "assert";
import { startEmulator, RunningEmulator } from "../../emulator";
import type { ServiceKey } from "../../emulator/core/types";
import { Admin } from "../support/world";
import { CliWorkspace, CliResult, expectOk, languageHost } from "./support";
import { killTree } from "./process-tree";
import {
    ciCancel, createCalls, documentedSteps, exitOf, FreshRunners, idOf, interruptionInstances, isLive, isRecorded, KEYS, lastLines, ours,
    printTable, recordedIds, recordingResources, Row, SERVICES, sleep, upUntil,
} from "./interruption-support";

const PROJECT = "plugin-interruptions";
const PLUGIN_PATH = "./node_modules/pulumi-db-backups/plugin";
const TYPES = ["dbbackups:index:ManualBackup", "dbbackups:index:BackupRetentionSet"];
const WAIT = "dbbackups:index:BackupWait";
/** How many of our resources (6) the checkpoint holds with their backup's id or job id. */
const recordedResources = (checkpoint: any): number => recordingResources(checkpoint, TYPES).length;

/** The Pulumi YAML program: per service a ManualBackup `<key>Backup` and a one-label set `<key>Set`, and their ids as outputs. */
function program(): string {
    const resources = KEYS.map((key) => {
        const s = SERVICES[key];
        return `  ${key}Backup:
    type: dbbackups:index:ManualBackup
    properties:
      cloud: ${s.cloud}
      service: ${s.service}
      instanceId: "${s.instances[0]}"
  ${key}Set:
    type: dbbackups:index:BackupRetentionSet
    properties:
      cloud: ${s.cloud}
      service: ${s.service}
      instanceId: "${s.instances[1]}"
      labels:
        - n1
`;
    }).join("");
    const outputs = KEYS.map((key) => `  ${key}Backup: \${${key}Backup.backupId}\n  ${key}Set: \${${key}Set.backupIds}\n`).join("");
    return `name: ${PROJECT}
runtime: yaml
description: backups being made when the up is killed or cancelled
plugins:
  providers:
    - name: dbbackups
      path: ${PLUGIN_PATH}
resources:
${resources}outputs:
${outputs}`;
}

describe("the provider plugin: a `pulumi up` killed or cancelled while it waits, then the documented steps on a fresh runner", function () {
    this.timeout(30 * 60_000);
    let ws: CliWorkspace;
    let emulator: RunningEmulator;
    let admin: Admin;
    const rows: Row[] = [];
    const runners = new FreshRunners();
    const freshJournal = () => runners.env();
    const started = Date.now();

    before(async () => {
        languageHost("pulumi-language-yaml", "github.com/pulumi/pulumi-yaml");
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
        console.log(`      (the plugin interruption suite took ${Math.round((Date.now() - started) / 1000)} s)`);
    });

    /** A program folder and a stack with the plugin's configuration (credentials as secrets, the emulator's endpoints). */
    async function newStack(stack: string): Promise<string> {
        const dir = ws.projectWith(`${PROJECT}-${stack}`, { "Pulumi.yaml": program() });
        expectOk(await ws.run(dir, "stack", "init", stack), "stack init");
        const k = emulator.accessKeys[0];
        const secret = { "dbbackups:alicloudAccessKey": k.id, "dbbackups:alicloudSecretKey": k.secret, "dbbackups:huaweicloudAccessKey": k.id, "dbbackups:huaweicloudSecretKey": k.secret };
        const plain = {
            "dbbackups:alicloudRegion": "cn-hangzhou",
            "dbbackups:huaweicloudProjectId": emulator.projectId,
            "dbbackups:huaweicloudRegion": "ap-southeast-1",
            "dbbackups:pollInterval": "500ms",
        };
        expectOk(await ws.run(dir, "config", "set-all",
            ...Object.entries(secret).flatMap(([k, v]) => ["--secret", `${k}=${v}`]),
            ...Object.entries(plain).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])), "config set-all");
        for (const k of KEYS) expectOk(await ws.run(dir, "config", "set", "--path", `dbbackups:endpoints.${k}`, emulator.endpoints[k]), "config endpoints");
        return dir;
    }

    /** A CLI command on a fresh runner. */
    const fresh = (dir: string, ...args: string[]): Promise<CliResult> => ws.start(dir, args, freshJournal()).done;
    async function checkpoint(dir: string): Promise<any> {
        return JSON.parse(expectOk(await fresh(dir, "stack", "export"), "stack export").stdout);
    }
    /** The checkpoint as the file backend holds it right now (readable while an update runs). */
    const liveCheckpoint = (stack: string): any => ws.liveCheckpoint(PROJECT, stack);
    /** Creates the cloud accepted (a create refused because the name is taken made no backup). */
    const creates = (key: ServiceKey) => createCalls(admin, key, "mutations");

    /**
     * Starts `pulumi up` and resolves once the cloud has accepted both
     * backups of every service and none has finished: the wait steps are
     * waiting.
     */
    async function upUntilWaiting(dir: string, stack: string) {
        // The cloud accepted every backup and the first steps recorded them all.
        const started = async () => (await Promise.all(KEYS.map(creates))).every((n) => n >= 2) && recordedResources({ deployment: liveCheckpoint(stack)?.checkpoint?.latest }) === 6;
        const run = await upUntil(ws, dir, freshJournal(), started, "the backups were not all started and recorded");
        // No wait step has returned: every backup is still being made (jobs take about a minute).
        const done = (liveCheckpoint(stack)?.checkpoint?.latest?.resources ?? []).filter((r: any) => r.type === WAIT);
        assert.deepStrictEqual(done.map((r: any) => r.urn), [], "a backup was finished before the interruption");
        return run;
    }

    /**
     * The documented steps on a fresh runner, then destroy; the row of the
     * table per service. Backups left after destroy (orphans the provider
     * could not prove its own) are removed through the emulator afterwards.
     */
    async function recover(dir: string, interruption: string, result: CliResult, afterInterruption: any): Promise<{ made: Row[]; outputs: Record<string, any> }> {
        const steps = await documentedSteps((...args) => fresh(dir, ...args), async () => (await checkpoint(dir)).deployment.pending_operations ?? []);
        // The jobs finish meanwhile (the next run of a pipeline comes later): as does every job this up starts.
        await admin.advanceClock({ hours: 1 });
        const upRun = ws.start(dir, ["up", "--yes", "--skip-preview"], freshJournal());
        let upEnded = false;
        void upRun.done.then(() => { upEnded = true; });
        for (let i = 0; !upEnded; i++) { await sleep(1_000); if (!upEnded && i >= 3) await admin.advanceClock({ ms: 600_000 }); }
        expectOk(await upRun.done, `up after the ${interruption}`);
        steps.push("up");
        const recorded = recordedIds(await checkpoint(dir), TYPES);
        const outputs = JSON.parse(expectOk(await fresh(dir, "stack", "output", "--json"), "stack output").stdout);
        const before = recordedIds(afterInterruption, TYPES);
        const figures = new Map<ServiceKey, Omit<Row, "leftAfterDestroy">>();
        const orphans = new Map<ServiceKey, string[]>();
        for (const key of KEYS) {
            const cloud = (await ours(admin, key)).filter(isLive);
            const atInterruption = cloud.filter((b) => isRecorded(before, b)).length;
            orphans.set(key, cloud.filter((b) => !isRecorded(recorded, b)).map(idOf));
            figures.set(key, {
                interruption, service: key, exit: exitOf(result),
                recordedAfterInterruption: `${atInterruption} of 2`, steps: steps.join(", "), backupsAfterUp: cloud.length,
                orphaned: orphans.get(key)!.length, secondBackups: (await creates(key)) - 2,
            });
            // The state holds one backup per resource, the ones the outputs name.
            assert.deepStrictEqual([outputs[`${key}Backup`], ...outputs[`${key}Set`]].sort(), cloud.filter((b) => isRecorded(recorded, b)).map(idOf).sort(),
                `${key}: the stack outputs and the recorded backups on the instance disagree`);
        }
        console.log(`      (after the ${interruption}: ${ws.transcript.slice(-6).map((t) => `${t.args.slice(0, 2).join(" ")} ${Math.round(t.result.ms / 100) / 10} s`).join(", ")})`);
        expectOk(await fresh(dir, "destroy", "--yes", "--skip-preview"), "destroy");
        await admin.advanceClock({ hours: 1 }); // Huawei deletes asynchronously
        const made: Row[] = [];
        const leftIds = new Map<ServiceKey, string[]>();
        for (const key of KEYS) {
            const left = (await ours(admin, key)).filter(isLive);
            leftIds.set(key, left.map(idOf).sort());
            made.push({ ...figures.get(key)!, leftAfterDestroy: left.length });
            // Not this stack's any more: removed so later tests start from empty instances.
            for (const b of left) await admin.removeBackup(key, idOf(b));
        }
        rows.push(...made);
        for (const key of KEYS) {
            // Destroy deleted every recorded backup and nothing the provider could not prove its own.
            assert.deepStrictEqual(leftIds.get(key), orphans.get(key)!.sort(), `${key}: destroy deleted a backup not in the state, or left one that was`);
        }
        return { made, outputs };
    }

    it("(a) SIGKILL of the CLI and the plugin while the backups are waited for: every backup recorded, taken up by the next up, 0 orphaned, 0 second, 0 left", async () => {
        const dir = await newStack("killed");
        await admin.resetCalls();
        const run = await upUntilWaiting(dir, "killed");
        const startedByKilledRun = new Map<ServiceKey, string[]>();
        for (const key of KEYS) startedByKilledRun.set(key, (await ours(admin, key)).map(idOf).sort());
        killTree(run.child.pid!);
        const result = await run.done;
        assert.strictEqual(result.signal, "SIGKILL");
        const afterKill = await checkpoint(dir);
        // The first steps returned as soon as the cloud accepted the backups: all six are recorded; what was pending is the waits.
        assert.strictEqual(recordedResources(afterKill), 6, `after the kill, ${recordedResources(afterKill)} of 6 backups being made are recorded`);
        assert.deepStrictEqual((afterKill.deployment.pending_operations ?? []).filter((o: any) => TYPES.includes(o.resource?.type)).map((o: any) => o.resource.urn), []);
        const { made } = await recover(dir, "SIGKILL", result, afterKill);
        for (const row of made) {
            assert.deepStrictEqual([row.service, row.recordedAfterInterruption, row.backupsAfterUp, row.orphaned, row.secondBackups, row.leftAfterDestroy],
                [row.service, "2 of 2", 2, 0, 0, 0]);
        }
    });

    it("(b) the CI cancel sequence (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that): every backup recorded, finished by the next up, 0 orphaned, 0 second, 0 left", async () => {
        const dir = await newStack("cancelled");
        await admin.resetCalls();
        const { result, tookMs: took } = await ciCancel(await upUntilWaiting(dir, "cancelled"));
        console.log(`      (the cancelled up ended ${took} ms after SIGINT with ${exitOf(result)}; its last lines:\n${lastLines(result, 12)})`);
        // The plugin ended its waits on the engine's Cancel: the CLI was done before the SIGTERM.
        assert.ok(took < 7_500, `the up ended ${took} ms after SIGINT`);
        assert.strictEqual(result.signal, null);
        assert.match(result.stdout + result.stderr, /because the operation was cancelled .*The backup is recorded in state \(status BUILDING\); the next `pulumi up` waits for it again, and no second backup is made/);
        const afterCancel = await checkpoint(dir);
        assert.strictEqual(recordedResources(afterCancel), 6, `after the cancel, ${recordedResources(afterCancel)} of 6 backups being made are recorded`);
        const { made } = await recover(dir, "CI cancel", result, afterCancel);
        for (const row of made) {
            assert.deepStrictEqual([row.service, row.recordedAfterInterruption, row.backupsAfterUp, row.orphaned, row.secondBackups, row.leftAfterDestroy],
                [row.service, "2 of 2", 2, 0, 0, 0]);
        }
    });
});
