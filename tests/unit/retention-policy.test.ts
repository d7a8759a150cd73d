/**
 * The retention tiers and the floor as pure functions: restic's definition
 * (the newest backup of each of the last N periods that have a backup), one
 * backup serving every tier it falls in, the backup a night needs, and which
 * deletions the floor defers. Checked against a reference written another way.
 */
import { strict as assert } from "assert";
import { planTiers, PolicyMember, selectTiers, sparedByFloor } from "../../provider/retention-policy";
import { retentionSetSchema, validate } from "../../provider/schema";
import { expectedHeld } from "../support/retention-definition";

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

const member = (iso: string, status = "COMPLETED"): PolicyMember => ({ at: iso, status, backupId: `b-${iso}` });

describe("retention tiers (restic's definition)", () => {
    it("one backup serves every tier it falls in: the first backup of a new day, week and month is one backup", () => {
        // 2026-06-01 is a Monday: a new day, ISO week and month at once.
        const plan = planTiers({ daily: 7, weekly: 4, monthly: 12 }, new Date("2026-06-01T02:00:00Z"), { "2026-05-31": member("2026-05-31T02:00:00Z") });
        assert.equal(plan.create, "2026-06-01");
        assert.deepEqual(plan.held.get("2026-06-01"), ["daily", "weekly", "monthly"]);
        assert.deepEqual(plan.held.get("2026-05-31"), ["daily", "weekly", "monthly"], "yesterday is still the newest of its week and month");
        assert.deepEqual(plan.released, []);
    });

    it("makes no backup when every tier's current period has one, and a suffixed one when the key is taken", () => {
        const members = { "2026-06-01": member("2026-06-01T02:00:00Z") };
        assert.equal(planTiers({ daily: 7, weekly: 4 }, new Date("2026-06-01T23:00:00Z"), members).create, undefined);
        // 2026-05-31 (a Sunday) is in ISO week 22, 2026-06-01 in week 23.
        const weekly = { "2026-W22": member("2026-05-31T23:00:00Z") };
        assert.equal(planTiers({ weekly: 4, monthly: 2 }, new Date("2026-06-01T02:00:00Z"), weekly).create, "2026-W23");
        // Weekly and monthly only: the week's backup is from June, so July needs its own, in the same week.
        const sameWeek = { "2026-W27": member("2026-06-30T02:00:00Z") };
        assert.equal(planTiers({ weekly: 4, monthly: 2 }, new Date("2026-07-01T02:00:00Z"), sameWeek).create, "2026-W27-2");
    });

    it("a period without a backup does not count: a gap keeps older backups longer, as restic does", () => {
        const dated: Array<[string, number]> = [["a", at("2026-01-01T00:00Z")], ["b", at("2026-01-02T00:00Z")], ["c", at("2026-01-10T00:00Z")]];
        const held = selectTiers({ daily: 3 }, dated);
        assert.deepEqual([...held.keys()].sort(), ["a", "b", "c"], "three days that have a backup, however far apart");
        assert.deepEqual([...selectTiers({ daily: 2 }, dated).keys()].sort(), ["b", "c"]);
    });

    it("keeps the newest backup of a period, not the first", () => {
        const dated: Array<[string, number]> = [["morning", at("2026-01-05T01:00Z")], ["evening", at("2026-01-05T20:00Z")]];
        assert.deepEqual([...selectTiers({ daily: 1 }, dated).keys()], ["evening"]);
        assert.deepEqual([...selectTiers({ hourly: 5 }, dated).keys()].sort(), ["evening", "morning"]);
    });

    it("failed backups and those set aside never hold a tier", () => {
        const members: Record<string, PolicyMember> = {
            "2026-01-05": member("2026-01-05T02:00:00Z", "FAILED"),
            "2026-01-04~failed-x": member("2026-01-04T02:00:00Z", "FAILED"),
            "2026-01-03": member("2026-01-03T02:00:00Z"),
        };
        const plan = planTiers({ daily: 2 }, new Date("2026-01-05T03:00:00Z"), members);
        assert.equal(plan.create, "2026-01-05-2", "today's failed backup does not count as today's backup; its key is taken");
        assert.deepEqual([...plan.held.keys()].sort(), ["2026-01-03", "2026-01-05-2"]);
        assert.deepEqual(plan.released, ["2026-01-04~failed-x", "2026-01-05"]);
    });

    it("over 800 nights, with missed nights, a nightly plan holds exactly what the definition says over every backup ever made, and at most the sum of the tiers", () => {
        const retention = { daily: 7, weekly: 4, monthly: 12, yearly: 2 };
        let rnd = 42;
        const random = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const members: Record<string, PolicyMember> = {};
        const made: number[] = [];
        let deletedHeld = 0;
        for (let night = 0; night < 800; night++) {
            if (random() < 0.1) continue; // a missed night: no run
            const now = new Date(at("2025-12-20T02:00:00Z") + night * DAY + Math.floor(random() * 3_600_000));
            const plan = planTiers(retention, now, members);
            if (plan.create) { members[plan.create] = { at: now.toISOString(), status: "COMPLETED", backupId: plan.create }; made.push(now.getTime()); }
            const expected = expectedHeld(retention, made);
            for (const k of plan.released) { if (expected.has(Date.parse(members[k].at!))) deletedHeld++; delete members[k]; }
            const held = new Set(Object.values(members).map(m => Date.parse(m.at!)));
            assert.deepEqual([...held].sort(), [...expected].sort(), `night ${night}`);
            assert.ok(held.size <= 7 + 4 + 12 + 2);
        }
        assert.equal(deletedHeld, 0);
        assert.ok(made.length > 650 && made.length < 800);
    });
});

describe("the floor (minCompleted)", () => {
    const members: Record<string, PolicyMember> = {
        old: member("2026-01-01T02:00:00Z"), mid: member("2026-01-02T02:00:00Z"),
        bad: member("2026-01-03T02:00:00Z", "FAILED"), new: member("2026-01-04T02:00:00Z", "BUILDING"),
    };

    it("spares the newest completed backups about to be deleted until minCompleted remain", () => {
        assert.deepEqual(sparedByFloor(members, ["old", "mid"], 1), ["mid"], "a building backup does not count as completed");
        assert.deepEqual(sparedByFloor(members, ["old", "mid"], 2), ["mid", "old"]);
        assert.deepEqual(sparedByFloor(members, ["old"], 1), [], "mid stays completed");
        assert.deepEqual(sparedByFloor(members, ["old", "mid"], 0), []);
    });

    it("never spares a failed backup", () => {
        assert.deepEqual(sparedByFloor(members, ["bad", "old", "mid"], 3), ["mid", "old"]);
    });
});

describe("retention inputs at Check", () => {
    const base = { cloud: "huaweicloud", instanceId: "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04" };
    const failures = (extra: Record<string, unknown>) => {
        const v = validate(retentionSetSchema, { ...base, ...extra });
        return v.ok ? [] : v.failures.map(f => `${f.property}: ${f.reason}`);
    };

    it("takes tiers instead of labels, and refuses both, neither, an unknown tier, a zero count, a bad now", () => {
        assert.deepEqual(failures({ retention: { daily: 7, weekly: 4 }, now: "2026-06-01T02:00:00Z", minCompleted: 2 }), []);
        assert.deepEqual(failures({ labels: ["a"] }), [], "labels alone as before");
        assert.match(failures({}).join("\n"), /labels: is required \(a list of labels\), unless retention is given/);
        assert.match(failures({ labels: ["a"], retention: { daily: 1 } }).join("\n"), /retention: is used instead of labels/);
        assert.match(failures({ retention: { fortnightly: 2 } }).join("\n"), /retention: unknown input "fortnightly"/);
        assert.match(failures({ retention: { daily: 0 } }).join("\n"), /retention\.daily/);
        assert.match(failures({ retention: {} }).join("\n"), /retention: needs at least one tier: hourly, daily, weekly, monthly, yearly/);
        assert.match(failures({ retention: { daily: 1 }, now: "tonight" }).join("\n"), /now: must be an ISO 8601 date-time/);
        assert.match(failures({ labels: ["a"], now: "2026-06-01T02:00:00Z" }).join("\n"), /now: is used with retention only/);
        assert.match(failures({ retention: { daily: 7, weekly: 4 }, maxBackups: 10 }).join("\n"), /retention: may hold up to 11 backups/);
        assert.match(failures({ retention: { daily: 7 }, adopt: { x: "id" } }).join("\n"), /adopt: works with labels only/);
        assert.match(failures({ labels: ["a"], minCompleted: -1 }).join("\n"), /minCompleted/);
    });
});
