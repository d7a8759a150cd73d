/**
 * The provider plugin's SDKs for other languages (`npm run test:cli`): the
 * checked-in Go and Python SDKs are what the schema generates now
 * (scripts/gen-sdk.sh --check), the Python SDK compiles (`python3 -m
 * py_compile`; the `pulumi` Python package is on no registry reachable here,
 * so a Python program cannot run), and a Go program using the Go SDK
 * (examples/go-plugin) runs under the real CLI with the Go language host built
 * by scripts/pulumi-cli.sh: up makes both backups, destroy deletes them.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import { Admin } from "../support/world";
import { REPO_ROOT } from "../support/workspace";
import { CliWorkspace, expectOk, languageHost } from "./support";

const EXAMPLE = path.join(REPO_ROOT, "examples", "go-plugin");
const SDKS = path.join(REPO_ROOT, "plugin", "sdks");

function filesUnder(dir: string, suffix: string): string[] {
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(f => f.endsWith(suffix)).map(f => path.join(dir, f));
}

describe("the provider plugin's generated SDKs", function () {
    this.timeout(20 * 60_000);

    it("plugin/sdks/go and plugin/sdks/python are what the schema generates (scripts/gen-sdk.sh --check)", () => {
        const r = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "gen-sdk.sh"), "--check"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        assert.strictEqual(typeof r, "string");
        // Every resource and function of the schema has its Go and Python file.
        for (const f of ["manualBackup.go", "backupRetentionSet.go", "getBackup.go", "listBackups.go"]) assert.ok(fs.existsSync(path.join(SDKS, "go", "dbbackups", f)), f);
        for (const f of ["manual_backup.py", "backup_retention_set.py", "get_backup.py", "list_backups.py"]) assert.ok(fs.existsSync(path.join(SDKS, "python", "pulumi_dbbackups", f)), f);
    });

    it("the Python SDK compiles (python3 -m py_compile)", () => {
        const files = filesUnder(path.join(SDKS, "python"), ".py");
        assert.ok(files.length >= 8, `${files.length} Python files`);
        const out = fs.mkdtempSync(path.join(require("os").tmpdir(), "dbbackups-pyc-"));
        try {
            execFileSync("python3", ["-c", "import py_compile, sys\nfor f in sys.argv[2:]: py_compile.compile(f, cfile=sys.argv[1] + '/' + f.replace('/', '_') + 'c', doraise=True)", out, ...files],
                { stdio: ["ignore", "pipe", "pipe"] });
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    describe("a Go program through the Go SDK under the real pulumi CLI", () => {
        let ws: CliWorkspace;
        let emulator: RunningEmulator;
        let admin: Admin;
        let dir: string;

        before(async () => {
            languageHost("pulumi-language-go", "github.com/pulumi/pulumi/sdk/v3");
            ws = new CliWorkspace();
            await ws.installAndLogIn();
            emulator = await startEmulator({ timeScale: 0.002, instances: defaultInstances() });
            admin = new Admin(emulator.admin);
        });
        after(async () => {
            await emulator?.stop();
            ws?.remove();
        });

        it("up makes the ManualBackup and the set's three backups; destroy deletes exactly those", async () => {
            // The example as it is, with its SDK replace pointing at this repository and the plugin found in node_modules.
            const gomod = fs.readFileSync(path.join(EXAMPLE, "go.mod"), "utf8").replace("=> ../../plugin/sdks/go", `=> ${path.join(SDKS, "go")}`);
            dir = ws.projectWith("go-plugin", {
                "Pulumi.yaml": fs.readFileSync(path.join(EXAMPLE, "Pulumi.yaml"), "utf8")
                    + "plugins:\n  providers:\n    - name: dbbackups\n      path: ./node_modules/pulumi-db-backups/plugin\n",
                "main.go": fs.readFileSync(path.join(EXAMPLE, "main.go"), "utf8"),
                "go.mod": gomod,
                "go.sum": fs.readFileSync(path.join(EXAMPLE, "go.sum"), "utf8"),
            });
            expectOk(await ws.run(dir, "stack", "init", "dev"), "stack init");
            const k = emulator.accessKeys[0];
            expectOk(await ws.run(dir, "config", "set-all",
                "--secret", `dbbackups:huaweicloudAccessKey=${k.id}`, "--secret", `dbbackups:huaweicloudSecretKey=${k.secret}`,
                "--plaintext", `dbbackups:huaweicloudProjectId=${emulator.projectId}`, "--plaintext", "dbbackups:huaweicloudRegion=ap-southeast-1",
                "--plaintext", "dbbackups:pollInterval=50ms"), "config set-all");
            expectOk(await ws.run(dir, "config", "set", "--path", "dbbackups:endpoints.huaweicloudRds", emulator.endpoints.huaweicloudRds), "config endpoints");

            const ids = async (): Promise<string[]> => (await admin.backupsOf("huaweicloudRds", IDS.huaweicloudMysql)).map((b: any) => b.backupId ?? b.id);
            const before = new Set(await ids());
            const made = async () => (await ids()).filter(id => !before.has(id)).sort();
            expectOk(await ws.run(dir, "up", "--yes", "--skip-preview"), "up");
            const out = JSON.parse(expectOk(await ws.run(dir, "stack", "output", "--json"), "stack output").stdout);
            assert.match(out.backupId, /br01$/);
            assert.strictEqual(out.nightlyIds.length, 3);
            assert.deepStrictEqual(await made(), [out.backupId, ...out.nightlyIds].sort());
            const cp = JSON.parse(expectOk(await ws.run(dir, "stack", "export"), "stack export").stdout);
            const types = (cp.deployment.resources as any[]).map(r => r.type).filter(t => t.startsWith("dbbackups:"));
            // Each resource is a component (Construct): its first step, with its own type, and its wait step.
            assert.deepStrictEqual(types.sort(), ["dbbackups:index:BackupRetentionSet", "dbbackups:index:BackupWait", "dbbackups:index:BackupWait", "dbbackups:index:ManualBackup"]);

            expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
            assert.deepStrictEqual(await made(), [], "destroy deleted every backup the program made");
            assert.deepStrictEqual((await ids()).sort(), [...before].sort(), "and nothing else");
        });
    });
});
