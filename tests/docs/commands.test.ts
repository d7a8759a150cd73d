/**
 * Every fenced block of the README and docs/ that is not a TypeScript program
 * (those run in readme-snippets.test.ts): each says what it is (a block with
 * no language fails: output is marked `text`); each command of a `sh` block
 * runs here as written, or is one of the few the suite named for it runs
 * (installs, whole suites, the real Pulumi CLI against a cloud); the GitHub
 * Actions workflow runs its `run:` steps with `pulumi`, `gh` and `npm` stood
 * in for, and its comment is the summary the page shows; the plugin's Pulumi
 * YAML program uses only types and inputs of the package schema (the real-CLI
 * suite runs it); the Go excerpt is the example the real-CLI suite runs.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import { MANUAL_BACKUP, packageSchema } from "../../plugin/schema";
import { Admin } from "../support/world";
import { REPO_ROOT } from "../support/workspace";
import { documentationFiles, fencedBlocks, Snippet } from "./readme-snippets";

// js-yaml (a dev dependency) reads the workflow and the Pulumi YAML program as GitHub and Pulumi would.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const yaml: { load(text: string): any } = require("js-yaml");

const read = (f: string) => fs.readFileSync(path.join(REPO_ROOT, f), "utf8");
const pkg = JSON.parse(read("package.json"));
const BIN = (name: string) => path.join(REPO_ROOT, pkg.bin[name]);
const blocks: Snippet[] = documentationFiles().flatMap(f => fencedBlocks(read(f), f));
const where = (b: Snippet) => `${b.file} (${b.heading})`;

/** What each kind of block is, and who runs it. */
const KINDS: Record<string, string> = {
    ts: "a program: readme-snippets.test.ts runs it",
    sh: "commands: run below, or by the suite named for them",
    yaml: "a GitHub Actions workflow (its steps run below) or a Pulumi YAML program (checked below, run by the real-CLI suite)",
    go: "an excerpt of examples/go-plugin, which the real-CLI suite runs",
    text: "output",
    markdown: "output (of summarize, checked below)",
};

/**
 * Commands the docs show that this file does not run, and the suite that
 * runs them: each such file must hold every piece of evidence listed.
 */
const ELSEWHERE: { command: RegExp; file: string; evidence: string[] }[] = [
    { command: /^npm ci$/, file: ".ci/run", evidence: ["\nnpm ci\n"] },
    { command: /^npm test$/, file: ".ci/run", evidence: ["\nnpm test\n"] },
    { command: /^npm run demo$/, file: ".ci/run", evidence: ["\nnpm run demo\n"] },
    { command: /^npm run retention-nights$/, file: ".ci/run", evidence: ["\nnpm run retention-nights\n"] },
    { command: /^npm run retention-picture$/, file: "tests/docs/retention-picture.test.ts", evidence: ["docsPicture()", "retention-gfs.svg"] },
    { command: /^npm run test:cli$/, file: ".ci/run", evidence: ["npm run test:cli"] },
    // The same script the real-CLI suite starts through (`test:cli` is `bash scripts/pulumi-cli.sh exec mocha ...`).
    { command: /^npm run pulumi-cli$/, file: "package.json", evidence: ["\"pulumi-cli\": \"bash scripts/pulumi-cli.sh\"", "bash scripts/pulumi-cli.sh exec mocha"] },
    { command: /^bash scripts\/pulumi-cli\.sh exec pulumi version$/, file: "package.json", evidence: ["bash scripts/pulumi-cli.sh exec mocha"] },
    { command: /^npm install pulumi-db-backups$/, file: "tests/package/installed-package.test.ts", evidence: ["\"npm\", [\"install\"", "tarball"] },
    // Getting started against a cloud: the example, its stack and its config, under the real CLI against the emulator.
    { command: /^npm install$/, file: "tests/cli/support.ts", evidence: ["\"install\""] },
    { command: /^cd examples\/alicloud-quickstart$/, file: "tests/cli/examples.cli.ts", evidence: ["\"alicloud-quickstart\""] },
    { command: /^pulumi stack init dev$/, file: "tests/cli/examples.cli.ts", evidence: ["\"stack\", \"init\""] },
    { command: /^pulumi config set --secret alicloud:(accessKey|secretKey) <(key|secret)>$/, file: "tests/cli/examples.cli.ts", evidence: ["\"--secret\"", "alicloud:accessKey", "alicloud:secretKey"] },
    { command: /^pulumi config set quickstart:instanceId rm-x+$/, file: "tests/cli/examples.cli.ts", evidence: ["\"config\", \"set\", \"quickstart:instanceId\""] },
    { command: /^pulumi up$/, file: "tests/cli/examples.cli.ts", evidence: ["\"up\""] },
    { command: /^pulumi plugin install resource dbbackups \S+ --file node_modules\/pulumi-db-backups\/plugin$/, file: "tests/cli/plugin-yaml.cli.ts", evidence: ["docs/plugin.md", "\"plugin\", \"install\""] },
];

/** The commands of a `sh` block: comments dropped, `&&` chains split. */
function commandsOf(b: Snippet): string[] {
    return b.code.split("\n").map(l => l.replace(/\s+#.*$/, "").trim()).filter(l => l && !l.startsWith("#")).flatMap(l => l.split(" && ").map(c => c.trim()));
}

/** Commands this file runs: the package's two bins, and the emulator script without its build. */
const RUN_HERE = /^(npx pulumi-db-backups(-emulator)?\b|npm run emulator -- )/;

/** A folder with `npx` standing in for the package's bins, as `npm install` lays them out. */
function shimDir(extra: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-docs-bin-"));
    const npx = `#!/usr/bin/env bash
case "$1" in
  pulumi-db-backups) shift; exec "${process.execPath}" "${BIN("pulumi-db-backups")}" "$@" ;;
  pulumi-db-backups-emulator) shift; exec "${process.execPath}" "${BIN("pulumi-db-backups-emulator")}" "$@" ;;
  *) echo "npx $1: not a bin of this package" >&2; exit 127 ;;
esac
`;
    for (const [name, body] of Object.entries({ npx, ...extra })) fs.writeFileSync(path.join(dir, name), body, { mode: 0o755 });
    return dir;
}

/** Runs one command line with bash, the shims first on PATH. */
function runLine(line: string, cwd: string, env: NodeJS.ProcessEnv, shims: string) {
    return spawnSync("bash", ["-eo", "pipefail", "-c", line], { cwd, env: { ...process.env, ...env, PATH: `${shims}:${process.env.PATH}` }, encoding: "utf8", timeout: 120_000 });
}

/** Five consecutive free ports (the emulator takes N..N+4). */
async function freePortBase(): Promise<number> {
    const free = (port: number) => new Promise<boolean>(resolve => {
        const s = net.createServer().once("error", () => resolve(false)).listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    for (let tries = 0; tries < 50; tries++) {
        const base = 20000 + Math.floor(Math.random() * 30000);
        let ok = true;
        for (let p = base; ok && p < base + 5; p++) ok = await free(p);
        if (ok) return base;
    }
    throw new Error("no five free ports in a row");
}

/** Starts one emulator command line; resolves once it printed its export lines. */
function startEmulatorLine(line: string, cwd: string, shims: string): Promise<{ child: ChildProcess; exports: Record<string, string>; stdout: string }> {
    const child = spawn("bash", ["-c", `exec ${line}`], { cwd, env: { ...process.env, PATH: `${shims}:${process.env.PATH}` }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { child.kill("SIGTERM"); reject(new Error(`${line}: no export lines within 60 s\n${stdout}${stderr}`)); }, 60_000);
        child.stderr!.on("data", d => (stderr += d));
        child.on("exit", code => { clearTimeout(timer); reject(new Error(`${line} exited ${code}\n${stdout}${stderr}`)); });
        child.stdout!.on("data", d => {
            stdout += d;
            if (!/Ctrl-C stops the emulator/.test(stdout)) return;
            clearTimeout(timer);
            child.removeAllListeners("exit");
            const exports = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(\S+)$/gm)].map(m => [m[1], m[2]]));
            resolve({ child, exports, stdout });
        });
    });
}

const stop = (child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") => new Promise<void>(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
});

/** Every command of the `sh` blocks, and those of them this file ran. */
const SH_COMMANDS = blocks.filter(b => b.lang === "sh").flatMap(b => commandsOf(b).map(command => ({ b, command })));
const RAN = new Set<string>();

/** `summarize`'s Markdown with each age cell blanked (ages move with the clock). */
const withoutAges = (md: string) => md.trim().replace(/^(\| [^|]+ \| `[^`]+` \| )[^|]+( \|)/gm, "$1…$2");

describe("README and docs: every block says what it is, and every command runs", function () {
    this.timeout(300_000);
    const ran = RAN;
    const shCommands = SH_COMMANDS;
    const lines = (pattern: RegExp) => shCommands.filter(c => pattern.test(c.command));

    it("every fenced block names its kind (output is `text`)", () => {
        const bad = blocks.filter(b => !(b.lang in KINDS)).map(b => `${where(b)}: \`\`\`${b.lang || "(no language)"}`);
        assert.deepEqual(bad, [], `blocks of no known kind (${Object.keys(KINDS).join(", ")})`);
        assert.ok(shCommands.length >= 20, `only ${shCommands.length} commands found`);
    });

    it("every command the docs show that this file does not run is run by the suite named for it", () => {
        for (const { b, command } of shCommands) {
            if (RUN_HERE.test(command)) continue;
            const rule = ELSEWHERE.find(r => r.command.test(command));
            assert.ok(rule, `${where(b)}: \`${command}\` is run by no test (run it in tests/docs/commands.test.ts, or name the suite that does)`);
            const text = read(rule.file);
            for (const e of rule.evidence) assert.ok(text.includes(e), `${rule.file} does not hold ${JSON.stringify(e)}, the sign that it runs \`${command}\``);
        }
    });

    it("--help of both bins and of the emulator script answers with its usage", () => {
        const shims = shimDir();
        for (const { b, command } of lines(/--help$/)) {
            let line = command;
            if (/^npm run emulator -- /.test(line)) {
                // The script is `npm run build && node dist/emulator/cli.js`; dist/ is built before the tests run.
                assert.equal(pkg.scripts.emulator, "npm run build && node dist/emulator/cli.js");
                line = line.replace(/^npm run emulator -- /, `"${process.execPath}" dist/emulator/cli.js `);
            }
            const r = runLine(line, REPO_ROOT, {}, shims);
            assert.equal(r.status, 0, `${where(b)}: ${command}\n${r.stderr}`);
            assert.match(r.stdout, /usage/i, `${where(b)}: ${command}`);
            ran.add(command);
        }
        fs.rmSync(shims, { recursive: true, force: true });
    });

    describe("the emulator's commands, and the report's against the emulator they start", () => {
        let shims: string;
        let work: string;
        let emulator: { child: ChildProcess; exports: Record<string, string>; stdout: string } | undefined;
        before(() => {
            shims = shimDir();
            work = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-docs-commands-"));
        });
        after(async () => {
            if (emulator) await stop(emulator.child);
            fs.rmSync(shims, { recursive: true, force: true });
            fs.rmSync(work, { recursive: true, force: true });
        });

        it("`npx pulumi-db-backups-emulator` prints export lines that reach its default instances", async () => {
            const bare = lines(/^npx pulumi-db-backups-emulator$/);
            assert.ok(bare.length > 0, "no page shows the bare emulator command");
            emulator = await startEmulatorLine(bare[0].command, work, shims);
            for (const k of ["DBBACKUPS_ALICLOUD_RDS_ENDPOINT", "DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT", "DBBACKUPS_HUAWEICLOUD_GEMINIDB_ENDPOINT", "HW_PROJECT_ID", "DBBACKUPS_EMULATOR_ADMIN"]) {
                assert.ok(emulator.exports[k], `no export line for ${k}:\n${emulator.stdout}`);
            }
            // Pasted into a shell, the lines let the package reach the default instances.
            const r = runLine(`npx pulumi-db-backups report --instance alicloud/rds/${IDS.alicloudQuickstart} --instance huaweicloud/rds/${IDS.huaweicloudMysql}`, work, emulator.exports, shims);
            assert.equal(r.status, 0, r.stderr);
            assert.ok(r.stdout.includes(IDS.alicloudQuickstart) && r.stdout.includes(IDS.huaweicloudMysql), r.stdout);
            for (const c of bare) ran.add(c.command);
        });

        it("the emulator with --port, --time-scale and --state listens from that port and keeps its state in the file", async () => {
            for (const { b, command } of lines(/^npx pulumi-db-backups-emulator --port \d+/)) {
                const base = await freePortBase();
                const line = command.replace(/--port \d+/, `--port ${base}`);
                const started = await startEmulatorLine(line, work, shims);
                assert.equal(started.exports.DBBACKUPS_ALICLOUD_RDS_ENDPOINT, `http://127.0.0.1:${base}`, `${where(b)}: ${line}`);
                assert.equal(started.exports.DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT, `http://127.0.0.1:${base + 1}`);
                const state = /--state (\S+)/.exec(line)?.[1];
                if (state) {
                    const admin = new Admin(started.exports.DBBACKUPS_EMULATOR_ADMIN);
                    const { backupId } = await admin.addBackup("huaweicloudRds", { instanceId: IDS.huaweicloudMysql, name: "kept-across-restarts" });
                    await stop(started.child, "SIGINT");
                    assert.ok(fs.readFileSync(path.join(work, state), "utf8").includes(backupId), `${state} does not keep the backup made before Ctrl-C`);
                } else {
                    await stop(started.child, "SIGINT");
                }
                ran.add(command);
            }
        });

        it("each `npx pulumi-db-backups report` line of the report page runs against it, with stack files of held backups", async () => {
            assert.ok(emulator, "the emulator of the previous test is running");
            const admin = new Admin(emulator.exports.DBBACKUPS_EMULATOR_ADMIN);
            const held = async (stack: string, service: "alicloudRds" | "huaweicloudRds" | "huaweicloudGeminidb", cloud: string, instanceId: string) => {
                const { backupId } = await admin.addBackup(service, { instanceId, name: `held-by-${stack}` });
                const resource = {
                    urn: `urn:pulumi:${stack}::shop::pulumi-nodejs:dynamic/dbbackups:ManualBackup::before-migration`, custom: true, id: backupId,
                    type: "pulumi-nodejs:dynamic/dbbackups:ManualBackup",
                    outputs: { cloud, service: service === "huaweicloudGeminidb" ? "geminidb" : "rds", instanceId, backupId, status: "COMPLETED" },
                };
                fs.writeFileSync(path.join(work, `${stack === "removed" ? "old" : stack}.json`), JSON.stringify({ version: 3, deployment: { resources: [resource] } }));
                return backupId;
            };
            const prod = await held("prod", "alicloudRds", "alicloud", IDS.alicloudQuickstart);
            await held("staging", "huaweicloudRds", "huaweicloud", IDS.huaweicloudMysql);
            await held("removed", "huaweicloudGeminidb", "huaweicloud", IDS.geminidbCassandra);
            const reportLines = lines(/^npx pulumi-db-backups report /);
            assert.ok(reportLines.length >= 4, `${reportLines.length} report lines`);
            for (const { b, command } of reportLines) {
                const r = runLine(command, work, emulator.exports, shims);
                assert.equal(r.status, 0, `${where(b)}: ${command}\n${r.stderr}`);
                if (/--html (\S+)/.test(command)) assert.match(fs.readFileSync(path.join(work, /--html (\S+)/.exec(command)![1]), "utf8"), /<html/i);
                const json = /--json > (\S+)/.exec(command);
                if (json) {
                    const report = JSON.parse(fs.readFileSync(path.join(work, json[1]), "utf8"));
                    assert.ok(Array.isArray(report.instances) && report.instances.length > 0, command);
                } else if (/prod\.json/.test(command)) {
                    assert.ok(r.stdout.includes(prod), `${command}: the report does not list prod's backup ${prod}\n${r.stdout}`);
                }
                ran.add(command);
            }
        });
    });

    it("the GitHub Actions steps run: on a pull request they comment the summary the page shows; at night they run pulumi up", () => {
        const preview = path.join(REPO_ROOT, "tests", "unit", "fixtures", "preview-roll.json");
        const shown = blocks.find(b => b.file === "docs/pull-requests-and-pipelines.md" && b.lang === "markdown");
        assert.ok(shown, "the pipelines page shows the summary");
        const workflows = blocks.filter(b => b.lang === "yaml" && !/^runtime: yaml$/m.test(b.code));
        assert.ok(workflows.length >= 2, "the pipelines page shows the comment step and a whole workflow");
        const ciShims = (log: string) => ({
            pulumi: `#!/usr/bin/env bash\necho "pulumi $*" >> "${log}"\ncase " $* " in *" preview "*"--json"*) cat "${preview}" ;; esac\n`,
            gh: `#!/usr/bin/env bash\necho "gh $*" >> "${log}"\n`,
            npm: `#!/usr/bin/env bash\necho "npm $*" >> "${log}"\n`,
        });
        const expressions: Record<string, string> = { "github.event.pull_request.number": "42", "github.token": "token-from-github" };
        for (const b of workflows) {
            const doc = yaml.load(b.code);
            const jobs: any[] = Array.isArray(doc) ? [{ steps: doc }] : Object.values(doc.jobs ?? {});
            assert.ok(jobs.length > 0, `${where(b)}: no steps`);
            if (!Array.isArray(doc)) {
                assert.ok(doc.on.pull_request !== undefined && doc.on.schedule?.[0]?.cron, `${where(b)}: runs on pull requests and on a schedule`);
                assert.equal(doc.permissions["pull-requests"], "write", "the comment needs pull-requests: write");
            }
            for (const event of Array.isArray(doc) ? ["pull_request"] : ["pull_request", "schedule"]) {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-docs-workflow-"));
                const log = path.join(dir, "calls.log");
                const shims = shimDir(ciShims(log));
                try {
                    for (const job of jobs) {
                        for (const step of job.steps) {
                            if (!step.run) continue;
                            const cond = /^github\.event_name (==|!=) '(\w+)'$/.exec(step.if ?? "");
                            if (step.if !== undefined) assert.ok(cond, `${where(b)}: a condition this test cannot judge: ${step.if}`);
                            if (cond && (cond[1] === "==") !== (event === cond[2])) continue;
                            const script = String(step.run).replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, e: string) => {
                                assert.ok(e in expressions, `${where(b)}: no value for \${{ ${e} }}`);
                                return expressions[e];
                            });
                            const r = spawnSync("bash", ["-e", "-c", script], { cwd: dir, env: { ...process.env, ...job.env, ...step.env, PATH: `${shims}:${process.env.PATH}` }, encoding: "utf8" });
                            assert.equal(r.status, 0, `${where(b)}, ${event}, step ${step.name ?? step.run}: ${r.stderr}`);
                        }
                    }
                    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
                    if (event === "pull_request") {
                        assert.match(calls, /^pulumi preview --stack dev --json$/m);
                        assert.match(calls, /^gh pr comment 42 --body-file backups\.md$/m);
                        assert.doesNotMatch(calls, /^pulumi up/m, "a pull request does not run up");
                        assert.equal(withoutAges(fs.readFileSync(path.join(dir, "backups.md"), "utf8")), withoutAges(shown.code), "the comment is the summary the page shows");
                    } else {
                        assert.match(calls, /^pulumi up --stack dev --yes$/m);
                        assert.doesNotMatch(calls, /^gh /m, "the nightly run comments nothing");
                    }
                } finally {
                    fs.rmSync(dir, { recursive: true, force: true });
                    fs.rmSync(shims, { recursive: true, force: true });
                }
            }
        }
    });

    it("the plugin's Pulumi YAML program uses only the schema's types and inputs, and names the plugin folder of the installed package", () => {
        const programs = blocks.filter(b => b.lang === "yaml" && /^runtime: yaml$/m.test(b.code));
        assert.ok(programs.length > 0, "docs/plugin.md shows a Pulumi YAML program");
        const schema = packageSchema("0.0.0");
        for (const b of programs) {
            const doc = yaml.load(b.code);
            assert.equal(doc.plugins.providers[0].path, "./node_modules/pulumi-db-backups/plugin");
            for (const [name, r] of Object.entries<any>(doc.resources)) {
                const type = schema.resources[r.type];
                assert.ok(type, `${where(b)}: ${name} has type ${r.type}, not in the schema`);
                for (const k of Object.keys(r.properties)) assert.ok(k in type.inputProperties, `${where(b)}: ${name}.${k} is not an input of ${r.type}`);
                for (const k of type.requiredInputs ?? []) assert.ok(k in r.properties || r.type !== MANUAL_BACKUP, `${where(b)}: ${name} lacks ${k}`);
            }
        }
    });

    it("the Go excerpt is part of examples/go-plugin/main.go, which the real-CLI suite runs", () => {
        const main = read("examples/go-plugin/main.go");
        assert.ok(read("tests/cli/plugin-sdks.cli.ts").includes("\"examples\", \"go-plugin\""));
        for (const b of blocks.filter(x => x.lang === "go")) {
            assert.match(b.code, /examples\/go-plugin/, `${where(b)} does not name the example it comes from`);
            for (const line of b.code.split("\n").filter(l => l.trim() && !l.trim().startsWith("//"))) {
                assert.ok(main.includes(line), `${where(b)}: ${JSON.stringify(line)} is not in examples/go-plugin/main.go`);
            }
        }
    });

});

// After every suite above (mocha runs a suite's tests before its nested suites, and top-level suites in order).
describe("README and docs: the commands this file runs", () => {
    it("every command this file is meant to run, it ran", () => {
        const missed = SH_COMMANDS.filter(c => RUN_HERE.test(c.command) && !RAN.has(c.command)).map(c => `${where(c.b)}: ${c.command}`);
        assert.ok(SH_COMMANDS.length > 0);
        assert.deepEqual(missed, []);
    });
});
