/**
 * Faults that answer a share of the calls (`rate`), with seeded dice: what the
 * soak's fault mix is made of.
 */
import { strict as assert } from "assert";
import { FaultQueue } from "../../emulator/core/fault-queue";

const takes = (q: FaultQueue, n: number, action = "DescribeBackups") =>
    Array.from({ length: n }, () => q.take("alicloudRds", action)?.code ?? "-");

describe("fault queue: faults with a rate", () => {
    it("answers about that share of the matching calls, and counts only the calls answered", () => {
        const q = new FaultQueue();
        q.add({ service: "alicloudRds", action: "*", status: 400, code: "Throttling.User", rate: 0.3, seed: 7, times: 10_000 });
        const hits = takes(q, 2000).filter(c => c !== "-").length;
        assert.ok(hits > 500 && hits < 700, `${hits} of 2000 calls answered`);
        assert.equal(q.list()[0].remaining, 10_000 - hits);
    });

    it("repeats the same calls for the same seed, and a spared call goes on to the next fault", () => {
        const make = () => {
            const q = new FaultQueue();
            q.add({ service: "alicloudRds", action: "*", status: 503, code: "ServiceUnavailable", rate: 0.5, seed: 42, times: 1000 });
            q.add({ service: "alicloudRds", action: "*", status: 400, code: "Throttling.User", times: 1000 });
            return q;
        };
        const a = takes(make(), 200);
        assert.deepEqual(takes(make(), 200), a);
        assert.ok(a.includes("ServiceUnavailable") && a.includes("Throttling.User"));
        assert.ok(!a.includes("-"), "every call the first fault spared met the second");
    });

    it("keeps matching by service and action", () => {
        const q = new FaultQueue();
        q.add({ service: "alicloudRds", action: "CreateBackup", status: 400, code: "Throttling.User", rate: 1, times: 5 });
        assert.deepEqual(takes(q, 3), ["-", "-", "-"]);
        assert.equal(q.take("huaweicloudRds", "CreateBackup"), undefined);
        assert.equal(q.take("alicloudRds", "CreateBackup")?.code, "Throttling.User");
    });

    it("refuses a rate outside (0, 1] and a seed that is not an integer, naming the field", () => {
        const q = new FaultQueue();
        const base = { service: "alicloudRds", action: "*", status: 503, code: "ServiceUnavailable" };
        assert.throws(() => q.add({ ...base, rate: 0 }), /fault\.rate must be a number above 0 and at most 1/);
        assert.throws(() => q.add({ ...base, rate: 1.5 }), /fault\.rate/);
        assert.throws(() => q.add({ ...base, rate: "0.3" }), /fault\.rate/);
        assert.throws(() => q.add({ ...base, rate: 0.3, seed: 1.5 }), /fault\.seed must be an integer/);
        assert.deepEqual(q.list(), []);
    });
});
