import { strict as assert } from "assert";
import fetch from "node-fetch";
import { startEmulator, RunningEmulator } from "../../emulator";
import { Settings, SharedFiles } from "../../provider/config";
import { HuaweicloudRdsAdapter } from "../../provider/clouds/huaweicloud/rds";
import { HuaweicloudGeminidbAdapter } from "../../provider/clouds/huaweicloud/geminidb";
import { signRequest } from "../../provider/clouds/huaweicloud/sign";
import { EMULATOR_IAM_TOKEN } from "../../emulator/protocols/huaweicloud-rest";

const noFiles: SharedFiles = { homedir: "/nonexistent", read: () => undefined };
const MYSQL = "43e4feaab48f11e89039fa163ebaa7e4in01";
const CASSANDRA = "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din06";

describe("Huawei project id looked up from the region (emulated IAM GET /v3/projects)", () => {
    let emu: RunningEmulator;
    before(async () => { emu = await startEmulator({ timeScale: 0.001 }); });
    after(async () => { await emu.stop(); });

    const settings = (extra: Record<string, string>) => new Settings({
        get: (k: string) => ({ "dbbackups:endpoints": JSON.stringify(emu.endpoints), "huaweicloud:region": "ap-southeast-1", ...extra } as Record<string, string>)[k],
    }, {}, noFiles);
    const aksk = () => ({ "huaweicloud:access_key": emu.accessKeys[0].id, "huaweicloud:secret_key": emu.accessKeys[0].secret });

    it("answers the signed project list by region name, and an empty list for another region", async () => {
        const get = async (query: string) => {
            const url = `${emu.endpoints.huaweicloudIam}/v3/projects${query}`;
            const headers = signRequest({ method: "GET", url, headers: { "Content-Type": "application/json" } }, { accessKey: emu.accessKeys[0].id, secretKey: emu.accessKeys[0].secret });
            const res = await fetch(url, { headers });
            return { status: res.status, body: await res.json() as any };
        };
        const mine = await get("?name=ap-southeast-1");
        assert.equal(mine.status, 200);
        assert.deepEqual(mine.body.projects.map((p: any) => [p.id, p.name]), [[emu.projectId, "ap-southeast-1"]]);
        assert.deepEqual((await get("?name=cn-north-4")).body.projects, []);
        const unsigned = await fetch(`${emu.endpoints.huaweicloudIam}/v3/projects?name=ap-southeast-1`);
        assert.equal(unsigned.status, 401);
        assert.equal(((await unsigned.json()) as any).error_code, "APIGW.0301");
    });

    it("AK/SK and a region are enough: the adapters find the project id and list backups", async () => {
        const s = settings(aksk());
        assert.equal(s.huaweicloud("rds").projectId, "");
        assert.ok(Array.isArray(await new HuaweicloudRdsAdapter(s.huaweicloud("rds")).listBackups(MYSQL)));
        assert.ok(Array.isArray(await new HuaweicloudGeminidbAdapter(s.huaweicloud("geminidb")).listBackups(CASSANDRA)));
    });

    it("an IAM token (huaweicloud:token) is enough too", async () => {
        const s = settings({ "huaweicloud:token": EMULATOR_IAM_TOKEN });
        assert.ok(Array.isArray(await new HuaweicloudRdsAdapter(s.huaweicloud("rds")).listBackups(MYSQL)));
    });

    it("a region without a project, or a wrong secret, fails with what to do and no secret", async () => {
        const wrongRegion = settings({ ...aksk(), "huaweicloud:region": "cn-north-4" });
        await assert.rejects(new HuaweicloudRdsAdapter(wrongRegion.huaweicloud("rds")).listBackups(MYSQL),
            /Huawei Cloud IAM GET \/v3\/projects failed: ProjectNotFound: these credentials see no project named cn-north-4; check huaweicloud:region, or set huaweicloud:project_id/);
        const secret = "wrong-secret-value-123456";
        const bad = settings({ ...aksk(), "huaweicloud:secret_key": secret });
        await assert.rejects(new HuaweicloudRdsAdapter(bad.huaweicloud("rds"), { retry: { maxAttempts: 1 } }).listBackups(MYSQL),
            (e: Error) => /APIGW\.0301/.test(e.message) && !e.message.includes(secret));
    });
});
