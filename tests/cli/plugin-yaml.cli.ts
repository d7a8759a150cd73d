/**
 * The provider plugin under the real `pulumi` CLI with a Pulumi YAML program
 * (`npm run test:cli`; the YAML language host is built by
 * scripts/pulumi-cli.sh), against the emulator, on each service: preview,
 * up, refresh, a replacement, a retention window's roll, destroy; then
 * `pulumi import` and `adoptBackupId` of backups made by hand, an `up`
 * interrupted while it waits (the engine's Cancel), and what the checkpoint
 * must not hold (secrets, provider code).
 *
 * The plugin is found as a user's program finds it: `plugins.providers[].path`
 * pointing at `node_modules/pulumi-db-backups/plugin` of the installed package.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import type { ServiceKey } from "../../emulator/core/types";
import { Admin } from "../support/world";
import { CliWorkspace, expectOk, languageHost, expectFailed } from "./support";
import { fencedBlocks } from "../docs/readme-snippets";
import { REPO_ROOT } from "../support/workspace";

const idOf = (b: any): string => b.backupId ?? b.BackupId ?? b.id;

/** One service's case: where its backups go, and which input change replaces a backup there. */
interface Case {
    title: string;
    key: ServiceKey;
    cloud: "alicloud" | "huaweicloud";
    service: "rds" | "geminidb";
    instanceId: string;
    /** The replacement: properties of the single backup before and after. */
    before: Record<string, string>;
    after: Record<string, string>;
    changed: RegExp;
}

const CASES: Case[] = [
    {
        title: "Alibaba RDS", key: "alicloudRds", cloud: "alicloud", service: "rds", instanceId: IDS.alicloudQuickstart,
        before: { instanceId: IDS.alicloudQuickstart }, after: { instanceId: IDS.alicloudQuickstart2 },
        changed: /instanceId\s*: "rm-uf6wjk5quickstart" => "rm-uf6wjk5quickstar2"/,
    },
    {
        title: "Huawei RDS (SQL Server)", key: "huaweicloudRds", cloud: "huaweicloud", service: "rds", instanceId: IDS.huaweicloudSqlServer,
        before: { instanceId: IDS.huaweicloudSqlServer }, after: { instanceId: IDS.huaweicloudPostgres },
        changed: new RegExp(`instanceId\\s*: "${IDS.huaweicloudSqlServer}" => "${IDS.huaweicloudPostgres}"`),
    },
    {
        title: "Huawei GeminiDB", key: "huaweicloudGeminidb", cloud: "huaweicloud", service: "geminidb", instanceId: IDS.geminidbCassandra,
        before: { instanceId: IDS.geminidbCassandra, name: "yaml-single-a" }, after: { instanceId: IDS.geminidbCassandra, name: "yaml-single-b" },
        changed: /name\s*: "yaml-single-a" => "yaml-single-b"/,
    },
];

const PLUGIN_PATH = "./node_modules/pulumi-db-backups/plugin";

/** A Pulumi YAML program: one ManualBackup (`single`) and one BackupRetentionSet (`nightly`). */
function program(name: string, c: Case, single: Record<string, string>, labels: string[]): string {
    const props = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`).join("\n");
    return `name: ${name}
runtime: yaml
description: dbbackups provider plugin from a Pulumi YAML program
plugins:
  providers:
    - name: dbbackups
      path: ${PLUGIN_PATH}
resources:
  single:
    type: dbbackups:index:ManualBackup
    properties:
${props({ cloud: c.cloud, service: c.service, ...single })}
  nightly:
    type: dbbackups:index:BackupRetentionSet
    properties:
${props({ cloud: c.cloud, service: c.service, instanceId: c.instanceId })}
      labels:
${labels.map(l => `        - ${JSON.stringify(l)}`).join("\n")}
outputs:
  backupId: \${single.backupId}
  status: \${single.status}
  setIds: \${nightly.backupIds}
`;
}

describe("the provider plugin from a Pulumi YAML program under the real pulumi CLI", function () {
    this.timeout(20 * 60_000);
    let ws: CliWorkspace;
    let emulator: RunningEmulator;
    let admin: Admin;
    const exports: any[] = [];
    const started = Date.now();

    before(async function () {
        languageHost("pulumi-language-yaml", "github.com/pulumi/pulumi-yaml");
        ws = new CliWorkspace();
        await ws.installAndLogIn();
        emulator = await startEmulator({ timeScale: 0.002, instances: defaultInstances() });
        admin = new Admin(emulator.admin);
    });
    after(async () => {
        await emulator?.stop();
        ws?.remove();
        console.log(`      (the YAML suite took ${Math.round((Date.now() - started) / 1000)} s)`);
    });

    const key = () => emulator.accessKeys[0];

    /** `stack init` and the plugin's configuration in its own namespace, credentials as secrets. */
    async function newStack(dir: string, stack = "dev"): Promise<void> {
        expectOk(await ws.run(dir, "stack", "init", stack), "stack init");
        const k = key();
        const secret = { "dbbackups:alicloudAccessKey": k.id, "dbbackups:alicloudSecretKey": k.secret, "dbbackups:huaweicloudAccessKey": k.id, "dbbackups:huaweicloudSecretKey": k.secret };
        const plain = {
            "dbbackups:alicloudRegion": "cn-hangzhou",
            "dbbackups:huaweicloudProjectId": emulator.projectId,
            "dbbackups:huaweicloudRegion": "ap-southeast-1",
            "dbbackups:pollInterval": "50ms",
        };
        expectOk(await ws.run(dir, "config", "set-all",
            ...Object.entries(secret).flatMap(([k, v]) => ["--secret", `${k}=${v}`]),
            ...Object.entries(plain).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])), "config set-all");
        expectOk(await ws.run(dir, "config", "set", "--path", "dbbackups:endpoints.alicloudRds", emulator.endpoints.alicloudRds), "config endpoints");
        expectOk(await ws.run(dir, "config", "set", "--path", "dbbackups:endpoints.huaweicloudRds", emulator.endpoints.huaweicloudRds), "config endpoints");
        expectOk(await ws.run(dir, "config", "set", "--path", "dbbackups:endpoints.huaweicloudGeminidb", emulator.endpoints.huaweicloudGeminidb), "config endpoints");
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
    const cloudIds = async (c: Case, instanceId = c.instanceId) => (await admin.backupsOf(c.key, instanceId)).map(idOf);

    for (const c of CASES) {
        describe(c.title, () => {
            let dir: string;
            const write = (single: Record<string, string>, labels: string[]) =>
                fs.writeFileSync(path.join(dir, "Pulumi.yaml"), program(`yaml-${c.key}`, c, single, labels));

            it("preview shows both resources to create and creates nothing", async () => {
                dir = ws.projectWith(`yaml-${c.key}`, { "Pulumi.yaml": program(`yaml-${c.key}`, c, c.before, ["d1", "d2", "d3"]) });
                await newStack(dir);
                const r = expectOk(await ws.run(dir, "preview", "--diff"), "preview");
                assert.match(r.stdout, /\+ dbbackups:index:ManualBackup: \(create\)/);
                assert.match(r.stdout, /\+ dbbackups:index:BackupRetentionSet: \(create\)/);
                assert.deepStrictEqual(await cloudIds(c), []);
            });

            it("up creates the backup and the set; outputs and the emulator agree", async () => {
                expectOk(await up(dir), "up");
                const out = await outputs(dir);
                assert.strictEqual(out.status, "COMPLETED");
                assert.strictEqual(out.setIds.length, 3);
                assert.deepStrictEqual((await cloudIds(c)).sort(), [out.backupId, ...out.setIds].sort());
            });

            it("the checkpoint holds no provider code and no secret; the credentials are stored encrypted", async () => {
                const cp = await checkpoint(dir);
                const text = JSON.stringify(cp);
                for (const s of [key().secret, ws.passphrase]) assert.ok(!text.includes(s), `checkpoint contains ${s.slice(0, 4)}…`);
                const resources = cp.deployment.resources as any[];
                const ours = resources.filter(r => r.type.startsWith("dbbackups:index:"));
                // Each resource is its first step (its own type, holding the backups) and its wait step under it.
                assert.deepStrictEqual(ours.map(r => r.urn.split("::")[2]).sort(), [
                    "dbbackups:index:BackupRetentionSet", "dbbackups:index:BackupRetentionSet$dbbackups:index:BackupWait",
                    "dbbackups:index:ManualBackup", "dbbackups:index:ManualBackup$dbbackups:index:BackupWait"]);
                for (const r of ours) {
                    assert.ok(!("__provider" in r.inputs) && !("__provider" in r.outputs), `${r.urn} holds provider code`);
                    assert.match(r.provider, /::pulumi:providers:dbbackups::default/);
                }
                assert.ok(!/require\(|function\s*\(|=>/.test(JSON.stringify(ours)), "provider code in the resources' state");
                const provider = resources.find(r => r.type === "pulumi:providers:dbbackups");
                assert.ok(provider, "the default dbbackups provider is recorded");
                assert.ok(provider.inputs.alicloudSecretKey?.ciphertext, "the secret key is stored encrypted");
            });

            it("refresh keeps everything; after a delete behind Pulumi's back the backup leaves the state and up makes it again", async () => {
                const { backupId } = await outputs(dir);
                expectOk(await ws.run(dir, "refresh", "--yes", "--skip-preview"), "refresh");
                assert.strictEqual((await outputs(dir)).backupId, backupId);
                await admin.removeBackup(c.key, backupId);
                expectOk(await ws.run(dir, "refresh", "--yes", "--skip-preview"), "refresh after delete");
                const cp = await checkpoint(dir);
                assert.ok(!cp.deployment.resources.some((r: any) => r.type === "dbbackups:index:ManualBackup"), "a deleted backup stays in state");
                expectOk(await up(dir), "up after refresh");
                const again = (await outputs(dir)).backupId;
                assert.notStrictEqual(again, backupId);
                assert.ok((await cloudIds(c)).includes(again));
            });

            it("a retention window's roll previews one label added and one removed, then keeps exactly the new labels", async () => {
                const before = await outputs(dir);
                write(c.before, ["d2", "d3", "d4"]);
                const p = expectOk(await ws.run(dir, "preview", "--diff"), "preview of the roll");
                assert.match(p.stdout, /~ dbbackups:index:BackupRetentionSet: \(update\)/);
                assert.match(p.stdout, /-\s*\[0\]: "d1"/);
                assert.match(p.stdout, /\+\s*\[2\]: "d4"/);
                assert.doesNotMatch(p.stdout, /\[1\]: "d2" => "d3"/, "the roll shows as every index shifted");
                // The doomed backup by its id, on stdout, under the set.
                const doomed = p.stdout.slice(p.stdout.indexOf("dbbackups:index:BackupRetentionSet: (update)"));
                assert.match(doomed, new RegExp(`~ backups\\s*: \\{\\s*- d1\\s*: \\{[^}]*backupId\\s*:\\s*"${before.setIds[0]}"`), p.stdout);
                assert.doesNotMatch(doomed, /- d[234]\s*:/, "only the removed label's backup is shown as deleted");
                expectOk(await up(dir), "up of the roll");
                const after = await outputs(dir);
                assert.strictEqual(after.setIds.length, 3);
                assert.deepStrictEqual(after.setIds.slice(0, 2), before.setIds.slice(1), "kept labels keep their backups");
                const cloud = await cloudIds(c);
                assert.ok(!cloud.includes(before.setIds[0]), "the removed label's backup is deleted");
                assert.ok(cloud.includes(after.setIds[2]));
            });

            it("a change that needs a new backup previews a replacement; up makes the new one, then deletes the old one", async () => {
                const old = (await outputs(dir)).backupId;
                write(c.after, ["d2", "d3", "d4"]);
                const p = expectOk(await ws.run(dir, "preview", "--diff"), "preview of the replacement");
                assert.match(p.stdout, /\+-\s*dbbackups:index:ManualBackup: \(replace\)/);
                assert.match(p.stdout, c.changed);
                assert.match(p.stdout, new RegExp(`backupId\\s*: "${old}"`), `the replaced backup's id on stdout:\n${p.stdout}`);
                expectOk(await up(dir), "up of the replacement");
                const now = (await outputs(dir)).backupId;
                assert.notStrictEqual(now, old);
                const where = c.after.instanceId;
                assert.ok((await cloudIds(c, where)).includes(now));
                assert.ok(!(await cloudIds(c, c.before.instanceId)).includes(old), "the replaced backup is deleted");
            });

            it("destroy deletes every backup it made and nothing else", async () => {
                const hand = await admin.addBackup(c.key, { instanceId: c.instanceId, mode: "Manual", ...(c.cloud === "huaweicloud" ? { name: "kept-by-hand" } : {}) });
                expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
                assert.deepStrictEqual(await cloudIds(c), [hand.backupId]);
                assert.deepStrictEqual(await cloudIds(c, c.after.instanceId), c.after.instanceId === c.instanceId ? [hand.backupId] : []);
                await admin.removeBackup(c.key, hand.backupId);
            });
        });
    }

    describe("import", () => {
        let dir: string;
        const gem = CASES[2];

        it("`pulumi import` takes over a backup made by hand, by an id naming its address; automated backups are refused", async () => {
            dir = ws.projectWith("yaml-import", {
                "Pulumi.yaml": `name: yaml-import\nruntime: yaml\nplugins:\n  providers:\n    - name: dbbackups\n      path: ${PLUGIN_PATH}\nresources: {}\n`,
            });
            await newStack(dir);
            const other = await admin.addBackup("huaweicloudGeminidb", { instanceId: gem.instanceId, mode: "Manual", name: "another-by-hand" });
            const hand = await admin.addBackup("huaweicloudGeminidb", { instanceId: gem.instanceId, mode: "Manual", name: "made-by-hand" });
            const auto = await admin.addBackup("huaweicloudGeminidb", { instanceId: gem.instanceId, mode: "Automated" });
            const r = expectOk(await ws.run(dir, "import", "dbbackups:index:ManualBackup", "handmade",
                `huaweicloud/geminidb/ap-southeast-1/${gem.instanceId}/${hand.backupId}`, "--yes", "--protect=false"), "pulumi import");
            assert.match(r.stdout, /type: dbbackups:(index:)?ManualBackup/, "the generated YAML declares the resource");
            assert.match(r.stdout, /name: made-by-hand/);
            const refused = expectFailed(await ws.run(dir, "import", "dbbackups:index:ManualBackup", "auto",
                `huaweicloud/geminidb/ap-southeast-1/${gem.instanceId}/${auto.backupId}`, "--yes", "--protect=false"), "import of an automated backup");
            assert.match(refused.stdout + refused.stderr, /automated backup.*cannot be imported/);
            const cp = await checkpoint(dir);
            const imported = cp.deployment.resources.filter((x: any) => x.type === "dbbackups:index:ManualBackup");
            assert.deepStrictEqual(imported.map((x: any) => x.id), [hand.backupId]);
            // destroy deletes the imported backup only.
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy after import");
            const left = await cloudIds(gem);
            assert.ok(!left.includes(hand.backupId), "the imported backup is deleted by destroy");
            assert.ok(left.includes(other.backupId) && left.includes(auto.backupId), "other backups are untouched");
            await admin.removeBackup("huaweicloudGeminidb", other.backupId);
            await admin.removeBackup("huaweicloudGeminidb", auto.backupId);
        });

        it("a program takes over a backup made by hand on Alibaba with adoptBackupId (the `import` option does not reach a component); destroy deletes only it", async () => {
            const ali = CASES[0];
            const hand = await admin.addBackup("alicloudRds", { instanceId: ali.instanceId, mode: "Manual" });
            const other = await admin.addBackup("alicloudRds", { instanceId: ali.instanceId, mode: "Manual" });
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: yaml-import\nruntime: yaml\nplugins:\n  providers:\n    - name: dbbackups\n      path: ${PLUGIN_PATH}\n`
                + `resources:\n  adopted:\n    type: dbbackups:index:ManualBackup\n    properties:\n      cloud: alicloud\n      instanceId: ${ali.instanceId}\n`
                + `      adoptBackupId: "${hand.backupId}"\noutputs:\n  id: \${adopted.backupId}\n`);
            const p = expectOk(await ws.run(dir, "preview", "--diff"), "preview of the adoption");
            assert.match(p.stdout, new RegExp(`\\+ dbbackups:index:ManualBackup: \\(create\\)[\\s\\S]*adoptBackupId\\s*: "${hand.backupId}"`));
            expectOk(await up(dir), "up with adoptBackupId");
            assert.strictEqual((await outputs(dir)).id, hand.backupId);
            assert.deepStrictEqual((await cloudIds(ali)).sort(), [hand.backupId, other.backupId].sort(), "adopting created nothing");
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual(await cloudIds(ali), [other.backupId]);
            await admin.removeBackup("alicloudRds", other.backupId);
        });
    });

    describe("an explicit provider", () => {
        it("reaches both steps of a resource given `options.provider` (the default provider's endpoint here leads nowhere)", async () => {
            const ali = CASES[0];
            const k = key();
            const dir = ws.projectWith("yaml-explicit", {
                "Pulumi.yaml": `name: yaml-explicit\nruntime: yaml\nplugins:\n  providers:\n    - name: dbbackups\n      path: ${PLUGIN_PATH}\n`
                    + `resources:\n  emulated:\n    type: pulumi:providers:dbbackups\n    properties:\n      alicloudRegion: cn-hangzhou\n`
                    + `      alicloudAccessKey: ${k.id}\n      alicloudSecretKey:\n        fn::secret: ${k.secret}\n      endpoints:\n        alicloudRds: ${emulator.endpoints.alicloudRds}\n`
                    + `  explicit:\n    type: dbbackups:index:ManualBackup\n    properties:\n      cloud: alicloud\n      instanceId: ${ali.instanceId}\n`
                    + `    options:\n      provider: \${emulated}\noutputs:\n  id: \${explicit.backupId}\n`,
            });
            await newStack(dir);
            expectOk(await ws.run(dir, "config", "set", "--path", "dbbackups:endpoints.alicloudRds", "http://127.0.0.1:9"), "config endpoints");
            const before = await cloudIds(ali);
            expectOk(await up(dir), "up with the explicit provider");
            const id = (await outputs(dir)).id;
            assert.deepStrictEqual((await cloudIds(ali)).filter(b => !before.includes(b)), [id]);
            const cp = await checkpoint(dir);
            const steps = cp.deployment.resources.filter((r: any) => r.type.startsWith("dbbackups:index:"));
            assert.deepStrictEqual(steps.map((r: any) => [r.type, r.provider.split("::")[3]]).sort(),
                [["dbbackups:index:BackupWait", "emulated"], ["dbbackups:index:ManualBackup", "emulated"]]);
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.ok(!(await cloudIds(ali)).includes(id));
        });
    });

    describe("a stack made before each resource had a wait step", () => {
        it("moves over in place: no replacement, no backup made or deleted, the same ids; the wait steps are created", async () => {
            const c = CASES[0];
            const dir = ws.projectWith("yaml-before-steps", { "Pulumi.yaml": program("yaml-before-steps", c, c.before, ["d1", "d2"]) });
            await newStack(dir);
            expectOk(await up(dir), "up");
            expectOk(await up(dir), "up again (the first steps record what the wait steps saw)");
            const now = await checkpoint(dir);
            // The state as the plugin wrote it before: each resource one custom resource of its own type and URN, which waited itself.
            const earlier = JSON.parse(JSON.stringify(now));
            earlier.deployment.resources = earlier.deployment.resources.filter((r: any) => r.type !== "dbbackups:index:BackupWait");
            for (const r of earlier.deployment.resources.filter((r: any) => r.type.startsWith("dbbackups:index:"))) {
                for (const bag of [r.inputs, r.outputs]) { bag.waitForCompletion = true; delete bag.deferDeletes; }
            }
            const file = path.join(dir, "earlier.json");
            fs.writeFileSync(file, JSON.stringify(earlier));
            expectOk(await ws.run(dir, "stack", "import", "--file", file), "stack import");
            const ids = (cp: any) => cp.deployment.resources.filter((r: any) => /^dbbackups:index:(ManualBackup|BackupRetentionSet)$/.test(r.type)).map((r: any) => `${r.urn} ${r.id}`).sort();
            await admin.resetCalls();
            const p = expectOk(await ws.run(dir, "preview", "--diff"), "preview after the upgrade");
            assert.doesNotMatch(p.stdout, /\(replace\)|\(delete\)/, p.stdout);
            assert.match(p.stdout, /~ dbbackups:index:ManualBackup: \(update\)[\s\S]*waitForCompletion: true => false/);
            assert.strictEqual((p.stdout.match(/\+ dbbackups:index:BackupWait: \(create\)/g) ?? []).length, 2, p.stdout);
            const cloudBefore = (await cloudIds(c)).sort();
            expectOk(await up(dir), "up after the upgrade");
            const mutations = Object.values((await admin.calls())[c.key] ?? {}).reduce((n, op) => n + op.mutations, 0);
            assert.strictEqual(mutations, 0, "the upgrade made or deleted a backup");
            assert.deepStrictEqual((await cloudIds(c)).sort(), cloudBefore);
            const after = await checkpoint(dir);
            assert.deepStrictEqual(ids(after), ids(now), "the resources kept their URNs and ids");
            assert.strictEqual(after.deployment.resources.filter((r: any) => r.type === "dbbackups:index:BackupWait").length, 2);
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual((await cloudIds(c)).filter(id => cloudBefore.includes(id)), [], "destroy deleted the stack's backups");
        });
    });

    describe("Cancel", () => {
        it("the first interrupt of an `up` ends the plugin's wait at once; the backup is recorded and the next `up` finishes it", async () => {
            const slow = await startEmulator({ timeScale: 1, instances: defaultInstances() }); // jobs take 15-20 s
            try {
                const slowAdmin = new Admin(slow.admin);
                const c = CASES[1];
                const instanceId = IDS.huaweicloudMysql;
                const dir = ws.projectWith("yaml-cancel", {
                    "Pulumi.yaml": `name: yaml-cancel\nruntime: yaml\nplugins:\n  providers:\n    - name: dbbackups\n      path: ${PLUGIN_PATH}\n`
                        + `resources:\n  slow:\n    type: dbbackups:index:ManualBackup\n    properties:\n      cloud: huaweicloud\n      instanceId: ${instanceId}\n`,
                });
                await newStack(dir);
                for (const [k, v] of Object.entries({ huaweicloudRds: slow.endpoints.huaweicloudRds, huaweicloudGeminidb: slow.endpoints.huaweicloudGeminidb })) {
                    expectOk(await ws.run(dir, "config", "set", "--path", `dbbackups:endpoints.${k}`, v), "config endpoints");
                }
                expectOk(await ws.run(dir, "config", "set", "dbbackups:pollInterval", "30s"), "config pollInterval"); // only Cancel ends the wait soon
                const run = ws.start(dir, ["up", "--yes", "--skip-preview"]);
                let accepted: any[] = [];
                for (let i = 0; i < 600 && accepted.length === 0; i++) {
                    accepted = await slowAdmin.backupsOf(c.key, instanceId);
                    if (accepted.length === 0) await new Promise(r => setTimeout(r, 100));
                }
                assert.strictEqual(accepted.length, 1, "the backup was not started");
                await new Promise(r => setTimeout(r, 500));
                const interrupted = Date.now();
                process.kill(run.child.pid!, "SIGINT");
                const result = await run.done;
                const took = Date.now() - interrupted;
                assert.notStrictEqual(result.code, 0);
                assert.ok(took < 8_000, `pulumi ended ${took} ms after the interrupt (the job takes 15-20 s)`);
                const cp = await checkpoint(dir);
                const [rec] = cp.deployment.resources.filter((r: any) => r.type === "dbbackups:index:ManualBackup");
                assert.ok(rec, `the accepted backup is not recorded:\n${result.stdout}\n${result.stderr}`);
                assert.strictEqual(rec.id, idOf(accepted[0]));
                assert.strictEqual(rec.outputs.status, "BUILDING");
                assert.match(result.stdout + result.stderr, /cancelled/);
                expectOk(await ws.run(dir, "config", "set", "dbbackups:pollInterval", "200ms"), "config pollInterval");
                expectOk(await up(dir), "up after the interrupt");
                const out = await checkpoint(dir);
                const [done] = out.deployment.resources.filter((r: any) => r.type === "dbbackups:index:ManualBackup");
                const [waited] = out.deployment.resources.filter((r: any) => r.type === "dbbackups:index:BackupWait");
                assert.strictEqual(done.id, rec.id, "the next up resumed the same backup");
                // The wait step waited for that very backup until it completed.
                assert.strictEqual(waited.outputs.facts.backup.backupId, rec.id);
                assert.strictEqual(waited.outputs.facts.backup.status, "COMPLETED");
                assert.strictEqual((await slowAdmin.backupsOf(c.key, instanceId)).length, 1, "no second backup was made");
                expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
                // At this emulator's speed a delete takes 10 s: the backup is on its way out.
                assert.deepStrictEqual((await slowAdmin.backupsOf(c.key, instanceId)).map((b: any) => b.status), ["DELETING"]);
            } finally {
                await slow.stop();
            }
        });
    });

    describe("docs/plugin.md as written", () => {
        const page = fencedBlocks(fs.readFileSync(path.join(REPO_ROOT, "docs", "plugin.md"), "utf8"), "docs/plugin.md");
        const yamlProgram = page.find(b => b.lang === "yaml" && /^runtime: yaml$/m.test(b.code))!.code;
        const installLine = page.find(b => b.lang === "sh" && /^pulumi plugin install /m.test(b.code))!.code.split("\n")[0].replace(/\s+#.*$/, "");
        const instanceId = /instanceId: (\S+)/.exec(yamlProgram)![1];
        const made = async (before: string[]) => (await admin.backupsOf("huaweicloudRds", instanceId)).map(idOf).filter((id: string) => !before.includes(id));

        it("its Pulumi YAML program: up makes the backup and the set's three, destroy deletes exactly those", async () => {
            assert.ok(yamlProgram && instanceId, "docs/plugin.md shows a Pulumi YAML program on an instance");
            const dir = ws.projectWith("docs-yaml", { "Pulumi.yaml": yamlProgram });
            await newStack(dir);
            const before = (await admin.backupsOf("huaweicloudRds", instanceId)).map(idOf);
            expectOk(await up(dir), "up of the docs' program");
            const out = await outputs(dir);
            assert.strictEqual((await made(before)).length, 4, "one ManualBackup and three labels");
            assert.ok((await made(before)).includes(out.backupId));
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual(await made(before), []);
        });

        it("its `pulumi plugin install` line installs the plugin for a program that does not name its folder", async () => {
            const dir = ws.projectWith("docs-plugin-install", {
                // The same program without its plugins section: the CLI finds the installed plugin.
                "Pulumi.yaml": yamlProgram.replace(/^plugins:\n(?:  .*\n)+/m, "").replace(/^name: .*$/m, "name: docs-plugin-install"),
            });
            assert.doesNotMatch(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"), /plugins:/);
            const args = installLine.trim().split(/\s+/);
            assert.deepStrictEqual(args.slice(0, 3), ["pulumi", "plugin", "install"]);
            assert.strictEqual(args[5], JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version, "the line installs this version");
            expectOk(await ws.run(dir, ...args.slice(1)), installLine);
            const listed = expectOk(await ws.run(dir, "plugin", "ls"), "plugin ls").stdout;
            assert.match(listed, new RegExp(`dbbackups\\s+resource\\s+${args[5].replace(/\./g, "\\.")}`));
            await newStack(dir);
            const before = (await admin.backupsOf("huaweicloudRds", instanceId)).map(idOf);
            expectOk(await up(dir), "up with the installed plugin");
            assert.strictEqual((await made(before)).length, 4);
            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual(await made(before), []);
            expectOk(await ws.run(dir, "plugin", "rm", "resource", "dbbackups", "--yes"), "plugin rm");
        });
    });

    describe("afterwards", () => {
        it("no checkpoint of the suite holds a secret or provider code", () => {
            assert.ok(exports.length >= 4);
            for (const cp of exports) {
                const text = JSON.stringify(cp);
                assert.ok(!text.includes(key().secret), "a checkpoint holds the secret key");
                assert.ok(!text.includes("__provider"), "a checkpoint holds a dynamic provider");
            }
        });
    });
});
