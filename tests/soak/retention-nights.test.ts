/**
 * A short run of the retention nights (`npm run retention-nights` runs 400):
 * a GFS policy through the dynamic-provider host holds on every night exactly
 * what restic's definition says, sharing one backup a night across its tiers;
 * with every third backup failing, the floor of completed backups holds.
 */
import { strict as assert } from "assert";
import { formatNights, NightsOptions, runNights } from "./retention-nights";

describe("retention tiers over simulated nights (through the dynamic-provider host)", function () {
    this.timeout(240_000);

    it("{ daily: 7, weekly: 4, monthly: 12 } over 60 nights: exactly the definition every night, one backup a night, never more than 23", async () => {
        const opts: NightsOptions = { nights: 60, retention: { daily: 7, weekly: 4, monthly: 12 } };
        const r = await runNights(opts);
        console.log(formatNights(r, opts).split("\n").map(l => `      ${l}`).join("\n"));
        assert.deepEqual(r.violations, []);
        assert.equal(r.made, 60, "one backup a night");
        assert.ok(r.unshared > r.made, `one set per tier would make more backups (${r.unshared}) than shared tiers (${r.made})`);
        assert.ok(r.mostHeld <= 23 && r.mostHeld >= 10, `${r.mostHeld} held at most`);
    });

    it("with every third backup failing, the floor holds on every night and no good backup is lost to a failed one", async () => {
        const opts: NightsOptions = { nights: 30, retention: { daily: 3, weekly: 2 }, minCompleted: 6, failEvery: 3 };
        const r = await runNights(opts);
        console.log(formatNights(r, opts).split("\n").map(l => `      ${l}`).join("\n"));
        assert.deepEqual(r.violations, []);
        assert.equal(r.failed, 10);
        assert.equal(r.mostHeld, 6, "the floor keeps six completed backups where the tiers alone hold five at most");
    });
});
