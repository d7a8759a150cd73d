/**
 * Injected gateway behaviour on the emulated Alibaba Cloud RDS: an HTML error
 * page instead of the API's JSON (`html: true`), and a connection dropped before
 * or after the service acted (`reset`), as clients see them.
 */
import { $OpenApiUtil } from "@alicloud/openapi-core";
import Rds, * as $Rds from "@alicloud/rds20140815";
import * as assert from "assert";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { addRdsInstance, admin, rds, rdsCalls, rdsClient, rdsState } from "./alicloud-test-kit";

describe("alicloud RDS emulator: gateway faults", () => {
    let emu: RunningEmulator;
    before(async () => {
        emu = await startEmulator({ timeScale: 1 });
        await addRdsInstance(emu, "rm-faults000001");
    });
    after(() => emu.stop());
    beforeEach(async () => {
        await admin(emu, "DELETE", "/faults");
    });

    it("validates html and reset, and records a reset's missing status and code as 0 and ConnectionReset", async () => {
        const base = { service: "alicloudRds", action: "CreateBackup" };
        for (const [fault, field] of [
            [{ ...base, status: 502, code: "BadGateway", html: "yes" }, "fault.html"],
            [{ ...base, reset: "during" }, "fault.reset"],
            [{ ...base, status: 502, code: "BadGateway", html: true, reset: "after" }, "exclude each other"],
            [{ ...base, status: 0, code: "X" }, "fault.status"],
            [{ ...base, status: 502 }, "fault.code"],
        ] as const) {
            const res = await admin(emu, "POST", "/faults", fault);
            assert.strictEqual(res.status, 400, JSON.stringify(fault));
            assert.ok(JSON.stringify(res.body).includes(field), `${JSON.stringify(res.body)} names ${field}`);
        }
        const ok = await admin(emu, "POST", "/faults", { ...base, reset: "before" });
        assert.strictEqual(ok.status, 201);
        assert.deepStrictEqual(ok.body.fault, { ...base, status: 0, code: "ConnectionReset", reset: "before" });
        const html = await admin(emu, "POST", "/faults", { ...base, status: 503, code: "ServiceUnavailable", html: true, times: 2 });
        assert.deepStrictEqual(html.body.fault, { ...base, status: 503, code: "ServiceUnavailable", times: 2, html: true });
    });

    it("answers html: true with the status and an HTML page; pop-core and the official client both fail to parse it, nothing changes", async () => {
        await admin(emu, "POST", "/faults", { service: "alicloudRds", action: "CreateBackup", status: 502, code: "BadGateway", html: true, times: 2 });
        const raw = await fetch(`${emu.endpoints.alicloudRds}/`, { method: "POST" });
        assert.strictEqual(raw.status, 400, "an unsigned request is refused before faults apply");
        const before = (await rdsState(emu)).jobs.length;

        const popErr = await rds(rdsClient(emu), "CreateBackup", { DBInstanceId: "rm-faults000001" }).then(() => undefined, (e) => e);
        assert.ok(popErr, "pop-core rejects");
        assert.strictEqual(popErr.name, "SyntaxError");
        assert.match(String(popErr.text), /<title>502 Bad Gateway<\/title>/);

        const sdk = new Rds(new $OpenApiUtil.Config({ accessKeyId: emu.accessKeys[0].id, accessKeySecret: emu.accessKeys[0].secret, endpoint: new URL(emu.endpoints.alicloudRds).host, protocol: "HTTP" }));
        const sdkErr = await sdk.createBackup(new $Rds.CreateBackupRequest({ DBInstanceId: "rm-faults000001" })).then(() => undefined, (e) => e);
        assert.ok(sdkErr, "the official client rejects");
        assert.ok(!sdkErr.code || sdkErr.code !== "BackupJobExists");

        assert.strictEqual((await rdsState(emu)).jobs.length, before, "the page comes from the gateway: no job started");
        assert.deepStrictEqual((await rdsCalls(emu, "CreateBackup")).mutations, 0);
        assert.deepStrictEqual((await admin(emu, "GET", "/faults")).body.faults, [], "each call consumed the fault once");
    });

    it("drops the connection before the service acts (reset: before) or after it did (reset: after)", async () => {
        const client = rdsClient(emu);
        const jobs = async () => (await rdsState(emu)).jobs.filter((j) => j.instanceId === "rm-faults000001").length;
        const start = await jobs();
        const callsBefore = (await rdsCalls(emu, "CreateBackup")).calls;

        await admin(emu, "POST", "/faults", { service: "alicloudRds", action: "CreateBackup", reset: "before" });
        const early = await rds(client, "CreateBackup", { DBInstanceId: "rm-faults000001" }).then(() => undefined, (e) => e);
        assert.strictEqual(early?.code, "ECONNRESET");
        assert.strictEqual(await jobs(), start, "nothing happened");

        await admin(emu, "POST", "/faults", { service: "alicloudRds", action: "CreateBackup", reset: "after" });
        const late = await rds(client, "CreateBackup", { DBInstanceId: "rm-faults000001" }).then(() => undefined, (e) => e);
        assert.strictEqual(late?.code, "ECONNRESET");
        assert.strictEqual(await jobs(), start + 1, "the job started although its answer was lost");
        assert.deepStrictEqual(await rdsCalls(emu, "CreateBackup"), { calls: callsBefore + 2, mutations: 1 });

        // A refusal is lost as well: the instance is busy now, and that answer never arrives either.
        await admin(emu, "POST", "/faults", { service: "alicloudRds", action: "CreateBackup", reset: "after" });
        const refused = await rds(client, "CreateBackup", { DBInstanceId: "rm-faults000001" }).then(() => undefined, (e) => e);
        assert.strictEqual(refused?.code, "ECONNRESET");
        assert.strictEqual(await jobs(), start + 1);
        assert.deepStrictEqual((await admin(emu, "GET", "/faults")).body.faults, [], "each fault answered one call");
    });
});
