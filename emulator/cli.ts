#!/usr/bin/env node
/**
 * `npx pulumi-db-backups-emulator` (the package's `bin`; `npm run emulator`
 * in the repository): starts the emulator and prints the endpoints and test
 * credentials as `export` lines ready to paste into a shell.
 */
import { startEmulator } from "./index";
import type { EmulatorOptions } from "./core/types";

const USAGE = "usage: pulumi-db-backups-emulator [--port N] [--time-scale X] [--state FILE]";

const HELP = `${USAGE}

Starts local emulators of the Alibaba Cloud RDS, Huawei Cloud RDS and Huawei
GeminiDB backup APIs (plus the Huawei IAM projects call and an admin API),
then prints the endpoints and test credentials as export lines to paste into
the shell where you run \`pulumi up\`. Ctrl-C stops it.

  --port N          first port; the services take N..N+4 (default: any free ports)
  --time-scale X    multiplies backup job durations: 1 = tens of seconds (default),
                    0.1 = ten times faster, 0 = at once
  --state FILE      keep instances and backups in FILE across restarts
  -h, --help        print this help
`;

/** Thrown by {@link parseCliArgs} for `--help`: not an error, the help text is printed. */
export class HelpRequested extends Error { }

/** Parses the command line into emulator options; throws with a usage line on bad input. */
export function parseCliArgs(argv: string[]): EmulatorOptions {
    const options: EmulatorOptions = {};
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split(/=(.*)/s, 2);
        const value = () => {
            const v = inline ?? argv[++i];
            if (v === undefined || v === "") throw new Error(`${flag} needs a value\n${USAGE}`);
            return v;
        };
        switch (flag) {
            case "--port": {
                const port = Number(value());
                if (!Number.isInteger(port) || port < 0 || port > 65532) throw new Error(`--port must be 0..65532\n${USAGE}`);
                options.port = port;
                break;
            }
            case "--time-scale": {
                const scale = Number(value());
                if (!Number.isFinite(scale) || scale < 0) throw new Error(`--time-scale must be a number >= 0\n${USAGE}`);
                options.timeScale = scale;
                break;
            }
            case "--state":
                options.statePath = value();
                break;
            case "-h":
            case "--help":
                throw new HelpRequested(HELP);
            default:
                throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
        }
    }
    return options;
}

/** Shell-quotes a value for an `export` line. */
function quote(value: string): string {
    return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Starts the emulator from a command line (also `pulumi-db-backups emulator ...`) and runs until a signal. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
    let options: EmulatorOptions;
    try {
        options = parseCliArgs(argv);
    } catch (err) {
        if (!(err instanceof HelpRequested)) throw err;
        process.stdout.write(err.message);
        return;
    }
    const emulator = await startEmulator(options);
    const key = emulator.accessKeys[0];
    const lines: Array<[string, string]> = [
        ["DBBACKUPS_ALICLOUD_RDS_ENDPOINT", emulator.endpoints.alicloudRds],
        ["DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT", emulator.endpoints.huaweicloudRds],
        ["DBBACKUPS_HUAWEICLOUD_GEMINIDB_ENDPOINT", emulator.endpoints.huaweicloudGeminidb],
        ["DBBACKUPS_HUAWEICLOUD_IAM_ENDPOINT", emulator.endpoints.huaweicloudIam],
        ["ALIBABA_CLOUD_ACCESS_KEY_ID", key.id],
        ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", key.secret],
        ["HW_ACCESS_KEY", key.id],
        ["HW_SECRET_KEY", key.secret],
        ["HW_PROJECT_ID", emulator.projectId],
        ["HW_REGION_NAME", emulator.projectRegion],
        ["DBBACKUPS_EMULATOR_ADMIN", emulator.admin],
    ];
    process.stdout.write(`# pulumi-db-backups emulator is running (admin API: ${emulator.admin}/state). Paste these lines into your shell:\n`);
    for (const [name, value] of lines) process.stdout.write(`export ${name}=${quote(value)}\n`);
    process.stdout.write("# Ctrl-C stops the emulator" + (options.statePath ? ` and saves state to ${options.statePath}` : "") + ".\n");

    let stopping = false;
    const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        emulator.stop().then(
            () => {
                process.stderr.write(`emulator stopped (${signal})\n`);
                process.exit(0);
            },
            (err: Error) => {
                process.stderr.write(`emulator: failed to stop cleanly: ${err.message}\n`);
                process.exit(1);
            },
        );
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (require.main === module) {
    main().catch((err: Error) => {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
    });
}
