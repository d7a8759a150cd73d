/**
 * The docs' picture of a GFS policy is what the package's own tier code draws
 * today (`npm run retention-picture` draws it again), and says what the policy did.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { docsPicture, simulatePolicy } from "../../cli/retention-picture";
import { REPO_ROOT } from "../support/workspace";

describe("docs/retention-gfs.svg", () => {
    it("is the picture the tier code draws now (run npm run retention-picture after changing it)", () => {
        const checkedIn = fs.readFileSync(path.join(REPO_ROOT, "docs", "retention-gfs.svg"), "utf8");
        assert.equal(checkedIn, docsPicture());
        assert.ok(fs.readFileSync(path.join(REPO_ROOT, "docs", "retention-policies.md"), "utf8").includes("](retention-gfs.svg)"));
    });

    it("shows 120 nights of one shared backup a night, never more than the tiers' 23, with the figures the page quotes", () => {
        const h = simulatePolicy({ daily: 7, weekly: 4, monthly: 12 }, 120);
        assert.equal(h.backups.length, 120);
        assert.equal(h.unshared, 142);
        assert.equal(h.mostHeld, 13);
        // Every backup lives at least its seven daily nights, unless it is today's last ones.
        for (const b of h.backups) if (b.deleted !== undefined) assert.ok(b.deleted - b.made >= 7, `${b.key} deleted after ${b.deleted - b.made} nights`);
        const svg = docsPicture();
        assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.ok(svg.includes("one set per tier would make 142") && svg.includes("at most 13 held at once"));
    });
});
