/**
 * The examples under the real `pulumi` CLI (`npm run test:cli`), against the
 * emulator: preview --diff, up, refresh, a replacement, a retention window
 * rolling over three nights, destroy; then what only the real engine shows:
 * a wait that times out, an `up` killed while a backup is created, and
 * secrets in the checkpoint and the output.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import type { ServiceKey } from "../../emulator/core/types";
import { Admin } from "../support/world";
import { REPO_ROOT } from "../support/workspace";
import { CliWorkspace, CliResult, expectOk, expectFailed } from "./support";
import { killTree } from "./process-tree";

const EXAMPLES = path.join(REPO_ROOT, "examples");
const PROGRAMS = path.join(__dirname, "programs");

interface Emu { emulator: RunningEmulator; admin: Admin }
async function emulator(timeScale: number): Promise<Emu> {
    const e = await startEmulator({ timeScale, instances: defaultInstances() });
    return { emulator: e, admin: new Admin(e.admin) };
}

const idOf = (b: any): string => b.backupId ?? b.id;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The checkpoint's resources of our two types. */
function ours(checkpoint: any): any[] {
    // The steps that own the backups; the wait steps after them hold none.
    return (checkpoint.deployment.resources ?? []).filter((r: any) => r.type.startsWith("pulumi-nodejs:dynamic/dbbackups:") && !r.type.endsWith(":BackupWait"));
}

/** Every string in a JSON value that names a place on this machine. */
function absolutePaths(value: unknown, places: string[]): string[] {
    const found: string[] = [];
    const walk = (v: unknown) => {
        if (typeof v === "string") {
            if (/^\//.test(v) || /file:\/\//.test(v) || /:\/\/\/\.\.\//.test(v) || places.some((p) => v.includes(p))) found.push(v);
        } else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(value);
    return found;
}

describe("the examples under the real pulumi CLI", function () {
    this.timeout(15 * 60_000);
    let ws: CliWorkspace;
    let fast: Emu;   // jobs take milliseconds
    let slow: Emu;   // jobs take 15-20 s unless the clock is advanced
    const exports: any[] = [];
    const configFiles: string[] = [];

    before(async () => {
        ws = new CliWorkspace();
        await ws.installAndLogIn();
        [fast, slow] = await Promise.all([emulator(0.002), emulator(1)]);
    });
    after(async () => {
        await Promise.all([fast?.emulator.stop(), slow?.emulator.stop()]);
        ws?.remove();
    });

    const key = () => fast.emulator.accessKeys[0];

    /** `pulumi stack init dev` and the stack's config: credentials as secrets, endpoints of `emu`. */
    async function newStack(source: string, emu: Emu, config: Record<string, string> = {}, stack = "dev"): Promise<string> {
        const dir = ws.project(source, `${path.basename(source)}-${stack}`);
        expectOk(await ws.run(dir, "stack", "init", stack), "stack init");
        const k = key();
        const secret = { "alicloud:accessKey": k.id, "alicloud:secretKey": k.secret, "huaweicloud:access_key": k.id, "huaweicloud:secret_key": k.secret };
        const plain = {
            "alicloud:region": "cn-hangzhou",
            "huaweicloud:project_id": emu.emulator.projectId,
            "huaweicloud:region": "ap-southeast-1",
            "dbbackups:endpoints": JSON.stringify(emu.emulator.endpoints),
            "dbbackups:pollInterval": "50ms",
            ...config,
        };
        expectOk(await ws.run(dir, "config", "set-all",
            ...Object.entries(secret).flatMap(([k, v]) => ["--secret", `${k}=${v}`]),
            ...Object.entries(plain).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])), "config set-all");
        configFiles.push(path.join(dir, `Pulumi.${stack}.yaml`));
        return dir;
    }

    const up = (dir: string) => ws.run(dir, "up", "--yes", "--skip-preview");
    async function outputs(dir: string): Promise<Record<string, any>> {
        return JSON.parse(expectOk(await ws.run(dir, "stack", "output", "--json"), "stack output").stdout);
    }
    async function checkpoint(dir: string): Promise<any> {
        const c = JSON.parse(expectOk(await ws.run(dir, "stack", "export"), "stack export").stdout);
        exports.push(c);
        return c;
    }
    const backups = (emu: Emu, service: ServiceKey, instanceId: string) => emu.admin.backupsOf(service, instanceId);

    describe("Alibaba quickstart", () => {
        let dir: string;
        let first: string;

        it("preview --diff shows one backup to create and creates nothing", async () => {
            dir = await newStack(path.join(EXAMPLES, "alicloud-quickstart"), fast);
            const r = expectOk(await ws.run(dir, "preview", "--diff"), "preview");
            assert.match(r.stdout, /\+ pulumi-nodejs:dynamic\/dbbackups:ManualBackup: \(create\)/);
            assert.match(r.stdout, /instanceId\s*: "rm-uf6wjk5quickstart"/);
            assert.deepStrictEqual(await backups(fast, "alicloudRds", IDS.alicloudQuickstart), []);
        });

        it("up creates the backup; stack output and the emulator agree", async () => {
            expectOk(await up(dir), "up");
            const out = await outputs(dir);
            assert.strictEqual(out.status, "COMPLETED");
            const cloud = await backups(fast, "alicloudRds", IDS.alicloudQuickstart);
            assert.deepStrictEqual(cloud.map(idOf), [out.backupId]);
            first = out.backupId;
        });

        it("the checkpoint holds no credential, no absolute path, and only the small provider shim", async () => {
            const c = await checkpoint(dir);
            const text = JSON.stringify(c);
            for (const s of [key().id, key().secret, ws.passphrase]) assert.ok(!text.includes(s), `checkpoint contains ${s.slice(0, 4)}…`);
            const places = [ws.root, REPO_ROOT, os.homedir(), fs.realpathSync(os.tmpdir())];
            assert.deepStrictEqual(absolutePaths(c, places), []);
            const [backup] = ours(c);
            const shim = backup.inputs.__provider as string;
            assert.strictEqual(backup.outputs.__provider, shim);
            // Installed in node_modules, the shim is stored as a require of its module (the README's figure), not as code.
            assert.match(shim, /require\("pulumi-db-backups\/shims\/manual-backup"\)/);
            assert.ok(shim.length < 400, `provider shim is ${shim.length} bytes, the README promises under 300`);
        });

        it("refresh keeps the backup; after a delete behind Pulumi's back it leaves the state and up creates it again", async () => {
            expectOk(await ws.run(dir, "refresh", "--yes", "--skip-preview"), "refresh");
            assert.strictEqual((await outputs(dir)).backupId, first);
            assert.strictEqual(ours(await checkpoint(dir))[0].id, first);

            await fast.admin.removeBackup("alicloudRds", first);
            expectOk(await ws.run(dir, "refresh", "--yes", "--skip-preview"), "refresh after delete");
            assert.deepStrictEqual(ours(await checkpoint(dir)), []);
            expectOk(await up(dir), "up after refresh");
            const again = (await outputs(dir)).backupId;
            assert.notStrictEqual(again, first);
            assert.deepStrictEqual((await backups(fast, "alicloudRds", IDS.alicloudQuickstart)).map(idOf), [again]);
            first = again;
        });

        it("changing the instance replaces the backup: the new one is created before the old one is deleted", async () => {
            expectOk(await ws.run(dir, "config", "set", "quickstart:instanceId", IDS.alicloudQuickstart2), "config set");
            const preview = expectOk(await ws.run(dir, "preview", "--diff"), "preview");
            assert.match(preview.stdout, /\+-\s*pulumi-nodejs:dynamic\/dbbackups:ManualBackup: \(replace\)/);
            assert.match(preview.stdout, /instanceId\s*: "rm-uf6wjk5quickstart" => "rm-uf6wjk5quickstar2"/);
            const r = expectOk(await up(dir), "up");
            const created = r.stdout.indexOf("created replacement");
            const deleted = r.stdout.indexOf("deleted original");
            assert.ok(created >= 0 && deleted > created, `expected "created replacement" before "deleted original":\n${r.stdout}`);
            const out = await outputs(dir);
            assert.deepStrictEqual(await backups(fast, "alicloudRds", IDS.alicloudQuickstart), []);
            assert.deepStrictEqual((await backups(fast, "alicloudRds", IDS.alicloudQuickstart2)).map(idOf), [out.backupId]);
        });

        it("destroy deletes it and empties the stack", async () => {
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual(await backups(fast, "alicloudRds", IDS.alicloudQuickstart2), []);
            assert.deepStrictEqual(await outputs(dir), {});
        });
    });

    describe("Huawei RDS and GeminiDB", () => {
        for (const [example, service, instanceId, name] of [
            ["huaweicloud-rds", "huaweicloudRds", IDS.huaweicloudMysql, "before-upgrade"],
            ["geminidb", "huaweicloudGeminidb", IDS.geminidbCassandra, "weekly"],
        ] as const) {
            it(`${example}: up creates the named backup, destroy deletes it`, async () => {
                const dir = await newStack(path.join(EXAMPLES, example), fast);
                expectOk(await up(dir), "up");
                const out = await outputs(dir);
                const cloud = await backups(fast, service, instanceId);
                assert.deepStrictEqual(cloud.map((b) => [idOf(b), b.name]), [[out.backupId, name]]);
                assert.strictEqual(out.status, "COMPLETED");
                await checkpoint(dir);
                expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
                assert.deepStrictEqual(await backups(fast, service, instanceId), []);
            });
        }
    });

    describe("nightly retention over three nights", () => {
        let dir: string;
        const night = (day: number) => `2026-11-${day}T02:00:00Z`;
        const labelsOf = async () => Object.fromEntries((await backups(fast, "huaweicloudRds", IDS.huaweicloudSqlServer))
            .map((b) => [String(b.name).replace(/^nightly-/, ""), idOf(b)]));
        const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-11-${from + i}`);

        it("night 1: up creates seven backups", async () => {
            dir = await newStack(path.join(EXAMPLES, "nightly-retention"), fast, { "nightly:now": night(20) });
            expectOk(await up(dir), "up");
            const cloud = await labelsOf();
            assert.deepStrictEqual(Object.keys(cloud).sort(), days(14, 20));
            assert.deepStrictEqual([...(await outputs(dir)).backupIds].sort(), Object.values(cloud).sort());
        });

        for (const day of [21, 22]) {
            it(`night ${day - 19}: preview --diff names the label leaving and the one coming, up rolls the window`, async () => {
                const before = await labelsOf();
                const leaving = `2026-11-${day - 7}`;
                expectOk(await ws.run(dir, "config", "set", "nightly:now", night(day)), "config set");
                const p = expectOk(await ws.run(dir, "preview", "--diff"), "preview");
                assert.match(p.stdout, /~ pulumi-nodejs:dynamic\/dbbackups:BackupRetentionSet: \(update\)/);
                // The SDK sends the labels keyed by label, so the CLI shows the label leaving and the one coming, nothing else.
                assert.match(p.stdout, new RegExp(`\\+ 2026-11-${day}\\s*: true`));
                assert.match(p.stdout, new RegExp(`- ${leaving}\\s*: true`));
                assert.doesNotMatch(p.stdout, /~ \[\d+\]:/);
                // The provider's line says it in backup ids; with --diff the CLI prints diagnostics on stderr.
                assert.ok((p.stdout + p.stderr).includes(`creates backups for labels 2026-11-${day} and deletes backups ${before[leaving]} (label ${leaving}, `),
                    `no provider line naming ${before[leaving]}:\n${p.stdout}\n${p.stderr}`);
                assert.deepStrictEqual(await labelsOf(), before, "preview changed the cloud");

                expectOk(await up(dir), "up");
                const after = await labelsOf();
                assert.deepStrictEqual(Object.keys(after).sort(), days(day - 6, day));
                for (const label of days(day - 6, day - 1)) assert.strictEqual(after[label], before[label], `${label} was recreated`);
                assert.deepStrictEqual([...(await outputs(dir)).backupIds].sort(), Object.values(after).sort());
            });
        }

        it("destroy deletes the seven backups", async () => {
            await checkpoint(dir);
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual(await labelsOf(), {});
        });
    });

    describe("a wait that times out", () => {
        // Alibaba lists a backup set only once its job finished: the job id is what the state must keep.
        const instanceId = IDS.alicloudQuickstart2;
        let dir: string;
        let jobId: string;

        it("up fails naming the timeout, and the state keeps the unfinished backup", async () => {
            dir = await newStack(path.join(PROGRAMS, "wait-timeout"), slow, { "test:instanceId": instanceId, "test:waitTimeout": "2s" });
            const r = expectFailed(await up(dir), "up with a 2 s wait");
            assert.match(r.stdout + r.stderr, /time(d)? ?out/i);
            const [recorded] = ours(await checkpoint(dir));
            assert.ok(recorded, "the timed-out backup is not in the state");
            assert.strictEqual(recorded.outputs.status, "BUILDING");
            jobId = recorded.outputs.jobId;
            assert.ok(jobId, "no job id in the state");
        });

        it("once the job finished, refresh, up (the same backup) and destroy all succeed", async () => {
            await slow.admin.advanceClock({ hours: 1 });
            const [finished] = await backups(slow, "alicloudRds", instanceId);
            assert.strictEqual(finished?.jobId, jobId);
            expectOk(await ws.run(dir, "refresh", "--yes", "--skip-preview"), "refresh");
            expectOk(await up(dir), "up");
            const out = await outputs(dir);
            assert.deepStrictEqual([out.backupId, out.status], [idOf(finished), "COMPLETED"]);
            assert.deepStrictEqual((await backups(slow, "alicloudRds", instanceId)).map(idOf), [idOf(finished)]);
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual(await backups(slow, "alicloudRds", instanceId), []);
        });
    });

    describe("an up killed while a backup is being created", () => {
        for (const [example, service, instanceId] of [
            ["huaweicloud-rds", "huaweicloudRds", IDS.huaweicloudMysql],
            ["alicloud-quickstart", "alicloudRds", IDS.alicloudQuickstart],
        ] as const) {
            it(`${example}: killed (SIGKILL) once the cloud accepted the backup; cancel, refresh, up: one backup, not two`, async () => {
                const dir = await newStack(path.join(EXAMPLES, example), slow, {}, "killed");
                const run = ws.start(dir, ["up", "--yes", "--skip-preview"]);
                for (let t = Date.now(); Date.now() - t < 120_000 && !run.output().includes("accepted the backup"); await sleep(100)) { /* wait */ }
                assert.match(run.output(), /accepted the backup/, "the backup was never requested");
                killTree(run.child.pid!);
                const killed = await run.done;
                assert.strictEqual(killed.signal, "SIGKILL");
                assert.strictEqual(killed.stdout.includes("Duration:"), false, "the up finished before it was killed");
                // The step that starts the backup returns as soon as the cloud accepted it, so the kill lands while it
                // returns (its create pending), or after (its wait step's create pending, or not registered yet).
                const pending = (await checkpoint(dir)).deployment.pending_operations ?? [];
                assert.ok(pending.length <= 1 && pending.every((p: any) => p.type === "creating"), JSON.stringify(pending));
                console.log(`      (killed with ${pending.length ? `a pending create of ${pending[0].resource?.type}` : "no pending operation"})`);

                // What the CLI tells the user, step by step (the README's "When a run is killed").
                const locked = expectFailed(await up(dir), "up right after the kill");
                assert.match(locked.stdout + locked.stderr, /locked.*pulumi cancel/s);
                expectOk(await ws.run(dir, "cancel", "--yes"), "cancel");
                await slow.admin.advanceClock({ hours: 1 });
                // A refresh that is not interactive keeps a pending create (an up would keep it too, warning each time).
                expectOk(await ws.run(dir, "refresh", "--yes", "--skip-preview"), "refresh");
                assert.strictEqual(((await checkpoint(dir)).deployment.pending_operations ?? []).length, pending.length);
                expectOk(await ws.run(dir, "refresh", "--yes", "--skip-preview", "--clear-pending-creates"), "refresh --clear-pending-creates");
                assert.deepStrictEqual((await checkpoint(dir)).deployment.pending_operations ?? [], []);
                expectOk(await up(dir), "up after the pending create was cleared");

                const cloud = await backups(slow, service, instanceId);
                assert.deepStrictEqual(cloud.map(idOf), [(await outputs(dir)).backupId], "a backup was orphaned or created twice");
                assert.deepStrictEqual((await checkpoint(dir)).deployment.pending_operations ?? [], []);
                expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
                await slow.admin.advanceClock({ hours: 1 }); // Huawei deletes asynchronously
                assert.deepStrictEqual(await backups(slow, service, instanceId), []);
            });
        }
    });

    describe("secrets", () => {
        it("secrets set with `pulumi config set --secret` never appear in a checkpoint, a config file or any output", () => {
            const secrets = [key().id, key().secret];
            assert.ok(exports.length >= 8 && ws.transcript.length > 30, "the suite ran fewer steps than expected");
            const leaks = (where: string, text: string) => secrets.filter((s) => text.includes(s)).map((s) => `${where}: ${s.slice(0, 4)}…`);
            const found = [
                ...exports.flatMap((c, i) => leaks(`checkpoint ${i}`, JSON.stringify(c))),
                ...configFiles.flatMap((f) => leaks(f, fs.readFileSync(f, "utf8"))),
                ...ws.transcript.flatMap(({ args, result }: { args: string[]; result: CliResult }) =>
                    leaks(`pulumi ${args.join(" ")}`, result.stdout + result.stderr)),
            ];
            assert.deepStrictEqual(found, []);
        });
    });
});
