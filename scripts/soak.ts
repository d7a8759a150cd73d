/**
 * `npm run soak`: lifecycle operations of both resources on the three services
 * through the dynamic-provider host, with faults injected, then the figures:
 * orphaned backups, backups deleted that the stack did not own, state entries
 * pointing at nothing, failures a retry would have avoided, and whether one
 * fault-free `up` converges. Exit code 1 when any figure is not 0 or it does
 * not converge.
 *
 *     SOAK_SEED=7 SOAK_COMMANDS=60 npm run soak
 */
import { formatReport, runSoak, soakHolds } from "../tests/soak/soak";
import { stopSpareHosts } from "../tests/support/host-driver";

const seed = Number(process.env.SOAK_SEED ?? 20261201);
const commands = Number(process.env.SOAK_COMMANDS ?? 75);
const verbose = Number(process.env.SOAK_VERBOSE ?? 0);

(async () => {
    if (!Number.isInteger(seed) || !Number.isInteger(commands) || commands < 1) throw new Error("SOAK_SEED and SOAK_COMMANDS must be integers (SOAK_COMMANDS at least 1)");
    const report = await runSoak({ seed, commands, log: verbose ? line => console.log(line) : undefined, providerLines: verbose >= 2 });
    console.log(formatReport(report));
    await stopSpareHosts();
    process.exit(soakHolds(report) ? 0 : 1);
})().catch(async err => {
    console.error(err);
    await stopSpareHosts();
    process.exit(2);
});
