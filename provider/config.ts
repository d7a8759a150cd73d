/**
 * Credentials, regions and endpoints, read at run time inside the provider
 * from the stack config the engine sends (`configure`), then the environment,
 * then shared files (the Alibaba CLI profile file), as the Alibaba and Huawei
 * Pulumi providers do. Nothing here is ever captured into the serialized
 * provider, and nothing read from a file reaches the state or a message.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AlicloudSettings, HuaweicloudSettings, ServiceName } from "./clouds/adapter";
import { AlicloudProfileCredentials, readAlicloudProfile, ReadTextFile } from "./alicloud-profile";
import { lookupProjectId } from "./clouds/huaweicloud/projects";
import type { RetryOptions } from "./core/retry";
import { parseDuration } from "./core/wait";

/** What the dynamic-provider host hands to `configure`: `get("alicloud:accessKey")`. */
export interface ConfigSource { get(key: string): string | undefined }

/** Where shared files are read from (tests point it elsewhere). */
export interface SharedFiles { read: ReadTextFile; homedir: string }

const LOCAL_FILES: SharedFiles = {
    read: file => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined),
    homedir: os.homedir(),
};

const ALICLOUD_CENTRAL_REGIONS = new Set([
    "cn-qingdao", "cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-heyuan", "cn-hongkong",
    "ap-southeast-1", "us-west-1", "us-east-1",
]);

const ALICLOUD_ENV = {
    accessKey: ["ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABACLOUD_ACCESS_KEY_ID"],
    secretKey: ["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABACLOUD_ACCESS_KEY_SECRET"],
    securityToken: ["ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABACLOUD_SECURITY_TOKEN"],
    region: ["ALICLOUD_REGION", "ALIBABA_CLOUD_REGION"],
    profile: ["ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"],
    sharedCredentialsFile: ["ALICLOUD_SHARED_CREDENTIALS_FILE"],
};

/** A missing setting, with every place it may come from. */
export class MissingSettingError extends Error {
    constructor(public readonly what: string, public readonly sources: string[]) {
        super(`${what} ${/s$/.test(what) ? "are" : "is"} not set: set ${sources.join(" or ")}`);
        this.name = "MissingSettingError";
    }
}

/** Endpoint overrides, keyed as in `dbbackups:endpoints`. */
export interface EndpointOverrides { alicloudRds?: string; huaweicloudRds?: string; huaweicloudGeminidb?: string; huaweicloudIam?: string }

/** An endpoint given as a bare host (as `alicloud:endpoints` usually is) gets `https://`. */
const withScheme = (endpoint: string | undefined) => (endpoint && !/^[a-z]+:\/\//i.test(endpoint) ? `https://${endpoint}` : endpoint);

/** Resolves settings from stack config first, then environment variables, then shared files. */
export class Settings {
    private profile?: { value?: AlicloudProfileCredentials; error?: Error };
    private readonly projectLookups = new Map<string, Promise<string>>();

    constructor(private readonly config: ConfigSource = { get: () => undefined },
        private readonly env: NodeJS.ProcessEnv = process.env,
        private readonly files: SharedFiles = LOCAL_FILES) { }

    private first(configKeys: string[], envKeys: string[]): string | undefined {
        for (const k of configKeys) {
            const v = this.config.get(k);
            if (v !== undefined && v !== "") return v;
        }
        for (const k of envKeys) {
            const v = this.env[k];
            if (v !== undefined && v !== "") return v;
        }
        return undefined;
    }

    /** A config value holding JSON (the host passes structured config as JSON text). */
    private json(key: string, shape: string): unknown {
        const raw = this.config.get(key);
        if (!raw) return undefined;
        try {
            return typeof raw === "string" ? JSON.parse(raw) : raw;
        } catch {
            throw new Error(`config ${key} must be ${shape}; it is not valid JSON`);
        }
    }

    /**
     * Endpoint overrides: `dbbackups:endpoints`, then the clouds' own provider
     * config (`alicloud:endpoints` entry `rds`; `huaweicloud:endpoints` keys
     * `rds`, `geminidb`, `iam`), then the `DBBACKUPS_*_ENDPOINT` variables.
     */
    endpoints(): EndpointOverrides {
        const ours = (this.json("dbbackups:endpoints", "a JSON object with keys alicloudRds, huaweicloudRds, huaweicloudGeminidb, huaweicloudIam") ?? {}) as EndpointOverrides;
        const ali = this.json("alicloud:endpoints", "a list of objects such as [{\"rds\": \"rds.aliyuncs.com\"}]");
        const aliRds = (Array.isArray(ali) ? ali : ali ? [ali] : []).map(e => (e as { rds?: string })?.rds).find(v => !!v);
        const hw = (this.json("huaweicloud:endpoints", "an object such as {\"rds\": \"https://rds.cn-north-4.myhuaweicloud.com\"}") ?? {}) as Record<string, string | undefined>;
        return {
            alicloudRds: ours.alicloudRds ?? withScheme(aliRds) ?? this.env.DBBACKUPS_ALICLOUD_RDS_ENDPOINT,
            huaweicloudRds: ours.huaweicloudRds ?? withScheme(hw.rds) ?? this.env.DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT,
            huaweicloudGeminidb: ours.huaweicloudGeminidb ?? withScheme(hw.geminidb) ?? this.env.DBBACKUPS_HUAWEICLOUD_GEMINIDB_ENDPOINT,
            huaweicloudIam: ours.huaweicloudIam ?? withScheme(hw.iam ?? hw.identity) ?? this.env.DBBACKUPS_HUAWEICLOUD_IAM_ENDPOINT,
        };
    }

    /** The Alibaba CLI profile file's credentials (read once), or undefined when there is no file and no profile was named. */
    private alicloudProfile(): AlicloudProfileCredentials | undefined {
        if (!this.profile) {
            const name = this.first(["alicloud:profile"], ALICLOUD_ENV.profile);
            let file = this.first(["alicloud:sharedCredentialsFile"], ALICLOUD_ENV.sharedCredentialsFile) ?? path.join(this.files.homedir, ".aliyun", "config.json");
            if (file.startsWith("~/")) file = path.join(this.files.homedir, file.slice(2));
            try {
                this.profile = { value: readAlicloudProfile(file, name, this.files.read) };
            } catch (err) {
                this.profile = { error: err as Error };
            }
        }
        if (this.profile.error) throw this.profile.error;
        return this.profile.value;
    }

    /** Alibaba credentials and endpoint. `region` is the resource's own, if any. */
    alicloud(region?: string): AlicloudSettings {
        let accessKeyId = this.first(["alicloud:accessKey"], ALICLOUD_ENV.accessKey);
        let accessKeySecret = this.first(["alicloud:secretKey"], ALICLOUD_ENV.secretKey);
        let securityToken = this.first(["alicloud:securityToken"], ALICLOUD_ENV.securityToken);
        let fileRegion: string | undefined;
        if (accessKeyId === undefined && accessKeySecret === undefined) {
            const profile = this.alicloudProfile();
            if (profile) ({ accessKeyId, accessKeySecret, securityToken, region: fileRegion } = profile);
        }
        const file = "the Alibaba CLI profile file ~/.aliyun/config.json (profile from config alicloud:profile or env ALIBABA_CLOUD_PROFILE; path from config alicloud:sharedCredentialsFile)";
        if (accessKeyId === undefined) throw new MissingSettingError("Alibaba Cloud access key", ["config alicloud:accessKey", ...ALICLOUD_ENV.accessKey.map(k => `env ${k}`), file]);
        if (accessKeySecret === undefined) throw new MissingSettingError("Alibaba Cloud secret key", ["config alicloud:secretKey", ...ALICLOUD_ENV.secretKey.map(k => `env ${k}`)]);
        const r = region ?? this.first(["alicloud:region"], ALICLOUD_ENV.region) ?? fileRegion;
        const endpoint = this.endpoints().alicloudRds
            ?? (!r || ALICLOUD_CENTRAL_REGIONS.has(r) ? "https://rds.aliyuncs.com" : `https://rds.${r}.aliyuncs.com`);
        return { accessKeyId, accessKeySecret, securityToken, region: r, endpoint };
    }

    /** Huawei credentials (AK/SK or IAM token), project and endpoint of one service. */
    huaweicloud(service: ServiceName, region?: string): HuaweicloudSettings {
        const key = (snake: string, camel: string) => [`huaweicloud:${snake}`, `huaweicloud:${camel}`];
        const authToken = this.first([...key("auth_token", "authToken"), "huaweicloud:token"], ["HW_AUTH_TOKEN"]);
        const accessKey = this.first(key("access_key", "accessKey"), ["HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"]);
        const secretKey = this.first(key("secret_key", "secretKey"), ["HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"]);
        if (!authToken && (!accessKey || !secretKey)) {
            throw new MissingSettingError("Huawei Cloud credentials", [
                "config huaweicloud:access_key and huaweicloud:secret_key (or accessKey/secretKey)",
                "env HW_ACCESS_KEY and HW_SECRET_KEY (or HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK)",
                "config huaweicloud:token or huaweicloud:auth_token / env HW_AUTH_TOKEN (an IAM token)",
            ]);
        }
        const securityToken = this.first(key("security_token", "securityToken"), ["HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"]);
        const projectId = this.first(key("project_id", "projectId"), ["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"]);
        const r = region ?? this.first(key("region", "region"), ["HW_REGION_NAME"]);
        const overrides = this.endpoints();
        if (!projectId && !r) {
            throw new MissingSettingError("Huawei Cloud project id", ["config huaweicloud:project_id", "config huaweicloud:projectId", "env HW_PROJECT_ID",
                "a region (the resource's region input, config huaweicloud:region or env HW_REGION_NAME) to look it up in IAM"]);
        }
        const override = service === "geminidb" ? overrides.huaweicloudGeminidb : overrides.huaweicloudRds;
        let endpoint = override;
        if (!endpoint) {
            if (!r) throw new MissingSettingError("Huawei Cloud region", ["the resource's region input", "config huaweicloud:region", "env HW_REGION_NAME"]);
            endpoint = `https://${service === "geminidb" ? "gaussdb-nosql" : "rds"}.${r}.myhuaweicloud.com`;
        }
        const settings: HuaweicloudSettings = { accessKey, secretKey, securityToken, authToken, projectId: projectId ?? "", region: r, endpoint };
        if (!projectId) {
            const iamEndpoint = overrides.huaweicloudIam ?? `https://iam.${r}.myhuaweicloud.com`;
            // One lookup per region and IAM endpoint, shared by the RDS and GeminiDB adapters.
            const memo = `${r}|${iamEndpoint}`;
            settings.projectIdLookup = () => {
                let found = this.projectLookups.get(memo);
                if (!found) {
                    found = lookupProjectId({ accessKey, secretKey, securityToken, authToken, region: r!, iamEndpoint });
                    found.catch(() => this.projectLookups.delete(memo));
                    this.projectLookups.set(memo, found);
                }
                return found;
            };
        }
        return settings;
    }

    /**
     * Pacing of the retries of every cloud call, from `dbbackups:retryDelay`:
     * the first pause (default 500ms), doubling up to 20 times it (10s by
     * default). The number of attempts does not change. Throws on a value
     * that is not a positive duration.
     */
    retryPacing(): Pick<RetryOptions, "baseDelayMs" | "maxDelayMs"> {
        const text = this.config.get("dbbackups:retryDelay");
        if (text === undefined || text === "") return {};
        const ms = durationSetting("retryDelay", text);
        return { baseDelayMs: ms, maxDelayMs: ms * 20 };
    }

    /** Every secret value currently configured (and any read from a shared file), so error text can be scrubbed of them. */
    secrets(): string[] {
        const keys = ["alicloud:secretKey", "alicloud:securityToken", "alicloud:accessKey", "huaweicloud:secret_key", "huaweicloud:secretKey",
            "huaweicloud:security_token", "huaweicloud:securityToken", "huaweicloud:auth_token", "huaweicloud:authToken", "huaweicloud:token"];
        const envs = [...ALICLOUD_ENV.secretKey, ...ALICLOUD_ENV.securityToken,
            "HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_AUTH_TOKEN"];
        const file = this.profile?.value;
        return [...keys.map(k => this.config.get(k)), ...envs.map(k => this.env[k]),
            file?.accessKeyId, file?.accessKeySecret, file?.securityToken].filter((v): v is string => !!v);
    }
}

/** The `dbbackups:` settings that are durations, with the shape each must have. */
export const DURATION_SETTINGS = {
    pollInterval: "a duration like \"2s\" or \"500ms\"",
    retryDelay: "a positive duration like \"500ms\" or \"1s\"",
} as const;

/**
 * Why the value of a duration setting is refused (`must be …; got <shown>`),
 * or undefined when it is a duration. The provider's configure and the
 * plugin's CheckConfig both judge the settings here.
 */
export function durationSettingProblem(key: keyof typeof DURATION_SETTINGS, text: string, shown = text): string | undefined {
    return parseDuration(text) ? undefined : `must be ${DURATION_SETTINGS[key]}; got ${shown}`;
}

/** A duration setting's value in ms; throws `config dbbackups:<key> must be …; got …` when it is not a duration. */
export function durationSetting(key: keyof typeof DURATION_SETTINGS, text: string): number {
    const ms = parseDuration(text);
    if (!ms) throw new Error(`config dbbackups:${key} ${durationSettingProblem(key, text)}`);
    return ms;
}
