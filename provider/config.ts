/**
 * Credentials, regions and endpoints, read at run time inside the provider
 * from the stack config the engine sends (`configure`) and from the
 * environment. Nothing here is ever captured into the serialized provider.
 */
import type { AlicloudSettings, HuaweicloudSettings, ServiceName } from "./clouds/adapter";

/** What the dynamic-provider host hands to `configure`: `get("alicloud:accessKey")`. */
export interface ConfigSource { get(key: string): string | undefined }

const ALICLOUD_CENTRAL_REGIONS = new Set([
    "cn-qingdao", "cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-heyuan", "cn-hongkong",
    "ap-southeast-1", "us-west-1", "us-east-1",
]);

/** A missing setting, with every place it may come from. */
export class MissingSettingError extends Error {
    constructor(public readonly what: string, public readonly sources: string[]) {
        super(`${what} is not set: set ${sources.join(" or ")}`);
        this.name = "MissingSettingError";
    }
}

/** Endpoint overrides, keyed as in `dbbackups:endpoints`. */
export interface EndpointOverrides { alicloudRds?: string; huaweicloudRds?: string; huaweicloudGeminidb?: string }

/** Resolves settings from stack config first, then environment variables. */
export class Settings {
    constructor(private readonly config: ConfigSource = { get: () => undefined },
        private readonly env: NodeJS.ProcessEnv = process.env) { }

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

    private require(what: string, configKeys: string[], envKeys: string[]): string {
        const v = this.first(configKeys, envKeys);
        if (v === undefined) throw new MissingSettingError(what, [...configKeys.map(k => `config ${k}`), ...envKeys.map(k => `env ${k}`)]);
        return v;
    }

    /** `dbbackups:endpoints` (JSON object) merged over the per-service env overrides. */
    endpoints(): EndpointOverrides {
        const raw = this.config.get("dbbackups:endpoints");
        let fromConfig: EndpointOverrides = {};
        if (raw) {
            try {
                fromConfig = typeof raw === "string" ? JSON.parse(raw) : raw;
            } catch {
                throw new Error(`config dbbackups:endpoints must be a JSON object with keys alicloudRds, huaweicloudRds, huaweicloudGeminidb; got ${raw}`);
            }
        }
        return {
            alicloudRds: fromConfig.alicloudRds ?? this.env.DBBACKUPS_ALICLOUD_RDS_ENDPOINT,
            huaweicloudRds: fromConfig.huaweicloudRds ?? this.env.DBBACKUPS_HUAWEICLOUD_RDS_ENDPOINT,
            huaweicloudGeminidb: fromConfig.huaweicloudGeminidb ?? this.env.DBBACKUPS_HUAWEICLOUD_GEMINIDB_ENDPOINT,
        };
    }

    /** Alibaba credentials and endpoint. `region` is the resource's own, if any. */
    alicloud(region?: string): AlicloudSettings {
        const accessKeyId = this.require("Alibaba Cloud access key", ["alicloud:accessKey"],
            ["ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID"]);
        const accessKeySecret = this.require("Alibaba Cloud secret key", ["alicloud:secretKey"],
            ["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"]);
        const securityToken = this.first(["alicloud:securityToken"], ["ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"]);
        const r = region ?? this.first(["alicloud:region"], ["ALICLOUD_REGION", "ALIBABA_CLOUD_REGION"]);
        const endpoint = this.endpoints().alicloudRds
            ?? (!r || ALICLOUD_CENTRAL_REGIONS.has(r) ? "https://rds.aliyuncs.com" : `https://rds.${r}.aliyuncs.com`);
        return { accessKeyId, accessKeySecret, securityToken, region: r, endpoint };
    }

    /** Huawei credentials (AK/SK or IAM token), project and endpoint of one service. */
    huaweicloud(service: ServiceName, region?: string): HuaweicloudSettings {
        const key = (snake: string, camel: string) => [`huaweicloud:${snake}`, `huaweicloud:${camel}`];
        const authToken = this.first(key("auth_token", "authToken"), ["HW_AUTH_TOKEN"]);
        const accessKey = this.first(key("access_key", "accessKey"), ["HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"]);
        const secretKey = this.first(key("secret_key", "secretKey"), ["HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"]);
        if (!authToken && (!accessKey || !secretKey)) {
            throw new MissingSettingError("Huawei Cloud credentials", [
                "config huaweicloud:access_key and huaweicloud:secret_key (or accessKey/secretKey)",
                "env HW_ACCESS_KEY and HW_SECRET_KEY (or HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK)",
                "config huaweicloud:auth_token / env HW_AUTH_TOKEN (an IAM token)",
            ]);
        }
        const securityToken = this.first(key("security_token", "securityToken"), ["HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"]);
        const projectId = this.require("Huawei Cloud project id", key("project_id", "projectId"), ["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"]);
        const r = region ?? this.first(key("region", "region"), ["HW_REGION_NAME"]);
        const overrides = this.endpoints();
        const override = service === "geminidb" ? overrides.huaweicloudGeminidb : overrides.huaweicloudRds;
        let endpoint = override;
        if (!endpoint) {
            if (!r) throw new MissingSettingError("Huawei Cloud region", ["the resource's region input", "config huaweicloud:region", "env HW_REGION_NAME"]);
            endpoint = `https://${service === "geminidb" ? "gaussdb-nosql" : "rds"}.${r}.myhuaweicloud.com`;
        }
        return { accessKey, secretKey, securityToken, authToken, projectId, region: r, endpoint };
    }

    /** Every secret value currently configured, so error text can be scrubbed of them. */
    secrets(): string[] {
        const keys = ["alicloud:secretKey", "alicloud:securityToken", "alicloud:accessKey", "huaweicloud:secret_key", "huaweicloud:secretKey",
            "huaweicloud:security_token", "huaweicloud:securityToken", "huaweicloud:auth_token", "huaweicloud:authToken"];
        const envs = ["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN",
            "HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "HW_SECURITY_TOKEN", "HW_AUTH_TOKEN"];
        return [...keys.map(k => this.config.get(k)), ...envs.map(k => this.env[k])].filter((v): v is string => !!v);
    }
}
