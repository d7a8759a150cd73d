/**
 * The instance coordinator on a recording adapter: what it shares (one
 * listing), what it gathers (deletes), what it leaves out (ids the listing
 * marks not deletable) and how its poll schedule follows the job.
 */
import { strict as assert } from "assert";
import type { BackupAdapter, CloudBackup, DeleteOutcome, InstanceState } from "../../provider/clouds/adapter";
import { CloudError } from "../../provider/core/errors";
import { Clock, InstanceCoordinator, InstanceNotRunningError, nextPollDelay } from "../../provider/instance";

function backup(id: string, extra: Partial<CloudBackup> = {}): CloudBackup {
    return { backupId: id, instanceId: "i-1", status: "COMPLETED", cloudStatus: "Success", manual: true, ...extra };
}

/** An adapter that records its calls; listing and deleting answer from `backups`. */
function recordingAdapter(backups: CloudBackup[]) {
    const calls: string[] = [];
    const adapter: BackupAdapter = {
        displayName: "Test Cloud",
        async maxIdsPerDelete() { return 100; },
        async startBackup() { calls.push("start"); return { jobId: "j1" }; },
        async creationStatus() { calls.push("status"); return { status: "COMPLETED", cloudStatus: "Success", backupId: "b-new" }; },
        async findBackup(_i, id) { calls.push(`find ${id}`); return backups.find(b => b.backupId === id); },
        async listBackups() { calls.push("list"); await new Promise(r => setTimeout(r, 5)); return [...backups]; },
        async deleteBackups(_i, ids): Promise<DeleteOutcome[]> { calls.push(`delete ${ids.join(",")}`); return ids.map(backupId => ({ backupId, result: "deleted" })); },
        isBusy: r => r.code === "Busy",
    };
    return { adapter, calls };
}

describe("instance coordinator", () => {
    it("answers concurrent finds with one listing, and asks directly only for an id the listing misses", async () => {
        const { adapter, calls } = recordingAdapter([backup("a"), backup("b")]);
        const c = new InstanceCoordinator(adapter, "i-1");
        const found = await Promise.all(["a", "b", "a", "zz"].map(id => c.find(id)));
        assert.deepEqual(found.map(b => b?.backupId), ["a", "b", "a", undefined]);
        assert.deepEqual(calls, ["list", "find zz"]);
    });

    it("lists again after its own create or delete", async () => {
        const { adapter, calls } = recordingAdapter([backup("a")]);
        const c = new InstanceCoordinator(adapter, "i-1");
        await c.list();
        await c.list();
        await c.deleteNow(["a"]);
        await c.list();
        assert.deepEqual(calls, ["list", "delete a", "list"]);
    });

    it("gathers deletes that arrive together into one call, each caller getting its own outcome", async () => {
        const { adapter, calls } = recordingAdapter([]);
        const c = new InstanceCoordinator(adapter, "i-1");
        const outcomes = await Promise.all(["x", "y", "z"].map(id => c.deleteGathered(id)));
        assert.deepEqual(outcomes.map(o => [o.backupId, o.result]), [["x", "deleted"], ["y", "deleted"], ["z", "deleted"]]);
        assert.deepEqual(calls.filter(k => k.startsWith("delete")), ["delete x,y,z"]);
    });

    it("leaves out of a batch the ids the listing marks not deletable, reporting them blocked", async () => {
        const { adapter, calls } = recordingAdapter([backup("ok"), backup("kept", { storeStatus: "Disabled" })]);
        const c = new InstanceCoordinator(adapter, "i-1");
        const outcomes = await c.deleteKnowingRefusals(["ok", "kept"]);
        assert.deepEqual(calls, ["list", "delete ok"]);
        assert.deepEqual(outcomes.find(o => o.backupId === "kept")?.result, "blocked");
    });

    it("learns how long this instance's backups take from a listing", async () => {
        const started = "2026-11-30T01:00:00Z";
        const { adapter } = recordingAdapter([
            backup("a", { startedAt: started, finishedAt: "2026-11-30T01:10:00Z" }),
            backup("b", { startedAt: started, finishedAt: "2026-11-30T01:09:00Z" }),
            backup("auto", { manual: false, startedAt: started, finishedAt: "2026-11-30T03:00:00Z" }),
        ]);
        const c = new InstanceCoordinator(adapter, "i-1");
        await c.list();
        assert.equal(c.expectedDurationMs(), 600_000);
    });

    it("learns from full automated backups when the instance has no manual ones, never from log backups", async () => {
        const started = "2026-11-30T01:00:00Z";
        const { adapter } = recordingAdapter([
            backup("auto", { manual: false, full: true, startedAt: started, finishedAt: "2026-11-30T01:07:00Z" }),
            backup("binlog", { manual: false, full: false, startedAt: started, finishedAt: "2026-11-30T01:00:20Z" }),
        ]);
        const c = new InstanceCoordinator(adapter, "i-1");
        await c.list();
        assert.equal(c.expectedDurationMs(), 420_000);
    });

    it("lists the instance once to learn durations when a wait starts with nothing known, and sleeps to the expected end", async () => {
        const started = "2026-11-30T01:00:00Z";
        const { adapter, calls } = recordingAdapter([backup("old", { startedAt: started, finishedAt: "2026-11-30T01:00:20Z" })]);
        let polls = 0;
        adapter.creationStatus = async () => {
            calls.push("status");
            return ++polls < 3 ? { status: "BUILDING", cloudStatus: "Running" } : { status: "COMPLETED", cloudStatus: "Success", backupId: "b-new" };
        };
        const clock = fakeClock();
        const c = new InstanceCoordinator(adapter, "i-1", clock);
        const opts = { wait: true, timeoutMs: 600_000, label: "b", log: () => undefined, polling: { minDelayMs: 2000, maxDelayMs: 30_000 } };
        await c.waitCreated({ backupId: "b-new" }, opts);
        polls = 0;
        await c.waitCreated({ backupId: "b-new" }, opts);
        assert.deepEqual(calls.filter(x => x === "list"), ["list"], "one listing for both waits");
        assert.equal(clock.slept[0], 20_000, "the first sleep goes to the end the earlier backup predicts (doubling would sleep 2 s)");
    });
});

/** A clock whose sleep moves time forward at once, recording the delays. */
function fakeClock(): Clock & { slept: number[] } {
    let t = 0;
    const slept: number[] = [];
    return { slept, now: () => t, sleep: async ms => { slept.push(ms); t += ms; } };
}

/**
 * An adapter whose instance is busy for the first `busyCalls` mutating calls
 * (code `Busy`), and whose state is `state`; records calls.
 */
function busyAdapter(busyCalls: number, state: InstanceState | undefined) {
    const calls: string[] = [];
    let refusals = busyCalls;
    const busy = () => refusals-- > 0;
    const adapter: BackupAdapter = {
        ...recordingAdapter([]).adapter,
        async startBackup() {
            calls.push("start");
            if (busy()) throw new CloudError({ service: "Test Cloud", operation: "Create", code: "Busy", kind: "client", httpStatus: 409, cloudMessage: "another operation runs" });
            return { jobId: "j1" };
        },
        async deleteBackups(_i, ids): Promise<DeleteOutcome[]> {
            calls.push(`delete ${ids.join(",")}`);
            const refused = busy();
            return ids.map(backupId => refused ? { backupId, result: "failed", code: "Busy", message: "another operation runs" } : { backupId, result: "deleted" });
        },
        isBusy: r => r.code === "Busy",
        async instanceState() { calls.push("state"); return state; },
    };
    return { adapter, calls };
}

describe("instance coordinator: a job started without waiting", () => {
    it("is followed to its end by the next create, which then starts without a busy refusal", async () => {
        const calls: string[] = [];
        let running: { id: string; pollsLeft: number } | undefined;
        let n = 0;
        const adapter: BackupAdapter = {
            ...recordingAdapter([]).adapter,
            async startBackup() {
                calls.push("start");
                if (running) throw new CloudError({ service: "Test Cloud", operation: "Create", code: "Busy", kind: "client", httpStatus: 409, cloudMessage: "a job runs" });
                running = { id: `j${++n}`, pollsLeft: 2 };
                return { jobId: running.id };
            },
            async creationStatus(_i, started) {
                calls.push(`status ${started.jobId}`);
                const job = running?.id === started.jobId ? running : undefined;
                if (job && job.pollsLeft-- > 0) return { status: "BUILDING", cloudStatus: "Running" };
                if (job) running = undefined;
                return { status: "COMPLETED", cloudStatus: "Success", backupId: `b-${started.jobId}` };
            },
            isBusy: r => r.code === "Busy",
        };
        const c = new InstanceCoordinator(adapter, "i-1", fakeClock());
        const ops = { timeoutMs: 60_000, label: "t", log: () => undefined, polling: { minDelayMs: 1000, maxDelayMs: 1000 } };
        const first = await c.create({ instanceId: "i-1" }, { ...ops, wait: false });
        assert.equal(first.progress.status, "BUILDING");
        const second = await c.create({ instanceId: "i-1" }, { ...ops, wait: true });
        assert.equal(second.progress.backupId, "b-j2");
        assert.deepEqual(calls, ["start", "status j1", "status j1", "status j1", "start", "status j2", "status j2", "status j2"]);
    });
});

describe("instance coordinator: busy is not stopped", () => {
    const ops = { timeoutMs: 60_000, wait: false, label: "t", log: () => undefined, polling: { minDelayMs: 1000, maxDelayMs: 1000 } };
    const RUNNING: InstanceState = { state: "ACTIVE", running: true };
    const STOPPED: InstanceState = { state: "SHUTDOWN", running: false, hint: "start it" };

    it("waits for a busy running instance, looking at its state once, and creates when it is free", async () => {
        const { adapter, calls } = busyAdapter(3, RUNNING);
        const clock = fakeClock();
        const r = await new InstanceCoordinator(adapter, "i-1", clock).create({ instanceId: "i-1" }, ops);
        assert.equal(r.started.jobId, "j1");
        assert.deepEqual(calls, ["start", "state", "start", "start", "start"]);
        assert.deepEqual(clock.slept, [1000, 1000, 1000]);
    });

    it("fails a create at once, naming the state and what to do, when the busy instance is stopped", async () => {
        const { adapter, calls } = busyAdapter(99, STOPPED);
        const clock = fakeClock();
        await assert.rejects(new InstanceCoordinator(adapter, "i-1", clock).create({ instanceId: "i-1" }, ops), (e: unknown) =>
            e instanceof InstanceNotRunningError && /instance i-1 is SHUTDOWN, not running/.test(e.message) && /Busy: another operation runs/.test(e.message) && /Next: start it/.test(e.message));
        assert.deepEqual(calls, ["start", "state"]);
        assert.deepEqual(clock.slept, [], "no waiting");
    });

    it("gives each start what is left of the resource's timeout, so a start's own resends stop there too", async () => {
        const { adapter } = busyAdapter(2, RUNNING);
        const given: Array<number | undefined> = [];
        const start = adapter.startBackup.bind(adapter);
        adapter.startBackup = req => { given.push(req.timeoutMs); return start(req); };
        await new InstanceCoordinator(adapter, "i-1", fakeClock()).create({ instanceId: "i-1" }, ops);
        assert.deepEqual(given, [60_000, 59_000, 58_000]);
    });

    it("waits as for a busy instance when the state cannot be read", async () => {
        const { adapter, calls } = busyAdapter(1, undefined);
        await new InstanceCoordinator(adapter, "i-1", fakeClock()).create({ instanceId: "i-1" }, ops);
        assert.deepEqual(calls, ["start", "state", "start"]);
    });

    it("asks a delete again once the busy instance is free, without other waiting", async () => {
        const { adapter, calls } = busyAdapter(2, RUNNING);
        const clock = fakeClock();
        const outcomes = await new InstanceCoordinator(adapter, "i-1", clock).deleteNow(["a", "b"], { polling: ops.polling });
        assert.deepEqual(outcomes.map(o => [o.backupId, o.result]), [["a", "deleted"], ["b", "deleted"]]);
        assert.deepEqual(calls, ["delete a,b", "state", "delete a,b", "delete a,b"]);
    });

    it("fails the busy ids of a delete at once when the instance is stopped, keeping the cloud's code", async () => {
        const { adapter, calls } = busyAdapter(99, STOPPED);
        const [o] = await new InstanceCoordinator(adapter, "i-1", fakeClock()).deleteNow(["a"]);
        assert.deepEqual([o.result, o.code], ["failed", "Busy"]);
        assert.match(o.message ?? "", /instance i-1 is SHUTDOWN, not running.*Next: start it/);
        assert.deepEqual(calls, ["delete a", "state"]);
    });

    it("keeps waiting through a later delete round that fails after its retries", async () => {
        const { adapter, calls } = busyAdapter(1, RUNNING);
        let failOnce = true;
        const deleteBackups = adapter.deleteBackups.bind(adapter);
        adapter.deleteBackups = async (i, ids) => {
            if (calls.length === 2 && failOnce) {
                failOnce = false;
                throw new CloudError({ service: "Test Cloud", operation: "Delete", code: "ServiceUnavailable", kind: "server", httpStatus: 503, cloudMessage: "try again" });
            }
            return deleteBackups(i, ids);
        };
        const [o] = await new InstanceCoordinator(adapter, "i-1", fakeClock()).deleteNow(["a"], { polling: ops.polling });
        assert.equal(o.result, "deleted");
        assert.deepEqual(calls, ["delete a", "state", "delete a"]);
    });

    it("at the timeout, a delete still refused as busy keeps its refusal and says it waited", async () => {
        const { adapter } = busyAdapter(99, RUNNING);
        const clock = fakeClock();
        const [o] = await new InstanceCoordinator(adapter, "i-1", clock).deleteNow(["a"], { timeoutMs: 5000, polling: ops.polling });
        assert.deepEqual([o.result, o.code, o.stillBusy], ["failed", "Busy", true]);
        assert.match(o.message ?? "", /still busy after waiting 5s/);
        assert.equal(clock.now(), 5000);
    });

    it("answers each gathered delete at its own caller's limit, and does not ask for that backup again", async () => {
        // Busy for the first 4 rounds (1 s apart): the 2.5 s caller gives up, the 60 s caller's backup is deleted.
        const { adapter, calls } = busyAdapter(4, RUNNING);
        const clock = fakeClock();
        const c = new InstanceCoordinator(adapter, "i-1", clock);
        const answeredAt: Record<string, number> = {};
        const ask = (id: string, timeoutMs: number) => c.deleteGathered(id, { timeoutMs, polling: ops.polling }).then(o => { answeredAt[id] = clock.now(); return o; });
        const [short, long] = await Promise.all([ask("short", 2500), ask("long", 60_000)]);
        assert.deepEqual([short.result, short.stillBusy, short.code], ["failed", true, "Busy"]);
        assert.equal(answeredAt.short, 2500, "answered at its limit, not when the batch ended");
        assert.deepEqual([long.result, long.stillBusy], ["deleted", undefined]);
        assert.deepEqual(calls, ["delete short,long", "state", "delete short,long", "delete short,long", "delete long", "delete long"]);
        assert.deepEqual(clock.slept, [1000, 1000, 500, 1000], "one wait ends at the short caller's limit");
    });
});

describe("poll schedule", () => {
    const base = { minDelayMs: 2000, maxDelayMs: 30_000 };
    const simulate = (jobMs: number, expectedMs?: number) => {
        let t = 0, polls = 0;
        for (let attempt = 0; ; attempt++) {
            polls++;
            if (t >= jobMs) return { polls, lateMs: t - jobMs };
            t += nextPollDelay({ ...base, attempt, elapsedMs: t, expectedMs });
        }
    };

    it("waits half the running time, from the poll interval to the maximum, when nothing is known", () => {
        assert.deepEqual([0, 10_000, 40_000, 100_000].map((elapsedMs, attempt) => nextPollDelay({ ...base, attempt, elapsedMs })), [2000, 5000, 20_000, 30_000]);
        const short = simulate(15_000);
        assert.ok(short.lateMs <= 7500, `a 15 s job noticed ${short.lateMs} ms late (doubling: 15 000)`);
    });

    it("notices a 10-minute job like the earlier ones with at most 12 polls and within 10% of its duration", () => {
        const r = simulate(600_000, 600_000);
        assert.ok(r.polls <= 12, `${r.polls} polls`);
        assert.ok(r.lateMs <= 60_000, `${r.lateMs} ms late`);
    });

    it("still notices a job that ends much earlier than expected within an eighth of the expected duration", () => {
        const r = simulate(120_000, 600_000);
        assert.ok(r.lateMs <= 75_000, `${r.lateMs} ms late`);
    });

    for (const [expectedMin, jobMs, maxPolls] of [[8, 600_000, 12], [12, 600_000, 12], [10, 605_000, 12], [10, 900_000, 16]] as const) {
        it(`notices a ${jobMs / 1000} s job with at most ${maxPolls} polls within 10% of its duration when earlier ones took ${expectedMin} min`, () => {
            const r = simulate(jobMs, expectedMin * 60_000);
            assert.ok(r.polls <= maxPolls, `${r.polls} polls`);
            assert.ok(r.lateMs <= jobMs / 10, `${r.lateMs} ms late`);
        });
    }

    it("past the expected end, or with nothing known once a tenth exceeds the maximum delay, waits a tenth of the running time", () => {
        assert.equal(nextPollDelay({ ...base, attempt: 20, elapsedMs: 700_000, expectedMs: 600_000 }), 70_000);
        assert.equal(nextPollDelay({ ...base, attempt: 20, elapsedMs: 700_000 }), 70_000);
        assert.equal(nextPollDelay({ ...base, attempt: 20, elapsedMs: 100_000 }), 30_000, "the maximum delay until a tenth of the running time exceeds it");
        const twoHours = simulate(7_200_000);
        assert.ok(twoHours.polls <= 55 && twoHours.lateMs <= 720_000, `${twoHours.polls} polls, ${twoHours.lateMs} ms late (a poll per maximum delay would be 240)`);
    });

    it("estimates the end from the cloud's progress", () => {
        assert.equal(nextPollDelay({ ...base, attempt: 3, elapsedMs: 100_000, progress: "50%" }), 30_000, "at most an eighth of the expected 200 s, or the maximum delay");
        assert.equal(nextPollDelay({ ...base, attempt: 3, elapsedMs: 400_000, progress: "50%" }), 100_000, "an eighth of the expected 800 s");
        assert.equal(nextPollDelay({ ...base, attempt: 3, elapsedMs: 90_000, progress: "90%" }), 10_000, "sleeps to the expected end");
    });
});

describe("instance coordinator: the instance's engine", () => {
    /** An adapter whose engine read answers with `answers` in turn (an Error is thrown), after `delayMs`. */
    function engineAdapter(answers: Array<string | undefined | Error>, delayMs = 5) {
        const calls: string[] = [];
        const adapter: BackupAdapter = {
            ...recordingAdapter([]).adapter,
            async instanceEngine(id) {
                calls.push(`engine ${id}`);
                await new Promise(r => setTimeout(r, delayMs));
                const a = answers.shift();
                if (a instanceof Error) throw a;
                return a;
            },
        };
        return { adapter, calls };
    }

    it("is read once for concurrent callers and kept", async () => {
        const { adapter, calls } = engineAdapter(["MySQL"]);
        const c = new InstanceCoordinator(adapter, "i-1");
        assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map(() => c.engine())), Array(5).fill("MySQL"));
        assert.equal(await c.engine({ again: true }), "MySQL", "a known engine is not read again, even by a create");
        assert.deepEqual(calls, ["engine i-1"]);
    });

    it("after a failed read, answers undefined without a call; a caller that must know reads again", async () => {
        const { adapter, calls } = engineAdapter([new CloudError({ service: "Test Cloud", operation: "ListInstances", code: "Forbidden", kind: "client", httpStatus: 403, cloudMessage: "no" }), "SQLServer"]);
        const c = new InstanceCoordinator(adapter, "i-1");
        assert.equal(await c.engine(), undefined);
        assert.equal(await c.engine(), undefined);
        assert.deepEqual(calls, ["engine i-1"]);
        assert.equal(await c.engine({ again: true }), "SQLServer");
        assert.equal(await c.engine(), "SQLServer");
        assert.deepEqual(calls, ["engine i-1", "engine i-1"]);
    });

    it("waits at most withinMs, and keeps a late answer for later callers", async () => {
        // The read takes a second: far more than withinMs, with room for a loaded machine's timer delays.
        const { adapter, calls } = engineAdapter(["PostgreSQL"], 1000);
        const c = new InstanceCoordinator(adapter, "i-1");
        const started = Date.now();
        assert.equal(await c.engine({ withinMs: 20 }), undefined);
        assert.ok(Date.now() - started < 800, `did not wait for the slow read (${Date.now() - started} ms)`);
        assert.equal(await c.engine(), "PostgreSQL");
        assert.deepEqual(calls, ["engine i-1"]);
    });

    it("is undefined, without a call, on a service that has no such read", async () => {
        const { adapter, calls } = recordingAdapter([]);
        assert.equal(await new InstanceCoordinator(adapter, "i-1").engine({ again: true }), undefined);
        assert.deepEqual(calls, []);
    });
});
