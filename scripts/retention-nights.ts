/**
 * `npm run retention-nights`: a `{ daily: 7, weekly: 4, monthly: 12 }` policy
 * over 400 nights through the dynamic-provider host and the emulator (its
 * clock moved a night at a time), checked every night against the definition;
 * then the same with every third backup failing and a floor of completed
 * backups. Exit code 1 when a check did not hold on some night.
 *
 *     NIGHTS=120 npm run retention-nights
 */
import { formatNights, NightsOptions, runNights } from "../tests/soak/retention-nights";
import { stopSpareHosts } from "../tests/support/host-driver";

const nights = Number(process.env.NIGHTS ?? 400);

(async () => {
    if (!Number.isInteger(nights) || nights < 1) throw new Error("NIGHTS must be a whole number, at least 1");
    const runs: NightsOptions[] = [
        { nights, retention: { daily: 7, weekly: 4, monthly: 12 } },
        { nights: Math.min(nights, 120), retention: { daily: 3, weekly: 2 }, minCompleted: 6, failEvery: 3 },
    ];
    let ok = true;
    for (const opts of runs) {
        const report = await runNights({ ...opts, log: line => console.log(`  ${line}`) });
        console.log(formatNights(report, opts));
        ok &&= report.violations.length === 0;
    }
    await stopSpareHosts();
    process.exit(ok ? 0 : 1);
})().catch(async err => {
    console.error(err);
    await stopSpareHosts();
    process.exit(2);
});
