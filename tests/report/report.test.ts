/**
 * The report against the emulator: two live stacks, a removed stack's
 * leftovers, a killed run's leftover (journal), hand-made, automated, log and
 * failed backups, and state entries whose backup was deleted behind Pulumi's
 * back, on two instances of each of the three services. Every backup gets the
 * right owner, every finding is found, no call mutates anything, and each
 * instance is listed once per page.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import type { InstanceSpec, ServiceKey } from "../../emulator/core/types";
import { startWorld, World } from "../support/world";
import { capture, reportEnv, writeExport } from "../support/report-env";
import { runReport, type Report } from "../../report";
import { AdapterFactory } from "../../provider/clouds";
import { Settings } from "../../provider/config";
import { ownerTag } from "../../provider/ownership";

const ALI_A = "rm-report00000000a";
const ALI_B = "rm-report00000000b";
const HW_A = "aaaa00000000000000000000report01in01";
const HW_B = "bbbb00000000000000000000report02in04";
const GM_A = "cccc00000000000000000000report03in06";
const GM_B = "dddd00000000000000000000report04in06";
const INSTANCES: InstanceSpec[] = [
    { cloud: "alicloud", id: ALI_A, engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0 },
    { cloud: "alicloud", id: ALI_B, engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0 },
    { cloud: "huaweicloud", service: "rds", id: HW_A, engine: "MySQL", engineVersion: "8.0", logBackup: true },
    { cloud: "huaweicloud", service: "rds", id: HW_B, engine: "SQLServer", engineVersion: "2019_SE" },
    { cloud: "huaweicloud", service: "geminidb", id: GM_A, engine: "cassandra", engineVersion: "3.11" },
    { cloud: "huaweicloud", service: "geminidb", id: GM_B, engine: "cassandra", engineVersion: "3.11" },
];
const ALI = { cloud: "alicloud" } as const;
const HW = { cloud: "huaweicloud" } as const;
const GM = { cloud: "huaweicloud", service: "geminidb" } as const;
const KEY = { ali: (id: string) => `alicloud/rds/${id}`, hw: (id: string) => `huaweicloud/rds/${id}`, gm: (id: string) => `huaweicloud/geminidb/${id}` };
const LIST_ACTION: Record<ServiceKey, string> = { alicloudRds: "DescribeBackups", huaweicloudRds: "ListBackups", huaweicloudGeminidb: "ListBackups" };
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The dynamic resource that starts a `ManualBackup`, declared by itself: it waits for the backup inside its create. */
class WaitingInside extends pulumi.dynamic.Resource { }

describe("report: whose every backup is, and what is left behind (emulator)", function () {
    this.timeout(600_000);
    let w: World;
    let dir: string;
    let journal: string;
    let env: NodeJS.ProcessEnv;
    const files: Record<string, string> = {};
    /** Ids by what they are, filled while the scene is built. */
    const ids = {
        prod: new Map<string, string>(), staging: new Map<string, string>(), old: new Map<string, string>(),
        handMade: [] as string[], automated: [] as string[], failed: "", killed: "", dangling: [] as string[],
    };
    let first: Report;
    let firstCalls: Awaited<ReturnType<World["admin"]["calls"]>>;
    let firstOut: { stdout: string; stderr: string };
    let firstMs = 0;

    const held = (state: { resources: any[] }, into: Map<string, string>) => {
        for (const r of state.resources) {
            if (r.outputs.backups) for (const [l, m] of Object.entries<any>(r.outputs.backups)) into.set(`${r.name}[${l}]`, m.backupId);
            else into.set(r.name, r.outputs.backupId);
        }
    };

    before(async () => {
        // Jobs of several seconds, so a run can be killed while it waits.
        w = await startWorld(INSTANCES, { timeScale: 0.4 });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-report-"));
        journal = path.join(dir, "journal");
        env = reportEnv(w, journal);
        const engine = (stack: string) => w.newEngine({ project: "shop", stack, env: { DBBACKUPS_JOURNAL_DIR: journal } });

        // A killed run of prod on this machine: the cloud accepted the backup, the host died before the id reached the state.
        // The SDK's ManualBackup records the id as soon as the cloud accepts it, leaving that window too short to hit on
        // purpose; the resource the SDK's first step is, waiting inside its create as a plugin program's does, keeps it open.
        const doomed = w.newEngine({ project: "shop", stack: "prod", reuseHost: true, env: { DBBACKUPS_JOURNAL_DIR: journal } });
        const running = doomed.up(() => {
            new WaitingInside(require("../../sdk/shims/manual-backup"), "killed", {
                ...ALI, instanceId: ALI_A, resourceName: "killed", project: pulumi.getProject(), stack: pulumi.getStack(), backupId: undefined, status: undefined,
            }, undefined, "dbbackups", "ManualBackup");
        });
        for (let t = Date.now(); Date.now() - t < 60_000 && !w.logs.some(l => /killed: .*accepted the backup/.test(l)); await sleep(50)) { /* wait */ }
        assert.ok(w.logs.some(l => /accepted the backup/.test(l)), "the cloud accepted the killed run's backup");
        await doomed.close();
        assert.equal((await running).ok, false);
        assert.equal(doomed.state.resources.length, 0);

        const [prod, staging, old] = [engine("prod"), engine("staging"), engine("old")];
        // One after another: the programs run in this process, where Pulumi's runtime (project, stack) is global.
        const ups = [];
        for (const run of [
            () => prod.up(() => {
                new ManualBackup("pre-ali", { ...ALI, instanceId: ALI_A });
                new ManualBackup("pre-hw", { ...HW, instanceId: HW_A, description: "before the migration" });
                new ManualBackup("pre-gm", { ...GM, instanceId: GM_A });
                new BackupRetentionSet("nightly-ali", { ...ALI, instanceId: ALI_B, labels: ["n1", "n2"] });
                new BackupRetentionSet("nightly-hw", { ...HW, instanceId: HW_B, labels: ["n1", "n2"] });
                new BackupRetentionSet("nightly-gm", { ...GM, instanceId: GM_B, labels: ["n1", "n2"] });
            }),
            () => staging.up(() => {
                new ManualBackup("pre-ali", { ...ALI, instanceId: ALI_A });
                new ManualBackup("pre-hw", { ...HW, instanceId: HW_A });
                new ManualBackup("pre-gm", { ...GM, instanceId: GM_A });
            }),
            () => old.up(() => {
                new ManualBackup("old-ali", { ...ALI, instanceId: ALI_B });
                new ManualBackup("old-hw", { ...HW, instanceId: HW_B });
                new BackupRetentionSet("old-gm", { ...GM, instanceId: GM_B, labels: ["keep"] });
            }),
        ]) ups.push(await run());
        for (const up of ups) assert.ok(up.ok, up.errors.join("\n"));
        held(prod.view, ids.prod);
        held(staging.view, ids.staging);
        held(old.view, ids.old);

        // The killed run's backup finishes in the cloud; nothing holds it.
        const known = new Set([...ids.prod.values(), ...ids.staging.values()]);
        for (let t = Date.now(); Date.now() - t < 120_000 && !ids.killed; await sleep(200)) {
            const sets = (await w.admin.backupsOf("alicloudRds", ALI_A)).filter((b: any) => b.visible && b.status === "Success" && !known.has(b.backupId));
            if (sets.length === 1) ids.killed = sets[0].backupId;
        }
        assert.ok(ids.killed, "the killed run's backup was made");

        // Hand-made and automated backups (HW_A's binlog backups are the log ones); more than a page of them on one instance.
        for (const [service, instanceId, name] of [["alicloudRds", ALI_A, undefined], ["huaweicloudRds", HW_A, "by-hand-hw"], ["huaweicloudGeminidb", GM_B, "by-hand-gm"]] as const) {
            ids.handMade.push((await w.admin.addBackup(service, { instanceId, name, ageDays: 3, sizeBytes: 5 << 20 })).backupId);
        }
        for (const [service, instanceId] of [["alicloudRds", ALI_B], ["huaweicloudRds", HW_B], ["huaweicloudGeminidb", GM_A]] as const) {
            ids.automated.push((await w.admin.addBackup(service, { instanceId, mode: "Automated", ageDays: 1, sizeBytes: 7 << 20 })).backupId);
        }
        for (let i = 0; i < 100; i++) ids.handMade.push((await w.admin.addBackup("huaweicloudGeminidb", { instanceId: GM_B, name: `page-filler-${i}`, ageDays: 2 + i / 100 })).backupId);

        // Somebody's backup that failed, still listed.
        await w.admin.patchInstance("huaweicloudRds", HW_B, { failNextBackup: true });
        const adapter = new AdapterFactory(new Settings(undefined, env)).get({ cloud: "huaweicloud", service: "rds" });
        ids.failed = (await adapter.startBackup({ instanceId: HW_B, name: "console-attempt" })).backupId!;
        for (let t = Date.now(); Date.now() - t < 60_000 && (await adapter.findBackup(HW_B, ids.failed))?.status !== "FAILED"; await sleep(200)) { /* wait */ }

        // Two of prod's backups deleted behind Pulumi's back: its state points at nothing.
        ids.dangling = [ids.prod.get("nightly-ali[n1]")!, ids.prod.get("nightly-gm[n2]")!];
        await w.admin.removeBackup("alicloudRds", ids.dangling[0]);
        await w.admin.removeBackup("huaweicloudGeminidb", ids.dangling[1]);

        files.prod = writeExport(dir, "prod", prod.state.resources);
        files.staging = writeExport(dir, "staging", staging.state.resources);
        files.old = writeExport(dir, "old", old.state.resources);

        await w.admin.resetCalls();
        const c = capture(env);
        const t0 = Date.now();
        const code = await runReport(["--stack-file", files.prod, "--stack-file", files.staging, "--removed-stack-file", files.old, "--json"], c.io);
        firstMs = Date.now() - t0;
        assert.equal(code, 0, c.stderr);
        first = JSON.parse(c.stdout);
        firstCalls = await w.admin.calls();
        firstOut = c;
    });
    after(async () => {
        await w?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const find = (r: Report, id: string) => {
        const b = r.backups.find(x => x.backupId === id);
        assert.ok(b, `backup ${id} is in the report`);
        return b!;
    };

    it("lists every instance of the checkpoints once, each with every backup the emulator holds", async () => {
        assert.deepEqual(first.instances.map(i => i.key).sort(), [KEY.ali(ALI_A), KEY.ali(ALI_B), KEY.gm(GM_A), KEY.gm(GM_B), KEY.hw(HW_A), KEY.hw(HW_B)].sort());
        assert.ok(first.instances.every(i => i.listed), JSON.stringify(first.instances.filter(i => !i.listed)));
        const state = await w.admin.state();
        for (const [service, key] of [["alicloudRds", KEY.ali], ["huaweicloudRds", KEY.hw], ["huaweicloudGeminidb", KEY.gm]] as const) {
            for (const spec of INSTANCES.filter(i => (i.service ?? "rds") === (service === "huaweicloudGeminidb" ? "geminidb" : "rds") && i.cloud === (service === "alicloudRds" ? "alicloud" : "huaweicloud"))) {
                const inCloud = state[service].backups.filter((b: any) => (b.instanceId ?? b.DBInstanceId) === spec.id && (b.visible ?? true)).map((b: any) => b.backupId ?? b.id).sort();
                const reported = first.backups.filter(b => b.instance === key(spec.id)).map(b => b.backupId).sort();
                assert.deepEqual(reported, inCloud, `backups of ${spec.id}`);
            }
        }
    });

    it("names the stack and resource holding each backup of the two live stacks", () => {
        for (const [stack, map] of [["prod", ids.prod], ["staging", ids.staging]] as const) {
            for (const [resource, id] of map) {
                if (ids.dangling.includes(id)) continue;
                const b = find(first, id);
                assert.equal(b.owner.kind, "stack", resource);
                assert.equal(b.owner.name, `shop/${stack} ${resource}`);
                assert.equal(b.leftBehind, false);
            }
        }
        // The set's members carry the marker of the set and their label.
        const member = find(first, ids.prod.get("nightly-hw[n2]")!);
        assert.equal(member.owner.label, "n2");
        assert.equal(member.marker, ownerTag({ project: "shop", stack: "prod", resourceName: "nightly-hw", label: "n2" }));
    });

    it("reports automated and log backups as the cloud's, hand-made ones as not ours", () => {
        for (const id of ids.automated) assert.deepEqual([find(first, id).owner.kind, find(first, id).kind], ["automated", "automated"]);
        const logs = first.backups.filter(b => b.kind === "log");
        assert.ok(logs.some(b => b.instance === KEY.hw(HW_A)), "Huawei RDS binlog backups are log backups");
        assert.ok(logs.every(b => b.owner.kind === "automated"));
        for (const id of ids.handMade) {
            const b = find(first, id);
            assert.deepEqual([b.kind, b.owner.kind, b.leftBehind], ["manual", "not-ours", false], id);
        }
    });

    it("finds the removed stack's backups on all three services and the killed run's backup as left behind, with their owners", () => {
        const left = new Map(first.findings.leftBehind.map(l => [l.backupId, l]));
        assert.deepEqual([...left.keys()].sort(), [...ids.old.values(), ids.killed].sort());
        for (const [resource, id] of ids.old) {
            const l = left.get(id)!;
            assert.equal(l.owner.kind, "removed-stack");
            assert.equal(l.owner.name, `shop/old ${resource}`);
            assert.ok(l.takeOver.some(t => t.includes(`adoptBackupId: "${id}"`)), l.takeOver.join("\n"));
        }
        const gm = left.get(ids.old.get("old-gm[keep]")!)!;
        assert.ok(gm.takeOver.some(t => t.includes(`adopt: { "keep": "${gm.backupId}" }`) && t.includes("adoptOwned: true")), gm.takeOver.join("\n"));
        assert.match(gm.deleteByHand, new RegExp(`^hcloud GaussDBforNoSQL DeleteBackup --cli-region=ap-southeast-1 --project_id=${w.emulator.projectId} --backup_id=${gm.backupId}$`));
        assert.match(left.get(ids.old.get("old-hw")!)!.deleteByHand, /^hcloud RDS DeleteManualBackup /);
        assert.match(left.get(ids.old.get("old-ali")!)!.deleteByHand, new RegExp(`^aliyun rds DeleteBackup --RegionId <region> --DBInstanceId ${ALI_B} --BackupId ${ids.old.get("old-ali")}$`));

        const killed = left.get(ids.killed)!;
        assert.equal(killed.owner.kind, "journal");
        assert.equal(killed.owner.name, "shop/prod killed");
        assert.match(killed.takeOver[0], /^pulumi up of shop\/prod on this machine: killed resumes this backup/);
        assert.ok(killed.takeOver.some(t => t.includes(`adoptBackupId: "${ids.killed}"`) && !t.includes("adoptOwned")), "an Alibaba set has no marker: no adoptOwned");
    });

    it("finds the state entries pointing at nothing and the failed backup still present", () => {
        assert.deepEqual(first.findings.dangling.map(d => [d.holder, d.backupId]).sort(), [["shop/prod nightly-ali[n1]", ids.dangling[0]], ["shop/prod nightly-gm[n2]", ids.dangling[1]]].sort());
        assert.ok(first.findings.dangling.every(d => /pulumi refresh/.test(d.next)));
        assert.deepEqual(first.findings.failed.map(f => [f.backupId, f.owner.kind]), [[ids.failed, "not-ours"]]);
        assert.match(first.findings.failed[0].next, /^delete it by hand: hcloud RDS DeleteManualBackup/);
        assert.deepEqual(first.findings.journal, []);
    });

    it("adds up storage per owner and per instance", () => {
        const total = first.backups.reduce((n, b) => n + (b.sizeBytes ?? 0), 0);
        assert.equal(first.storage.byOwner.reduce((n, s) => n + s.sizeBytes, 0), total);
        assert.equal(first.storage.byInstance.reduce((n, s) => n + s.sizeBytes, 0), total);
        const set = first.storage.byOwner.find(s => s.name === "shop/prod nightly-hw")!;
        assert.deepEqual([set.backups, set.sizeBytes], [2, first.backups.filter(b => b.owner.resource === "nightly-hw" && b.owner.stack === "shop/prod").reduce((n, b) => n + (b.sizeBytes ?? 0), 0)], "a set's members count together");
        const notOurs = first.storage.byOwner.find(s => s.name === "not ours")!;
        assert.equal(notOurs.backups, ids.handMade.length + 1, "hand-made ones and the failed attempt");
        const gmB = first.storage.byInstance.find(s => s.name === KEY.gm(GM_B))!;
        assert.equal(gmB.backups, first.backups.filter(b => b.instance === KEY.gm(GM_B)).length);
        for (const i of first.instances) assert.equal(i.sizeBytes, first.backups.filter(b => b.instance === i.key).reduce((n, b) => n + (b.sizeBytes ?? 0), 0));
    });

    it("makes no mutating call, and one listing call per page per instance", () => {
        const mutations = Object.values(firstCalls).flatMap(a => Object.values(a)).reduce((n, c) => n + c.mutations, 0);
        assert.equal(mutations, 0);
        for (const [service, actions] of Object.entries(firstCalls) as Array<[ServiceKey, Record<string, { calls: number }>]>) {
            assert.deepEqual(Object.keys(actions), [LIST_ACTION[service]], `${service} was only listed`);
        }
        // GM_B holds more than 100 backups: two pages; every other instance one.
        assert.equal(firstCalls.alicloudRds.DescribeBackups.calls, 2);
        assert.equal(firstCalls.huaweicloudRds.ListBackups.calls, 2);
        assert.equal(firstCalls.huaweicloudGeminidb.ListBackups.calls, 3);
        assert.ok(first.backups.filter(b => b.instance === KEY.gm(GM_B)).length > 100);
        console.log(`      report of ${first.instances.length} instances, ${first.backups.length} backups: ${firstMs} ms; calls ${JSON.stringify(firstCalls)}`);
    });

    it("shows a progress line on stderr while listing several instances", () => {
        assert.match(firstOut.stderr, /listing backups: 6\/6 instances/);
    });

    it("without the removed stack's checkpoint, its Huawei backups are still found by their marker; its Alibaba one is not ours", async () => {
        const c = capture(env);
        assert.equal(await runReport(["--stack-file", files.prod, "--stack-file", files.staging, "--instance", `alicloud/rds/${ALI_B}`,
            "--instance", `huaweicloud/rds/${HW_B}`, "--instance", `huaweicloud/geminidb/${GM_B}`, "--json"], c.io), 0, c.stderr);
        const r: Report = JSON.parse(c.stdout);
        for (const resource of ["old-hw", "old-gm[keep]"]) {
            const b = find(r, ids.old.get(resource)!);
            assert.equal(b.owner.kind, "marker");
            assert.equal(b.owner.name, `unknown owner (dbbackups:${b.marker})`);
            assert.ok(b.leftBehind);
        }
        assert.equal(find(r, ids.old.get("old-ali")!).owner.kind, "not-ours", "Alibaba sets carry no marker");
        assert.deepEqual(r.findings.leftBehind.map(l => l.backupId).sort(), [ids.old.get("old-hw")!, ids.old.get("old-gm[keep]")!, ids.killed].sort());
    });

    it("the terminal table shows every backup with its owner, and the findings with what to do", async () => {
        const c = capture(env);
        assert.equal(await runReport(["--stack-file", files.prod, "--removed-stack-file", files.old, "--no-journal"], c.io), 0);
        for (const id of [...ids.prod.values()].filter(id => !ids.dangling.includes(id))) assert.ok(c.stdout.includes(id), id);
        assert.match(c.stdout, new RegExp(`${ids.old.get("old-hw")}.*shop/old old-hw  LEFT BEHIND`));
        assert.match(c.stdout, /^State entries pointing at nothing: 2$/m);
        assert.match(c.stdout, /^Failed backups still present: 1$/m);
        assert.match(c.stdout, /take over: new ManualBackup\("old-ali", \{ cloud: "alicloud", instanceId: "rm-report00000000b", adoptBackupId: /);
        // Without the journal, the killed run's set proves nothing.
        assert.match(c.stdout, new RegExp(`^  ${ids.killed} .* not ours$`, "m"));
    });

    it("refuses bad input with the option and the allowed values", async () => {
        const bad = async (...argv: string[]) => {
            const c = capture(env);
            assert.equal(await runReport(argv, c.io), 2);
            return c.stderr;
        };
        assert.match(await bad("--instance", "aws/rds/x"), /cloud "aws" is not one of "alicloud", "huaweicloud"/);
        assert.match(await bad("--instance", "alicloud/geminidb/x"), /"geminidb" is only available with cloud "huaweicloud"/);
        assert.match(await bad("--stack-file", path.join(dir, "missing.json")), /missing.json: no such file/);
        assert.match(await bad(), /nothing to report on/);
        assert.match(await bad("--colour"), /unknown option --colour/);
    });

    it("an instance that cannot be listed is reported with the reason, the others still are, and the exit code says so", async () => {
        const { ALICLOUD_ACCESS_KEY: _k, ALICLOUD_SECRET_KEY: _s, ...noAlibaba } = env;
        const c = capture(noAlibaba);
        assert.equal(await runReport(["--instance", `alicloud/rds/${ALI_A}`, "--instance", `huaweicloud/rds/${HW_A}`], c.io), 1);
        assert.match(c.stdout, new RegExp(`alicloud/rds/${ALI_A}\n {2}could not list: Alibaba Cloud access key is not set: set config alicloud:accessKey or env ALICLOUD_ACCESS_KEY`));
        assert.match(c.stdout, new RegExp(`huaweicloud/rds/${HW_A}: \\d+ backups`));
    });
});
