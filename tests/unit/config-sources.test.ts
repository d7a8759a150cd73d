import { strict as assert } from "assert";
import { MissingSettingError, Settings, SharedFiles } from "../../provider/config";
import { redact } from "../../provider/core/errors";

const source = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
/** Shared files held in memory, keyed by path, under the home folder /home/u. */
const files = (byPath: Record<string, unknown>): SharedFiles => ({
    homedir: "/home/u",
    read: p => (p in byPath ? (typeof byPath[p] === "string" ? byPath[p] as string : JSON.stringify(byPath[p])) : undefined),
});
const CLI_FILE = "/home/u/.aliyun/config.json";
const cliConfig = {
    current: "work",
    profiles: [
        { name: "default", mode: "AK", access_key_id: "file-ak-default", access_key_secret: "file-sk-default", region_id: "cn-hangzhou" },
        { name: "work", mode: "AK", access_key_id: "file-ak-work", access_key_secret: "file-sk-work", region_id: "eu-central-1" },
        { name: "temp", mode: "StsToken", access_key_id: "STS.file-ak", access_key_secret: "file-sk-sts", sts_token: "file-sts-token", region_id: "cn-shanghai" },
        { name: "role", mode: "RamRoleArn", access_key_id: "a", access_key_secret: "b" },
    ],
};

describe("configuration sources: stack config, then environment, then shared files", () => {
    it("Alibaba: ALIBABACLOUD_ACCESS_KEY_ID / _SECRET, below the other spellings and stack config", () => {
        const env = { ALIBABACLOUD_ACCESS_KEY_ID: "third-ak", ALIBABACLOUD_ACCESS_KEY_SECRET: "third-sk", ALIBABACLOUD_SECURITY_TOKEN: "third-tok" };
        const a = new Settings(source({}), env, files({})).alicloud();
        assert.deepEqual([a.accessKeyId, a.accessKeySecret, a.securityToken], ["third-ak", "third-sk", "third-tok"]);
        const both = new Settings(source({}), { ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: "ak2", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "sk2" }, files({})).alicloud();
        assert.equal(both.accessKeyId, "ak2");
        const cfg = new Settings(source({ "alicloud:accessKey": "c-ak", "alicloud:secretKey": "c-sk" }), env, files({ [CLI_FILE]: cliConfig })).alicloud();
        assert.deepEqual([cfg.accessKeyId, cfg.accessKeySecret], ["c-ak", "c-sk"]);
    });

    it("Alibaba CLI profile file: the file's current profile, alicloud:profile / ALIBABA_CLOUD_PROFILE, AK and StsToken modes, region from the profile", () => {
        const current = new Settings(source({}), {}, files({ [CLI_FILE]: cliConfig })).alicloud();
        assert.deepEqual([current.accessKeyId, current.accessKeySecret, current.securityToken, current.region], ["file-ak-work", "file-sk-work", undefined, "eu-central-1"]);
        assert.equal(current.endpoint, "https://rds.eu-central-1.aliyuncs.com");
        const sts = new Settings(source({ "alicloud:profile": "temp" }), { ALIBABA_CLOUD_PROFILE: "default" }, files({ [CLI_FILE]: cliConfig })).alicloud();
        assert.deepEqual([sts.accessKeyId, sts.accessKeySecret, sts.securityToken, sts.region], ["STS.file-ak", "file-sk-sts", "file-sts-token", "cn-shanghai"]);
        const byEnv = new Settings(source({}), { ALIBABA_CLOUD_PROFILE: "default", ALICLOUD_REGION: "cn-beijing" }, files({ [CLI_FILE]: cliConfig })).alicloud();
        assert.deepEqual([byEnv.accessKeyId, byEnv.region], ["file-ak-default", "cn-beijing"], "env region beats the profile's");
        const envKeys = new Settings(source({}), { ALICLOUD_ACCESS_KEY: "env-ak", ALICLOUD_SECRET_KEY: "env-sk" }, files({ [CLI_FILE]: cliConfig })).alicloud();
        assert.equal(envKeys.accessKeyId, "env-ak", "environment beats the file");
    });

    it("alicloud:sharedCredentialsFile points at another file; ~ is the home folder", () => {
        const other = { profiles: [{ name: "default", mode: "AK", access_key_id: "other-ak", access_key_secret: "other-sk" }] };
        const s = new Settings(source({ "alicloud:sharedCredentialsFile": "~/ci/aliyun.json" }), {}, files({ "/home/u/ci/aliyun.json": other, [CLI_FILE]: cliConfig }));
        assert.equal(s.alicloud().accessKeyId, "other-ak");
    });

    it("a profile that cannot be used is named without anything read from the file; file secrets are scrubbed", () => {
        const leaks = (e: unknown) => /file-sk|file-ak|file-sts|STS\.file/.test(String((e as Error).message));
        for (const [cfg, pattern] of [
            [{ "alicloud:profile": "role" }, /profile "role" in \/home\/u\/\.aliyun\/config\.json uses mode RamRoleArn; this provider reads modes AK and StsToken/],
            [{ "alicloud:profile": "nope" }, /has no profile "nope" \(it has "default", "work", "temp", "role"\)/],
        ] as const) {
            assert.throws(() => new Settings(source(cfg), {}, files({ [CLI_FILE]: cliConfig })).alicloud(), (e: unknown) => pattern.test((e as Error).message) && !leaks(e));
        }
        assert.throws(() => new Settings(source({ "alicloud:profile": "work" }), {}, files({})).alicloud(), /profile "work" was asked for, but the profile file \/home\/u\/\.aliyun\/config\.json does not exist/);
        assert.throws(() => new Settings(source({}), {}, files({ [CLI_FILE]: "{ not json file-sk-work" })).alicloud(), (e: unknown) => /is not valid JSON$/.test((e as Error).message) && !leaks(e));
        assert.throws(() => new Settings(source({}), {}, files({})).alicloud(), (e: unknown) =>
            e instanceof MissingSettingError && /env ALIBABACLOUD_ACCESS_KEY_ID or the Alibaba CLI profile file ~\/\.aliyun\/config\.json/.test(e.message));
        const s = new Settings(source({ "alicloud:profile": "temp" }), {}, files({ [CLI_FILE]: cliConfig }));
        s.alicloud();
        assert.equal(redact("signature mismatch for file-sk-sts with token file-sts-token, key STS.file-ak", s.secrets()).match(/file-s|STS\.file/g), null);
    });

    it("endpoints: dbbackups:endpoints, then alicloud:endpoints (list with rds) and huaweicloud:endpoints (rds, geminidb, iam), then env", () => {
        const env = { DBBACKUPS_ALICLOUD_RDS_ENDPOINT: "http://env:1", DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT: "http://env:2", DBBACKUPS_HUAWEICLOUD_IAM_ENDPOINT: "http://env:3" };
        const providers = source({
            "alicloud:endpoints": JSON.stringify([{ ecs: "ecs.example" }, { rds: "rds-vpc.cn-hangzhou.aliyuncs.com" }]),
            "huaweicloud:endpoints": JSON.stringify({ rds: "https://rds.private.example/", geminidb: "https://nosql.private.example", iam: "https://iam.private.example" }),
        });
        const e = new Settings(providers, env, files({})).endpoints();
        assert.deepEqual(e, {
            alicloudRds: "https://rds-vpc.cn-hangzhou.aliyuncs.com", huaweicloudRds: "https://rds.private.example/",
            huaweicloudGeminidb: "https://nosql.private.example", huaweicloudIam: "https://iam.private.example",
        });
        const ours = new Settings(source({ "dbbackups:endpoints": JSON.stringify({ alicloudRds: "http://ours:9" }), "alicloud:endpoints": JSON.stringify([{ rds: "rds.x" }]) }), env, files({}));
        assert.equal(ours.endpoints().alicloudRds, "http://ours:9");
        assert.deepEqual(new Settings(source({}), env, files({})).endpoints(), { alicloudRds: "http://env:1", huaweicloudRds: "http://env:2", huaweicloudGeminidb: undefined, huaweicloudIam: "http://env:3" });
        assert.throws(() => new Settings(source({ "alicloud:endpoints": "[{rds" }), {}, files({})).endpoints(), /config alicloud:endpoints must be a list of objects/);
    });

    it("Huawei: huaweicloud:token is an IAM token; HUAWEICLOUD_SDK_PROJECT_ID is honoured; no project id but a region means an IAM lookup", () => {
        const t = new Settings(source({ "huaweicloud:token": "tok", "huaweicloud:region": "cn-north-4" }), { HUAWEICLOUD_SDK_PROJECT_ID: "pid" }, files({})).huaweicloud("rds");
        assert.deepEqual([t.authToken, t.projectId, t.projectIdLookup], ["tok", "pid", undefined]);
        assert.deepEqual(new Settings(source({ "huaweicloud:token": "tok" }), {}, files({})).secrets(), ["tok"]);
        const lookup = new Settings(source({ "huaweicloud:access_key": "a", "huaweicloud:secret_key": "b", "huaweicloud:region": "cn-north-4" }), {}, files({})).huaweicloud("geminidb");
        assert.equal(lookup.projectId, "");
        assert.equal(typeof lookup.projectIdLookup, "function");
        assert.equal(lookup.endpoint, "https://gaussdb-nosql.cn-north-4.myhuaweicloud.com");
        assert.throws(() => new Settings(source({ "huaweicloud:access_key": "a", "huaweicloud:secret_key": "b" }), {}, files({})).huaweicloud("rds"),
            /Huawei Cloud project id is not set: .* or a region \(the resource's region input, config huaweicloud:region or env HW_REGION_NAME\) to look it up in IAM/);
        assert.throws(() => new Settings(source({}), {}, files({})).huaweicloud("rds"), /Huawei Cloud credentials are not set: set config huaweicloud:access_key/);
    });
});

describe("configuration problems reported at preview", () => {
    it("an unusable Alibaba CLI profile is a Check failure naming the profile, not a crash", async () => {
        const { ProviderRuntime } = await import("../../provider/runtime");
        const rt = new ProviderRuntime(() => undefined);
        rt.configure(source({ "alicloud:profile": "work", "alicloud:sharedCredentialsFile": "/nonexistent/dbbackups-test/config.json" }));
        assert.match(rt.missingSettings({ cloud: "alicloud", service: "rds" }) ?? "",
            /Alibaba Cloud profile "work" was asked for, but the profile file \/nonexistent\/dbbackups-test\/config\.json does not exist \(needed for alicloud rds\)/);
    });
});

describe("the runtime configured once per resource kind", () => {
    /** The stack config as the dynamic-provider host hands it to `configure` (its `Config` keeps the raw map). */
    const hostConfig = (raw: Record<string, string>) => ({ rawConfig: raw, get: (k: string) => raw[k] });
    const raw = { "huaweicloud:access_key": "ak", "huaweicloud:secret_key": "sk", "huaweicloud:project_id": "p1", "huaweicloud:region": "ap-southeast-1" };
    const target = { cloud: "huaweicloud" as const, service: "rds" as const, instanceId: "i-1" };

    it("keeps its instance coordinators when the same stack config comes again, and rebuilds them for another", async () => {
        const { ProviderRuntime } = await import("../../provider/runtime");
        const rt = new ProviderRuntime(() => undefined);
        rt.configure(hostConfig(raw));
        const first = rt.instance(target);
        rt.configure(hostConfig({ ...raw }));
        assert.equal(rt.instance(target), first, "one coordinator per instance for both resource kinds");
        rt.configure(hostConfig({ ...raw, "huaweicloud:project_id": "p2" }));
        assert.notEqual(rt.instance(target), first);
        rt.configure(source(raw));
        const plain = rt.instance(target);
        rt.configure(source(raw));
        assert.notEqual(rt.instance(target), plain, "a config whose values cannot be seen whole is taken as new");
    });
});
