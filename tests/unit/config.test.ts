import { strict as assert } from "assert";
import { MissingSettingError, Settings } from "../../provider/config";

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

    it("lists configured secrets so messages can be scrubbed", () => {
        const s = new Settings(source({ "alicloud:secretKey": "s1", "huaweicloud:secret_key": "s2" }), { HW_AUTH_TOKEN: "t3" });
        assert.deepEqual(s.secrets().sort(), ["s1", "s2", "t3"]);
    });
});
