/** What the report command needs to reach a test world's emulator: the provider's environment variables. */
import * as fs from "fs";
import * as path from "path";
import type { World } from "./world";
import type { ReportIo } from "../../report";

/** Credentials, project, region and endpoints of the world's emulator, as a user would export them. */
export function reportEnv(w: World, journalDir: string): NodeJS.ProcessEnv {
    return {
        ALICLOUD_ACCESS_KEY: w.config["alicloud:accessKey"],
        ALICLOUD_SECRET_KEY: w.config["alicloud:secretKey"],
        HW_ACCESS_KEY: w.config["huaweicloud:access_key"],
        HW_SECRET_KEY: w.config["huaweicloud:secret_key"],
        HW_PROJECT_ID: w.config["huaweicloud:project_id"],
        HW_REGION_NAME: w.config["huaweicloud:region"],
        DBBACKUPS_ALICLOUD_RDS_ENDPOINT: w.emulator.endpoints.alicloudRds,
        DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT: w.emulator.endpoints.huaweicloudRds,
        DBBACKUPS_HUAWEICLOUD_GEMINIDB_ENDPOINT: w.emulator.endpoints.huaweicloudGeminidb,
        DBBACKUPS_JOURNAL_DIR: journalDir,
    };
}

/** Captured output of one report run. */
export interface Captured { stdout: string; stderr: string; io: Partial<ReportIo> }

/** An io that keeps what the command writes. */
export function capture(env: NodeJS.ProcessEnv, tty = false): Captured {
    const c: Captured = { stdout: "", stderr: "", io: {} };
    c.io = {
        env, now: () => Date.now(),
        stdout: { write: (t: string) => { c.stdout += t; return true; } },
        stderr: { write: (t: string) => { c.stderr += t; return true; }, isTTY: tty },
    };
    return c;
}

/** Writes a checkpoint as `pulumi stack export` prints it. */
export function writeExport(dir: string, name: string, resources: unknown[]): string {
    const file = path.join(dir, `${name}.json`);
    const [project, stack] = [/::([^:]+)::/.exec(String((resources[0] as { urn?: string })?.urn))?.[1] ?? "p", name];
    // As in a real export: the stack resource first, then the resources with their type, inputs and outputs.
    const stackResource = { urn: `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`, custom: false, type: "pulumi:pulumi:Stack" };
    fs.writeFileSync(file, JSON.stringify({ version: 3, deployment: { manifest: { time: new Date().toISOString() }, resources: [stackResource, ...resources.map(r => ({ custom: true, ...(r as object) }))] } }, null, 2));
    return file;
}
