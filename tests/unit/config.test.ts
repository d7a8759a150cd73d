import { strict as assert } from "assert";
import { MissingSettingError, Settings } from "../../provider/config";
import { AdapterFactory } from "../../provider/clouds";
import { ProviderRuntime } from "../../provider/runtime";
import { retryCall } from "../../provider/core/retry";

const source = (values: Record<string, string>) => ({ get: (k: string) => values[k] });

describe("settings from stack config and environment", () => {
    it("prefers stack config over the environment for Alibaba and picks the regional endpoint", () => {
        const s = new Settings(source({ "alicloud:accessKey": "cfg-ak", "alicloud:secretKey": "cfg-sk", "alicloud:region": "eu-central-1" }),
            { ALICLOUD_ACCESS_KEY: "env-ak", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "env-sk" });
        const a = s.alicloud();
        assert.equal(a.accessKeyId, "cfg-ak");
        assert.equal(a.accessKeySecret, "cfg-sk");
        assert.equal(a.endpoint, "https://rds.eu-central-1.aliyuncs.com");
        assert.equal(new Settings(source({}), { ALIBABA_CLOUD_ACCESS_KEY_ID: "a", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "b" }).alicloud("cn-hangzhou").endpoint, "https://rds.aliyuncs.com");
    });

    it("names every place a missing credential may come from", () => {
        assert.throws(() => new Settings(source({}), {}).alicloud(), (e: unknown) =>
            e instanceof MissingSettingError && /config alicloud:accessKey or env ALICLOUD_ACCESS_KEY or env ALIBABA_CLOUD_ACCESS_KEY_ID/.test(e.message));
        assert.throws(() => new Settings(source({ "huaweicloud:access_key": "a", "huaweicloud:secret_key": "b" }), {}).huaweicloud("rds"),
            /Huawei Cloud project id is not set: set config huaweicloud:project_id or config huaweicloud:projectId or env HW_PROJECT_ID/);
    });

    it("accepts Huawei snake_case and camelCase keys, an IAM token instead of AK/SK, and endpoint overrides", () => {
        const camel = new Settings(source({ "huaweicloud:accessKey": "ak", "huaweicloud:secretKey": "sk", "huaweicloud:projectId": "p", "huaweicloud:region": "ap-southeast-1" }), {});
        const h = camel.huaweicloud("geminidb");
        assert.deepEqual([h.accessKey, h.secretKey, h.projectId], ["ak", "sk", "p"]);
        assert.equal(h.endpoint, "https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com");
        const token = new Settings(source({}), { HW_AUTH_TOKEN: "t", HW_PROJECT_ID: "p", DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT: "http://127.0.0.1:9" });
        assert.equal(token.huaweicloud("rds").authToken, "t");
        assert.equal(token.huaweicloud("rds").endpoint, "http://127.0.0.1:9");
        const json = new Settings(source({ "dbbackups:endpoints": JSON.stringify({ alicloudRds: "http://x:1" }), "alicloud:accessKey": "a", "alicloud:secretKey": "b" }),
            { DBBACKUPS_ALICLOUD_RDS_ENDPOINT: "http://env:2" });
        assert.equal(json.alicloud().endpoint, "http://x:1", "config wins over env");
        assert.throws(() => new Settings(source({ "dbbackups:endpoints": "{nope" }), {}).endpoints(), /must be a JSON object with keys alicloudRds/);
    });

    it("paces call retries from dbbackups:retryDelay (default 500ms, doubling to 20 times it), used by every adapter; a bad value fails at configure", async () => {
        assert.deepEqual(new Settings(source({}), {}).retryPacing(), {}, "no value: retry.ts's own defaults (500ms, at most 10s)");
        const s = new Settings(source({ "dbbackups:retryDelay": "20ms", "alicloud:accessKey": "a", "alicloud:secretKey": "b",
            "huaweicloud:access_key": "a", "huaweicloud:secret_key": "b", "huaweicloud:project_id": "p", "huaweicloud:region": "ap-southeast-1" }), {});
        assert.deepEqual(s.retryPacing(), { baseDelayMs: 20, maxDelayMs: 400 });
        const pauses: number[] = [];
        let calls = 0;
        await assert.rejects(retryCall(async () => { calls++; throw Object.assign(new Error("boom"), { statusCode: 503 }); },
            { ...s.retryPacing(), random: () => 1, sleep: async ms => { pauses.push(ms); } }));
        assert.equal(calls, 10, "the number of attempts does not change");
        assert.deepEqual(pauses, [20, 40, 80, 160, 320, 400, 400, 400, 400]);
        const factory = new AdapterFactory(s);
        // Each adapter's client keeps the pacing it was built with.
        const pacingOf = (a: unknown): unknown => { const o = a as any; return (o.rpc ?? o.client).options.retry; };
        for (const service of ["rds", "geminidb"] as const) assert.deepEqual(pacingOf(factory.get({ cloud: "huaweicloud", service })), { baseDelayMs: 20, maxDelayMs: 400 });
        assert.deepEqual(pacingOf(factory.get({ cloud: "alicloud", service: "rds" })), { baseDelayMs: 20, maxDelayMs: 400 });
        for (const bad of ["soon", "0ms"]) {
            assert.throws(() => new ProviderRuntime(() => undefined, undefined).configure(source({ "dbbackups:retryDelay": bad })),
                new RegExp(`config dbbackups:retryDelay must be a positive duration like "500ms" or "1s"; got ${bad}`));
        }
    });

    it("lists configured secrets so messages can be scrubbed", () => {
        const s = new Settings(source({ "alicloud:secretKey": "s1", "huaweicloud:secret_key": "s2" }), { HW_AUTH_TOKEN: "t3" });
        assert.deepEqual(s.secrets().sort(), ["s1", "s2", "t3"]);
    });
});
