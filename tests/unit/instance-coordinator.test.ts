/**
 * The instance coordinator on a recording adapter: what it shares (one
 * listing), what it gathers (deletes), what it leaves out (ids the listing
 * marks not deletable) and how its poll schedule follows the job.
 */
import { strict as assert } from "assert";
import type { BackupAdapter, CloudBackup, DeleteOutcome } from "../../provider/clouds/adapter";
import { InstanceCoordinator, nextPollDelay } from "../../provider/instance";

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

    it("doubles from the poll interval to the maximum when nothing is known", () => {
        assert.deepEqual([0, 1, 2, 3, 4, 5].map(attempt => nextPollDelay({ ...base, attempt, elapsedMs: 0 })), [2000, 4000, 8000, 16000, 30000, 30000]);
    });

    it("notices a 10-minute job like the earlier ones with at most 12 polls and within 10% of its duration", () => {
        const r = simulate(600_000, 600_000);
        assert.ok(r.polls <= 12, `${r.polls} polls`);
        assert.ok(r.lateMs <= 60_000, `${r.lateMs} ms late`);
    });

    it("still notices a job that ends much earlier than expected within a tenth of the expected duration", () => {
        const r = simulate(120_000, 600_000);
        assert.ok(r.lateMs <= 60_000, `${r.lateMs} ms late`);
    });

    it("estimates the end from the cloud's progress", () => {
        assert.equal(nextPollDelay({ ...base, attempt: 3, elapsedMs: 100_000, progress: "50%" }), 30_000, "capped at the ceiling");
        assert.equal(nextPollDelay({ ...base, attempt: 3, elapsedMs: 90_000, progress: "90%" }), 10_000, "sleeps to the expected end");
    });
});
