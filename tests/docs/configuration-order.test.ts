/**
 * docs/installation-configuration.md against the code that reads the
 * configuration: every stack-config key and environment variable the provider
 * reads is named on the page, and the order the page gives for each value is
 * the order `Settings` reads them in (of two sources set together, the one
 * listed first wins).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Settings } from "../../provider/config";
import { REPO_ROOT } from "../support/workspace";

const read = (f: string) => fs.readFileSync(path.join(REPO_ROOT, f), "utf8");
const PAGE = "docs/installation-configuration.md";
const page = read(PAGE);
const flat = page.replace(/\s+/g, " ");

/** The page's text between a line starting with `from` and the next line starting with `to`. */
function part(from: string, to: string): string {
    const start = page.indexOf(`\n${from}`);
    assert.ok(start >= 0, `${PAGE} has no paragraph starting "${from}"`);
    const end = page.indexOf(`\n${to}`, start + 1);
    assert.ok(end > start, `${PAGE} has no paragraph starting "${to}" after "${from}"`);
    return page.slice(start, end).replace(/\s+/g, " ");
}

/** The sources the page lists for one value: the run of `quoted` names right after "<label>: " (and "the resource's `region`, "). */
function sources(text: string, label: string): string[] {
    const m = new RegExp(`${label}: (?:the resource's \`region\`, )?((?:\`[^\`]+\`(?:, )?)+)`).exec(text);
    assert.ok(m, `${PAGE} gives no sources for "${label}"`);
    return [...m[1].matchAll(/`([^`]+)`/g)].map(x => x[1]);
}

const NO_FILES = { read: () => undefined, homedir: "/nonexistent-home" };

/** Settings with these sources set: `a:b` keys go to stack config, NAMES to the environment. */
function settingsWith(values: Record<string, string>): Settings {
    const config: Record<string, string> = {};
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) (k.includes(":") ? config : env)[k] = v;
    return new Settings({ get: k => config[k] }, env, NO_FILES);
}

interface Value { part: [string, string]; label: string; base: Record<string, string>; get: (s: Settings) => string | undefined }

const ALI = (get: (s: ReturnType<Settings["alicloud"]>) => string | undefined, base: Record<string, string>, label: string): Value =>
    ({ part: ["Alibaba Cloud:", "Huawei Cloud"], label, base, get: s => get(s.alicloud()) });
const HW = (get: (s: ReturnType<Settings["huaweicloud"]>) => string | undefined, base: Record<string, string>, label: string, region?: string): Value =>
    ({ part: ["Huawei Cloud", "Note the endpoint order"], label, base, get: s => get(s.huaweicloud("rds", region)) });

const VALUES: Value[] = [
    ALI(s => s.accessKeyId, { "alicloud:secretKey": "sk" }, "Access key"),
    ALI(s => s.accessKeySecret, { "alicloud:accessKey": "ak" }, "Secret"),
    ALI(s => s.securityToken, { "alicloud:accessKey": "ak", "alicloud:secretKey": "sk" }, "STS token"),
    ALI(s => s.region, { "alicloud:accessKey": "ak", "alicloud:secretKey": "sk" }, "Region"),
    HW(s => s.authToken, { "huaweicloud:project_id": "p" }, "IAM token", "r"),
    HW(s => s.accessKey, { "huaweicloud:secret_key": "sk", "huaweicloud:project_id": "p" }, "Access key", "r"),
    HW(s => s.secretKey, { "huaweicloud:access_key": "ak", "huaweicloud:project_id": "p" }, "Secret key", "r"),
    HW(s => s.securityToken, { "huaweicloud:auth_token": "t", "huaweicloud:project_id": "p" }, "Temporary security token", "r"),
    HW(s => s.projectId, { "huaweicloud:auth_token": "t" }, "Project id", "r"),
    HW(s => s.region, { "huaweicloud:auth_token": "t", "huaweicloud:project_id": "p" }, "Region"),
];

describe("Installation and configuration: every key and variable, in the order they are read", () => {
    it("names every stack-config key and environment variable the provider and the plugin launcher read", () => {
        const code = read("provider/config.ts");
        const keys = new Set<string>();
        for (const m of code.matchAll(/"((?:alicloud|huaweicloud|dbbackups):[A-Za-z_]+)"/g)) keys.add(m[1]);
        for (const m of code.matchAll(/key\("(\w+)", "(\w+)"\)/g)) keys.add(`huaweicloud:${m[1]}`).add(`huaweicloud:${m[2]}`);
        for (const m of read("provider/runtime.ts").matchAll(/"(dbbackups:[A-Za-z]+)"/g)) keys.add(m[1]);
        const envs = new Set<string>();
        for (const m of code.matchAll(/"([A-Z][A-Z0-9_]{3,})"/g)) envs.add(m[1]);
        for (const m of code.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) envs.add(m[1]);
        for (const f of ["provider/journal.ts", "plugin/pulumi-resource-dbbackups"]) for (const m of read(f).matchAll(/\b(DBBACKUPS_[A-Z_]+)\b/g)) envs.add(m[1]);
        assert.ok(keys.size >= 20 && envs.size >= 25, `found only ${keys.size} keys and ${envs.size} variables in the code`);
        const missing = [...keys, ...envs].filter(k => !flat.includes(`\`${k}\``));
        assert.deepEqual(missing, [], `${PAGE} does not name these`);
    });

    for (const v of VALUES) {
        it(`${v.part[0].replace(/:$/, "")} ${v.label}: of two sources set together, the one the page lists first wins`, () => {
            const list = sources(part(...v.part), v.label);
            assert.ok(list.length >= 2, `${v.label}: ${list.join(", ")}`);
            const base = Object.fromEntries(Object.entries(v.base).filter(([k]) => !list.includes(k)));
            for (let i = 0; i + 1 < list.length; i++) {
                const got = v.get(settingsWith({ ...base, [list[i]]: `from-${list[i]}`, [list[i + 1]]: `from-${list[i + 1]}` }));
                assert.equal(got, `from-${list[i]}`, `${v.label}: the page lists ${list[i]} before ${list[i + 1]}`);
            }
            // The last one listed is read at all.
            const last = list[list.length - 1];
            assert.equal(v.get(settingsWith({ ...base, [last]: `from-${last}` })), `from-${last}`, `${v.label}: ${last} is not read`);
        });
    }

    it("a resource's region comes before every configured region", () => {
        assert.match(part("Alibaba Cloud:", "Huawei Cloud"), /Region: the resource's `region`, /);
        assert.equal(settingsWith({ "alicloud:accessKey": "a", "alicloud:secretKey": "s", "alicloud:region": "cn-beijing" }).alicloud("cn-shanghai").region, "cn-shanghai");
        assert.equal(settingsWith({ "huaweicloud:auth_token": "t", "huaweicloud:region": "ap-southeast-1" }).huaweicloud("rds", "cn-north-4").region, "cn-north-4");
    });

    it("endpoints: dbbackups:endpoints, then the clouds' own endpoints config, then the DBBACKUPS_*_ENDPOINT variables, then the region's public endpoint", () => {
        const ali = part("Alibaba Cloud:", "Huawei Cloud");
        const hw = part("Huawei Cloud", "Note the endpoint order");
        assert.match(ali, /RDS endpoint: `dbbackups:endpoints` key `alicloudRds`, the first `alicloud:endpoints` entry with `rds` .*`DBBACKUPS_ALICLOUD_RDS_ENDPOINT`; else `https:\/\/rds\.aliyuncs\.com`/);
        assert.match(hw, /Endpoints: `dbbackups:endpoints` keys .*; then `huaweicloud:endpoints` keys `rds`, `geminidb`, `iam` \(or `identity`\); then `DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT`/);
        const creds = { "alicloud:accessKey": "a", "alicloud:secretKey": "s", "huaweicloud:auth_token": "t", "huaweicloud:project_id": "p" };
        const all = {
            ...creds,
            "dbbackups:endpoints": JSON.stringify({ alicloudRds: "http://ours", huaweicloudRds: "http://ours" }),
            "alicloud:endpoints": JSON.stringify([{ rds: "clouds-own" }]),
            "huaweicloud:endpoints": JSON.stringify({ rds: "clouds-own" }),
            DBBACKUPS_ALICLOUD_RDS_ENDPOINT: "http://env", DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT: "http://env",
        };
        assert.equal(settingsWith(all).alicloud().endpoint, "http://ours");
        assert.equal(settingsWith(all).huaweicloud("rds", "r").endpoint, "http://ours");
        const { "dbbackups:endpoints": _ours, ...withoutOurs } = all;
        assert.equal(settingsWith(withoutOurs).alicloud().endpoint, "https://clouds-own");
        assert.equal(settingsWith(withoutOurs).huaweicloud("rds", "r").endpoint, "https://clouds-own");
        const { "alicloud:endpoints": _a, "huaweicloud:endpoints": _h, ...envOnly } = withoutOurs;
        assert.equal(settingsWith(envOnly).alicloud().endpoint, "http://env");
        assert.equal(settingsWith(envOnly).huaweicloud("rds", "r").endpoint, "http://env");
        assert.equal(settingsWith(creds).alicloud("cn-hangzhou").endpoint, "https://rds.aliyuncs.com");
        assert.equal(settingsWith(creds).alicloud("eu-central-1").endpoint, "https://rds.eu-central-1.aliyuncs.com");
        assert.equal(settingsWith(creds).huaweicloud("geminidb", "cn-north-4").endpoint, "https://gaussdb-nosql.cn-north-4.myhuaweicloud.com");
    });

    it("the Alibaba profile file is read only when no access key and no secret is set, and gives the region last", () => {
        const file = JSON.stringify({ current: "p1", profiles: [{ name: "p1", mode: "AK", access_key_id: "file-ak", access_key_secret: "file-sk", region_id: "cn-beijing" }] });
        const files = { read: (f: string) => (f === "/home/u/.aliyun/config.json" ? file : undefined), homedir: "/home/u" };
        const fromFile = new Settings({ get: () => undefined }, {}, files).alicloud();
        assert.deepEqual([fromFile.accessKeyId, fromFile.region], ["file-ak", "cn-beijing"]);
        assert.match(part("Alibaba Cloud:", "Huawei Cloud"), /Only when neither the access key nor the secret is set above, the Alibaba CLI profile file/);
        const envKey = new Settings({ get: () => undefined }, { ALICLOUD_ACCESS_KEY: "env-ak", ALICLOUD_SECRET_KEY: "env-sk", ALICLOUD_REGION: "cn-shanghai" }, files).alicloud();
        assert.deepEqual([envKey.accessKeyId, envKey.region], ["env-ak", "cn-shanghai"]);
    });
});
