/**
 * Credentials from the Alibaba Cloud CLI's profile file (`~/.aliyun/config.json`,
 * written by `aliyun configure`), the shared file `@pulumi/alicloud` and the
 * Terraform provider also read. Modes `AK` and `StsToken` are supported.
 * Nothing read here is ever put into an error message: only the file path,
 * the profile name and its mode are.
 */

/** Reads a file as text; `undefined` when it does not exist. */
export type ReadTextFile = (path: string) => string | undefined;

/** What one profile gives. */
export interface AlicloudProfileCredentials {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
    region?: string;
}

interface ProfileEntry { name?: string; mode?: string; access_key_id?: string; access_key_secret?: string; sts_token?: string; region_id?: string }

/** A profile file that cannot be used, named by path and profile only. */
export class ProfileFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProfileFileError";
    }
}

/**
 * The credentials of `profile` (default: the file's `current`, then
 * `default`) in the file at `path`; `undefined` when the file does not exist
 * and no profile was asked for explicitly.
 */
export function readAlicloudProfile(path: string, profile: string | undefined, read: ReadTextFile): AlicloudProfileCredentials | undefined {
    const text = read(path);
    if (text === undefined) {
        if (profile !== undefined) throw new ProfileFileError(`Alibaba Cloud profile "${profile}" was asked for, but the profile file ${path} does not exist`);
        return undefined;
    }
    let file: { current?: string; profiles?: ProfileEntry[] };
    try {
        file = JSON.parse(text);
    } catch {
        throw new ProfileFileError(`the Alibaba Cloud profile file ${path} is not valid JSON`);
    }
    const name = profile ?? file.current ?? "default";
    const entry = (file.profiles ?? []).find(p => p.name === name);
    if (!entry) {
        const names = (file.profiles ?? []).map(p => p.name).filter(Boolean);
        throw new ProfileFileError(`the Alibaba Cloud profile file ${path} has no profile "${name}"${names.length ? ` (it has ${names.map(n => `"${n}"`).join(", ")})` : ""}`);
    }
    const mode = entry.mode ?? "AK";
    if (mode !== "AK" && mode !== "StsToken") {
        throw new ProfileFileError(`Alibaba Cloud profile "${name}" in ${path} uses mode ${mode}; this provider reads modes AK and StsToken: use such a profile, or set alicloud:accessKey and alicloud:secretKey`);
    }
    if (!entry.access_key_id || !entry.access_key_secret) {
        throw new ProfileFileError(`Alibaba Cloud profile "${name}" in ${path} has no access_key_id or access_key_secret`);
    }
    if (mode === "StsToken" && !entry.sts_token) throw new ProfileFileError(`Alibaba Cloud profile "${name}" in ${path} is mode StsToken but has no sts_token`);
    return {
        accessKeyId: entry.access_key_id,
        accessKeySecret: entry.access_key_secret,
        securityToken: mode === "StsToken" ? entry.sts_token : undefined,
        region: entry.region_id || undefined,
    };
}
