/**
 * The package as a user gets it: `npm pack` of the built package (`npm test`
 * builds `dist/` before any test runs; `prepare` builds it on a publish),
 * the tarball installed into a fresh program folder next to the oldest
 * `@pulumi/pulumi` the peer range allows, every entry point type-checked under
 * the three module resolutions, the emulator started through the package's
 * `bin`, the provider plugin started from its `plugin/` folder, and the README's Usage snippet run against it with `up` and `destroy`
 * through the real dynamic-provider host of that folder.
 */
import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../support/workspace";
import { documentationSnippets } from "../docs/readme-snippets";
import { HostDriver } from "../support/host-driver";

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
/** The oldest `@pulumi/pulumi` the peer range claims, e.g. `3.142.0` for `^3.142.0`. */
const OLDEST_PULUMI = /^\^(\d+\.\d+\.\d+)$/.exec(manifest.peerDependencies["@pulumi/pulumi"])![1];
const TSC = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
const TS_NODE = path.join(REPO_ROOT, "node_modules", "ts-node", "register", "transpile-only");

const CONSUMER = `import { ManualBackup, BackupRetentionSet, rollingLabels, ManualBackupArgs } from "pulumi-db-backups";
import { startEmulator, RunningEmulator } from "pulumi-db-backups/emulator";
import { ManualBackup as ManualBackupProvider, Settings } from "pulumi-db-backups/provider";

const args: ManualBackupArgs = { cloud: "alicloud", instanceId: "rm-uf6wjk5quickstart" };
export const kinds = [ManualBackup, BackupRetentionSet, ManualBackupProvider, Settings].length;
export const labels: string[] = rollingLabels({ every: "day", keep: 2 });
export const start: (o?: { port?: number }) => Promise<RunningEmulator> = startEmulator;
export const instance: string = args.instanceId as string;
`;

function tsconfig(resolution: "node" | "node16" | "bundler") {
    const module = resolution === "node16" ? "node16" : resolution === "bundler" ? "esnext" : "commonjs";
    return {
        compilerOptions: {
            // Declarations are fully checked once, under the repository's own resolution; the others check resolution.
            module, moduleResolution: resolution, target: "es2022", strict: true, noEmit: true, skipLibCheck: resolution !== "node",
            esModuleInterop: true, types: ["node"], typeRoots: [path.join(REPO_ROOT, "node_modules", "@types")],
        },
        files: ["consumer.ts", ...documentationSnippets().map((_, i) => `snippet-${i + 1}.ts`)],
    };
}

describe("the packed package installed into a fresh program", function () {
    this.timeout(600_000);
    let work: string;
    let program: string;
    let emulator: ChildProcess | undefined;

    before(() => {
        work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-package-")));
        program = path.join(work, "program");
        fs.mkdirSync(program);
    });
    after(() => {
        if (emulator && emulator.exitCode === null) emulator.kill("SIGTERM");
        fs.rmSync(work, { recursive: true, force: true });
    });

    let tarball: string;
    it("packs dist/, the bin, the provider plugin, LICENSE and CHANGELOG (built by prepare)", () => {
        // Packed without running `prepare`: its build would rewrite dist/ while the tests of other workers
        // start provider hosts from it (a half-written module has no exports). `npm test` built dist/ already.
        assert.equal(manifest.scripts.prepare, "npm run build", "prepare builds dist/ before a pack or publish");
        const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        const [info] = JSON.parse(out.slice(out.indexOf("[")));
        tarball = path.join(work, info.filename);
        const files: string[] = info.files.map((f: { path: string }) => f.path);
        for (const f of ["dist/sdk/index.js", "dist/sdk/index.d.ts", "dist/provider/index.js", "dist/emulator/index.d.ts", "dist/emulator/cli.js", "LICENSE", "CHANGELOG.md", "README.md",
            "plugin/pulumi-resource-dbbackups", "dist/plugin/main.js"]) {
            assert.ok(files.includes(f), `${f} missing from the tarball (${files.length} files)`);
        }
        const launcher = info.files.find((f: { path: string }) => f.path === "plugin/pulumi-resource-dbbackups");
        assert.equal(launcher.mode & 0o111, 0o111, "the provider plugin's launcher is executable in the tarball");
        assert.ok(!files.some(f => f.startsWith("tests/") || f.startsWith("dist/tests/")), "tests are not shipped");
        assert.match(fs.readFileSync(path.join(REPO_ROOT, "LICENSE"), "utf8"), /Apache License\s+Version 2\.0/);
    });

    it(`installs next to @pulumi/pulumi ${OLDEST_PULUMI} (the oldest the peer range allows) with one copy of it`, () => {
        fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({
            name: "fresh-program", version: "1.0.0", private: true,
            dependencies: { "@pulumi/pulumi": OLDEST_PULUMI, "pulumi-db-backups": `file:${tarball}` },
        }, null, 2));
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: fresh-program\nruntime: nodejs\n");
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: program, stdio: ["ignore", "pipe", "pipe"] });
        const installed = JSON.parse(fs.readFileSync(path.join(program, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"));
        assert.equal(installed.version, OLDEST_PULUMI);
        assert.ok(!fs.existsSync(path.join(program, "node_modules", "pulumi-db-backups", "node_modules", "@pulumi", "pulumi")), "no nested copy of @pulumi/pulumi");
    });

    for (const resolution of ["node", "node16", "bundler"] as const) {
        it(`type-checks every entry point and every README and docs snippet under moduleResolution ${resolution}`, () => {
            fs.writeFileSync(path.join(program, "consumer.ts"), CONSUMER);
            documentationSnippets().forEach((s, i) => fs.writeFileSync(path.join(program, `snippet-${i + 1}.ts`), s.code));
            const config = path.join(program, `tsconfig.${resolution}.json`);
            fs.writeFileSync(config, JSON.stringify(tsconfig(resolution), null, 2));
            try {
                execFileSync(process.execPath, [TSC, "-p", config], { cwd: program, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
            } catch (err) {
                assert.fail(`tsc (${resolution}): ${(err as { stdout?: string }).stdout}`);
            }
        });
    }

    let env: Record<string, string> = {};
    it("runs the provider plugin from the installed package's plugin/ folder: it serves its schema", async () => {
        const plugin = await HostDriver.start({ cwd: program, executable: path.join(program, "node_modules", "pulumi-db-backups", "plugin", "pulumi-resource-dbbackups") });
        try {
            const schema = await plugin.getSchema();
            assert.equal(schema.name, "dbbackups");
            assert.equal(schema.version, manifest.version);
            assert.ok(schema.resources["dbbackups:index:ManualBackup"] && schema.resources["dbbackups:index:BackupRetentionSet"]);
        } finally {
            await plugin.stop();
        }
    });

    it("starts the emulator through the bin, which also answers --help", async () => {
        const bin = path.join(program, "node_modules", ".bin", "pulumi-db-backups-emulator");
        const help = execFileSync(bin, ["--help"], { cwd: program, encoding: "utf8" });
        assert.match(help, /usage: pulumi-db-backups-emulator .*--port N/);
        assert.match(help, /--time-scale X/);
        emulator = spawn(bin, ["--time-scale", "0.002"], { cwd: program, stdio: ["ignore", "pipe", "pipe"] });
        env = await new Promise<Record<string, string>>((resolve, reject) => {
            let text = "";
            emulator!.stdout!.on("data", (chunk: Buffer) => {
                text += chunk.toString();
                if (!text.includes("Ctrl-C")) return;
                resolve(Object.fromEntries([...text.matchAll(/^export (\w+)=(\S+)$/gm)].map(m => [m[1], m[2].replace(/^'|'$/g, "")])));
            });
            emulator!.once("exit", code => reject(new Error(`emulator exited (${code}) before printing its endpoints`)));
        });
        assert.match(env.DBBACKUPS_ALICLOUD_RDS_ENDPOINT, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.ok(env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.HW_PROJECT_ID);
    });

    it("runs the overview's Examples snippet against it: up creates the backups, destroy removes them", () => {
        const usage = documentationSnippets().find(s => s.file === "docs/_index.md" && s.heading === "Examples");
        assert.ok(usage, "docs/_index.md has an Examples snippet");
        fs.writeFileSync(path.join(program, "index.ts"), usage.code);
        const driver = path.join(program, "driver");
        fs.mkdirSync(driver, { recursive: true });
        for (const f of ["engine.ts", "host-driver.ts", "lazy-typescript.js", "program.ts", "format.ts", "run-snippet.ts"]) fs.copyFileSync(path.join(REPO_ROOT, "tests", "support", f), path.join(driver, f));
        // The engine's view of the SDK's components lists a set's held backups as the SDK does, with the provider's function
        // (which the package does not export): it goes with the driver.
        for (const f of ["retention-policy.ts", "periods.ts"]) fs.copyFileSync(path.join(REPO_ROOT, "provider", f), path.join(driver, f));
        const engineFile = path.join(driver, "engine.ts");
        const engineCode = fs.readFileSync(engineFile, "utf8");
        assert.ok(engineCode.includes(`"../../provider/retention-policy"`), "the engine imports the provider's retention policy");
        fs.writeFileSync(engineFile, engineCode.replace(`"../../provider/retention-policy"`, `"./retention-policy"`));

        const out = execFileSync(process.execPath, ["-r", TS_NODE, path.join(driver, "run-snippet.ts"), path.join(program, "index.ts")], {
            cwd: program, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
            env: {
                ...process.env, ...env, "TS_NODE_SKIP_PROJECT": "true",
                "TS_NODE_COMPILER_OPTIONS": JSON.stringify({ module: "commonjs", target: "es2022", esModuleInterop: true }),
                "STACK_CONFIG": JSON.stringify({ "dbbackups:pollInterval": "20ms" }),
            },
        });
        const result = JSON.parse(out.trim().split("\n").pop()!);
        assert.deepEqual(result.up.errors, []);
        assert.ok(result.up.ok);
        assert.ok(result.state.length >= 3, `resources: ${JSON.stringify(result.state)}`);
        for (const r of result.state) assert.equal(r.status ?? "COMPLETED", "COMPLETED", `${r.name}: ${JSON.stringify(r)}`);
        // Installed in node_modules, the shim is stored as a reference to its module, not as code.
        for (const r of result.state) assert.ok(r.providerBytes > 0 && r.providerBytes < 400, `${r.name}: serialized provider of ${r.providerBytes} bytes`);
        assert.ok(result.destroy.ok, JSON.stringify(result.destroy.errors));
    });
});
