import { strict as assert } from "assert";
import { isoWeek, rollingLabels } from "../../sdk/rolling-labels";

describe("rollingLabels", () => {
    it("gives the last days across a year end, newest last, in UTC", () => {
        assert.deepEqual(rollingLabels({ every: "day", keep: 3, now: "2026-01-01T05:00:00Z" }), ["2025-12-30", "2025-12-31", "2026-01-01"]);
        // 23:30 at UTC-5 is already the next day in UTC.
        assert.deepEqual(rollingLabels({ every: "day", keep: 1, now: "2026-02-28T23:30:00-05:00" }), ["2026-03-01"]);
    });

    it("crosses month ends of different lengths and leap days", () => {
        assert.deepEqual(rollingLabels({ every: "day", keep: 3, now: "2028-03-01T00:00:00Z" }), ["2028-02-28", "2028-02-29", "2028-03-01"]);
        assert.deepEqual(rollingLabels({ every: "month", keep: 4, now: "2026-02-15T00:00:00Z" }), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert.deepEqual(rollingLabels({ every: "month", keep: 2, now: "2026-03-31T12:00:00Z" }), ["2026-02", "2026-03"]);
    });

    it("numbers weeks as ISO 8601 (week 53, week 1 starting in the previous December)", () => {
        assert.deepEqual(isoWeek(new Date("2026-12-31T00:00:00Z")), { year: 2026, week: 53 });
        assert.deepEqual(isoWeek(new Date("2027-01-03T00:00:00Z")), { year: 2026, week: 53 });
        assert.deepEqual(isoWeek(new Date("2024-12-30T00:00:00Z")), { year: 2025, week: 1 });
        assert.deepEqual(isoWeek(new Date("2026-11-23T00:00:00Z")), { year: 2026, week: 48 });
        assert.deepEqual(rollingLabels({ every: "week", keep: 3, now: "2027-01-05T00:00:00Z" }), ["2026-W52", "2026-W53", "2027-W01"]);
    });

    it("counts hours across midnight and applies the prefix", () => {
        assert.deepEqual(rollingLabels({ every: "hour", keep: 3, now: "2026-11-24T01:59:00Z", prefix: "h-" }), ["h-2026-11-23T23", "h-2026-11-24T00", "h-2026-11-24T01"]);
    });

    it("is deterministic for a given now and rolls by one label per period", () => {
        const a = rollingLabels({ every: "day", keep: 7, now: "2026-11-23T10:00:00Z" });
        const b = rollingLabels({ every: "day", keep: 7, now: "2026-11-24T10:00:00Z" });
        assert.deepEqual(a, rollingLabels({ every: "day", keep: 7, now: "2026-11-23T22:00:00Z" }));
        assert.deepEqual(b.slice(0, 6), a.slice(1));
        assert.equal(b[6], "2026-11-24");
    });

    it("rejects bad options naming the allowed values", () => {
        assert.throws(() => rollingLabels({ every: "year" as never, keep: 3 }), /every must be one of "hour", "day", "week", "month"/);
        assert.throws(() => rollingLabels({ every: "day", keep: 0 }), /keep must be a whole number from 1 to 1000/);
        assert.throws(() => rollingLabels({ every: "day", keep: 2, now: "not a date" }), /now is not a valid date/);
    });
});
