/**
 * `npm run demo`: starts the embedded emulator and runs the example programs
 * through the real dynamic-provider host (the same driver the tests use):
 * preview, up, refresh, a change that replaces, up, destroy for the Alibaba
 * quickstart; up and destroy on Huawei RDS and GeminiDB; a nightly retention
 * window roll; then a report of every backup on the demo's instances. Prints
 * a plan and result per step; exits non-zero on failure.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultInstances, DEFAULT_INSTANCES, DEFAULT_INSTANCE_IDS } from "../emulator/defaults";
import { startWorld, World } from "../tests/support/world";
import { formatPlan, formatResult, Engine } from "../tests/support/engine";
import { reportEnv } from "../tests/support/report-env";
import { runReport, type Report } from "../report";

const EXAMPLES = path.resolve(__dirname, "..", "examples");

/**
 * The examples import `pulumi-db-backups` as a user's program does; link the
 * repository as `examples/node_modules/pulumi-db-backups`, as installing the
 * package there would.
 */
function linkPackageForExamples() {
    const link = path.join(EXAMPLES, "node_modules", "pulumi-db-backups");
    if (fs.existsSync(link)) return;
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.resolve(EXAMPLES, ".."), link, "junction");
}

/** A program that runs an example's index.ts afresh each time and returns its exports as stack outputs. */
function example(name: string) {
    const file = require.resolve(path.join(EXAMPLES, name, "index.ts"));
    return () => {
        delete require.cache[file];
        return { ...require(file) };
    };
}

let failed = false;
function heading(text: string) {
    console.log(`\n=== ${text} ${"=".repeat(Math.max(0, 70 - text.length))}`);
}
function check(ok: boolean, what: string, errors: string[] = []) {
    if (!ok) {
        failed = true;
        console.log(`FAILED: ${what}\n${errors.map(e => `  ${e}`).join("\n")}`);
    }
}

/** Progress lines of the provider, collected per command so they print under that command's header, once each. */
let collected: string[] = [];
const collect = (line: string) => {
    const text = line.trim();
    if (text.includes("[dbbackups]") && !collected.includes(text)) collected.push(text);
};

/** Runs one command and prints its output as the Pulumi CLI lays it out: header, steps, then the provider's messages. */
async function command<T>(run: () => Promise<T>, render: (result: T) => string): Promise<T> {
    collected = [];
    const result = await run();
    const [header, ...rest] = render(result).split("\n");
    const diagnostics = collected.length ? ["", "Diagnostics:", ...collected.map(l => `    ${l.replace(/^\[dbbackups\] /, "")}`)] : [];
    // Pulumi prints diagnostics after the steps and before the outputs and totals.
    const at = rest.indexOf("Outputs:") >= 0 ? rest.indexOf("Outputs:") : rest.indexOf("Resources:");
    const body = at < 0 ? [...rest, ...diagnostics] : [...rest.slice(0, at), ...diagnostics.slice(1), "", ...rest.slice(at)];
    console.log([header, ...body].join("\n").replace(/\n{3,}/g, "\n\n"));
    return result;
}

const SERVICE_NAMES = { alicloudRds: "Alibaba Cloud RDS", huaweicloudRds: "Huawei Cloud RDS", huaweicloudGeminidb: "Huawei GeminiDB" } as const;
type ServiceKey = keyof typeof SERVICE_NAMES;

/** A short, labelled view of what the emulator holds for one instance: one line per backup. */
async function emulatorHolds(w: World, service: ServiceKey, instanceId: string) {
    const backups = (await w.admin.backupsOf(service, instanceId)).filter((b: any) => b.status !== "DELETED");
    const lines = backups.map((b: any) => {
        const size = b.sizeBytes ?? (b.sizeKb !== undefined ? b.sizeKb * 1024 : undefined);
        const kind = String(b.mode ?? b.type ?? "").toLowerCase();
        return `    ${String(b.backupId ?? b.id).padEnd(40)} ${String(b.status).padEnd(10)} ${kind.padEnd(10)} ${b.name ?? ""}${size !== undefined ? `  ${(size / 1048576).toFixed(1)} MiB` : ""}`;
    });
    console.log(`\nThe emulated ${SERVICE_NAMES[service]} now holds on ${instanceId}: ${backups.length === 0 ? "no backups" : `${backups.length} backup${backups.length > 1 ? "s" : ""}`}`);
    if (lines.length) console.log([`    ${"backup id".padEnd(40)} ${"status".padEnd(10)} ${"kind".padEnd(10)} name`, ...lines].join("\n"));
}

async function up(engine: Engine, program: () => unknown, what: string) {
    const plan = await command(() => engine.preview(program as never), formatPlan);
    check(plan.ok, `preview ${what}`, plan.errors);
    console.log("");
    const result = await command(() => engine.up(program as never), r => formatResult(r));
    check(result.ok, `up ${what}`, result.errors);
    return result;
}

async function main() {
    linkPackageForExamples();
    const w = await startWorld(defaultInstances(), { timeScale: 0.05 });
    w.config["dbbackups:pollInterval"] = "200ms";
    const engine = (config: Record<string, string> = {}) => w.newEngine({ config: { ...w.config, ...config }, onLog: collect });
    console.log(["Emulator endpoints:",
        `    Alibaba Cloud RDS  ${w.emulator.endpoints.alicloudRds}`,
        `    Huawei Cloud RDS   ${w.emulator.endpoints.huaweicloudRds}`,
        `    Huawei GeminiDB    ${w.emulator.endpoints.huaweicloudGeminidb}`,
        `    admin API          ${w.emulator.admin}/state`].join("\n"));
    try {
        heading("Alibaba Cloud RDS quickstart: preview and up");
        const quick = engine({ "quickstart:instanceId": "rm-uf6wjk5quickstart" });
        await up(quick, example("alicloud-quickstart"), "quickstart");
        await emulatorHolds(w, "alicloudRds", "rm-uf6wjk5quickstart");

        heading("refresh");
        const refreshed = await command(() => quick.refresh(), r => formatResult(r, "Refreshing (dev):"));
        check(refreshed.ok, "refresh", refreshed.errors);

        heading("change instanceId: replace (new backup first, then the old one is deleted)");
        quick.config["quickstart:instanceId"] = "rm-uf6wjk5quickstar2";
        await up(quick, example("alicloud-quickstart"), "replacement");
        await emulatorHolds(w, "alicloudRds", "rm-uf6wjk5quickstart");
        await emulatorHolds(w, "alicloudRds", "rm-uf6wjk5quickstar2");

        heading("destroy");
        const destroyed = await command(() => quick.destroy(), r => formatResult(r, "Destroying (dev):"));
        check(destroyed.ok && destroyed.steps.length === 2 /* the ManualBackup's two steps */, "destroy quickstart", destroyed.errors);

        for (const [name, service, instanceId] of [
            ["huaweicloud-rds", "huaweicloudRds", "43e4feaab48f11e89039fa163ebaa7e4in01"],
            ["geminidb", "huaweicloudGeminidb", "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din06"],
        ] as const) {
            heading(`${name}: up and destroy`);
            const e = engine();
            await up(e, example(name), name);
            await emulatorHolds(w, service, instanceId);
            console.log("");
            const d = await command(() => e.destroy(), r => formatResult(r, "Destroying (dev):"));
            check(d.ok, `destroy ${name}`, d.errors);
        }

        heading("nightly retention on Huawei RDS for SQL Server: 7 nights, then the window rolls");
        const nightly = engine({ "nightly:now": "2026-11-20T02:00:00Z" });
        await up(nightly, example("nightly-retention"), "nightly window");
        await emulatorHolds(w, "huaweicloudRds", "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04");
        nightly.config["nightly:now"] = "2026-11-21T02:00:00Z";
        await w.admin.resetCalls();
        heading("next night: preview shows the labels change, up creates one and deletes one");
        await up(nightly, example("nightly-retention"), "window roll");
        await emulatorHolds(w, "huaweicloudRds", "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04");
        const calls = (await w.admin.calls()).huaweicloudRds;
        console.log(`\nCalls the roll made to the emulated Huawei Cloud RDS (operation: calls):\n${Object.entries(calls).map(([a, c]) => `    ${a}: ${c.calls}`).join("\n")}`);

        heading("a stack removed without destroy (pulumi stack rm --force): its backup stays");
        const removed = engine();
        await up(removed, example("geminidb"), "geminidb, then its stack removed");
        await emulatorHolds(w, "huaweicloudGeminidb", DEFAULT_INSTANCE_IDS.geminidbCassandra);
        // Made outside Pulumi: a backup by hand in the console, and the instance's automated one.
        await w.admin.addBackup("alicloudRds", { instanceId: DEFAULT_INSTANCE_IDS.alicloudRetention7d, ageDays: 3, sizeBytes: 120 << 20 });
        await w.admin.addBackup("huaweicloudRds", { instanceId: DEFAULT_INSTANCE_IDS.huaweicloudSqlServer, mode: "Automated", ageDays: 1, sizeBytes: 300 << 20 });

        heading("report: every backup on the demo's instances, whose it is, what is left behind");
        const stackFile = path.join(os.tmpdir(), "pulumi-db-backups-demo-nightly.json");
        fs.writeFileSync(stackFile, JSON.stringify({ version: 3, deployment: { resources: nightly.state.resources } }, null, 2));
        const html = path.join(os.tmpdir(), "pulumi-db-backups-demo-report.html");
        const instances = DEFAULT_INSTANCES.map(i => `${i.cloud}/${i.service ?? "rds"}/${i.id}`);
        console.log(`$ npx pulumi-db-backups report --stack-file ${stackFile} ${instances.map(i => `--instance ${i}`).join(" ")} --html ${html}\n`);
        await w.admin.resetCalls();
        let report: Report | undefined;
        const started = Date.now();
        const code = await runReport(["--stack-file", stackFile, ...instances.flatMap(i => ["--instance", i]), "--html", html],
            { env: reportEnv(w, w.journalDir), onReport: r => { report = r; } });
        const ms = Date.now() - started;
        const reportCalls = await w.admin.calls();
        const all = Object.entries(reportCalls).flatMap(([service, a]) => Object.entries(a).map(([action, c]) => [`${SERVICE_NAMES[service as ServiceKey]} ${action}`, c] as const));
        console.log(`The report took ${ms} ms and made ${all.reduce((n, [, c]) => n + c.calls, 0)} calls (${all.map(([a, c]) => `${a}: ${c.calls}`).join(", ")}), `
            + `${all.reduce((n, [, c]) => n + c.mutations, 0)} of them mutating. The page: file://${html}`);
        check(code === 0 && report?.findings.leftBehind.length === 1 && all.every(([, c]) => c.mutations === 0), "report",
            [`exit code ${code}, ${report?.findings.leftBehind.length} left behind`]);
    } finally {
        await w.close();
    }
    heading(failed ? "demo FAILED" : "demo finished: every step succeeded");
    process.exit(failed ? 1 : 0);
}

main().catch(err => {
    console.error(err);
    process.exit(1);
});
