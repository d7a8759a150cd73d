#!/usr/bin/env node
/** `pulumi-db-backups-report`: the report command on its own (see `index.ts`). */
import { runReport } from "./index";

runReport(process.argv.slice(2)).then(code => { process.exitCode = code; }, err => {
    process.stderr.write(`pulumi-db-backups report: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
});
