/**
 * The HTTP client shared by the Huawei RDS and GeminiDB adapters: builds the
 * URL, signs each attempt (or sends an IAM token), turns Huawei's error
 * bodies into `CloudError`s and retries through `retryCall`, the one place
 * retries happen. Nothing here knows about backups.
 */
import * as http from "http";
import * as https from "https";
import fetch from "node-fetch";
import type { HuaweicloudSettings, InstanceState } from "../adapter";
import { CloudError, kindFromHttpStatus, redact } from "../../core/errors";
import { retryCall, type RetryOptions } from "../../core/retry";
import { signRequest } from "./sign";
import { clockOffsetFrom } from "../server-clock";

/** Default per-request timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;

// Keep-alive agents shared by every client: a retention set makes many small calls to one host.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });

/** One call to a Huawei service. */
export interface HuaweiCall {
    method: "GET" | "POST" | "DELETE" | "PUT";
    /** Path template, e.g. `/v3/{project_id}/backups/{backup_id}`; `{project_id}` is filled in from settings. */
    path: string;
    /** Values for the other `{name}` placeholders of `path`. */
    params?: Record<string, string>;
    /** Query parameters; undefined values are left out. */
    query?: Record<string, string | number | undefined>;
    /** JSON body (sent as-is after `JSON.stringify`). */
    body?: unknown;
}

/** A successful answer. `body` is undefined when the service sent none. */
export interface HuaweiResponse<T> {
    status: number;
    body: T | undefined;
    requestId?: string;
}

export interface HuaweicloudHttpOptions {
    retry?: RetryOptions;
    /** Per-request timeout in ms (default 30 s). */
    timeoutMs?: number;
    /** Clock used for `X-Sdk-Date` (tests). */
    now?: () => Date;
}

/**
 * Reads `Retry-After` (seconds or an HTTP date) into seconds; undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
    if (!value) return undefined;
    if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** The title of an HTML page (`502 Bad Gateway`), or undefined. */
function htmlTitle(text: string): string | undefined {
    const m = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(text) ?? /<h1[^>]*>([^<]{1,200})<\/h1>/i.exec(text);
    return m ? m[1].trim() : undefined;
}

/**
 * Builds a `CloudError` from an error answer. Understands
 * `{error_code, error_msg}` (the API gateway's also carry `request_id`),
 * `{errCode, externalMessage}` (RDS v1) and `{error: {code, message}}`.
 * An answer without such a body (an HTML page from a gateway or load
 * balancer, an empty body) gets the code `HTTP<status>`; from a 5xx it is
 * transient: nothing reached the service that could answer.
 */
export function errorFromResponse(service: string, operation: string, status: number, text: string,
    headers: { get(name: string): string | null }, secrets: Array<string | undefined>): CloudError {
    let parsed: Record<string, unknown> = {};
    try {
        const value: unknown = JSON.parse(text);
        if (value && typeof value === "object" && !Array.isArray(value)) parsed = value as Record<string, unknown>;
    } catch { /* not JSON */ }
    const nested = (parsed.error && typeof parsed.error === "object" ? parsed.error : {}) as Record<string, unknown>;
    const cloudCode = parsed.error_code ?? parsed.errCode ?? nested.code ?? parsed.code;
    const bodyRequestId = typeof parsed.request_id === "string" ? parsed.request_id : undefined;
    const requestId = headers.get("x-request-id") ?? bodyRequestId;
    const retryAfterSeconds = parseRetryAfter(headers.get("retry-after"));
    if (cloudCode === undefined || cloudCode === null || cloudCode === "") {
        const title = htmlTitle(text);
        const what = title ? `an HTML page "${title}"` : text.trim() ? "a body that is not a Huawei error" : "no body";
        return new CloudError({
            service, operation, code: `HTTP${status}`, httpStatus: status,
            kind: status >= 500 ? "transient" : kindFromHttpStatus(status),
            cloudMessage: redact(`the endpoint answered HTTP ${status} with ${what} instead of a Huawei error${status >= 500 ? " (from a gateway or load balancer in front of the service)" : ""}`, secrets),
            requestId, retryAfterSeconds,
        });
    }
    const rawMessage = parsed.error_msg ?? parsed.externalMessage ?? nested.message ?? parsed.message ?? `HTTP ${status}`;
    return new CloudError({
        service, operation, code: String(cloudCode), httpStatus: status, kind: kindFromHttpStatus(status),
        cloudMessage: redact(String(rawMessage), secrets), requestId, retryAfterSeconds,
    });
}

/** Signed JSON calls to one Huawei service endpoint, with retries. */
export class HuaweicloudHttpClient {
    private readonly timeoutMs: number;

    /** `serviceName` appears in error messages, e.g. `Huawei Cloud RDS`. */
    private projectReady?: Promise<void>;
    /** The cloud's clock minus this machine's, from the `Date` header of the last answer. */
    private clockOffsetMs = 0;

    constructor(private settings: HuaweicloudSettings, readonly serviceName: string,
        private readonly options: HuaweicloudHttpOptions = {}) {
        this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    }

    /**
     * Makes the call, retrying throttling, transient and server errors. A busy
     * instance ("one operation at a time") is not retried here: the instance
     * coordinator waits for it, bounded by the resource's waitTimeout.
     */
    async call<T>(call: HuaweiCall): Promise<HuaweiResponse<T>> {
        await this.resolveProjectId();
        return retryCall(() => this.attempt<T>(call), this.options.retry ?? {});
    }

    /**
     * The cloud's clock now, in ms, as far as the last answer's `Date` header
     * tells (this machine's clock before any answer). Ages of backups are
     * measured on it, so a skewed local clock does not shorten them.
     */
    serverNow(): number {
        return Date.now() + this.clockOffsetMs;
    }

    private noteClock(date: string | null): void {
        this.clockOffsetMs = clockOffsetFrom(date) ?? this.clockOffsetMs;
    }

    /** Finds the project id once (IAM lookup by region) when the settings do not carry it. */
    private resolveProjectId(): Promise<void> {
        const lookup = this.settings.projectIdLookup;
        if (this.settings.projectId || !lookup) return Promise.resolve();
        this.projectReady ??= lookup().then(
            projectId => { this.settings = { ...this.settings, projectId }; },
            err => { this.projectReady = undefined; throw err; });
        return this.projectReady;
    }

    /** The URL of a call (no credentials in it). */
    urlFor(call: HuaweiCall): string {
        const values: Record<string, string> = { ...(call.params ?? {}), project_id: this.settings.projectId };
        const path = call.path.replace(/\{(\w+)\}/g, (_, name: string) => {
            if (values[name] === undefined) throw new Error(`missing path parameter ${name} for ${call.path}`);
            return encodeURIComponent(values[name]);
        });
        const url = new URL(this.settings.endpoint.replace(/\/+$/, "") + path);
        for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.append(k, String(v));
        return url.toString();
    }

    private secrets(extra?: string): Array<string | undefined> {
        return [this.settings.secretKey, this.settings.securityToken, this.settings.authToken, extra];
    }

    private headersFor(method: string, url: string, body: string | undefined): Record<string, string> {
        const base: Record<string, string> = { "Content-Type": "application/json;charset=UTF-8" };
        const s = this.settings;
        if (s.authToken) return { ...base, "X-Auth-Token": s.authToken, ...(s.projectId ? { "X-Project-Id": s.projectId } : {}) };
        if (!s.accessKey || !s.secretKey) {
            throw new CloudError({ service: this.serviceName, operation: "sign request", code: "MissingCredentials", kind: "client",
                cloudMessage: "no Huawei credentials: set huaweicloud:access_key and huaweicloud:secret_key (or HW_ACCESS_KEY / HW_SECRET_KEY)" });
        }
        return signRequest({ method, url, headers: base, body },
            { accessKey: s.accessKey, secretKey: s.secretKey, securityToken: s.securityToken, projectId: s.projectId },
            this.options.now?.() ?? new Date());
    }

    private async attempt<T>(call: HuaweiCall): Promise<HuaweiResponse<T>> {
        const operation = `${call.method} ${call.path}`;
        const url = this.urlFor(call);
        const body = call.body === undefined ? undefined : JSON.stringify(call.body);
        const headers = this.headersFor(call.method, url, body);
        const signature = /Signature=([0-9a-f]+)/.exec(headers["Authorization"] ?? "")?.[1];
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), this.timeoutMs);
        try {
            const res = await fetch(url, {
                method: call.method, headers, body,
                agent: parsed => (parsed.protocol === "http:" ? httpAgent : httpsAgent),
                // node-fetch 2 types its own AbortSignal; the global one is compatible at run time.
                signal: controller.signal as never,
            });
            this.noteClock(res.headers.get("date"));
            const text = await res.text();
            if (!res.ok) throw errorFromResponse(this.serviceName, operation, res.status, text, res.headers, this.secrets(signature));
            let parsed: T | undefined;
            if (text.trim()) {
                try { parsed = JSON.parse(text) as T; } catch {
                    // Unparsable: most likely a proxy's page, not the service; the call is worth another attempt.
                    throw new CloudError({ service: this.serviceName, operation, code: "InvalidResponse", kind: "transient",
                        httpStatus: res.status, cloudMessage: "the service answered with a body that is not JSON",
                        requestId: res.headers.get("x-request-id") ?? undefined });
                }
            }
            return { status: res.status, body: parsed, requestId: res.headers.get("x-request-id") ?? undefined };
        } catch (err) {
            if (err instanceof CloudError) throw err;
            throw this.networkError(operation, err, controller.signal.aborted);
        } finally {
            clearTimeout(timer);
        }
    }

    // Built from the error's code only: node-fetch messages carry the URL.
    private networkError(operation: string, err: unknown, timedOut: boolean): CloudError {
        const code = (err as { code?: string })?.code;
        return new CloudError({
            service: this.serviceName, operation, kind: "transient",
            code: timedOut ? "RequestTimeout" : "NetworkError",
            cloudMessage: timedOut ? `no answer within ${this.timeoutMs} ms`
                : `could not reach ${new URL(this.settings.endpoint).host}${code ? ` (${code})` : ""}`,
        });
    }
}

/** One page of a Huawei list call (`offset`/`limit` paging with `total_count`). */
export interface HuaweiListPage<T> { backups?: T[]; total_count?: number }

/** Every item of an offset/limit listing, fetching pages of `pageSize` until `total_count` is reached; deduplicated by id. */
export async function listAllPages<T extends { id: string }>(pageSize: number, fetchPage: (offset: number) => Promise<HuaweiListPage<T>>): Promise<T[]> {
    const items = new Map<string, T>();
    for (let offset = 0; ; offset += pageSize) {
        const page = await fetchPage(offset);
        const backups = page.backups ?? [];
        for (const b of backups) items.set(b.id, b);
        if (backups.length < pageSize || offset + pageSize >= (page.total_count ?? 0)) return [...items.values()];
    }
}

/** One instance as `GET /v3/{project_id}/instances?id=` lists it (RDS and GeminiDB): the fields the provider reads. */
export interface HuaweiInstanceItem { id?: string; status?: string; datastore?: { type?: string; version?: string } }

/** `GET /v3/{project_id}/instances?id=`: the instance, or undefined when the cloud does not list it. */
export async function readInstance(client: HuaweicloudHttpClient, instanceId: string): Promise<HuaweiInstanceItem | undefined> {
    const res = await client.call<{ instances?: HuaweiInstanceItem[] }>({
        method: "GET", path: "/v3/{project_id}/instances", query: { id: instanceId },
    });
    return (res.body?.instances ?? []).find(i => i.id === instanceId);
}

/**
 * The state of one instance, from `GET /v3/{project_id}/instances?id=` (the
 * same call and shape on RDS and GeminiDB). `stoppedHint` gives, for a state
 * that is not running, what the user should do; undefined means running.
 */
export async function readInstanceState(client: HuaweicloudHttpClient, instanceId: string,
    stoppedHint: (status: string) => string | undefined): Promise<InstanceState | undefined> {
    const status = (await readInstance(client, instanceId))?.status;
    if (status === undefined) return undefined;
    const hint = stoppedHint(status);
    return { state: status, running: hint === undefined, hint };
}
