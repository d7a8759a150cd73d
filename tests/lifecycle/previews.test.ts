/**
 * What a preview of a BackupRetentionSet shows and refuses: labels sent keyed
 * by label (and the array form older states hold, accepted and upgraded with
 * no change), the deletion budget, and the line naming the backups an update
 * deletes. Diff and Check rules directly, then through the dynamic-provider host.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, rollingLabels } from "../../sdk";
import { keyedLabels } from "../../sdk/retention-set";
import { RetentionSetProvider } from "../../provider/retention-set";
import { ProviderRuntime } from "../../provider/runtime";
import { defaultDeleteBudget, labelsOf, UNKNOWN } from "../../provider/schema";
import { describeMember } from "../../provider/describe";
import { ALL_INSTANCES, HUAWEI_RDS, idOf, isLive } from "./cases";
import { startWorld, World } from "../support/world";
import * as pulumi from "@pulumi/pulumi";

const DAY = 86_400_000;
const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-11-${String(from + i).padStart(2, "0")}`);
const keyed = (labels: string[]) => Object.fromEntries(labels.map(l => [l, true as const]));

/** The state of a set holding one finished backup per label. */
function stateOf(labels: string[], form: "array" | "keyed" = "keyed"): any {
    const backups = Object.fromEntries(labels.map((l, i) => [l, {
        backupId: `bk-${l}`, status: "COMPLETED", cloudStatus: "COMPLETED",
        startedAt: new Date(Date.now() - (labels.length - i) * DAY).toISOString(), sizeBytes: 3 * 1024 ** 3,
    }]));
    return {
        cloud: "huaweicloud", service: "rds", instanceId: "inst-1", waitForCompletion: true, waitTimeout: "30m", onDeleteBlocked: "fail",
        resourceName: "nightly", labels: form === "array" ? labels : keyed(labels), backups, backupIds: labels.map(l => `bk-${l}`),
    };
}
const newsOf = (labels: string[], extra: Record<string, unknown> = {}): any => {
    const { backups: _b, backupIds: _i, ...inputs } = stateOf(labels);
    return { ...inputs, ...extra };
};

describe("BackupRetentionSet previews: Diff and Check rules", () => {
    let lines: string[];
    let provider: RetentionSetProvider;
    beforeEach(() => {
        lines = [];
        provider = new RetentionSetProvider(new ProviderRuntime(l => lines.push(l), undefined));
    });

    it("the SDK sends labels keyed by label; a list naming a label twice goes through as it is, for Check to name", async () => {
        const value = <T>(o: pulumi.Output<T>) => new Promise<T>(resolve => o.apply(v => { resolve(v); return v; }));
        assert.deepEqual(await value(keyedLabels(["2026-11-01", "2026-11-02"])), { "2026-11-01": true, "2026-11-02": true });
        assert.deepEqual(await value(keyedLabels(["a", "a"])), ["a", "a"]);
        assert.deepEqual(labelsOf({ labels: { b: true, a: true } }), ["a", "b"]);
        assert.deepEqual(labelsOf({ labels: ["b", "a"] }), ["b", "a"]);
    });

    it("Check accepts both forms and names a bad label or value in the keyed form", async () => {
        for (const labels of [["2026-11-01"], { "2026-11-01": true }]) {
            const r = await provider.check({}, { ...newsOf([]), labels });
            assert.deepEqual(r.failures.filter(f => f.property.startsWith("labels")), [], JSON.stringify(r.failures));
            assert.deepEqual(r.inputs.labels, labels, "Check returns the labels in the form it got (the CLI diffs that form)");
        }
        const bad = await provider.check({}, { ...newsOf([]), labels: { "no spaces": true, ok: "yes" } });
        assert.ok(bad.failures.some(f => f.property === "labels.no spaces" && /1–64 characters/.test(f.reason)), JSON.stringify(bad.failures));
        assert.ok(bad.failures.some(f => f.property === "labels.ok" && /must be true/.test(f.reason)), JSON.stringify(bad.failures));
        const twice = await provider.check({}, { ...newsOf([]), labels: ["a", "a"] });
        assert.ok(twice.failures.some(f => f.property === "labels.1" && /duplicate label "a"/.test(f.reason)), JSON.stringify(twice.failures));
        const neg = await provider.check({}, { ...newsOf(["a"]), maxDeletesPerUpdate: -1 });
        assert.ok(neg.failures.some(f => f.property === "maxDeletesPerUpdate"), JSON.stringify(neg.failures));
    });

    it("a state holding the array form upgrades to the keyed form with no change (same labels, any order)", async () => {
        const labels = days(1, 7);
        const r = await provider.diff("id", stateOf([...labels].reverse(), "array"), newsOf(labels, { resourceUrn: "urn:pulumi:dev::p::t::nightly" }));
        assert.deepEqual(r, { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(lines, [], "nothing announced");
    });

    it("a one-night roll from the array form is an update naming one label created and one backup deleted, with age and size", async () => {
        const r = await provider.diff("id", stateOf(days(1, 7), "array"), newsOf(days(2, 8)));
        assert.equal(r.changes, true);
        assert.equal(lines.length, 1);
        assert.match(lines[0], /this update creates backups for labels 2026-11-08 and deletes backups bk-2026-11-01 \(label 2026-11-01, 7 days old, 3\.0 GiB\) on inst-1$/);
    });

    it("the default budget: fewer than half of the set, at least 2, at most 4", () => {
        assert.deepEqual([1, 2, 3, 5, 6, 7, 8, 9, 10, 23, 100].map(defaultDeleteBudget), [2, 2, 2, 2, 2, 3, 3, 4, 4, 4, 4]);
    });

    it("the default budget lets a roll, a missed night and a month boundary pass, and refuses keep 7 → 1 naming the count and the labels", async () => {
        // 7 nights: one roll (1), a missed night (2), then 4 of 7 leaving is refused.
        await provider.diff("id", stateOf(days(1, 7)), newsOf(days(2, 8)));
        await provider.diff("id", stateOf(days(1, 7)), newsOf(days(3, 9)));
        // A tiered set (7 daily, 4 weekly, 12 monthly): at a month boundary after a missed night, 2 daily + 1 weekly + 1 monthly leave.
        const tiered = [...days(1, 7), "2026-W40", "2026-W41", "2026-W42", "2026-W43", ...Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, "0")}`)];
        const rolled = [...days(3, 9), "2026-W41", "2026-W42", "2026-W43", "2026-W44", ...Array.from({ length: 11 }, (_, i) => `2025-${String(i + 2).padStart(2, "0")}`), "2026-01"];
        await provider.diff("id", stateOf(tiered), newsOf(rolled));

        await assert.rejects(provider.diff("id", stateOf(days(1, 7)), newsOf(days(7, 7))), (err: Error) => {
            assert.match(err.message, /^deletion budget: this update would delete 6 backups, more than the 3 allowed \(the default maxDeletesPerUpdate for a set holding 7 backups/);
            for (const l of days(1, 6)) assert.ok(err.message.includes(`bk-${l} (label ${l}`), err.message);
            assert.match(err.message, /Nothing was created or deleted\. Next: if this is intended, set maxDeletesPerUpdate: 6 on nightly/);
            return true;
        });
        await assert.rejects(provider.diff("id", stateOf(days(1, 7)), newsOf([])), /would delete 7 backups/, "a label list emptied by a bug");
    });

    it("maxDeletesPerUpdate raises or lowers the budget; 0 refuses every delete", async () => {
        const r = await provider.diff("id", stateOf(days(1, 7)), newsOf(days(7, 7), { maxDeletesPerUpdate: 6 }));
        assert.equal(r.changes, true);
        await assert.rejects(provider.diff("id", stateOf(days(1, 7)), newsOf(days(2, 8), { maxDeletesPerUpdate: 0 })), /more than the 0 allowed \(maxDeletesPerUpdate\)/);
    });

    it("a replacement deletes the whole set and is budgeted too; the update path refuses as the preview did", async () => {
        await assert.rejects(provider.diff("id", stateOf(days(1, 7)), newsOf(days(1, 7), { instanceId: "inst-2" })),
            /this replacement would delete 7 backups, more than the 3 allowed .*otherwise correct the instanceId/s);
        const r = await provider.diff("id", stateOf(days(1, 7)), newsOf(days(1, 7), { instanceId: "inst-2", maxDeletesPerUpdate: 7 }));
        assert.deepEqual(r.replaces, ["instanceId"]);
        assert.match(lines.at(-1)!, /this replacement creates backups for labels 2026-11-01, .* and deletes backups bk-2026-11-01 .* on inst-2 \(a replacement/);
        await assert.rejects(provider.update("id", stateOf(days(1, 7)), newsOf([])), /deletion budget: this update would delete 7 backups/);
    });

    it("refused deletes being retried and failed backups set aside do not count; unknown labels at preview are judged at the update", async () => {
        const olds = stateOf(days(1, 7));
        for (const l of days(1, 3)) olds.backups[`${l}-old`] = { ...olds.backups[l], backupId: `bk-${l}-old`, pendingDelete: { code: "Blocked", reason: "r", since: "2026-11-01T00:00:00Z" } };
        olds.backups["2026-11-05~failed-bk-x"] = { backupId: "bk-x", status: "FAILED", cloudStatus: "FAILED" };
        await provider.diff("id", olds, newsOf(days(2, 8)));
        assert.match(lines.at(-1)!, /bk-2026-11-01-old \(label 2026-11-01-old, .*retrying a refused delete\)/);
        assert.match(lines.at(-1)!, /bk-x \(failed backup\)/);
        const r = await provider.diff("id", stateOf(days(1, 7)), newsOf([], { labels: UNKNOWN }));
        assert.equal(r.changes, true);
    });

    it("labels with minCompleted: the preview defers the newest completed backup and the budget leaves it out; without it nothing changes", async () => {
        await provider.diff("id", stateOf(days(1, 7)), newsOf([], { minCompleted: 1, maxDeletesPerUpdate: 6 }));
        assert.match(lines.at(-1)!, /deletes backups bk-2026-11-01 .* and defers deleting bk-2026-11-07 \(label 2026-11-07, .*\): fewer than minCompleted 1 completed backups would remain/);
        await assert.rejects(provider.diff("id", stateOf(days(1, 7)), newsOf([], { maxDeletesPerUpdate: 6 })), /would delete 7 backups/, "labels have no floor unless minCompleted is set");
    });

    it("names a backup by id, label, age and size", () => {
        const now = Date.parse("2026-11-08T00:00:00Z");
        assert.equal(describeMember("2026-11-01", { backupId: "b1", finishedAt: "2026-11-01T00:00:00Z", sizeBytes: 1.5 * 1024 ** 3 }, now), "b1 (label 2026-11-01, 7 days old, 1.5 GiB)");
        assert.equal(describeMember("x", { backupId: "b2", startedAt: "2026-11-07T19:00:00Z", sizeBytes: 200 * 1024 ** 2 }, now), "b2 (label x, 5 h old, 200.0 MiB)");
        assert.equal(describeMember("y", { jobId: "j1" }, now), "job j1 (label y)");
        // A member handed over to the wait step is not a refused delete: it goes once the new backups have completed.
        assert.equal(describeMember("z", { backupId: "b3", pendingDelete: { code: "AfterNewBackups" } }, now), "b3 (label z, deleted once the new backups have completed)");
        assert.equal(describeMember("z", { backupId: "b3", pendingDelete: { code: "InstanceBusy" } }, now), "b3 (label z, retrying a refused delete)");
    });
});

describe("BackupRetentionSet previews through the dynamic-provider host", function () {
    this.timeout(300_000);
    let w: World;
    before(async () => { w = await startWorld(ALL_INSTANCES); });
    after(async () => { await w?.close(); });
    const c = HUAWEI_RDS;

    it("a state written by the previous release (array labels) previews as unchanged and its up makes and deletes nothing", async () => {
        const engine = w.newEngine();
        const who = () => ({ project: pulumi.getProject(), stack: pulumi.getStack() });
        // What the previous release stored: one dynamic resource, the labels as a list, no resourceUrn, every backup waited for.
        const previous = () => {
            new PreviousRelease(require("../../sdk/shims/backup-retention-set"), "legacy", {
                ...c.args, instanceId: c.instanceB, labels: days(1, 3), resourceName: "legacy", ...who(), backups: undefined, backupIds: undefined,
            }, undefined, "dbbackups", "BackupRetentionSet");
        };
        const up = await engine.up(previous);
        assert.ok(up.ok, up.errors.join("\n"));
        const [res] = engine.state.resources;
        assert.deepEqual(res.inputs.labels, days(1, 3), "the previous release's state holds the array form");
        const ids = Object.values(res.outputs.backups as Record<string, any>).map(m => m.backupId).sort();
        const program = () => { new BackupRetentionSet("legacy", { ...c.args, instanceId: c.instanceB, labels: days(1, 3) }); };
        await w.admin.resetCalls();
        w.logs.length = 0;
        const plan = await engine.preview(program);
        assert.ok(plan.ok, plan.errors.join("\n"));
        // The set's resource moves under the component by its alias, neither replaced nor deleted; the only new step is the
        // wait step, which owns nothing. The set's step is an update of its bookkeeping inputs only (it now starts backups
        // without waiting, the wait step does the rest): no label, backup or retention input changes, and no backup is announced.
        const ops = plan.steps.map(s => `${s.op} ${s.type}`).sort();
        assert.deepEqual(ops, ["create pulumi-nodejs:dynamic/dbbackups:BackupWait", "update pulumi-nodejs:dynamic/dbbackups:BackupRetentionSet"], ops.join("\n"));
        const changed = plan.steps.find(s => s.type.endsWith(":BackupRetentionSet"))!.changedKeys ?? [];
        assert.ok(changed.includes("waitForCompletion") && changed.every(k => ["labels", "waitForCompletion", "deferDeletes", "resourceUrn"].includes(k)), changed.join(", "));
        assert.ok(!w.logs.some(l => /this update (creates|deletes)/.test(l)), w.logs.join("\n"));
        const again = await engine.up(program);
        assert.ok(again.ok, again.errors.join("\n"));
        const calls = (await w.admin.calls())[c.serviceKey] ?? {};
        assert.equal(Object.values(calls).reduce((n, x) => n + x.mutations, 0), 0, `nothing created or deleted: ${JSON.stringify(calls)}`);
        const start = engine.state.resources.find(r => r.type === "pulumi-nodejs:dynamic/dbbackups:BackupRetentionSet")!;
        assert.deepEqual(start.inputs.labels, keyed(days(1, 3)), "the inputs now hold the keyed form");
        assert.deepEqual([...(engine.view.resources[0].outputs.backupIds as string[])].sort(), ids, "the same backups");
        assert.deepEqual(live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).filter((b: any) => ids.includes(idOf(b))).length, 3);
        const settled = await engine.preview(program);
        assert.deepEqual(settled.steps.map(s => s.op), settled.steps.map(() => "same"), "a second run changes nothing");
        assert.ok((await engine.destroy()).ok);
        assert.deepEqual(live(await w.admin.backupsOf(c.serviceKey, c.instanceB)).filter((b: any) => ids.includes(idOf(b))), [], "destroy deletes them");
    });

    it("keep 7 → 1 is refused at preview and at up; nothing is created or deleted", async () => {
        const engine = w.newEngine();
        let keep = 7;
        const program = () => { new BackupRetentionSet("nightly", { ...c.args, instanceId: c.instanceA, labels: rollingLabels({ every: "day", keep, now: "2026-11-20T02:00:00Z" }) }); };
        assert.ok((await engine.up(program)).ok);
        const before = live(await w.admin.backupsOf(c.serviceKey, c.instanceA)).map(idOf).sort();
        keep = 1;
        await w.admin.resetCalls();
        const plan = await engine.preview(program);
        assert.equal(plan.ok, false);
        assert.match(plan.errors.join("\n"), /deletion budget: this update would delete 6 backups, more than the 3 allowed/);
        const up = await engine.up(program);
        assert.equal(up.ok, false);
        assert.match(up.errors.join("\n"), /deletion budget/);
        const calls = (await w.admin.calls())[c.serviceKey] ?? {};
        assert.equal(Object.values(calls).reduce((n, x) => n + x.mutations, 0), 0, JSON.stringify(calls));
        assert.deepEqual(live(await w.admin.backupsOf(c.serviceKey, c.instanceA)).map(idOf).sort(), before);
        assert.ok((await engine.destroy()).ok, "destroy is not budgeted");
        assert.deepEqual(live(await w.admin.backupsOf(c.serviceKey, c.instanceA)), []);
    });
});

const live = (bs: any[]) => bs.filter(isLive);

/** A resource declared the way the previous release did: one dynamic resource with the package's shim. */
class PreviousRelease extends pulumi.dynamic.Resource { }
