/**
 * Stacks written before `ManualBackup` and `BackupRetentionSet` became
 * components (one dynamic resource each, waiting inside its create) move
 * over to the two steps by themselves: the step that starts the backups
 * takes over the earlier resource through an alias. Checked on each
 * service: the preview shows no replacement and no delete, the `up` makes
 * and deletes no backup (counted by the emulator), the ids stay, and a
 * destroy afterwards deletes exactly those backups.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALL_INSTANCES, CASES, idOf, isLive, madeByApi } from "./cases";
import { startWorld, World } from "../support/world";

/** A resource declared the way the previous release did: one dynamic resource with the package's shim. */
class PreviousRelease extends pulumi.dynamic.Resource { }

const TYPES = ["pulumi-nodejs:dynamic/dbbackups:ManualBackup", "pulumi-nodejs:dynamic/dbbackups:BackupRetentionSet"];

for (const c of CASES) {
    describe(`a stack of the previous release moves to the two steps on ${c.title}`, function () {
        this.timeout(300_000);
        let w: World;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });

        it("with no replacement, no backup made or deleted, the same ids, and destroy deleting them", async () => {
            const engine = w.newEngine();
            const target = { ...c.args, instanceId: c.instanceA };
            const previous = () => {
                const who = { project: pulumi.getProject(), stack: pulumi.getStack() };
                const b = new PreviousRelease(require("../../sdk/shims/manual-backup"), "before-migration", {
                    ...target, resourceName: "before-migration", ...who, backupId: undefined, status: undefined,
                }, undefined, "dbbackups", "ManualBackup");
                const s = new PreviousRelease(require("../../sdk/shims/backup-retention-set"), "nightly", {
                    ...target, labels: ["n1", "n2"], resourceName: "nightly", ...who, backups: undefined, backupIds: undefined,
                }, undefined, "dbbackups", "BackupRetentionSet");
                return { backupId: (b as any).backupId, setIds: (s as any).backupIds };
            };
            const current = () => {
                const b = new ManualBackup("before-migration", target);
                const s = new BackupRetentionSet("nightly", { ...target, labels: ["n1", "n2"] });
                return { backupId: b.backupId, setIds: s.backupIds, status: b.status };
            };
            const first = await engine.up(previous);
            assert.ok(first.ok, first.errors.join("\n"));
            const oldUrns = engine.state.resources.map(r => r.urn).sort();
            assert.deepEqual(engine.state.resources.map(r => r.type).sort(), [...TYPES].sort());
            const ids = [String(first.outputs.backupId), ...(first.outputs.setIds as string[])].sort();
            assert.equal(ids.length, 3);

            const plan = await engine.preview(current);
            assert.ok(plan.ok, plan.errors.join("\n"));
            const ops = plan.steps.map(s => `${s.op} ${s.type}`);
            assert.ok(!plan.steps.some(s => s.op === "replace" || s.op === "delete"), ops.join("\n"));

            await w.admin.resetCalls();
            const moved = await engine.up(current);
            assert.ok(moved.ok, moved.errors.join("\n"));
            const calls = await w.admin.calls();
            const mutations = Object.values(calls[c.serviceKey] ?? {}).reduce((n, a) => n + a.mutations, 0);
            assert.equal(mutations, 0, `the move made or deleted backups: ${JSON.stringify(calls[c.serviceKey])}`);
            assert.equal(moved.outputs.backupId, first.outputs.backupId);
            assert.deepEqual(moved.outputs.setIds, first.outputs.setIds);
            assert.equal(moved.outputs.status, "COMPLETED");
            // The earlier URNs are gone from the state, taken over by the steps that start the backups, under the components.
            const starts = engine.state.resources.filter(r => TYPES.includes(r.type));
            assert.equal(starts.length, 2);
            for (const r of starts) {
                assert.ok(!oldUrns.includes(r.urn), r.urn);
                assert.match(r.urn, /::dbbackups:sdk:(ManualBackup|BackupRetentionSet)\$pulumi-nodejs:dynamic\/dbbackups:/);
            }
            const live = (await w.admin.backupsOf(c.serviceKey, c.instanceA)).filter(madeByApi).filter(isLive).map(idOf).sort();
            assert.deepEqual(live, ids);

            const again = await engine.preview(current);
            assert.deepEqual(again.steps.map(s => s.op), again.steps.map(() => "same"), `a second run changes nothing: ${JSON.stringify(again.steps.map(s => [s.op, s.type]))} ${JSON.stringify(engine.state.resources.filter(r => r.type.endsWith("BackupWait")).map(r => ({ i: { ...r.inputs, __provider: 0 }, o: { ...r.outputs, __provider: 0 }, e: r.initErrors })))}`);

            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual((await w.admin.backupsOf(c.serviceKey, c.instanceA)).filter(madeByApi).filter(isLive), []);
        });
    });
}
