/**
 * Errors that reach users. A `CloudError` carries the cloud's own code and
 * message; its `message` never contains a URL, an access key, a signature or
 * a secret, because it is built only from the fields below.
 */

/** How a failed call should be treated by `retry.ts`. */
export type ErrorKind = "throttling" | "transient" | "server" | "client";

export interface CloudErrorFields {
    /** e.g. `Alibaba Cloud RDS`, `Huawei Cloud RDS`, `Huawei Cloud GeminiDB`. */
    service: string;
    /** The API operation, e.g. `CreateBackup`, `DELETE /v3/{project_id}/backups/{backup_id}`. */
    operation: string;
    /** The cloud's error code, e.g. `BackupJobExists`, `DBS.201205`, or `NetworkError`. */
    code: string;
    /** The cloud's message. */
    cloudMessage: string;
    httpStatus?: number;
    requestId?: string;
    kind: ErrorKind;
    /** Seconds to wait before retrying, when the cloud said so. */
    retryAfterSeconds?: number;
}

/** An error answered by a cloud API (or a network failure on the way to it). */
export class CloudError extends Error implements CloudErrorFields {
    service!: string;
    operation!: string;
    code!: string;
    cloudMessage!: string;
    httpStatus?: number;
    requestId?: string;
    kind!: ErrorKind;
    retryAfterSeconds?: number;

    constructor(fields: CloudErrorFields) {
        const status = fields.httpStatus ? `HTTP ${fields.httpStatus}, ` : "";
        const req = fields.requestId ? `, request ${fields.requestId}` : "";
        super(`${fields.service} ${fields.operation} failed: ${fields.code}: ${fields.cloudMessage} (${status}${fields.kind}${req})`);
        this.name = "CloudError";
        Object.assign(this, fields);
    }

    /** Retryable kinds: throttling, transient network failures and server errors. */
    get retryable(): boolean {
        return this.kind !== "client";
    }
}

/** Classifies an HTTP status when the cloud's code does not say more. */
export function kindFromHttpStatus(status: number | undefined): ErrorKind {
    if (status === 429) return "throttling";
    if (status !== undefined && status >= 500) return "server";
    if (status === undefined || status === 0) return "transient";
    return "client";
}

/**
 * An answer whose body is not in the API's format (a gateway's HTML error page,
 * a cut-off body): `JSON.parse`'s SyntaxError, or the plain `{ name: "SyntaxError" }`
 * object `json-bigint` (inside `@alicloud/pop-core`) throws.
 */
export function isUnparsableAnswer(err: unknown): boolean {
    return err instanceof SyntaxError || (typeof err === "object" && err !== null && (err as { name?: unknown }).name === "SyntaxError");
}

/** The HTTP status an error carries, whatever client raised it (`statusCode`, `status` or `httpStatus`). */
export function httpStatusOf(err: unknown): number | undefined {
    const e = err as { statusCode?: unknown; status?: unknown; httpStatus?: unknown } | undefined;
    const status = e?.httpStatus ?? e?.statusCode ?? e?.status;
    return typeof status === "number" && Number.isInteger(status) ? status : undefined;
}

/**
 * Kind of an error answer: any 5xx is a server error and an answer that could
 * not be parsed is transient, whatever its status (a gateway speaks before the
 * API does); otherwise as the status says.
 */
export function kindOfAnswer(status: number | undefined, parsable: boolean): ErrorKind {
    if (status === 429) return "throttling";
    if (status !== undefined && status >= 500) return "server";
    if (!parsable) return "transient";
    return kindFromHttpStatus(status);
}

/** A short description of a body that is not JSON: its HTML title, or its first line, at most 80 characters. */
export function summarizeBody(text: string): string {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
    const line = (title ?? text).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
    return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** Network-level failures (connection refused/reset, timeouts) are transient. */
export function isNetworkError(err: unknown): boolean {
    const code = (err as { code?: string })?.code ?? "";
    const type = (err as { type?: string })?.type ?? "";
    return ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "ESOCKETTIMEDOUT"].includes(code)
        || type === "request-timeout" || type === "system"
        || /timeout/i.test(String((err as Error)?.message ?? ""));
}

/**
 * Thrown by `create` when the cloud accepted a backup but waiting for it did
 * not end well. The dynamic-provider host turns an error with `id` and
 * `properties` into an "initialization failed" result, so the backup is
 * recorded in state and never orphaned.
 */
export class ResourceInitError extends Error {
    constructor(message: string, public readonly id: string, public readonly properties: Record<string, unknown>,
        public readonly reasons: string[] = [message]) {
        super(message);
        this.name = "ResourceInitError";
    }
}

/** Huawei's answer when a backup name is taken on the instance (RDS and GeminiDB). */
export function isNameTaken(err: unknown): boolean {
    return err instanceof CloudError && err.code === "DBS.201201";
}

/**
 * The host records an initialization failure's properties exactly as given,
 * without the `__provider` it adds on success; every later refresh, update or
 * delete of that state needs it. This copies it from the inputs the provider
 * received, so a recorded-but-unfinished backup stays manageable.
 */
export function withProviderKey(err: unknown, raw: Record<string, unknown>): unknown {
    if (err instanceof ResourceInitError && raw.__provider !== undefined && err.properties.__provider === undefined) {
        err.properties.__provider = raw.__provider;
    }
    return err;
}

/**
 * A credential as it can appear in a cloud message: raw, percent-encoded once
 * (a request parameter) and twice (inside a string to sign that a cloud
 * echoes back). Longest first, so no spelling is half-replaced.
 */
function spellings(secret: string): string[] {
    const enc = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const once = enc(secret);
    return [enc(once), once, secret];
}

/** Removes anything that looks like a credential from free text before it reaches a user. */
export function redact(text: string, secrets: Array<string | undefined>): string {
    let out = text;
    for (const s of secrets) {
        if (!s || s.length < 4) continue;
        for (const form of spellings(s)) out = out.split(form).join("***");
    }
    // Query-string credentials and signatures, whatever produced them, and a URL's user-info (`https://user:pass@host`).
    return out
        .replace(/(AccessKeyId|Signature|SecurityToken|Access|X-Security-Token|X-Auth-Token)=([^&,\s]+)/gi, "$1=***")
        .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1***@");
}

/** What a user can do about a cloud error code, appended to messages. */
export function hintFor(code: string | undefined): string {
    if (!code) return "";
    const hints: Array<[RegExp, string]> = [
        [/^(SignatureDoesNotMatch|InvalidAccessKeyId\.NotFound|APIGW\.03(?!08)\d\d|APIG\.03(?!08)\d\d|DBS\.280056|InvalidTimeStamp\.Expired)$/,
            "check the access key, secret key and the machine clock (config alicloud:accessKey/secretKey or huaweicloud:access_key/secret_key)"],
        [/^(InvalidDBInstanceName\.NotFound|InvalidDBInstance\.NotFound|DBS\.200002|DBS\.200045|DBS\.201028|RDS\.0002)$/,
            "check instanceId, and that region/endpoint point at the region the instance lives in"],
        [/^Exceeded\.BackupTimes$/, "Alibaba Cloud RDS makes at most 20 backup sets per instance per day, automated ones included, and the instance reached 20 backups today (UTC);"
            + " run the up again tomorrow, or make fewer backups per day (with retention tiers one backup serves the daily, weekly and monthly tiers at once)"],
        [/^DBS\.201201$/, "a backup of that name already exists on the instance (perhaps one being deleted); wait for it to go, or set another name"],
        [/^RDS\.3003$/, "Huawei Cloud RDS refused a new manual backup: the quota of manual backups is reached (every manual backup held counts, this stack's and others');"
            + " delete manual backups no longer needed (listBackups shows them), lower the set's labels or tiers, or ask Huawei Cloud for a higher quota, then run the up again"],
        [/^IncorrectDBInstanceState$/, "the instance must be Running; wait for its current operation to end"],
        [/LockMode/, "the instance is locked (for example expired or out of storage); unlock it first"],
        [/^(OperationDenied\.BackupSetDeleteNotSupport|IncorrectDBInstanceType|StoreStatus\.Disabled)$/,
            "the cloud's retention rules keep this backup for now (see StoreStatus); retry later, or set onDeleteBlocked: \"forget\" to drop it from state"],
        [/^(Throttling.*|DBS\.280443|APIG\.0308|APIGW\.0308)$/, "the API is throttling requests; retry in a minute"],
        [/^NetworkError$/, "check the endpoint (dbbackups:endpoints) and network access"],
        [/^APIGW?\.0101$/, "the cloud's API gateway knows no such API at this address, which usually means a wrong project id: check huaweicloud:project_id "
            + "(the project of the region the instance lives in; leave it unset to have it looked up from huaweicloud:region), huaweicloud:region and dbbackups:endpoints"],
        [/^(HTTP404|InvalidAction\.NotFound)$/, "the endpoint answered 404 for the API itself, not for a backup: check dbbackups:endpoints "
            + "(or alicloud:endpoints / huaweicloud:endpoints), the region and, on Huawei Cloud, huaweicloud:project_id"],
        [/^APIGW?\./, "the cloud's API gateway refused the request before the service saw it: check huaweicloud:project_id, huaweicloud:region and dbbackups:endpoints"],
    ];
    for (const [re, hint] of hints) if (re.test(code)) return hint;
    return "";
}
