/**
 * The provider plugin over gRPC, without the CLI: its launcher
 * (`plugin/pulumi-resource-dbbackups`) is started as the engine starts it
 * and driven with the engine's calls, against the emulator. The lifecycle
 * itself is tested once, through the dynamic host (tests/lifecycle); here:
 * what the plugin door adds or must not lose — schema, configuration in its
 * own namespace, Check rules, the detailed diff of a roll, import, Cancel,
 * the functions.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import { HostDriver, ResourceInitFailedError } from "../support/host-driver";
import { Admin } from "../support/world";
import { REPO_ROOT } from "../support/workspace";
import { shapeOf } from "../../plugin/schema";
import { DOOR_INPUTS, manualBackupSchema, retentionSetSchema } from "../../provider/schema";
import { parseImportId } from "../../plugin/import-id";

const LAUNCHER = path.join(REPO_ROOT, "plugin", "pulumi-resource-dbbackups");
const MB = "dbbackups:index:ManualBackup";
const RS = "dbbackups:index:BackupRetentionSet";
/** The journal of accepted-but-unrecorded backups, kept out of the user's home. */
const JOURNAL = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-plugin-journal-"));
process.on("exit", () => fs.rmSync(JOURNAL, { recursive: true, force: true }));
const urn = (type: string, name: string) => `urn:pulumi:dev::plugin-test::${type}::${name}`;

/** A plugin process configured for `emu` through its own `dbbackups:` keys. */
async function startPlugin(emu: RunningEmulator, logs: string[] = [], pollInterval = "20ms"): Promise<HostDriver> {
    const plugin = await HostDriver.start({ cwd: REPO_ROOT, executable: LAUNCHER, onLog: line => logs.push(line), env: { DBBACKUPS_JOURNAL_DIR: JOURNAL } });
    const k = emu.accessKeys[0];
    await plugin.configure({
        "dbbackups:config:alicloudAccessKey": k.id, "dbbackups:config:alicloudSecretKey": k.secret, "dbbackups:config:alicloudRegion": "cn-hangzhou",
        "dbbackups:config:huaweicloudAccessKey": k.id, "dbbackups:config:huaweicloudSecretKey": k.secret,
        "dbbackups:config:huaweicloudProjectId": emu.projectId, "dbbackups:config:huaweicloudRegion": "ap-southeast-1",
        "dbbackups:config:endpoints": JSON.stringify(emu.endpoints), "dbbackups:config:pollInterval": pollInterval,
    });
    return plugin;
}

/** Check then Create, as the engine does for a new resource. */
async function create(plugin: HostDriver, type: string, name: string, inputs: Record<string, unknown>) {
    const checked = await plugin.check(urn(type, name), {}, inputs);
    assert.deepEqual(checked.failures, []);
    return { checked: checked.inputs, ...(await plugin.create(urn(type, name), checked.inputs)) };
}

describe("provider plugin over gRPC", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    let admin: Admin;
    let plugin: HostDriver;
    const logs: string[] = [];

    before(async () => {
        emu = await startEmulator({ timeScale: 0.002, instances: defaultInstances() });
        admin = new Admin(emu.admin);
        plugin = await startPlugin(emu, logs);
    });
    after(async () => {
        await plugin?.stop();
        await emu?.stop();
    });

    it("serves a schema with every input of the lifecycle, described, with its default", async () => {
        const schema = await plugin.getSchema();
        assert.equal(schema.name, "dbbackups");
        for (const [type, zod] of [[MB, manualBackupSchema], [RS, retentionSetSchema]] as const) {
            const res = schema.resources[type];
            const userInputs = Object.keys(shapeOf(zod)).filter(k => !(DOOR_INPUTS as readonly string[]).includes(k)).sort();
            assert.deepEqual(Object.keys(res.inputProperties).sort(), userInputs, `${type} inputs`);
            for (const [k, p] of Object.entries<any>(res.inputProperties)) assert.ok(p.description?.length > 10, `${type}.${k} has no description`);
        }
        const mb = schema.resources[MB].inputProperties;
        assert.equal(mb.service.default, "rds");
        assert.equal(mb.waitTimeout.default, "30m");
        assert.equal(mb.waitForCompletion.default, true);
        assert.equal(mb.onDeleteBlocked.default, "fail");
        assert.equal(mb.instanceId.replaceOnChanges, true);
        assert.deepEqual(schema.resources[MB].requiredInputs.sort(), ["cloud", "instanceId"]);
        // labels or retention: neither is required alone (Check names what is missing).
        assert.deepEqual(schema.resources[RS].requiredInputs.sort(), ["cloud", "instanceId"]);
        assert.equal(schema.resources[RS].inputProperties.retention.$ref, "#/types/dbbackups:index:RetentionTiers");
        assert.deepEqual(Object.keys(schema.types["dbbackups:index:RetentionTiers"].properties), ["hourly", "daily", "weekly", "monthly", "yearly"]);
        assert.equal(schema.types["dbbackups:index:RetentionTiers"].properties.daily.type, "integer");
        assert.equal(schema.config.variables.alicloudSecretKey.secret, true);
        assert.ok(schema.functions["dbbackups:index:getBackup"] && schema.functions["dbbackups:index:listBackups"]);
    });

    it("Check refuses bad input with the lifecycle's messages, naming the property and the allowed values", async () => {
        const r = await plugin.check(urn(MB, "bad"), {}, { cloud: "aws", instanceId: "x" });
        assert.deepEqual(r.failures.map(f => f.property), ["cloud"]);
        assert.match(r.failures[0].reason, /allowed values: "alicloud", "huaweicloud"/);
        const unknown = await plugin.check(urn(MB, "bad"), {}, { cloud: "alicloud", instanceId: "x", colour: "red" });
        assert.match(unknown.failures[0].reason, /unknown input "colour"/);
        const cfg = await (plugin as any).call("checkConfig", (() => {
            const req = new (require("@pulumi/pulumi/proto/provider_pb").CheckRequest)();
            req.setNews(require("google-protobuf/google/protobuf/struct_pb").Struct.fromJavaScript({ pollInterval: "soon", retryDelay: "0ms", colour: "red" }));
            return req;
        })());
        assert.deepEqual(cfg.getFailuresList().map((f: any) => f.getProperty()).sort(), ["colour", "pollInterval", "retryDelay"]);
    });

    it("creates, reads, updates and deletes a backup through the same lifecycle; the door's inputs come from the URN", async () => {
        const { checked, id, properties } = await create(plugin, MB, "nightly", { cloud: "alicloud", instanceId: IDS.alicloudQuickstart });
        assert.equal(checked.resourceName, "nightly");
        assert.equal(checked.project, "plugin-test");
        assert.equal(checked.stack, "dev");
        assert.equal(properties.status, "COMPLETED");
        assert.equal(id, properties.backupId);
        assert.ok(!("__provider" in properties), "no provider code in the state");
        const cloud = (await admin.backupsOf("alicloudRds", IDS.alicloudQuickstart)).map((b: any) => b.BackupId ?? b.backupId);
        assert.ok(cloud.includes(id));
        const read = await plugin.read(id, urn(MB, "nightly"), properties, checked);
        assert.equal(read.id, id);
        assert.deepEqual(read.inputs, checked);
        const d = await plugin.diff(id, urn(MB, "nightly"), properties, { ...checked, waitTimeout: "1h" }, checked);
        assert.deepEqual(d.detailedDiff, { waitTimeout: "UPDATE" });
        const moved = await plugin.diff(id, urn(MB, "nightly"), properties, { ...checked, instanceId: IDS.alicloudQuickstart2 }, checked);
        assert.deepEqual(moved.replaces, ["instanceId"]);
        // The replaced backup's id is named, from the state, so `preview --diff` prints it.
        assert.deepEqual(moved.detailedDiff, { instanceId: "UPDATE_REPLACE", backupId: "UPDATE_REPLACE" });
        const updated = await plugin.update(id, urn(MB, "nightly"), properties, { ...checked, waitTimeout: "1h" }, checked);
        assert.equal(updated.waitTimeout, "1h");
        await plugin.delete(id, urn(MB, "nightly"), updated);
        const after = (await admin.backupsOf("alicloudRds", IDS.alicloudQuickstart)).map((b: any) => b.BackupId ?? b.backupId);
        assert.ok(!after.includes(id));
    });

    it("a secret input reaches the lifecycle as its value and stays a secret in every answer (the plugin accepts secrets, as a plugin that constructs components must)", async () => {
        const SIG = "4dabf18193072939515e22adb298388d", SECRET = "1b47061264138c4ac30d75fd1eb44270";
        const secret = (value: unknown) => ({ [SIG]: SECRET, value });
        const checked = await plugin.check(urn(MB, "secretive"), {}, { cloud: "huaweicloud", instanceId: IDS.huaweicloudMysql, description: secret("ticket 4711") });
        assert.deepEqual(checked.failures, []);
        assert.deepEqual(checked.inputs.description, secret("ticket 4711"));
        assert.equal(checked.inputs.cloud, "huaweicloud");
        const { id, properties } = await plugin.create(urn(MB, "secretive"), checked.inputs);
        assert.deepEqual(properties.description, secret("ticket 4711"));
        assert.equal(properties.status, "COMPLETED");
        const made = (await admin.backupsOf("huaweicloudRds", IDS.huaweicloudMysql)).find((b: any) => b.id === id);
        assert.match(made?.description ?? "", /^ticket 4711 \[dbbackups:/, "the cloud got the secret's value (with the owner marker)");
        await plugin.delete(id, urn(MB, "secretive"), properties);
    });

    it("a retention window's roll diffs as one label removed and one added", async () => {
        const labels = ["2026-01-01", "2026-01-02", "2026-01-03"];
        const { checked, id, properties } = await create(plugin, RS, "nightly-set", { cloud: "huaweicloud", instanceId: IDS.huaweicloudPostgres, labels });
        assert.ok(!("backups" in checked), "a create's inputs hold no diff anchor");
        const recheck = await plugin.check(urn(RS, "nightly-set"), checked, { ...checked, labels: ["2026-01-02", "2026-01-03", "2026-01-04"] });
        assert.deepEqual(recheck.failures, []);
        assert.deepEqual(recheck.inputs.backups, {}, "an update's checked inputs carry the empty diff anchor");
        const rolled = recheck.inputs;
        const d = await plugin.diff(id, urn(RS, "nightly-set"), properties, rolled, checked);
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, []);
        // The member whose label leaves is named by its state path, so `preview --diff` prints its backup id.
        assert.deepEqual(d.detailedDiff, { "labels[0]": "DELETE", "labels[2]": "ADD", 'backups["2026-01-01"]': "DELETE" });
        const outs = await plugin.update(id, urn(RS, "nightly-set"), properties, rolled, checked);
        assert.deepEqual(Object.keys(outs.backups).sort(), ["2026-01-02", "2026-01-03", "2026-01-04"]);
        await plugin.delete(id, urn(RS, "nightly-set"), outs);
    });

    it("imports a manual backup made by hand from an id naming its address; refuses automated ones; delete removes only it", async () => {
        const hand = await admin.addBackup("huaweicloudGeminidb", { instanceId: IDS.geminidbCassandra, mode: "Manual", name: "hand_made_1" });
        const auto = await admin.addBackup("huaweicloudGeminidb", { instanceId: IDS.geminidbCassandra, mode: "Automated" });
        const importId = `huaweicloud/geminidb/ap-southeast-1/${IDS.geminidbCassandra}/${hand.backupId}`;
        const got = await plugin.read(importId, urn(MB, "imported"), {});
        assert.equal(got.id, hand.backupId);
        assert.deepEqual(got.inputs, { cloud: "huaweicloud", service: "geminidb", region: "ap-southeast-1", instanceId: IDS.geminidbCassandra, name: "hand_made_1" });
        assert.equal(got.properties.backupId, hand.backupId);
        assert.equal(got.properties.status, "COMPLETED");
        // The engine then checks the read inputs: no failure, and no difference (so `pulumi import` records it as is).
        const checked = await plugin.check(urn(MB, "imported"), got.inputs!, got.inputs!);
        assert.deepEqual(checked.failures, []);
        const d = await plugin.diff(got.id, urn(MB, "imported"), got.properties, checked.inputs, got.inputs);
        assert.equal(d.changes, false);
        await assert.rejects(plugin.read(`huaweicloud/geminidb/${IDS.geminidbCassandra}/${auto.backupId}`, urn(MB, "auto"), {}), /automated backup.*cannot be imported/);
        await assert.rejects(plugin.read(`huaweicloud/geminidb/${IDS.geminidbCassandra}`, urn(MB, "short"), {}), /has 3 parts; expected <cloud>\/<service>\/<region>\/<instanceId>\/<backupId>/);
        await plugin.delete(got.id, urn(MB, "imported"), got.properties);
        // A GeminiDB backup stays listed while its delete job runs: one with a delete job counts as deleted.
        const left = (await admin.backupsOf("huaweicloudGeminidb", IDS.geminidbCassandra)).filter((b: any) => !b.deleteJobId).map((b: any) => b.id ?? b.backupId);
        assert.ok(!left.includes(hand.backupId), "the imported backup is deleted");
        assert.ok(left.includes(auto.backupId), "the automated backup is untouched");
    });

    it("import ids: both forms parse, a wrong cloud is named", () => {
        assert.deepEqual(parseImportId("alicloud/rds/cn-hangzhou/rm-1/77"), { cloud: "alicloud", service: "rds", region: "cn-hangzhou", instanceId: "rm-1", backupId: "77" });
        assert.deepEqual(parseImportId("alicloud/rds/rm-1/77"), { cloud: "alicloud", service: "rds", instanceId: "rm-1", backupId: "77" });
        assert.throws(() => parseImportId("aws/rds/rm-1/77"), /cloud "aws" \(allowed: "alicloud", "huaweicloud"\)/);
    });

    it("the functions list and get backups through the same adapters", async () => {
        const { backups } = await plugin.invoke("dbbackups:index:listBackups", { cloud: "huaweicloud", service: "geminidb", instanceId: IDS.geminidbCassandra, manualOnly: true });
        assert.ok(backups.every((b: any) => b.manual === true));
        const all = await plugin.invoke("dbbackups:index:listBackups", { cloud: "huaweicloud", service: "geminidb", instanceId: IDS.geminidbCassandra });
        const auto = all.backups.find((b: any) => !b.manual);
        assert.ok(auto, "the automated backup is listed without manualOnly");
        const one = await plugin.invoke("dbbackups:index:getBackup", { cloud: "huaweicloud", service: "geminidb", instanceId: IDS.geminidbCassandra, backupId: auto.backupId });
        assert.equal(one.backupId, auto.backupId);
        await assert.rejects(plugin.invoke("dbbackups:index:getBackup", { cloud: "huaweicloud", service: "geminidb", instanceId: IDS.geminidbCassandra, backupId: "nope" }), /no backup nope/);
    });
});

describe("provider plugin: the engine's Cancel", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    let plugin: HostDriver;
    const logs: string[] = [];

    before(async () => {
        emu = await startEmulator({ timeScale: 1, instances: defaultInstances() }); // jobs take 15-20 s
        plugin = await startPlugin(emu, logs, "30s"); // and polls are far apart: only Cancel can end the wait soon
    });
    after(async () => {
        await plugin?.stop();
        await emu?.stop();
    });

    it("ends every wait at once with an init failure carrying the backup's id, and starts nothing more", async () => {
        const ali = plugin.check(urn(MB, "a"), {}, { cloud: "alicloud", instanceId: IDS.alicloudQuickstart })
            .then(c => plugin.create(urn(MB, "a"), c.inputs));
        const hw = plugin.check(urn(MB, "h"), {}, { cloud: "huaweicloud", instanceId: IDS.huaweicloudMysql })
            .then(c => plugin.create(urn(MB, "h"), c.inputs));
        const outcomes = Promise.allSettled([ali, hw]);
        // Both accepted by the clouds, then waiting.
        for (let i = 0; i < 200 && logs.filter(l => /accepted the backup/.test(l)).length < 2; i++) await new Promise(r => setTimeout(r, 50));
        assert.equal(logs.filter(l => /accepted the backup/.test(l)).length, 2, logs.join("\n"));
        await new Promise(r => setTimeout(r, 300));
        const cancelled = Date.now();
        await plugin.cancel();
        const [a, h] = await outcomes;
        const took = Date.now() - cancelled;
        assert.ok(took < 3_000, `the waits ended ${took} ms after Cancel`);
        for (const o of [a, h]) {
            assert.equal(o.status, "rejected");
            const err = (o as PromiseRejectedResult).reason;
            assert.ok(err instanceof ResourceInitFailedError, `not an init failure: ${err}`);
            assert.ok(err.id, "the init failure carries the id");
            assert.equal(err.properties.status, "BUILDING");
            assert.match(err.message, /cancelled/);
        }
        // A create arriving after Cancel starts no backup.
        const admin = new Admin(emu.admin);
        const before = (await admin.state()).alicloudRds.backups.length;
        const c = await plugin.check(urn(MB, "late"), {}, { cloud: "alicloud", instanceId: IDS.alicloudQuickstart2 });
        await assert.rejects(plugin.create(urn(MB, "late"), c.inputs), /cancelled/);
        assert.equal((await admin.state()).alicloudRds.backups.length, before);
    });
});
