/**
 * ManualBackup end to end: the real dynamic-provider host from @pulumi/pulumi,
 * driven over gRPC as the engine does, against the emulator's real HTTP
 * services. One shared suite, run once per cloud/service.
 */
import { strict as assert } from "assert";
import { ManualBackup } from "../../sdk";
import { CASES, ALL_INSTANCES, ALICLOUD, CloudCase, idOf, isLive, madeByApi } from "./cases";
import { startWorld, World } from "../support/world";
import { Engine } from "../support/engine";

const ours = async (w: World, c: CloudCase, instanceId: string) =>
    (await w.admin.backupsOf(c.serviceKey, instanceId)).filter(madeByApi);

for (const c of CASES) {
    describe(`ManualBackup lifecycle on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(300_000); // six runs in the first test, each starting a provider host: room for a loaded machine
        let w: World;
        let engine: Engine;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });
        beforeEach(() => { engine = w.newEngine(); });

        it("creates, refreshes, replaces (new first, then old deleted) and destroys", async () => {
            let instanceId = c.instanceA;
            const program = () => {
                const b = new ManualBackup("pre-migration", { ...c.args, instanceId });
                return { backupId: b.backupId, status: b.status };
            };
            const preview = await engine.preview(program);
            assert.ok(preview.ok, preview.errors.join("\n"));
            assert.deepEqual(preview.steps.map(s => s.op), ["create", "create"]);
            assert.equal((await ours(w, c, c.instanceA)).length, 0, "preview created nothing");

            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            const first = String(up.outputs.backupId);
            assert.equal(up.outputs.status, "COMPLETED");
            const inCloud = await ours(w, c, c.instanceA);
            assert.deepEqual(inCloud.map(idOf), [first]);
            const res = engine.view.resources[0];
            assert.equal(res.outputs.backupId, first);
            assert.match(String(res.outputs.startedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
            assert.ok(Number(res.outputs.sizeBytes) > 0);

            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            assert.equal(engine.view.resources[0].outputs.backupId, first);
            assert.equal(engine.view.resources[0].outputs.status, "COMPLETED");

            instanceId = c.instanceB;
            const plan = await engine.preview(program);
            assert.equal(plan.steps[0].op, "replace");
            assert.ok(plan.steps[0].replaces?.includes("instanceId"));
            const replaced = await engine.up(program);
            assert.ok(replaced.ok, replaced.errors.join("\n"));
            const second = String(replaced.outputs.backupId);
            assert.notEqual(second, first);
            assert.deepEqual((await ours(w, c, c.instanceB)).map(idOf), [second]);
            const leftOnA = (await ours(w, c, c.instanceA)).filter(isLive);
            assert.deepEqual(leftOnA, [], "the replaced backup is deleted");

            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            assert.deepEqual(engine.view.resources, []);
            assert.deepEqual((await ours(w, c, c.instanceB)).filter(isLive), []);
        });

        it("notices a backup deleted outside Pulumi and creates it again on the next up", async () => {
            const program = () => { new ManualBackup("drift", { ...c.args, instanceId: c.instanceA }); };
            assert.ok((await engine.up(program)).ok);
            const id = String(engine.view.resources[0].outputs.backupId);
            // On Alibaba the step that started the backup knows it by its job until a refresh (or the next update) records the
            // set's id: a finished job whose set is not listed reads as a listing that lags, not as a deleted backup.
            if (!engine.state.resources[0].outputs.backupId) assert.ok((await engine.refresh()).ok);
            await w.admin.removeBackup(c.serviceKey, id);
            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            assert.equal(engine.view.resources.length, 0, "refresh drops the gone backup");
            const again = await engine.up(program);
            assert.ok(again.ok, again.errors.join("\n"));
            const recreated = String(engine.view.resources[0].outputs.backupId);
            assert.notEqual(recreated, id);
            assert.ok((await ours(w, c, c.instanceA)).some(b => idOf(b) === recreated));
            assert.ok((await engine.destroy()).ok);
        });

        it("runs several backups of one instance in one deployment, all succeeding", async () => {
            await w.admin.resetCalls();
            const program = () => {
                for (const n of ["one", "two", "three"]) new ManualBackup(`many-${n}`, { ...c.args, instanceId: c.instanceB });
            };
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            const ids = engine.view.resources.map(r => String(r.outputs.backupId));
            assert.equal(new Set(ids).size, 3);
            const inCloud = (await ours(w, c, c.instanceB)).map(idOf);
            for (const id of ids) assert.ok(inCloud.includes(id), `backup ${id} exists in the cloud`);
            const calls = await w.admin.calls();
            assert.equal(calls[c.serviceKey][c.createAction].mutations, 3, "exactly three backups were started");
            assert.ok((await engine.destroy()).ok);
        });

        it("fails a bad input at Check, naming the property and allowed values, with no call to the cloud", async () => {
            await w.admin.resetCalls();
            const program = () => { new ManualBackup("bad", { ...c.args, instanceId: c.instanceA, waitTimeout: "soon", onDeleteBlocked: "keep" as never }); };
            const preview = await engine.preview(program);
            assert.equal(preview.ok, false);
            const failures = preview.steps[0].failures ?? [];
            assert.ok(failures.some(f => f.property === "onDeleteBlocked" && /allowed values: "fail", "forget"/.test(f.reason)), JSON.stringify(failures));
            assert.ok(failures.some(f => f.property === "waitTimeout"));
            const up = await engine.up(program);
            assert.equal(up.ok, false);
            assert.equal(await w.admin.totalCalls(), 0, "no request reached the emulator");
            assert.deepEqual(engine.view.resources, []);
        });

        it("with waitForCompletion false, returns at once as BUILDING and a refresh later shows it COMPLETED", async () => {
            const program = () => { new ManualBackup("no-wait", { ...c.args, instanceId: c.instanceB, waitForCompletion: false }); };
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            const started = engine.view.resources[0].outputs;
            assert.equal(started.status, "BUILDING");
            assert.ok(started.jobId || started.backupId);
            await new Promise(r => setTimeout(r, 300));
            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            const done = engine.view.resources[0];
            assert.equal(done.outputs.status, "COMPLETED");
            assert.ok((await ours(w, c, c.instanceB)).some(b => idOf(b) === done.outputs.backupId));
            assert.equal(done.id, done.outputs.backupId, "refresh settles the id on the backup id");
            assert.ok((await engine.destroy()).ok);
            assert.ok(!(await ours(w, c, c.instanceB)).some(b => idOf(b) === done.outputs.backupId && isLive(b)));
        });

        it("adopts an existing backup instead of creating one, and owns it afterwards", async () => {
            const { backupId } = await w.admin.addBackup(c.serviceKey, { instanceId: c.instanceA, name: "made-by-hand-1" });
            await w.admin.resetCalls();
            const program = () => { new ManualBackup("adopted", { ...c.args, instanceId: c.instanceA, adoptBackupId: backupId }); };
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            assert.equal(engine.view.resources[0].outputs.backupId, backupId);
            assert.equal(engine.view.resources[0].outputs.adopted, true);
            assert.equal((await w.admin.calls())[c.serviceKey][c.createAction]?.calls ?? 0, 0);
            assert.ok((await engine.destroy()).ok);
            assert.ok(!(await w.admin.backupsOf(c.serviceKey, c.instanceA)).some(b => idOf(b) === backupId && isLive(b)));

            const missing = await w.newEngine().up(() => { new ManualBackup("ghost", { ...c.args, instanceId: c.instanceA, adoptBackupId: "123456789" }); });
            assert.equal(missing.ok, false);
            assert.match(missing.errors.join("\n"), /adoptBackupId 123456789: no such backup/);
        });

        if (c.args.cloud === "huaweicloud") {
            it("takes over a backup of its own name that an earlier attempt started (state lost) instead of creating a second one", async () => {
                const program = () => { new ManualBackup("retry", { ...c.args, instanceId: c.instanceA, name: "left-over-1", description: "before upgrade" }); };
                assert.ok((await engine.up(program)).ok);
                const first = String(engine.view.resources[0].outputs.backupId);
                const inCloud = (await ours(w, c, c.instanceA)).find(b => idOf(b) === first);
                assert.match(String(inCloud?.description), /^before upgrade \[dbbackups:[0-9a-f]{12}\]$/, "the cloud's description carries the user's text and the owner marker");
                assert.equal(engine.view.resources[0].outputs.description, "before upgrade", "state keeps the user's text");
                // The run died after the cloud accepted the backup: the next run starts from an empty state.
                const again = w.newEngine();
                await w.admin.resetCalls();
                const up = await again.up(program);
                assert.ok(up.ok, up.errors.join("\n"));
                assert.equal(again.view.resources[0].outputs.backupId, first);
                assert.equal((await w.admin.calls())[c.serviceKey][c.createAction]?.mutations ?? 0, 0, "no second backup");
                assert.ok((await again.destroy()).ok);
            });

            it("gives a default backup name from the resource name that is valid and stable", async () => {
                const plan = await engine.preview(() => { new ManualBackup("9 nightly/backup", { ...c.args, instanceId: c.instanceA }); });
                assert.ok(plan.ok, plan.errors.join("\n"));
                const up = await engine.up(() => { new ManualBackup("9 nightly/backup", { ...c.args, instanceId: c.instanceA }); });
                assert.ok(up.ok, up.errors.join("\n"));
                const name = String(engine.view.resources[0].outputs.name);
                assert.match(name, /^b-9-nightly-backup-[0-9a-f]{6}$/);
                const inCloud = (await ours(w, c, c.instanceA)).find(b => idOf(b) === engine.view.resources[0].outputs.backupId);
                assert.equal(inCloud?.name, name);
                // The next up records the completion its wait step saw (an update of the first step, nothing replaced); then nothing changes.
                const next = await engine.up(() => { new ManualBackup("9 nightly/backup", { ...c.args, instanceId: c.instanceA }); });
                assert.ok(next.ok, next.errors.join("\n"));
                assert.deepEqual(next.steps.filter(s => s.op !== "same" && s.op !== "update").map(s => s.op), [], "the default name is stable across runs");
                assert.equal(String(engine.view.resources[0].outputs.name), name);
                const again = await engine.preview(() => { new ManualBackup("9 nightly/backup", { ...c.args, instanceId: c.instanceA }); });
                assert.deepEqual(again.steps.map(s => s.op), again.steps.map(() => "same"), "the default name is stable across runs");
                assert.ok((await engine.destroy()).ok);
            });
        }

        it("keeps credentials out of state and prints progress through the host", async () => {
            w.logs.length = 0;
            const up = await engine.up(() => { new ManualBackup("quiet", { ...c.args, instanceId: c.instanceB }); });
            assert.ok(up.ok, up.errors.join("\n"));
            const state = JSON.stringify(engine.state);
            for (const s of [...w.secrets, w.emulator.accessKeys[0].id]) assert.ok(!state.includes(s), "state holds no credential");
            assert.ok(w.logs.some(l => /\[dbbackups\] quiet: .*accepted the backup/.test(l)), w.logs.join("\n"));
            assert.ok((await engine.destroy()).ok);
        });
    });
}

describe("ManualBackup on Alibaba Cloud RDS: rules and the serialized provider", function () {
    this.timeout(120_000);
    let w: World;
    before(async () => { w = await startWorld(ALL_INSTANCES); });
    after(async () => { await w?.close(); });

    it("stores a serialized provider under 2 KB with no credential and no absolute path", async () => {
        const engine = w.newEngine();
        assert.ok((await engine.up(() => { new ManualBackup("small", { cloud: "alicloud", instanceId: ALICLOUD.instanceA }); })).ok);
        const provider = String(engine.view.resources[0].inputs.__provider);
        assert.ok(provider.length > 100 && provider.length < 2048, `serialized provider is ${provider.length} bytes`);
        assert.match(provider, /require\("pulumi-db-backups\/provider"\)/);
        for (const s of [...w.secrets, w.emulator.accessKeys[0].id, process.cwd(), "/tmp/", "/home/", "node_modules"]) {
            assert.ok(!provider.includes(s), `serialized provider must not contain ${s}`);
        }
        assert.ok((await engine.destroy()).ok);
    });

    it("fails destroy on a backup the retention rule protects, and forgets it when asked", async () => {
        const engine = w.newEngine();
        let onDeleteBlocked: "fail" | "forget" = "fail";
        const program = () => { new ManualBackup("protected", { cloud: "alicloud", instanceId: "rm-test00retention", onDeleteBlocked }); };
        assert.ok((await engine.up(program)).ok);
        const id = String(engine.view.resources[0].outputs.backupId);
        const blocked = await engine.destroy();
        assert.equal(blocked.ok, false);
        assert.match(blocked.errors.join("\n"), /OperationDenied\.BackupSetDeleteNotSupport/);
        assert.equal(engine.view.resources.length, 1, "a refused delete stays in state");
        assert.ok((await w.admin.backupsOf("alicloudRds", "rm-test00retention")).some(b => idOf(b) === id));

        onDeleteBlocked = "forget";
        assert.ok((await engine.up(program)).ok);
        w.logs.length = 0;
        const forgotten = await engine.destroy();
        assert.ok(forgotten.ok, forgotten.errors.join("\n"));
        assert.deepEqual(engine.view.resources, []);
        assert.ok(w.logs.some(l => /warning: .*refused to delete backup/.test(l)), w.logs.join("\n"));
        assert.ok((await w.admin.backupsOf("alicloudRds", "rm-test00retention")).some(b => idOf(b) === id), "forget leaves the backup in the cloud");
    });

    it("reports missing credentials at preview, naming the config keys, with no call to the cloud", async () => {
        const { "alicloud:accessKey": _a, "alicloud:secretKey": _s, ...rest } = w.config;
        await w.admin.resetCalls();
        const plan = await w.newEngine({ config: rest }).preview(() => { new ManualBackup("nokeys", { cloud: "alicloud", instanceId: ALICLOUD.instanceA }); });
        assert.equal(plan.ok, false);
        const failure = (plan.steps[0].failures ?? []).find(f => f.property === "cloud");
        assert.match(failure?.reason ?? "", /Alibaba Cloud access key is not set: set config alicloud:accessKey/);
        assert.equal(await w.admin.totalCalls(), 0);
    });

    it("reports a failed backup job with the cloud's reason, keeps it recorded, and refresh then up replaces it", async () => {
        const engine = w.newEngine();
        await fetchJson(`${w.emulator.admin}/instances/alicloudRds/${ALICLOUD.instanceB}`, "PATCH", { failNextBackup: true });
        const program = () => { new ManualBackup("doomed", { cloud: "alicloud", instanceId: ALICLOUD.instanceB }); };
        const up = await engine.up(program);
        assert.equal(up.ok, false);
        const text = up.errors.join("\n");
        assert.match(text, /the cloud reports it failed/);
        assert.match(text, /Next: run `pulumi refresh` \(it records the failure\), then `pulumi up`/);
        // The step that started it holds it, so nothing is left behind whatever happens next.
        assert.equal(engine.view.resources.length, 1);
        assert.ok((await engine.refresh()).ok);
        const again = await engine.up(program);
        assert.ok(again.ok, again.errors.join("\n"));
        assert.equal(engine.view.resources[0].outputs.status, "COMPLETED");
        const live = (await w.admin.backupsOf("alicloudRds", ALICLOUD.instanceB)).filter(madeByApi).filter(isLive);
        assert.deepEqual(live.map(idOf), [engine.view.resources[0].outputs.backupId], "the failed backup was deleted");
        assert.ok((await engine.destroy()).ok);
    });

    it("surfaces a bad secret as the cloud's code, without the secret or the signature", async () => {
        const engine = w.newEngine({ config: { ...w.config, "alicloud:secretKey": "wrong-secret-value-123" } });
        const up = await engine.up(() => { new ManualBackup("badkey", { cloud: "alicloud", instanceId: ALICLOUD.instanceA }); });
        assert.equal(up.ok, false);
        const text = up.errors.join("\n");
        assert.match(text, /SignatureDoesNotMatch/);
        assert.match(text, /Next: check the access key/);
        assert.ok(!text.includes("wrong-secret-value-123") && !/Signature=/.test(text), text);
    });
});

describe("ManualBackup progress while waiting", function () {
    this.timeout(120_000);
    let w: World;
    before(async () => { w = await startWorld(ALL_INSTANCES, { timeScale: 0.1 }); });
    after(async () => { await w?.close(); });

    it("prints job id, cloud status and elapsed time now and then through the host", async () => {
        const engine = w.newEngine();
        w.logs.length = 0;
        const up = await engine.up(() => { new ManualBackup("watched", { cloud: "alicloud", instanceId: ALICLOUD.instanceA }); });
        assert.ok(up.ok, up.errors.join("\n"));
        const progress = w.logs.filter(l => /\[dbbackups\] watched: backup job \d+ on rm-test0000000000a: (NoStart|Preparing|Uploading|Checking|Finished)\b.*, \d+(ms|s) elapsed/.test(l));
        assert.ok(progress.length >= 1, w.logs.join("\n"));
        assert.ok((await engine.destroy()).ok);
    });
});

async function fetchJson(url: string, method: string, body: unknown) {
    const { default: fetch } = await import("node-fetch");
    const res = await fetch(url, { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${await res.text()}`);
}
