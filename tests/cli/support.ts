/**
 * Running Pulumi programs under the real `pulumi` CLI (built by
 * `scripts/pulumi-cli.sh`, found through PULUMI_CLI_BIN_DIR): a temporary
 * folder with a file backend, its own PULUMI_HOME and a passphrase for
 * secrets, and program folders laid out as a user's `npm install` leaves them
 * (this package installed from its packed tarball, not linked), so the
 * checkpoint shows what a user's would.
 */
import { execFileSync, spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../support/workspace";

/** What one CLI command did. */
export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }

/** The folder holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`. */
export function cliBinDir(): string {
    const dir = process.env.PULUMI_CLI_BIN_DIR;
    if (!dir || !fs.existsSync(path.join(dir, "pulumi"))) {
        throw new Error("PULUMI_CLI_BIN_DIR does not name a folder with the pulumi CLI: run this suite with `npm run test:cli`, "
            + "which builds the CLI (scripts/pulumi-cli.sh) and sets it");
    }
    return dir;
}

/** The path of a language host `scripts/pulumi-cli.sh` builds next to the CLI; fails the suite, saying where it comes from, when it is missing. */
export function languageHost(name: string, source: string): string {
    const host = path.join(cliBinDir(), name);
    if (!fs.existsSync(host)) throw new Error(`${host} is missing: scripts/pulumi-cli.sh builds it from ${source}; its log says which module and version failed`);
    return host;
}

/** Environment variables of the calling shell that would change what the provider or the CLI does. */
const OUTER = /^(PULUMI_|ALICLOUD_|ALIBABA_CLOUD_|HW_|HUAWEICLOUD_|DBBACKUPS_)/;

/** The version of a package as package-lock.json pins it. */
function lockedVersion(name: string): string {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
    const version = lock.packages?.[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`package-lock.json pins no ${name}`);
    return version;
}

/**
 * A temporary folder for one suite: backend, PULUMI_HOME, one installed
 * `node_modules` and program folders. Everything in it is removed by {@link remove}.
 */
export class CliWorkspace {
    readonly root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-cli-")));
    readonly backend = path.join(this.root, "backend");
    readonly home = path.join(this.root, "pulumi-home");
    private readonly app = path.join(this.root, "app");
    readonly passphrase = "correct horse battery staple";
    /** Every command run, with its output, for assertions over the whole suite. */
    readonly transcript: Array<{ args: string[]; result: CliResult }> = [];
    private readonly bin = cliBinDir();

    /** {@link install}, then `pulumi login` to this workspace's file backend: what every suite does first. */
    async installAndLogIn(): Promise<void> {
        this.install();
        expectOk(await this.run(this.root, "login", `file://${this.backend}`), "pulumi login");
    }

    /** A stack's checkpoint as the file backend holds it right now (readable while an update runs), or undefined. */
    liveCheckpoint(project: string, stack: string): any {
        try { return JSON.parse(fs.readFileSync(path.join(this.backend, ".pulumi", "stacks", project, `${stack}.json`), "utf8")); } catch { return undefined; }
    }

    /** Packs this repository (its `dist/` must be built) and installs it with @pulumi/pulumi, as a user would. */
    install(): void {
        fs.mkdirSync(this.backend);
        fs.mkdirSync(this.home);
        fs.mkdirSync(this.app);
        const tarball = execFileSync("npm", ["pack", REPO_ROOT, "--ignore-scripts", "--pack-destination", this.root, "--silent"],
            { cwd: this.root, encoding: "utf8" }).trim().split("\n").pop()!;
        fs.writeFileSync(path.join(this.app, "package.json"), JSON.stringify({
            name: "dbbackups-cli-suite", private: true,
            dependencies: {
                "@pulumi/pulumi": lockedVersion("@pulumi/pulumi"),
                "pulumi-db-backups": `file:../${tarball}`,
            },
            devDependencies: { typescript: lockedVersion("typescript"), "@types/node": lockedVersion("@types/node") },
        }, null, 2));
        execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
            { cwd: this.app, stdio: ["ignore", "ignore", "inherit"] });
    }

    /**
     * A program folder `name` with the files of `source` (an example or a test
     * program) and a copy of the installed node_modules (hard links).
     */
    project(source: string, name = path.basename(source)): string {
        const dir = path.join(this.root, name);
        fs.mkdirSync(dir);
        for (const file of ["Pulumi.yaml", "index.ts"]) fs.copyFileSync(path.join(source, file), path.join(dir, file));
        fs.copyFileSync(path.join(this.app, "package.json"), path.join(dir, "package.json"));
        execFileSync("cp", ["-al", path.join(this.app, "node_modules"), path.join(dir, "node_modules")]);
        return dir;
    }

    /**
     * A program folder `name` holding these files (e.g. a Pulumi YAML
     * program's `Pulumi.yaml`) and a copy of the installed node_modules (hard
     * links), where `node_modules/pulumi-db-backups/plugin` holds the provider plugin.
     */
    projectWith(name: string, files: Record<string, string>): string {
        const dir = path.join(this.root, name);
        fs.mkdirSync(dir);
        for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
        execFileSync("cp", ["-al", path.join(this.app, "node_modules"), path.join(dir, "node_modules")]);
        return dir;
    }

    /** The environment of every command: only this workspace's Pulumi settings, no credentials. */
    env(): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = {};
        for (const [k, v] of Object.entries(process.env)) if (!OUTER.test(k)) env[k] = v;
        return {
            ...env,
            PATH: `${this.bin}${path.delimiter}${process.env.PATH ?? ""}`,
            PULUMI_HOME: this.home,
            PULUMI_BACKEND_URL: `file://${this.backend}`,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            NO_COLOR: "1",
        };
    }

    /** Starts `pulumi ARGS` in `cwd` in its own process group (so a kill reaches the programs it started); `env` adds variables. */
    start(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult>; output: () => string } {
        const started = Date.now();
        const child = spawn(path.join(this.bin, "pulumi"), [...args, "--non-interactive", "--color=never"],
            { cwd, env: { ...this.env(), ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "", stderr = "";
        child.stdout!.on("data", (d) => { stdout += d; });
        child.stderr!.on("data", (d) => { stderr += d; });
        const done = new Promise<CliResult>((resolve, reject) => {
            child.on("error", reject);
            child.on("close", (code, signal) => {
                const result = { code, signal, stdout, stderr, ms: Date.now() - started };
                this.transcript.push({ args, result });
                resolve(result);
            });
        });
        return { child, done, output: () => stdout + stderr };
    }

    /** Runs `pulumi ARGS` in `cwd` to its end. */
    run(cwd: string, ...args: string[]): Promise<CliResult> {
        return this.start(cwd, args).done;
    }

    /** Removes the whole temporary folder. */
    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

/** Fails with the command's output when it did not exit 0. */
export function expectOk(r: CliResult, what: string): CliResult {
    if (r.code !== 0) throw new Error(`${what}: pulumi exited ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    return r;
}

/** Fails when the command exited 0 (it was expected to fail). */
export function expectFailed(r: CliResult, what: string): CliResult {
    if (r.code === 0) throw new Error(`${what}: pulumi exited 0, a failure was expected\n--- stdout\n${r.stdout}`);
    return r;
}
