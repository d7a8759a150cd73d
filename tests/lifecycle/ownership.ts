/**
 * Ownership: a resource takes over or deletes only the backups it can prove
 * it created (its owner marker), or that the user named explicitly. Each case
 * pins a way a backup nobody meant to hand over was taken or deleted. Shared
 * by the per-service files `ownership.<service>.test.ts`, so the parallel
 * runner's workers share the services out.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALL_INSTANCES, CloudCase, idOf, isLive } from "./cases";
import { startWorld, World } from "../support/world";

const live = async (w: World, c: CloudCase, instanceId: string) => (await w.admin.backupsOf(c.serviceKey, instanceId)).filter(isLive);

/** The ownership suites for one service (the name-clash cases are Huawei's: Alibaba names no backup). */
export function ownershipSuites(c: CloudCase): void {
describe("Ownership of backups (through the dynamic-provider host)", function () {
    this.timeout(180_000);
    let w: World;
    before(async () => { w = await startWorld(ALL_INSTANCES); });
    after(async () => { await w?.close(); });

    if (c.args.cloud === "huaweicloud") {
        describe(`on ${c.title}`, () => {
            it("refuses to take over a hand-made backup of the same name, and leaves it alone", async () => {
                const { backupId } = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, name: "before-upgrade", ageDays: 30 });
                await w.admin.resetCalls();
                const engine = w.newEngine();
                const up = await engine.up(() => { new ManualBackup("before-upgrade", { ...c.args, instanceId: c.instanceA, name: "before-upgrade" }); });
                assert.equal(up.ok, false);
                const text = up.errors.join("\n");
                assert.match(text, /a backup named before-upgrade already exists/);
                assert.match(text, new RegExp(`adoptBackupId: "${backupId}"`));
                assert.match(text, /choose another name/);
                assert.deepEqual(engine.view.resources, [], "nothing recorded");
                assert.equal((await w.admin.calls())[c.serviceKey][c.createAction]?.mutations ?? 0, 0, "nothing created");
                assert.ok((await engine.destroy()).ok);
                assert.ok((await live(w, c, c.instanceA)).some(b => idOf(b) === backupId), "the hand-made backup still exists");
                await w.admin.removeBackup(c.serviceKey, backupId);
            });

            it("gives two stacks with the same resource name their own backups; destroying one keeps the other's", async () => {
                const program = () => { new ManualBackup("nightly", { ...c.args, instanceId: c.instanceB }); };
                const dev = w.newEngine({ stack: "dev" });
                const prod = w.newEngine({ stack: "prod" });
                const other = w.newEngine({ project: "other-project", stack: "dev" });
                for (const e of [dev, prod, other]) { const r = await e.up(program); assert.ok(r.ok, r.errors.join("\n")); }
                const ids = [dev, prod, other].map(e => String(e.view.resources[0].outputs.backupId));
                const names = [dev, prod, other].map(e => String(e.view.resources[0].outputs.name));
                assert.equal(new Set(ids).size, 3, "three backups");
                assert.equal(new Set(names).size, 3, "three default names");
                assert.ok((await dev.destroy()).ok);
                const left = (await live(w, c, c.instanceB)).map(idOf);
                assert.ok(!left.includes(ids[0]));
                assert.ok(left.includes(ids[1]) && left.includes(ids[2]), "the other stacks' backups survive");
                assert.ok((await prod.destroy()).ok);
                assert.ok((await other.destroy()).ok);
            });

            it("refuses to adopt a backup another resource's marker names, unless adoptOwned is set", async () => {
                const a = w.newEngine({ stack: "a" });
                assert.ok((await a.up(() => { new ManualBackup("origin", { ...c.args, instanceId: c.instanceA }); })).ok);
                const theirs = String(a.view.resources[0].outputs.backupId);
                const b = w.newEngine({ stack: "b" });
                const refused = await b.up(() => { new ManualBackup("taker", { ...c.args, instanceId: c.instanceA, adoptBackupId: theirs }); });
                assert.equal(refused.ok, false);
                assert.match(refused.errors.join("\n"), /owner marker of another Pulumi resource.*adoptOwned: true/s);
                assert.equal(b.view.resources.length, 0);
                const taken = await b.up(() => { new ManualBackup("taker", { ...c.args, instanceId: c.instanceA, adoptBackupId: theirs, adoptOwned: true }); });
                assert.ok(taken.ok, taken.errors.join("\n"));
                assert.equal(b.view.resources[0].outputs.backupId, theirs);
                assert.ok((await b.destroy()).ok);
                a.state.resources.length = 0; // its backup went with the adopter
            });

            it("takes a retention-set member back after a lost create answer, and refuses a foreign backup of the member's name", async () => {
                const program = (labels: string[]) => () => { new BackupRetentionSet("weekly", { ...c.args, instanceId: c.batchInstance, labels }); };
                const first = w.newEngine();
                assert.ok((await first.up(program(["w1"]))).ok);
                const id = String((first.view.resources[0].outputs.backups as any).w1.backupId);
                // The run died after the create: the next run starts without state.
                const second = w.newEngine();
                await w.admin.resetCalls();
                const up = await second.up(program(["w1"]));
                assert.ok(up.ok, up.errors.join("\n"));
                assert.equal((second.view.resources[0].outputs.backups as any).w1.backupId, id, "the same backup");
                assert.equal((await w.admin.calls())[c.serviceKey][c.createAction]?.mutations ?? 0, 0, "no second backup");
                // Someone made a backup by hand with the name the next label would get.
                const { backupId: handMade } = await w.admin.addBackup(c.serviceKey, { instanceId: c.batchInstance, name: "weekly-w2" });
                const clash = await second.up(program(["w1", "w2"]));
                assert.equal(clash.ok, false);
                assert.match(clash.errors.join("\n"), /label w2.*backup named weekly-w2 already exists.*adopt: \{ "w2"/s);
                assert.ok((await second.destroy()).ok);
                const left = (await live(w, c, c.batchInstance)).map(idOf);
                assert.ok(left.includes(handMade), "the hand-made backup is untouched");
                assert.ok(!left.includes(id));
                await w.admin.removeBackup(c.serviceKey, handMade);
            });

            it("frees its name from its own failed backup left in the cloud, then creates the backup", async () => {
                const program = () => { new ManualBackup("phoenix", { ...c.args, instanceId: c.instanceA, name: "phoenix-1" }); };
                await w.admin.patchInstance(c.serviceKey, c.instanceA, { failNextBackup: true });
                // The clean-up of the failed backup is refused once, so it stays in the cloud holding the name.
                for (const action of c.deleteActions) await w.admin.fault({ service: c.serviceKey, action, status: 400, code: "DBS.200001", message: "refused", times: 1 });
                const engine = w.newEngine();
                assert.equal((await engine.up(program)).ok, false);
                const held = (await w.admin.backupsOf(c.serviceKey, c.instanceA)).find(b => b.name === "phoenix-1" && isLive(b));
                assert.ok(held, "the failed backup holds the name");
                await w.admin.clearFaults();
                const up = await engine.up(program);
                assert.ok(up.ok, up.errors.join("\n"));
                const id = String(engine.view.resources[0].outputs.backupId);
                assert.notEqual(id, idOf(held));
                assert.ok(!(await live(w, c, c.instanceA)).some(b => idOf(b) === idOf(held)), "the failed backup was deleted");
                assert.ok((await engine.destroy()).ok);
            });

            it("rejects, at preview, labels that become one backup name, naming both", async () => {
                await w.admin.resetCalls();
                const plan = await w.newEngine().preview(() => { new BackupRetentionSet("rel", { ...c.args, instanceId: c.batchInstance, labels: ["v1.0", "v1-0"] }); });
                assert.equal(plan.ok, false);
                const f = plan.steps[0].failures ?? [];
                // The SDK sends the labels keyed (sorted): the failure names the second label as its key.
                assert.ok(f.some(x => x.property === "labels.v1.0" && /"v1-0" and "v1\.0" both become the Huawei backup name "rel-v1-0"/.test(x.reason)), JSON.stringify(f));
                assert.equal(await w.admin.totalCalls(), 0);
            });

            it("rejects a description that leaves no room for the owner marker, at preview", async () => {
                const plan = await w.newEngine().preview(() => { new ManualBackup("long", { ...c.args, instanceId: c.instanceA, description: "x".repeat(240) }); });
                assert.equal(plan.ok, false);
                assert.ok((plan.steps[0].failures ?? []).some(f => f.property === "description" && /at most 231 characters/.test(f.reason)));
            });
        });
    }

    describe(`adoption on ${c.title}`, () => {
        it("refuses to adopt an automated backup, with ManualBackup and with a retention set", async () => {
            const { backupId } = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, mode: "Automated" });
            const engine = w.newEngine();
            const up = await engine.up(() => { new ManualBackup("auto", { ...c.args, instanceId: c.instanceA, adoptBackupId: backupId }); });
            assert.equal(up.ok, false);
            assert.match(up.errors.join("\n"), /is an automated backup/);
            assert.deepEqual(engine.view.resources, []);
            const set = await engine.up(() => { new BackupRetentionSet("auto-set", { ...c.args, instanceId: c.instanceA, labels: ["a"], adopt: { a: backupId } }); });
            assert.equal(set.ok, false);
            assert.match(set.errors.join("\n"), /label a: backup .* is an automated backup/);
            assert.ok((await engine.destroy()).ok);
            assert.ok((await w.admin.backupsOf(c.serviceKey, c.instanceA)).some(b => idOf(b) === backupId), "the automated backup is untouched");
        });

        it("refuses two resources of one deployment adopting the same backup", async () => {
            const { backupId } = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceB, name: "hand-made-shared" });
            const engine = w.newEngine();
            const up = await engine.up(() => {
                const first = new ManualBackup("first", { ...c.args, instanceId: c.instanceB, adoptBackupId: backupId });
                new ManualBackup("second", { ...c.args, instanceId: c.instanceB, adoptBackupId: backupId }, { dependsOn: [first] });
            });
            assert.equal(up.ok, false);
            assert.match(up.errors.join("\n"), /second.*already held by another resource of this deployment/s);
            assert.deepEqual(engine.view.resources.map(r => r.name), ["first"]);
            assert.ok((await engine.destroy()).ok);
        });

        it("refuses adopt over a label that already holds a backup, at preview, and drops nothing", async () => {
            const engine = w.newEngine();
            const program = (adopt?: Record<string, string>) => () => { new BackupRetentionSet("keep", { ...c.args, instanceId: c.instanceB, labels: ["a"], adopt }); };
            assert.ok((await engine.up(program())).ok);
            const held = String((engine.view.resources[0].outputs.backups as any).a.backupId);
            const { backupId: other } = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceB, name: "hand-made-other" });
            const plan = await engine.preview(program({ a: other }));
            assert.equal(plan.ok, false);
            // The step that started the backup names it as its state knows it: by its id, or (Alibaba, before a refresh) by its job.
            const recorded = (engine.state.resources.find(r => r.type.endsWith(":BackupRetentionSet"))!.outputs.backups as any).a;
            const named = recorded.backupId ?? `job ${recorded.jobId}`;
            assert.match(plan.errors.join("\n"), new RegExp(`label a already holds backup ${named}, so it cannot also adopt ${other}`));
            const up = await engine.up(program({ a: other }));
            assert.equal(up.ok, false);
            assert.equal((engine.view.resources[0].outputs.backups as any).a.backupId, held, "the held backup stays in state");
            assert.ok((await engine.destroy()).ok);
            const left = (await live(w, c, c.instanceB)).map(idOf);
            assert.ok(!left.includes(held), "the held backup was deleted by destroy, not orphaned");
            assert.ok(left.includes(other));
            await w.admin.removeBackup(c.serviceKey, other);
        });
    });
});
}
