/**
 * `report`: which backups are on the given instances, whose each one is, and
 * what is left behind. Read only: listings, never a mutating call.
 *
 *     const code = await runReport(["--stack-file", "prod.json", "--html", "report.html"]);
 */
import * as fs from "fs";
import { collect } from "./collect";
import { readCheckpoint, type CheckpointFacts, type InstanceRef } from "./checkpoint";
import { renderText } from "./text";
import { renderHtml } from "./html";
import type { Report } from "./model";

export type { Report } from "./model";
export { collect } from "./collect";
export { renderText } from "./text";
export { renderHtml } from "./html";

/** Where the command writes, what it reads from the environment, and its clock. */
export interface ReportIo {
    stdout: { write(text: string): unknown; isTTY?: boolean };
    stderr: { write(text: string): unknown; isTTY?: boolean };
    env: NodeJS.ProcessEnv;
    now: () => number;
    /** Receives the report (tests). */
    onReport?: (r: Report) => void;
}

const DEFAULT_IO: ReportIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => Date.now() };

export const USAGE = `Usage: pulumi-db-backups report [options]

Lists every backup on the instances, tells whose each one is, and what is left
behind. Read only: it never creates or deletes anything.

Options:
  --instance <cloud>/<service>/<instanceId>
                          an instance to list (repeatable); cloud: alicloud or
                          huaweicloud, service: rds or geminidb. Region from
                          ALICLOUD_REGION / HW_REGION_NAME as for the provider
  --stack-file <file>     output of \`pulumi stack export\` (repeatable): its
                          instances are listed and its backups are its own
  --removed-stack-file <file>
                          the last export of a stack that no longer exists
                          (repeatable): what it held is reported left behind
  --json                  print the report as JSON
  --html <file>           also write the report as one HTML page with a
                          timeline per instance
  --no-journal            ignore this machine's journal of killed runs
  -h, --help              this text

Credentials and endpoints come from the same environment variables and files
as the provider's (ALICLOUD_ACCESS_KEY, HW_ACCESS_KEY, DBBACKUPS_*_ENDPOINT,
...); the journal from DBBACKUPS_JOURNAL_DIR.
Exit code: 0 when every instance was listed, 1 when some could not be, 2 on
bad usage.
`;

class UsageError extends Error { }

interface Args { instances: InstanceRef[]; stackFiles: string[]; removedStackFiles: string[]; json: boolean; html?: string; journal: boolean; help: boolean }

/** `alicloud/rds/rm-xxx`, `huaweicloud/geminidb/<id>`. */
export function parseInstance(spec: string): InstanceRef {
    const parts = spec.split("/");
    const [cloud, service, instanceId] = parts;
    if (parts.length !== 3 || !instanceId) throw new UsageError(`--instance ${spec}: expected <cloud>/<service>/<instanceId>, e.g. alicloud/rds/rm-uf6wjk5xxxxxxx or huaweicloud/geminidb/<id>`);
    if (cloud !== "alicloud" && cloud !== "huaweicloud") throw new UsageError(`--instance ${spec}: cloud ${JSON.stringify(cloud)} is not one of "alicloud", "huaweicloud"`);
    if (service !== "rds" && service !== "geminidb") throw new UsageError(`--instance ${spec}: service ${JSON.stringify(service)} is not one of "rds", "geminidb"`);
    if (cloud === "alicloud" && service === "geminidb") throw new UsageError(`--instance ${spec}: "geminidb" is only available with cloud "huaweicloud"`);
    if (!/^[A-Za-z0-9_.-]+$/.test(instanceId) || /^\.+$/.test(instanceId)) throw new UsageError(`--instance ${spec}: instance id must contain only letters, digits, '-', '_' and '.'`);
    return { cloud, service, instanceId };
}

function parseArgs(argv: string[]): Args {
    const args: Args = { instances: [], stackFiles: [], removedStackFiles: [], json: false, journal: true, help: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
        const value = () => {
            const v = inline ?? argv[++i];
            if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case "--instance": args.instances.push(parseInstance(value())); break;
            case "--stack-file": args.stackFiles.push(value()); break;
            case "--removed-stack-file": args.removedStackFiles.push(value()); break;
            case "--json": args.json = true; break;
            case "--html": args.html = value(); break;
            case "--no-journal": args.journal = false; break;
            case "-h": case "--help": args.help = true; break;
            default: throw new UsageError(`unknown option ${a}; options: --instance, --stack-file, --removed-stack-file, --json, --html, --no-journal, --help`);
        }
    }
    return args;
}

/** A progress line on stderr while listing: rewritten in place on a terminal, every few seconds otherwise. */
function progressLine(io: ReportIo, total: number) {
    if (total < 2) return undefined;
    let last = 0;
    return (done: number, all: number, current: string) => {
        const line = `listing backups: ${done}/${all} instances (last: ${current})`;
        if (io.stderr.isTTY) io.stderr.write(`\r\x1b[K${line}${done === all ? "\n" : ""}`);
        else if (done === all || io.now() - last >= 2000) {
            last = io.now();
            io.stderr.write(`${line}\n`);
        }
    };
}

/** Runs the command; resolves to its exit code. */
export async function runReport(argv: string[], io: Partial<ReportIo> = {}): Promise<number> {
    const out: ReportIo = { ...DEFAULT_IO, ...io };
    let args: Args;
    let checkpoints: CheckpointFacts[];
    try {
        args = parseArgs(argv);
        if (args.help) {
            out.stdout.write(USAGE);
            return 0;
        }
        if (!args.instances.length && !args.stackFiles.length && !args.removedStackFiles.length) {
            throw new UsageError("nothing to report on: give --instance <cloud>/<service>/<instanceId> and/or --stack-file <file of pulumi stack export>");
        }
        checkpoints = [...args.stackFiles.map(f => readCheckpoint(f)), ...args.removedStackFiles.map(f => readCheckpoint(f, true))];
    } catch (err) {
        out.stderr.write(`pulumi-db-backups report: ${(err as Error).message}\n${err instanceof UsageError ? "Run with --help for the options.\n" : ""}`);
        return 2;
    }
    const expected = new Set([...args.instances.map(i => `${i.cloud}/${i.service}/${i.instanceId}`), ...checkpoints.flatMap(c => c.held.map(h => `${h.instance.cloud}/${h.instance.service}/${h.instance.instanceId}`))]).size;
    const report = await collect({ instances: args.instances, checkpoints, env: out.env, journal: args.journal, now: out.now(), progress: progressLine(out, expected) });
    out.onReport?.(report);
    if (args.html) {
        fs.writeFileSync(args.html, renderHtml(report));
        out.stderr.write(`wrote ${args.html}\n`);
    }
    out.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    return report.instances.every(i => i.listed) ? 0 : 1;
}
