/**
 * `npm run demo`: starts the embedded emulator and runs the example programs
 * through the real dynamic-provider host (the same driver the tests use):
 * preview, up, refresh, a change that replaces, up, destroy for the Alibaba
 * quickstart; up and destroy on Huawei RDS and GeminiDB; a nightly retention
 * window roll. Prints a plan and result per step; exits non-zero on failure.
 */
import * as fs from "fs";
import * as path from "path";
import { defaultInstances } from "../emulator/defaults";
import { startWorld, World } from "../tests/support/world";
import { formatPlan, formatResult, Engine } from "../tests/support/engine";

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
async function cloudBackups(w: World, service: "alicloudRds" | "huaweicloudRds" | "huaweicloudGeminidb", instanceId: string) {
    const bs = await w.admin.backupsOf(service, instanceId);
    return bs.map((b: any) => `${b.backupId ?? b.id}:${b.status}`).join(", ") || "(none)";
}

async function up(engine: Engine, program: () => unknown, what: string) {
    const plan = await engine.preview(program as never);
    console.log(formatPlan(plan));
    check(plan.ok, `preview ${what}`, plan.errors);
    const result = await engine.up(program as never);
    console.log(formatResult(result));
    check(result.ok, `up ${what}`, result.errors);
    return result;
}

async function main() {
    linkPackageForExamples();
    const w = await startWorld(defaultInstances(), { timeScale: 0.05 });
    w.config["dbbackups:pollInterval"] = "200ms";
    const progress = (line: string) => { if (line.includes("[dbbackups]")) console.log(`  | ${line.trim()}`); };
    const engine = (config: Record<string, string> = {}) => w.newEngine({ config: { ...w.config, ...config }, onLog: progress });
    console.log(`Emulator: Alibaba RDS ${w.emulator.endpoints.alicloudRds}, Huawei RDS ${w.emulator.endpoints.huaweicloudRds}, GeminiDB ${w.emulator.endpoints.huaweicloudGeminidb}, admin ${w.emulator.admin}`);
    try {
        heading("Alibaba Cloud RDS quickstart: preview and up");
        const quick = engine({ "quickstart:instanceId": "rm-uf6wjk5quickstart" });
        await up(quick, example("alicloud-quickstart"), "quickstart");
        console.log(`Emulator, rm-uf6wjk5quickstart: ${await cloudBackups(w, "alicloudRds", "rm-uf6wjk5quickstart")}`);

        heading("refresh");
        const refreshed = await quick.refresh();
        console.log(formatResult(refreshed, "Refreshing (dev):"));
        check(refreshed.ok, "refresh", refreshed.errors);

        heading("change instanceId: replace (new backup first, then the old one is deleted)");
        quick.config["quickstart:instanceId"] = "rm-uf6wjk5quickstar2";
        await up(quick, example("alicloud-quickstart"), "replacement");
        console.log(`Emulator, rm-uf6wjk5quickstart: ${await cloudBackups(w, "alicloudRds", "rm-uf6wjk5quickstart")}`);
        console.log(`Emulator, rm-uf6wjk5quickstar2: ${await cloudBackups(w, "alicloudRds", "rm-uf6wjk5quickstar2")}`);

        heading("destroy");
        const destroyed = await quick.destroy();
        console.log(formatResult(destroyed, "Destroying (dev):"));
        check(destroyed.ok && destroyed.steps.length === 1, "destroy quickstart", destroyed.errors);

        for (const [name, service, instanceId] of [
            ["huaweicloud-rds", "huaweicloudRds", "43e4feaab48f11e89039fa163ebaa7e4in01"],
            ["geminidb", "huaweicloudGeminidb", "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din06"],
        ] as const) {
            heading(`${name}: up and destroy`);
            const e = engine();
            await up(e, example(name), name);
            console.log(`Emulator, ${instanceId}: ${await cloudBackups(w, service, instanceId)}`);
            const d = await e.destroy();
            console.log(formatResult(d, "Destroying (dev):"));
            check(d.ok, `destroy ${name}`, d.errors);
        }

        heading("nightly retention on Huawei RDS for SQL Server: 7 nights, then the window rolls");
        const nightly = engine({ "nightly:now": "2026-11-20T02:00:00Z" });
        await up(nightly, example("nightly-retention"), "nightly window");
        nightly.config["nightly:now"] = "2026-11-21T02:00:00Z";
        await w.admin.resetCalls();
        heading("next night: preview shows the labels change, up creates one and deletes one");
        await up(nightly, example("nightly-retention"), "window roll");
        const calls = (await w.admin.calls()).huaweicloudRds;
        console.log(`Huawei RDS calls for the roll: ${Object.entries(calls).map(([a, c]) => `${a}=${c.calls}`).join(", ")}`);
        const d = await nightly.destroy();
        console.log(formatResult(d, "Destroying (dev):"));
        check(d.ok, "destroy nightly", d.errors);
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
