#!/usr/bin/env node
/**
 * `pulumi-db-backups`: the package's command line, one command with
 * subcommands.
 *
 *   pulumi-db-backups summarize [FILE]   Markdown summary of `pulumi preview --json` (stdin by default)
 *   pulumi-db-backups report [...]       every backup on the given instances and stacks, whose it is, what is left behind
 *   pulumi-db-backups emulator [...]     the local emulator (same as `pulumi-db-backups-emulator`)
 */
import * as fs from "fs";
import { summarize, UnreadablePreview } from "./summarize";

const USAGE = `usage: pulumi-db-backups <command> [arguments]

commands:
  summarize [FILE]   read \`pulumi preview --json\` output (from FILE, or stdin
                     when FILE is absent or "-") and print a Markdown summary of
                     the backups it creates, deletes and replaces, and of any
                     deletion-budget refusal. Exits 0 unless the input cannot
                     be read as preview output.
  report [...]       list every backup on the given instances and stacks'
                     instances, whose each one is and what is left behind
                     (pulumi-db-backups report --help)
  emulator [...]     start the local emulator of the three backup APIs
                     (pulumi-db-backups emulator --help)
`;

async function readInput(file: string | undefined): Promise<string> {
    if (file && file !== "-") return fs.readFileSync(file, "utf8");
    if (process.stdin.isTTY) throw new UnreadablePreview("nothing on stdin: pipe `pulumi preview --json` into this command, or name a file");
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}

/** Runs one command line; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    switch (command) {
        case "summarize": {
            if (rest.some(a => a === "-h" || a === "--help")) { process.stdout.write(USAGE); return 0; }
            if (rest.length > 1) { process.stderr.write(`summarize takes at most one file\n${USAGE}`); return 2; }
            try {
                process.stdout.write(summarize(await readInput(rest[0])));
                return 0;
            } catch (err) {
                process.stderr.write(`pulumi-db-backups summarize: ${(err as Error).message}\n`);
                return err instanceof UnreadablePreview || (err as NodeJS.ErrnoException).code ? 2 : 1;
            }
        }
        case "report":
            return (await import("../report")).runReport(rest);
        case "emulator":
            await (await import("../emulator/cli")).main(rest);
            return -1; // keeps running until a signal
        case undefined: case "-h": case "--help": case "help":
            process.stdout.write(USAGE);
            return command === undefined ? 2 : 0;
        default:
            process.stderr.write(`unknown command "${command}"\n${USAGE}`);
            return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        code => { if (code >= 0) process.exitCode = code; },
        (err: Error) => { process.stderr.write(`${err.message}\n`); process.exit(1); },
    );
}
