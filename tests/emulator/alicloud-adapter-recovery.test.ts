/**
 * `AlicloudRdsAdapter` when answers go missing, against the emulated Alibaba
 * Cloud RDS and its fault API: a gateway's HTML page is retried, a lost
 * `CreateBackup` answer never leads to a second backup, and a job the cloud
 * stops listing is resolved through its start time or ends with an error that
 * names the job.
 */
import * as assert from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import { startEmulator, type RunningEmulator } from "../../emulator";
import type { InstanceSpec } from "../../emulator/core/types";
import { AlicloudRdsAdapter, NOT_LISTED_GRACE_MS } from "../../provider/clouds/alicloud/rds";
import { CloudError } from "../../provider/core/errors";
import { Admin } from "../support/world";

const HA = "rm-recovery000001";
const SHORT = "rm-recoveryshort01";
const INSTANCES: InstanceSpec[] = [
    { cloud: "alicloud", service: "rds", id: HA, engine: "MySQL", category: "HighAvailability", minDeleteAgeDays: 0 },
    // Finished jobs are not listed at all: every finished job "vanishes".
    { cloud: "alicloud", service: "rds", id: SHORT, engine: "MySQL", category: "HighAvailability", minDeleteAgeDays: 0, taskRetentionMinutes: 0 },
];

interface Made { adapter: AlicloudRdsAdapter; retries: string[]; lines: string[] }

function makeAdapter(endpoint: string, emu: RunningEmulator): Made {
    const retries: string[] = [];
    const lines: string[] = [];
    const adapter = new AlicloudRdsAdapter({ accessKeyId: emu.accessKeys[0].id, accessKeySecret: emu.accessKeys[0].secret, endpoint }, {
        retry: { sleep: async () => {}, onRetry: err => retries.push((err as CloudError).code) }, timeoutMs: 5_000, log: line => lines.push(line),
    });
    return { adapter, retries, lines };
}

async function rejection(call: Promise<unknown>): Promise<CloudError> {
    const err = await call.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError, `expected a CloudError, got ${err}`);
    return err;
}

async function rdsOf(admin: Admin): Promise<{ jobs: any[]; backups: any[] }> {
    return (await admin.state()).alicloudRds as any;
}

async function callsOf(admin: Admin, action: string): Promise<{ calls: number; mutations: number }> {
    return (await admin.calls()).alicloudRds[action] ?? { calls: 0, mutations: 0 };
}

describe("AlicloudRdsAdapter when answers are lost", () => {
    let emu: RunningEmulator;
    let admin: Admin;
    let made: Made;
    beforeEach(async () => {
        // Real job length (20 s); the admin clock moves time on, so nothing sleeps.
        emu = await startEmulator({ timeScale: 1, instances: INSTANCES });
        admin = new Admin(emu.admin);
        made = makeAdapter(emu.endpoints.alicloudRds, emu);
    });
    afterEach(() => emu.stop());

    describe("a gateway's HTML page", () => {
        it("is retried on a read: the listing succeeds on the next attempt", async () => {
            await admin.fault({ service: "alicloudRds", action: "DescribeBackups", status: 502, code: "BadGateway", html: true, times: 2 });
            assert.ok(Array.isArray(await made.adapter.listBackups(HA)));
            assert.deepStrictEqual(made.retries, ["InvalidResponse", "InvalidResponse"]);
            assert.deepStrictEqual(await callsOf(admin, "DescribeBackups"), { calls: 3, mutations: 0 });
        });

        it("ends as a transient InvalidResponse naming the page's title once retries run out, without credentials", async () => {
            await admin.fault({ service: "alicloudRds", action: "DescribeBackups", status: 503, code: "ServiceUnavailable", html: true, times: 10 });
            const err = await rejection(made.adapter.listBackups(HA));
            assert.deepStrictEqual([err.code, err.kind, err.retryable], ["InvalidResponse", "transient", true]);
            assert.match(err.message, /not JSON \("503 Service Temporarily Unavailable"\)/);
            assert.ok(!err.message.includes(emu.accessKeys[0].secret) && !err.message.includes(emu.accessKeys[0].id));
        });

        it("on CreateBackup is not a job: the instance shows none, so one create follows, and one job exists", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", status: 502, code: "BadGateway", html: true, times: 1 });
            const started = await made.adapter.startBackup({ instanceId: HA });
            assert.match(started.jobId ?? "", /^\d+$/);
            assert.strictEqual(started.note, undefined);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 2, mutations: 1 });
            assert.deepStrictEqual((await rdsOf(admin)).jobs.map(j => j.jobId), [started.jobId]);
        });
    });

    describe("a lost CreateBackup answer", () => {
        it("takes over the job the call started (connection reset after the cloud acted), says so, and creates nothing else", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after" });
            const started = await made.adapter.startBackup({ instanceId: HA });
            const { jobs } = await rdsOf(admin);
            assert.strictEqual(jobs.length, 1, "one job in the cloud");
            assert.strictEqual(started.jobId, jobs[0].jobId, "the job taken over is the one the lost call started");
            assert.match(started.note ?? "", new RegExp(`lost \\(NetworkError\\); took over job ${jobs[0].jobId}`));
            assert.deepStrictEqual(made.lines, [started.note]);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 1, mutations: 1 });
            await admin.advanceClock({ ms: 21_000 });
            const done = await made.adapter.creationStatus(HA, started);
            assert.deepStrictEqual([done.status, done.backupId], ["COMPLETED", jobs[0].backupId]);
        });

        it("takes over the set when the job already finished by the time it looks", async () => {
            // A proxy moves the clock past the job's end right after the lost answer, before the adapter looks.
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after" });
            const proxy = await proxyOnCreate(emu, () => admin.advanceClock({ ms: 21_000 }).then(() => undefined), "after");
            try {
                const viaProxy = makeAdapter(proxy.url, emu);
                const started = await viaProxy.adapter.startBackup({ instanceId: HA });
                const { jobs, backups } = await rdsOf(admin);
                assert.strictEqual(jobs.length, 1);
                assert.deepStrictEqual([started.jobId, started.backupId], [undefined, jobs[0].backupId]);
                assert.match(started.note ?? "", new RegExp(`took over backup ${jobs[0].backupId}`));
                assert.strictEqual(started.startedAt, backups[0].startTime.replace(/\.\d{3}Z$/, ".000Z"));
                const done = await viaProxy.adapter.creationStatus(HA, started);
                assert.deepStrictEqual([done.status, done.backupId], ["COMPLETED", jobs[0].backupId]);
            } finally {
                await proxy.close();
            }
        });

        it("creates once more when the connection was reset before the cloud acted", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "before" });
            const started = await made.adapter.startBackup({ instanceId: HA });
            assert.strictEqual(started.note, undefined);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 2, mutations: 1 });
            assert.deepStrictEqual((await rdsOf(admin)).jobs.map(j => j.jobId), [started.jobId]);
        });

        it("fails naming the candidates when another manual backup appeared meanwhile, and takes over neither", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after" });
            // Someone makes a backup by hand while the create is on its way.
            const proxy = await proxyOnCreate(emu, async () => { await admin.addBackup("alicloudRds", { instanceId: HA }); }, "before");
            try {
                const viaProxy = makeAdapter(proxy.url, emu);
                const err = await rejection(viaProxy.adapter.startBackup({ instanceId: HA }));
                const { jobs, backups } = await rdsOf(admin);
                assert.strictEqual(err.code, "LostAnswerAmbiguous");
                assert.strictEqual(err.kind, "client");
                assert.ok(err.message.includes(`job ${jobs[0].jobId}`), err.message);
                assert.ok(err.message.includes(`backup ${backups[0].backupId}`), err.message);
                assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 1, mutations: 1 }, "no second create");
                assert.deepStrictEqual(viaProxy.lines, []);
            } finally {
                await proxy.close();
            }
        });

        it("does not count a job already running before the call, nor the set it produced", async () => {
            const first = await made.adapter.startBackup({ instanceId: HA });
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after" });
            // The lost call is refused (one job at a time); the first job then ends during the lookup.
            const proxy = await proxyOnCreate(emu, () => admin.advanceClock({ ms: 21_000 }).then(() => undefined), "after");
            try {
                const viaProxy = makeAdapter(proxy.url, emu);
                const started = await viaProxy.adapter.startBackup({ instanceId: HA });
                const { jobs } = await rdsOf(admin);
                assert.deepStrictEqual(jobs.map(j => j.jobId), [first.jobId, started.jobId], "the second create made the only other job");
                assert.strictEqual(started.note, undefined, "nothing was taken over");
            } finally {
                await proxy.close();
            }
        });

        it("is sent again through more lost answers in a row than three, before and after the cloud acted, and makes one job", async () => {
            const first = await made.adapter.startBackup({ instanceId: HA });
            // Lost refusals (the first job still runs), lost before the cloud saw them, then lost after the cloud started the job.
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after", times: 2 });
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "before", times: 3 });
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after", times: 1 });
            const sleeps: number[] = [];
            const viaBackoff = new AlicloudRdsAdapter({ accessKeyId: emu.accessKeys[0].id, accessKeySecret: emu.accessKeys[0].secret, endpoint: emu.endpoints.alicloudRds }, {
                timeoutMs: 5_000, log: line => made.lines.push(line),
                retry: {
                    random: () => 1,
                    // The first job ends during the second pause, so the last call can start a job.
                    sleep: async ms => { sleeps.push(ms); if (sleeps.length === 2) await admin.advanceClock({ ms: 21_000 }); },
                },
            });
            const started = await viaBackoff.startBackup({ instanceId: HA, timeoutMs: 30 * 60_000 });
            const { jobs, backups } = await rdsOf(admin);
            assert.deepStrictEqual(jobs.map(j => j.jobId), [first.jobId, started.jobId], "one job besides the first");
            assert.match(started.note ?? "", new RegExp(`lost \\(NetworkError\\); took over job ${started.jobId}`));
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 7, mutations: 2 }, "1 + six lost calls, the last of which started the job");
            assert.deepStrictEqual(sleeps, [500, 1000, 2000, 4000, 8000], "the backoff of every call");
            await admin.advanceClock({ ms: 21_000 });
            const done = await viaBackoff.creationStatus(HA, started);
            assert.strictEqual(done.status, "COMPLETED");
            const sets = (await rdsOf(admin)).backups.filter(b => b.jobId === started.jobId);
            assert.strictEqual(sets.length, 1, "one backup set of the new job");
            assert.strictEqual(done.backupId, sets[0].backupId);
            assert.strictEqual(backups.length + 1, (await rdsOf(admin)).backups.length);
        });

        it("on an idle instance, after answers lost before the cloud acted and one lost after, leaves exactly one job on the instance", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "before", times: 4 });
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after", times: 1 });
            const started = await made.adapter.startBackup({ instanceId: HA, timeoutMs: 30 * 60_000 });
            assert.deepStrictEqual((await rdsOf(admin)).jobs.map(j => j.jobId), [started.jobId], "exactly one job on the instance");
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 5, mutations: 1 }, "four lost before the cloud acted, the fifth started the job");
            assert.deepStrictEqual(made.retries.filter(c => c === "NetworkError").length, 4, "each lost answer was sent again through the shared retry");
            assert.match(started.note ?? "", new RegExp(`took over job ${started.jobId}`));
            await admin.advanceClock({ ms: 21_000 });
            const done = await made.adapter.creationStatus(HA, started);
            assert.strictEqual(done.status, "COMPLETED");
            assert.deepStrictEqual((await rdsOf(admin)).backups.map(b => b.backupId), [done.backupId], "one backup set on the instance");
        });

        it("gives up after the attempt budget, naming the cloud's error and the attempts, with no backup made", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "before", times: 12 });
            const err = await rejection(made.adapter.startBackup({ instanceId: HA }));
            assert.deepStrictEqual([err.code, err.kind], ["NetworkError", "transient"]);
            assert.match(err.message, /could not reach .*ECONNRESET.*sent 10 times and every answer was lost/);
            assert.match(err.message, /no backup was made, and no attempt is left\. Nothing needs cleaning up: run the update again/);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 10, mutations: 0 });
            assert.deepStrictEqual((await rdsOf(admin)).jobs, []);
            assert.deepStrictEqual(made.retries.filter(c => c === "NetworkError").length, 9);
        });

        it("stops sending it again at the resource's deadline", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "before", times: 12 });
            let now = 0;
            const sleeps: number[] = [];
            const bounded = new AlicloudRdsAdapter({ accessKeyId: emu.accessKeys[0].id, accessKeySecret: emu.accessKeys[0].secret, endpoint: emu.endpoints.alicloudRds }, {
                timeoutMs: 5_000, retry: { random: () => 1, baseDelayMs: 1000, now: () => now, sleep: async ms => { sleeps.push(ms); now += ms; } },
            });
            const err = await rejection(bounded.startBackup({ instanceId: HA, timeoutMs: 5_000 }));
            // Pauses of 1 s and 2 s fit in 5 s; the next 4 s would end past it.
            assert.deepStrictEqual(sleeps, [1000, 2000]);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 3, mutations: 0 });
            assert.strictEqual(err.code, "NetworkError");
            assert.match(err.message, /sent 3 times .* waitTimeout \(5s left when the create began\) allowed no further attempt.*or raise waitTimeout/);
            assert.deepStrictEqual((await rdsOf(admin)).jobs, []);
        });

        it("retries a throttled create with the budget of every call, even when waitTimeout is shorter than the backoff", async () => {
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", status: 400, code: "Throttling.User", times: 2 });
            let now = 0;
            const sleeps: number[] = [];
            const bounded = new AlicloudRdsAdapter({ accessKeyId: emu.accessKeys[0].id, accessKeySecret: emu.accessKeys[0].secret, endpoint: emu.endpoints.alicloudRds }, {
                timeoutMs: 5_000, retry: { random: () => 1, now: () => now, sleep: async ms => { sleeps.push(ms); now += ms; } },
            });
            // A 40 ms wait: the cloud refused both calls before acting, so they are not resends of a lost answer.
            const started = await bounded.startBackup({ instanceId: HA, timeoutMs: 40 });
            assert.deepStrictEqual(sleeps, [500, 1000]);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 3, mutations: 1 });
            assert.deepStrictEqual((await rdsOf(admin)).jobs.map(j => j.jobId), [started.jobId]);
        });

        it("answers BackupJobExists, for the lifecycle to wait, when the lost call met a job that was already running", async () => {
            const first = await made.adapter.startBackup({ instanceId: HA });
            await admin.fault({ service: "alicloudRds", action: "CreateBackup", reset: "after" });
            const err = await rejection(made.adapter.startBackup({ instanceId: HA }));
            assert.deepStrictEqual([err.code, err.httpStatus], ["BackupJobExists", 400]);
            assert.deepStrictEqual(await callsOf(admin, "CreateBackup"), { calls: 3, mutations: 1 }, "1 + the lost call + the one that was refused, none started a job");
            assert.deepStrictEqual((await rdsOf(admin)).jobs.map(j => j.jobId), [first.jobId]);
            assert.deepStrictEqual(made.lines, []);
        });
    });

    describe("a job DescribeBackupTasks no longer lists", () => {
        it("is BUILDING for a grace period, then resolved to the set that started when the job did", async () => {
            const started = await made.adapter.startBackup({ instanceId: SHORT });
            assert.ok(started.startedAt);
            await admin.advanceClock({ ms: 21_000 });
            const early = await made.adapter.creationStatus(SHORT, { jobId: started.jobId });
            assert.deepStrictEqual(early, { status: "BUILDING", cloudStatus: "NotListed" });
            await admin.advanceClock({ ms: NOT_LISTED_GRACE_MS });
            // This process remembers when it started the job, even when the caller passes only the id.
            const done = await made.adapter.creationStatus(SHORT, { jobId: started.jobId });
            const set = (await rdsOf(admin)).backups.find(b => b.jobId === started.jobId);
            assert.deepStrictEqual([done.status, done.backupId, done.backup?.status], ["COMPLETED", set.backupId, "COMPLETED"]);
        });

        it("is resolved in another process through the start time kept in state", async () => {
            const started = await made.adapter.startBackup({ instanceId: SHORT });
            await admin.advanceClock({ ms: 2 * 60_000 });
            const refresh = makeAdapter(emu.endpoints.alicloudRds, emu).adapter;
            const done = await refresh.creationStatus(SHORT, { jobId: started.jobId, startedAt: started.startedAt });
            const set = (await rdsOf(admin)).backups.find(b => b.jobId === started.jobId);
            assert.deepStrictEqual([done.status, done.backupId], ["COMPLETED", set.backupId]);
        });

        it("ends with an error naming the job when only its id is known", async () => {
            const started = await made.adapter.startBackup({ instanceId: SHORT });
            await admin.advanceClock({ ms: 21_000 });
            const refresh = makeAdapter(emu.endpoints.alicloudRds, emu).adapter;
            const err = await rejection(refresh.creationStatus(SHORT, { jobId: started.jobId }));
            assert.deepStrictEqual([err.code, err.kind], ["BackupJobNotListed", "client"]);
            assert.ok(err.message.includes(`backup job ${started.jobId}`) && /stays in state/.test(err.message), err.message);
        });

        it("reports a failed job that vanished as FAILED with its Failed set", async () => {
            await admin.patchInstance("alicloudRds", SHORT, { failNextBackup: true });
            const started = await made.adapter.startBackup({ instanceId: SHORT });
            await admin.advanceClock({ ms: 2 * 60_000 });
            const failed = await made.adapter.creationStatus(SHORT, started);
            const set = (await rdsOf(admin)).backups.find(b => b.jobId === started.jobId);
            assert.deepStrictEqual([failed.status, failed.backupId, failed.backup?.cloudStatus], ["FAILED", set.backupId, "Failed"]);
        });

        it("waits for a lagging set, then gives up with an error naming the job when no set started then", async () => {
            const started = await made.adapter.startBackup({ instanceId: SHORT });
            await admin.advanceClock({ ms: 2 * 60_000 });
            const set = (await rdsOf(admin)).backups.find(b => b.jobId === started.jobId);
            await admin.removeBackup("alicloudRds", set.backupId);
            assert.deepStrictEqual(await made.adapter.creationStatus(SHORT, started), { status: "BUILDING", cloudStatus: "NotListed" });
            await admin.advanceClock({ ms: 6 * 60_000 });
            const err = await rejection(made.adapter.creationStatus(SHORT, started));
            assert.strictEqual(err.code, "BackupJobNotListed");
            assert.ok(err.message.includes(started.jobId!) && /no manual backup set started at/.test(err.message), err.message);
        });

        it("ends with an error naming the sets when several started then", async () => {
            const started = await made.adapter.startBackup({ instanceId: SHORT });
            await admin.advanceClock({ ms: 2 * 60_000 });
            const state = await admin.state();
            const now = Date.parse((state as any).clock.now);
            const job = (state.alicloudRds as any).jobs.find((j: any) => j.jobId === started.jobId);
            // A set made by hand that started 3 s after the job: ends 63 s after it, `ageDays` before now.
            const other = await admin.addBackup("alicloudRds", { instanceId: SHORT, ageDays: (now - (job.startMs + 63_000)) / 86_400_000 });
            const err = await rejection(made.adapter.creationStatus(SHORT, started));
            assert.strictEqual(err.code, "BackupJobNotListed");
            assert.ok(err.message.includes(other.backupId) && err.message.includes(job.backupId), err.message);
        });
    });
});

/**
 * A proxy in front of the emulator that runs `hook` when it sees a CreateBackup
 * request: `before` forwarding it, or `after` the emulator dropped the connection.
 */
async function proxyOnCreate(emu: RunningEmulator, hook: () => Promise<void>, when: "before" | "after"): Promise<{ url: string; close(): Promise<void> }> {
    const target = new URL(emu.endpoints.alicloudRds);
    let fired = false;
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", async () => {
            const body = Buffer.concat(chunks);
            const isCreate = !fired && /(^|&)Action=CreateBackup(&|$)/.test(body.toString("utf8"));
            if (isCreate) fired = true;
            if (isCreate && when === "before") await hook();
            const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, up => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            });
            out.on("error", async () => {
                if (isCreate && when === "after") await hook();
                res.socket?.destroy();
            });
            out.end(body);
        });
    });
    await new Promise<void>(r => server.listen(0, "127.0.0.1", () => r()));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>(r => { server.closeAllConnections(); server.close(() => r()); }),
    };
}
