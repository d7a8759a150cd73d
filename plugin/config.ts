/**
 * The plugin's configuration (`dbbackups:<key>`, declared in `schema.ts`)
 * seen as the config the lifecycle's `Settings` reads: each key answers for
 * the stack-config key the dynamic resources read. Whatever is not configured
 * falls through to the same environment variables and profile files.
 */
import type { ConfigSource } from "../provider/config";
import { CONFIG, PACKAGE } from "./schema";

/** Plugin key → the setting it stands for. */
const STANDS_FOR: Record<keyof typeof CONFIG & string, string> = {
    alicloudAccessKey: "alicloud:accessKey",
    alicloudSecretKey: "alicloud:secretKey",
    alicloudSecurityToken: "alicloud:securityToken",
    alicloudRegion: "alicloud:region",
    alicloudProfile: "alicloud:profile",
    alicloudSharedCredentialsFile: "alicloud:sharedCredentialsFile",
    huaweicloudAccessKey: "huaweicloud:access_key",
    huaweicloudSecretKey: "huaweicloud:secret_key",
    huaweicloudSecurityToken: "huaweicloud:security_token",
    huaweicloudAuthToken: "huaweicloud:auth_token",
    huaweicloudProjectId: "huaweicloud:project_id",
    huaweicloudRegion: "huaweicloud:region",
    endpoints: "dbbackups:endpoints",
    pollInterval: "dbbackups:pollInterval",
    retryDelay: "dbbackups:retryDelay",
};

/** A config key's short name: `dbbackups:config:endpoints` (Configure's variables) or `dbbackups:endpoints` → `endpoints`. */
export function shortKey(key: string): string {
    return key.replace(new RegExp(`^${PACKAGE}:(config:)?`), "");
}

/** The plugin's configuration values (short key → text, JSON for objects) as the lifecycle's config source. */
export function configSource(values: Record<string, string>): ConfigSource {
    const byTarget = new Map<string, string>();
    for (const [key, value] of Object.entries(values)) {
        const target = STANDS_FOR[shortKey(key) as keyof typeof STANDS_FOR];
        if (target && value !== "") byTarget.set(target, value);
    }
    return { get: key => byTarget.get(key) };
}

/** Configuration keys the plugin does not know, for CheckConfig's failures. */
export function unknownKeys(values: Record<string, unknown>): string[] {
    return Object.keys(values).map(shortKey).filter(k => k !== "version" && !(k in STANDS_FOR));
}
