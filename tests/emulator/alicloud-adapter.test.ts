/**
 * `AlicloudRdsAdapter` against the emulated Alibaba Cloud RDS over real HTTP:
 * error mapping, retries, the wire (POST on `/` only), creation progress,
 * paging and batch deletes. Every test checks what the emulator saw (its state
 * or its call counter) as well as what the adapter returned.
 */
import * as assert from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import { startEmulator, type RunningEmulator } from "../../emulator";
import type { InstanceSpec } from "../../emulator/core/types";
import type { StartedBackup } from "../../provider/clouds/adapter";
import { AlicloudRdsAdapter } from "../../provider/clouds/alicloud/rds";
import { CloudError } from "../../provider/core/errors";
import { Admin } from "../support/world";

const HA = "rm-adapterha000001";
const BASIC = "pgm-adapterbasic001";
const SEVEN_DAY = "rm-adapter7day00001";
const PAGED = "rm-adapterpaged0001";
const PRUNE = "rm-adapterprune0001";
/** Sets younger than 7 days are refused (log backup off, no override). */
const HALVING = "rm-adapterhalving01";
const THOUSAND = "rm-adapterthousand1";

const INSTANCES: InstanceSpec[] = [
    { cloud: "alicloud", service: "rds", id: HA, engine: "MySQL", category: "HighAvailability", minDeleteAgeDays: 0, databases: ["orders"] },
    { cloud: "alicloud", service: "rds", id: BASIC, engine: "PostgreSQL", category: "Basic", databases: ["app"] },
    { cloud: "alicloud", service: "rds", id: SEVEN_DAY, engine: "MySQL", category: "HighAvailability", logBackup: false },
    { cloud: "alicloud", service: "rds", id: PAGED, engine: "MySQL", category: "HighAvailability", minDeleteAgeDays: 0 },
    { cloud: "alicloud", service: "rds", id: PRUNE, engine: "MySQL", category: "HighAvailability", minDeleteAgeDays: 0 },
    { cloud: "alicloud", service: "rds", id: HALVING, engine: "MySQL", category: "HighAvailability", logBackup: false },
    { cloud: "alicloud", service: "rds", id: THOUSAND, engine: "MySQL", category: "HighAvailability", logBackup: false },
];

/** Calls to find one refused id in a refused call of `n` ids by halving: the call, then two per level. */
function halvingBound(n: number): number {
    return 1 + 2 * Math.ceil(Math.log2(n));
}

interface Made { adapter: AlicloudRdsAdapter; retries: string[] }

/** An adapter whose retries do not sleep and are recorded (by error code). */
function makeAdapter(emu: RunningEmulator, overrides: { endpoint?: string; accessKeySecret?: string; securityToken?: string } = {}): Made {
    const retries: string[] = [];
    const adapter = new AlicloudRdsAdapter({
        accessKeyId: emu.accessKeys[0].id,
        accessKeySecret: overrides.accessKeySecret ?? emu.accessKeys[0].secret,
        endpoint: overrides.endpoint ?? emu.endpoints.alicloudRds,
        ...(overrides.securityToken ? { securityToken: overrides.securityToken } : {}),
    }, { retry: { sleep: async () => {}, onRetry: err => retries.push((err as CloudError).code) }, timeoutMs: 5_000 });
    return { adapter, retries };
}

async function rejection(call: Promise<unknown>): Promise<CloudError> {
    try {
        await call;
    } catch (err) {
        assert.ok(err instanceof CloudError, `expected a CloudError, got ${err}`);
        return err;
    }
    assert.fail("expected the call to fail");
}

async function callsOf(admin: Admin, action: string): Promise<{ calls: number; mutations: number }> {
    return (await admin.calls()).alicloudRds[action] ?? { calls: 0, mutations: 0 };
}

/** Polls `creationStatus` until the backup leaves BUILDING. */
async function settle(adapter: AlicloudRdsAdapter, instanceId: string, started: StartedBackup, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const progress = await adapter.creationStatus(instanceId, started);
        if (progress.status !== "BUILDING") return progress;
        if (Date.now() > deadline) throw new Error(`job ${started.jobId} still BUILDING after ${timeoutMs} ms`);
        await new Promise(r => setTimeout(r, 10));
    }
}

/** Seeds `count` finished sets made by hand, at least a day old, returns their ids in order. */
async function seed(admin: Admin, instanceId: string, count: number, extra: (i: number) => Record<string, unknown> = () => ({})): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 25) {
        const batch = Array.from({ length: Math.min(25, count - i) }, (_, j) =>
            admin.addBackup("alicloudRds", { instanceId, ageDays: 1 + (i + j) * 0.05, ...extra(i + j) }));
        ids.push(...(await Promise.all(batch)).map(b => b.backupId));
    }
    return ids;
}

async function backupIdsOf(admin: Admin, instanceId: string): Promise<string[]> {
    return (await admin.backupsOf("alicloudRds", instanceId)).map(b => b.backupId);
}

describe("AlicloudRdsAdapter on the emulator", () => {
    let emu: RunningEmulator;
    let admin: Admin;
    let adapter: AlicloudRdsAdapter;
    let retries: string[];

    before(async () => {
        emu = await startEmulator({ timeScale: 0.002, instances: INSTANCES });
        admin = new Admin(emu.admin);
    });
    beforeEach(async () => {
        ({ adapter, retries } = makeAdapter(emu));
        await admin.resetCalls();
    });
    after(() => emu.stop());

    describe("error mapping", () => {
        it("maps a wrong secret to SignatureDoesNotMatch without leaking credentials", async () => {
            const secret = "a-wrong-secret-that-must-not-leak-0001";
            const { adapter: bad } = makeAdapter(emu, { accessKeySecret: secret });
            const err = await rejection(bad.listBackups(HA));
            assert.deepStrictEqual([err.code, err.httpStatus, err.kind, err.operation], ["SignatureDoesNotMatch", 400, "client", "DescribeBackups"]);
            assert.match(err.requestId ?? "", /^[0-9A-F-]{36}$/);
            for (const leak of [secret, emu.accessKeys[0].id, "Signature="]) {
                assert.ok(!err.message.includes(leak), `message leaks ${leak}: ${err.message}`);
                assert.ok(!err.cloudMessage.includes(leak), `cloudMessage leaks ${leak}`);
            }
            assert.deepStrictEqual(await callsOf(admin, "DescribeBackups"), { calls: 1, mutations: 0 });
        });

        it("keeps an STS token out of the message in every spelling the cloud echoes", async () => {
            // The gateway echoes its string to sign, where the token is percent-encoded twice.
            const token = "CAIS+sts/token==0123456789";
            const { adapter: bad } = makeAdapter(emu, { accessKeySecret: "a-wrong-secret-0002", securityToken: token });
            const err = await rejection(bad.findBackup(HA, "1"));
            assert.strictEqual(err.code, "SignatureDoesNotMatch");
            const once = encodeURIComponent(token);
            for (const leak of [token, once, encodeURIComponent(once), "CAIS"]) {
                assert.ok(!err.message.includes(leak), `message leaks ${leak}: ${err.message}`);
            }
            assert.match(err.message, /SecurityToken%3D\*\*\*/);
            assert.deepStrictEqual(await callsOf(admin, "DescribeBackups"), { calls: 1, mutations: 0 });
        });

        it("maps an unknown instance to InvalidDBInstanceName.NotFound (404)", async () => {
            const err = await rejection(adapter.startBackup({ instanceId: "rm-nosuchinstance01" }));
            assert.deepStrictEqual([err.code, err.httpStatus, err.kind], ["InvalidDBInstanceName.NotFound", 404, "client"]);
            assert.ok(err.requestId);
            // The listing taken before a create already answers it; no create is sent.
            assert.deepStrictEqual(await callsOf(admin, "DescribeBackupTasks"), { calls: 1, mutations: 0 });
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 0, mutations: 0 });
            const state = await admin.state();
            assert.ok(!state.alicloudRds.instances.some((i: any) => i.id === "rm-nosuchinstance01"));
        });

        it("maps an unreachable endpoint to a transient NetworkError, after retrying", async () => {
            const closed = http.createServer();
            await new Promise<void>(r => closed.listen(0, "127.0.0.1", () => r()));
            const port = (closed.address() as AddressInfo).port;
            await new Promise<void>(r => closed.close(() => r()));
            const { adapter: offline, retries: offlineRetries } = makeAdapter(emu, { endpoint: `http://127.0.0.1:${port}` });
            const err = await rejection(offline.listBackups(HA));
            assert.deepStrictEqual([err.code, err.kind, err.httpStatus], ["NetworkError", "transient", undefined]);
            assert.ok(!err.message.includes(emu.accessKeys[0].secret) && !err.message.includes("Signature="));
            assert.deepStrictEqual(offlineRetries, Array(9).fill("NetworkError"), "10 attempts in all (the default)");
            assert.strictEqual(await admin.totalCalls("alicloudRds"), 0, "nothing reached the emulator");
        });
    });

    describe("retries", () => {
        it("retries CreateBackup on Throttling.User and the create succeeds", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", status: 400, code: "Throttling.User", times: 2 });
            const started = await adapter.startBackup({ instanceId: HA, backupMethod: "Physical" });
            assert.match(started.jobId ?? "", /^\d+$/);
            assert.deepStrictEqual(retries, ["Throttling.User", "Throttling.User"]);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 3, mutations: 1 });
            const jobs = (await admin.state()).alicloudRds as unknown as { jobs: any[] };
            assert.strictEqual(jobs.jobs.filter(j => j.jobId === started.jobId && j.instanceId === HA).length, 1);
            assert.strictEqual((await settle(adapter, HA, started)).status, "COMPLETED");
        });

        it("does not retry a client error", async () => {
            await admin.fault({ service: "alicloudRds", action: "DescribeBackupTasks", status: 400, code: "SignatureDoesNotMatch", times: 1 });
            const err = await rejection(adapter.creationStatus(HA, { jobId: "1" }));
            assert.deepStrictEqual([err.code, err.kind], ["SignatureDoesNotMatch", "client"]);
            assert.deepStrictEqual(retries, []);
            assert.deepStrictEqual(await callsOf(admin, "DescribeBackupTasks"), { calls: 1, mutations: 0 });
        });

        it("retries a read on a server error; CreateBackup only after the instance shows no job started", async () => {
            await admin.fault({ service: "alicloudRds", action: "DescribeBackups", status: 503, code: "ServiceUnavailable", times: 1 });
            const listed = await adapter.listBackups(HA);
            assert.ok(Array.isArray(listed));
            assert.deepStrictEqual(await callsOf(admin, "DescribeBackups"), { calls: 2, mutations: 0 });

            retries.length = 0;
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", status: 503, code: "ServiceUnavailable", times: 10 });
            const before = ((await admin.state()).alicloudRds as any).jobs.length;
            const describes = (await callsOf(admin, "DescribeBackupTasks")).calls;
            const err = await rejection(adapter.startBackup({ instanceId: HA }));
            assert.deepStrictEqual([err.code, err.kind, err.httpStatus], ["ServiceUnavailable", "server", 503]);
            assert.match(err.message, /sent 10 times and every answer was lost/);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 10, mutations: 0 });
            // The baseline, then one look after each create: never a create without a look at the instance before it.
            assert.strictEqual((await callsOf(admin, "DescribeBackupTasks")).calls - describes, 11, "each create followed a look at the instance");
            assert.strictEqual(((await admin.state()).alicloudRds as any).jobs.length, before);
            assert.deepStrictEqual(retries, Array(9).fill("ServiceUnavailable"), "a create is repeated only after a look showed no job");

            await admin.fault({ service: "alicloudRds", action: "CreateBackup", status: 503, code: "ServiceUnavailable", times: 1 });
            const started = await adapter.startBackup({ instanceId: HA });
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 12, mutations: 1 });
            assert.strictEqual(((await admin.state()).alicloudRds as any).jobs.length, before + 1, "exactly one job");
            assert.strictEqual((await settle(adapter, HA, started)).status, "COMPLETED");
        });
    });

    describe("the wire", () => {
        it("sends every call as a POST to / with no query string", async () => {
            const target = new URL(emu.endpoints.alicloudRds);
            const seen: Array<{ method: string; url: string; body: string }> = [];
            const proxy = http.createServer((req, res) => {
                const chunks: Buffer[] = [];
                req.on("data", (c: Buffer) => chunks.push(c));
                req.on("end", () => {
                    const body = Buffer.concat(chunks);
                    seen.push({ method: req.method ?? "", url: req.url ?? "", body: body.toString("utf8") });
                    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, up => {
                        res.writeHead(up.statusCode ?? 502, up.headers);
                        up.pipe(res);
                    });
                    out.on("error", e => { res.statusCode = 502; res.end(String(e)); });
                    out.end(body);
                });
            });
            await new Promise<void>(r => proxy.listen(0, "127.0.0.1", () => r()));
            try {
                const { adapter: viaProxy } = makeAdapter(emu, { endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
                const started = await viaProxy.startBackup({ instanceId: HA, databases: ["orders"], backupMethod: "Logical" });
                const done = await settle(viaProxy, HA, started);
                assert.strictEqual(done.status, "COMPLETED");
                assert.ok((await viaProxy.listBackups(HA)).some(b => b.backupId === done.backupId));
                assert.deepStrictEqual(await viaProxy.deleteBackups(HA, [done.backupId!]), [{ backupId: done.backupId, result: "deleted" }]);
                await rejection(viaProxy.findBackup("rm-nosuchinstance01", "1"));
            } finally {
                proxy.closeAllConnections();
                await new Promise<void>(r => proxy.close(() => r()));
            }
            assert.ok(seen.length >= 6, `only ${seen.length} requests`);
            assert.deepStrictEqual([...new Set(seen.map(s => s.method))], ["POST"]);
            assert.deepStrictEqual([...new Set(seen.map(s => s.url))], ["/"]);
            assert.ok(seen.every(s => /(^|&)Signature=/.test(s.body) && /(^|&)AccessKeyId=/.test(s.body)), "credentials travel in the body");
            assert.strictEqual(await admin.totalCalls("alicloudRds"), seen.length, "the emulator answered every proxied request");
        });
    });

    describe("creationStatus", () => {
        it("reports BUILDING while the job runs, BUILDING with the id while the set lags, then COMPLETED", async () => {
            // Real-time job length (20 s) and a 60 s listing lag; the admin clock moves through both.
            const slow = await startEmulator({ timeScale: 1, faults: { alicloudDescribeLagMs: 60_000 }, instances: [INSTANCES[0]] });
            try {
                const slowAdmin = new Admin(slow.admin);
                const { adapter: a } = makeAdapter(slow);
                const started = await a.startBackup({ instanceId: HA });

                const running = await a.creationStatus(HA, started);
                assert.strictEqual(running.status, "BUILDING");
                assert.strictEqual(running.backupId, undefined);
                assert.ok(["NoStart", "Preparing"].includes(running.cloudStatus), running.cloudStatus);
                assert.match(running.progress ?? "", /^\d+%$/);
                let rds = (await slowAdmin.state()).alicloudRds as any;
                const job = rds.jobs.find((j: any) => j.jobId === started.jobId);
                assert.ok(job.status !== "Finished" && rds.backups.length === 0);

                await slowAdmin.advanceClock({ ms: 21_000 });
                const lagging = await a.creationStatus(HA, started);
                assert.deepStrictEqual(lagging, { status: "BUILDING", cloudStatus: "Finished", backupId: job.backupId });
                rds = (await slowAdmin.state()).alicloudRds;
                assert.deepStrictEqual(rds.backups.map((b: any) => [b.backupId, b.visible]), [[job.backupId, false]]);

                await slowAdmin.advanceClock({ ms: 60_000 });
                const done = await a.creationStatus(HA, started);
                assert.strictEqual(done.status, "COMPLETED");
                assert.strictEqual(done.backupId, job.backupId);
                assert.strictEqual(done.cloudStatus, "Success");
                const set = ((await slowAdmin.state()).alicloudRds as any).backups[0];
                assert.strictEqual(set.visible, true);
                assert.deepStrictEqual(done.backup, {
                    backupId: job.backupId, instanceId: HA, status: "COMPLETED", cloudStatus: "Success",
                    startedAt: new Date(Math.floor(set.startMs / 1000) * 1000).toISOString(),
                    finishedAt: new Date(Math.floor(set.endMs / 1000) * 1000).toISOString(),
                    sizeBytes: set.sizeBytes, manual: true, full: set.type === "FullBackup", backupMethod: "Physical", storeStatus: "Enabled",
                });

                // Resuming with the id known skips the task lookup.
                await slowAdmin.resetCalls();
                const resumed = await a.creationStatus(HA, { jobId: started.jobId, backupId: job.backupId });
                assert.strictEqual(resumed.status, "COMPLETED");
                const calls = (await slowAdmin.calls()).alicloudRds;
                assert.deepStrictEqual(Object.keys(calls), ["DescribeBackups"]);
            } finally {
                await slow.stop();
            }
        });

        it("reports FAILED with a reason and the Failed set's id when the job fails; the set lists as FAILED", async () => {
            await admin.patchInstance("alicloudRds", HA, { failNextBackup: true });
            const started = await adapter.startBackup({ instanceId: HA });
            const failed = await settle(adapter, HA, started);
            assert.strictEqual(failed.status, "FAILED");
            assert.strictEqual(failed.cloudStatus, "Failed");
            assert.match(failed.failReason ?? "", new RegExp(`${started.jobId}.*Failed`));
            const rds = (await admin.state()).alicloudRds as any;
            assert.strictEqual(rds.jobs.find((j: any) => j.jobId === started.jobId).status, "Failed");
            const set = rds.backups.find((b: any) => b.jobId === started.jobId);
            assert.strictEqual(set.status, "Failed", "a failed job leaves a set with BackupStatus Failed");
            assert.strictEqual(failed.backupId, set.backupId);
            assert.deepStrictEqual([failed.backup?.status, failed.backup?.cloudStatus], ["FAILED", "Failed"]);
            const listed = (await adapter.listBackups(HA)).find(b => b.backupId === set.backupId);
            assert.deepStrictEqual([listed?.status, listed?.cloudStatus], ["FAILED", "Failed"], "never reported as COMPLETED");
            assert.strictEqual(rds.instances.find((i: any) => i.id === HA).failNextBackup, false);
            assert.deepStrictEqual(await adapter.deleteBackups(HA, [set.backupId]), [{ backupId: set.backupId, result: "deleted" }]);
        });
    });

    describe("listBackups", () => {
        it("pages through more than 100 sets, automated ones included", async () => {
            const ids = await seed(admin, PAGED, 130, i => (i % 10 === 0 ? { mode: "Automated" } : {}));
            await admin.resetCalls();
            const listed = await adapter.listBackups(PAGED);
            assert.strictEqual(listed.length, 130);
            assert.deepStrictEqual(listed.map(b => b.backupId).sort(), [...ids].sort());
            assert.strictEqual(listed.filter(b => !b.manual).length, 13);
            assert.ok(listed.every(b => b.instanceId === PAGED && b.status === "COMPLETED"));
            assert.deepStrictEqual(await callsOf(admin, "DescribeBackups"), { calls: 2, mutations: 0 });
            assert.strictEqual((await backupIdsOf(admin, PAGED)).length, 130);
        });
    });

    describe("deleteBackups", () => {
        it("deletes 230 sets with ceil(230/100) = 3 calls", async () => {
            const ids = await seed(admin, PRUNE, 230);
            await admin.resetCalls();
            const outcomes = await adapter.deleteBackups(PRUNE, ids);
            assert.deepStrictEqual(outcomes, ids.map(backupId => ({ backupId, result: "deleted" })));
            assert.deepStrictEqual(await callsOf(admin, "DeleteBackup"), { calls: 3, mutations: 3 });
            assert.deepStrictEqual(await backupIdsOf(admin, PRUNE), []);
        });

        it("keeps every set when a wrong endpoint answers 404 without InvalidBackupSetID.NotFound (InvalidAction.NotFound), in one call", async () => {
            const ids = await seed(admin, HA, 3);
            await admin.resetCalls();
            const wrong = makeAdapter(emu, { endpoint: `${emu.endpoints.alicloudRds}/rds` }).adapter;
            const outcomes = await wrong.deleteBackups(HA, ids);
            assert.deepStrictEqual(outcomes.map(o => [o.backupId, o.result, o.code]), ids.map(id => [id, "unconfirmed", "InvalidAction.NotFound"]));
            assert.match(outcomes[0].message ?? "", /HTTP 404, request [0-9A-F-]+\)/);
            const left = await backupIdsOf(admin, HA);
            assert.ok(ids.every(id => left.includes(id)), "no set is deleted");
            assert.deepStrictEqual(await callsOf(admin, "DeleteBackup"), { calls: 0, mutations: 0 }, "the wrong path reaches no action");
            assert.deepStrictEqual((await adapter.deleteBackups(HA, ids)).map(o => o.result), ["deleted", "deleted", "deleted"]);
        });

        it("keeps a set when its instance is not found (the wrong region's answer), InvalidDBInstanceName.NotFound", async () => {
            const outcomes = await adapter.deleteBackups("rm-nosuchinstance01", ["111"]);
            assert.deepStrictEqual(outcomes.map(o => [o.result, o.code]), [["unconfirmed", "InvalidDBInstanceName.NotFound"]]);
        });

        it("halves a chunk that holds an unknown id until the id is alone", async () => {
            const [a, b, c] = await seed(admin, HA, 3);
            await admin.resetCalls();
            const unknown = "999999999";
            const outcomes = await adapter.deleteBackups(HA, [a, unknown, b, c]);
            assert.deepStrictEqual(outcomes, [
                { backupId: a, result: "deleted" },
                { backupId: unknown, result: "deleted", code: "InvalidBackupSetID.NotFound", message: "Specified backup set ID does not exist." },
                { backupId: b, result: "deleted" },
                { backupId: c, result: "deleted" },
            ]);
            // [a,u,b,c] refused; [a,u] refused, [b,c] deleted; [a] deleted, [u] not found.
            assert.deepStrictEqual(await callsOf(admin, "DeleteBackup"), { calls: 5, mutations: 2 });
            const left = await backupIdsOf(admin, HA);
            assert.ok(![a, b, c].some(id => left.includes(id)));
        });

        it("reports a set in use as blocked and deletes the rest of its chunk", async () => {
            const ids = await seed(admin, HA, 4);
            await admin.setInUse("alicloudRds", ids[2], true);
            await admin.resetCalls();
            const outcomes = await adapter.deleteBackups(HA, ids);
            assert.deepStrictEqual(outcomes.map(o => [o.backupId, o.result, o.code]), [
                [ids[0], "deleted", undefined], [ids[1], "deleted", undefined],
                [ids[2], "blocked", "OperationDenied.BackupSetDeleteNotSupport"], [ids[3], "deleted", undefined],
            ]);
            assert.ok(outcomes[2].message);
            // All four refused; [0,1] deleted, [2,3] refused; [2] blocked, [3] deleted.
            assert.deepStrictEqual(await callsOf(admin, "DeleteBackup"), { calls: 5, mutations: 2 });
            const left = (await admin.backupsOf("alicloudRds", HA)).filter(s => ids.includes(s.backupId));
            assert.deepStrictEqual(left.map(s => [s.backupId, s.storeStatus]), [[ids[2], "Disabled"]]);
            await admin.setInUse("alicloudRds", ids[2], false);
            assert.deepStrictEqual(await adapter.deleteBackups(HA, [ids[2]]), [{ backupId: ids[2], result: "deleted" }]);
        });

        it("blocks sets younger than the 7-day rule and deletes older ones", async () => {
            const [old] = await seed(admin, SEVEN_DAY, 1, () => ({ ageDays: 8 }));
            const [young] = await seed(admin, SEVEN_DAY, 1, () => ({ ageDays: 3 }));
            await admin.resetCalls();
            const outcomes = await adapter.deleteBackups(SEVEN_DAY, [old, young]);
            assert.deepStrictEqual(outcomes.map(o => [o.backupId, o.result, o.code]), [
                [old, "deleted", undefined], [young, "blocked", "OperationDenied.BackupSetDeleteNotSupport"],
            ]);
            assert.deepStrictEqual(await backupIdsOf(admin, SEVEN_DAY), [young]);
            assert.deepStrictEqual(await callsOf(admin, "DeleteBackup"), { calls: 3, mutations: 1 });
        });

        it("reports every set of a Basic-edition instance as blocked with IncorrectDBInstanceType", async () => {
            const ids = await seed(admin, BASIC, 2);
            await admin.resetCalls();
            const outcomes = await adapter.deleteBackups(BASIC, ids);
            assert.deepStrictEqual(outcomes.map(o => [o.backupId, o.result, o.code]), ids.map(id => [id, "blocked", "IncorrectDBInstanceType"]));
            assert.deepStrictEqual(await callsOf(admin, "DeleteBackup"), { calls: 1, mutations: 0 });
            assert.deepStrictEqual((await backupIdsOf(admin, BASIC)).sort(), [...ids].sort());
        });
    });

    describe("deleteBackups finds refused ids by halving", () => {
        const deletable = () => ({ ageDays: 8 });
        const young = { ageDays: 3 };
        const blocked = (backupId: string) => ({ backupId, result: "blocked", code: "OperationDenied.BackupSetDeleteNotSupport" });

        it("100 deletable sets and 1 too young: the young one blocked, the rest deleted, <= 1 + 2*ceil(log2 100) calls for its chunk", async () => {
            const ok = await seed(admin, HALVING, 100, deletable);
            const [refused] = await seed(admin, HALVING, 1, () => young);
            // The young set sits in the first chunk of 100, the last deletable set makes the second chunk alone.
            const ids = [...ok.slice(0, 50), refused, ...ok.slice(50)];
            await admin.resetCalls();
            const outcomes = await adapter.deleteBackups(HALVING, ids);
            assert.deepStrictEqual(outcomes.map(o => ({ backupId: o.backupId, result: o.result, code: o.code })),
                ids.map(id => (id === refused ? blocked(id) : { backupId: id, result: "deleted", code: undefined })));
            assert.ok(outcomes[50].message, "the cloud's message is kept");
            const { calls, mutations } = await callsOf(admin, "DeleteBackup");
            const firstChunk = calls - 1;
            assert.ok(firstChunk <= halvingBound(100), `${firstChunk} calls for the chunk with the refused id, limit ${halvingBound(100)}`);
            // At offset 50 of 100 the refused id is found at depth 7 (50, 25, 13, 7, 4, 2, 1): 1 + 2 * 7 calls, one deleting half per level.
            assert.deepStrictEqual({ calls, mutations }, { calls: 15 + 1, mutations: 7 + 1 });
            assert.deepStrictEqual(await backupIdsOf(admin, HALVING), [refused]);
            assert.deepStrictEqual(retries, []);
        });

        it("two refused sets in different halves and one already gone: each gets its own outcome", async () => {
            const ids = await seed(admin, HALVING, 20, deletable);
            const [tooYoung] = await seed(admin, HALVING, 1, () => young);
            await admin.setInUse("alicloudRds", ids[15], true);
            await admin.removeBackup("alicloudRds", ids[8]);
            ids[3] = tooYoung;
            const before = await backupIdsOf(admin, HALVING);
            await admin.resetCalls();
            const outcomes = await adapter.deleteBackups(HALVING, ids);
            assert.deepStrictEqual(outcomes.map(o => [o.backupId, o.result, o.code, o.code ? o.message !== undefined : undefined]), ids.map((id, i) =>
                i === 3 || i === 15 ? [id, "blocked", "OperationDenied.BackupSetDeleteNotSupport", true]
                    : i === 8 ? [id, "deleted", "InvalidBackupSetID.NotFound", true] : [id, "deleted", undefined, undefined]));
            assert.strictEqual(outcomes[8].message, "Specified backup set ID does not exist.");
            const { calls, mutations } = await callsOf(admin, "DeleteBackup");
            assert.ok(calls <= 1 + 3 * (halvingBound(20) - 1), `${calls} calls`);
            // Refused: all 20, [0,10) [10,20), [0,5) [5,10) [15,20), [3,5) [8,10) [15,18), [15,17): 10 refused calls make 1 + 2 * 10.
            assert.strictEqual(calls, 21);
            // Every deletable set was deleted by exactly one call; no call deleted part of its ids.
            assert.deepStrictEqual((await backupIdsOf(admin, HALVING)).sort(), before.filter(id => !ids.includes(id) || id === tooYoung || id === ids[15]).sort());
            assert.ok(mutations >= 1 && mutations < calls);
            await admin.setInUse("alicloudRds", ids[15], false);
        });

        it("1000 sets with one too young: <= 10 + 15 DeleteBackup calls in all", async () => {
            const ok = await seed(admin, THOUSAND, 999, deletable);
            const [refused] = await seed(admin, THOUSAND, 1, () => young);
            const ids = [...ok.slice(0, 550), refused, ...ok.slice(550)];
            await admin.resetCalls();
            const outcomes = await adapter.deleteBackups(THOUSAND, ids);
            assert.strictEqual(outcomes.length, 1000);
            assert.deepStrictEqual(outcomes.filter(o => o.result !== "deleted"), [{ ...blocked(refused), message: outcomes[550].message }]);
            assert.deepStrictEqual(outcomes.map(o => o.backupId), ids);
            const { calls } = await callsOf(admin, "DeleteBackup");
            assert.ok(calls <= 10 + 15, `${calls} DeleteBackup calls, limit 25`);
            assert.strictEqual(calls, 9 + 15, "nine clean chunks, and 15 for the one holding the refused id at offset 50");
            assert.deepStrictEqual(await backupIdsOf(admin, THOUSAND), [refused]);
        });
    });
});
