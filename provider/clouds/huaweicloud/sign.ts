/**
 * Huawei Cloud AK/SK request signing (SDK-HMAC-SHA256). The provider signs
 * with `signRequest`; the emulator checks with `verifyRequest`. Both build the
 * canonical request through the same functions below, so they cannot drift.
 * Pure: no clock reads unless no date is given, no I/O.
 */
import * as crypto from "crypto";

/** The algorithm word at the start of `Authorization`. */
export const SIGN_ALGORITHM = "SDK-HMAC-SHA256";
/** SHA-256 of an empty body. */
export const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** How far `X-Sdk-Date` may be from the verifier's clock (Huawei's documented 15 minutes). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** AK/SK credentials, optionally temporary (with a security token). */
export interface AkSkCredentials {
    accessKey: string;
    secretKey: string;
    securityToken?: string;
    /** Sent as `X-Project-Id` when known. */
    projectId?: string;
}

/** A request about to be sent. `url` is absolute (scheme, host, path, query). */
export interface SignInput {
    method: string;
    url: string;
    /** Headers the caller already sets (e.g. `Content-Type`); they are signed too. */
    headers?: Record<string, string>;
    /** Exact bytes that will be sent; absent or empty = no body. */
    body?: string | Buffer;
}

/** Percent-encodes everything except `A-Z a-z 0-9 - _ . ~`, with upper-case hex. */
export function strictEncode(value: string): string {
    return encodeURIComponent(value).replace(/[!'()*]/g, c => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(value: string): string {
    try { return decodeURIComponent(value); } catch { return value; }
}

/** Canonical URI: each path segment encoded, always ending with `/` (the request itself need not). */
export function canonicalUri(path: string): string {
    // Segments are decoded first so an already-encoded path and a raw one sign the same.
    const encoded = path.split("/").map(s => strictEncode(safeDecode(s))).join("/");
    return encoded.endsWith("/") ? encoded : encoded + "/";
}

/** Canonical query string: keys sorted, values of repeated keys sorted, both strictly encoded. */
export function canonicalQuery(params: Iterable<[string, string]>): string {
    const byKey = new Map<string, string[]>();
    for (const [k, v] of params) byKey.set(k, [...(byKey.get(k) ?? []), v]);
    const parts: string[] = [];
    for (const key of [...byKey.keys()].sort()) {
        for (const value of byKey.get(key)!.sort()) parts.push(`${strictEncode(key)}=${strictEncode(value)}`);
    }
    return parts.join("&");
}

/** Hex SHA-256 of the body bytes (empty body → `EMPTY_BODY_SHA256`). */
export function payloadHash(body: string | Buffer | undefined): string {
    return crypto.createHash("sha256").update(body ?? "").digest("hex");
}

/** Lower-cased, sorted header names joined by `;`. */
export function signedHeaderList(headers: Record<string, string>): string[] {
    return Object.keys(headers).map(h => h.toLowerCase()).sort();
}

/** The canonical request text: method, URI, query, headers (each `name:value\n`), signed names, payload hash. */
export function canonicalRequest(method: string, path: string, query: Iterable<[string, string]>,
    headers: Record<string, string>, signedHeaders: string[], bodyHash: string): string {
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
    const canonicalHeaders = signedHeaders.map(h => `${h}:${(lower[h] ?? "").trim()}\n`).join("");
    return [method.toUpperCase(), canonicalUri(path), canonicalQuery(query), canonicalHeaders, signedHeaders.join(";"), bodyHash].join("\n");
}

/** `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256(canonical request)>`. */
export function stringToSign(sdkDate: string, canonical: string): string {
    return `${SIGN_ALGORITHM}\n${sdkDate}\n${crypto.createHash("sha256").update(canonical).digest("hex")}`;
}

/** Hex HMAC-SHA256 of the string to sign with the secret key. */
export function computeSignature(secretKey: string, toSign: string): string {
    return crypto.createHmac("sha256", secretKey).update(toSign).digest("hex");
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
    return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** Parses `YYYYMMDDTHHMMSSZ`; undefined when malformed. */
export function parseSdkDate(value: string | undefined): Date | undefined {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
    if (!m) return undefined;
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The parts of an `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` header. */
export interface ParsedAuthorization { accessKey: string; signedHeaders: string[]; signature: string }

/** Parses an `Authorization` header; undefined when it is not a well-formed SDK-HMAC-SHA256 one. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
    const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(header ?? "");
    if (!m) return undefined;
    return { accessKey: m[1], signedHeaders: m[2].toLowerCase().split(";"), signature: m[3].toLowerCase() };
}

/**
 * Signs a request: returns every header to send (the caller's, plus `Host`,
 * `X-Sdk-Date`, `X-Project-Id`, `X-Security-Token`, `Authorization`). All of
 * them except `Authorization` are signed.
 */
export function signRequest(input: SignInput, creds: AkSkCredentials, now: Date = new Date()): Record<string, string> {
    const url = new URL(input.url);
    const headers: Record<string, string> = { ...(input.headers ?? {}) };
    headers["Host"] = url.host;
    headers["X-Sdk-Date"] = formatSdkDate(now);
    if (creds.projectId) headers["X-Project-Id"] = creds.projectId;
    if (creds.securityToken) headers["X-Security-Token"] = creds.securityToken;
    const signed = signedHeaderList(headers);
    const canonical = canonicalRequest(input.method, url.pathname, url.searchParams, headers, signed, payloadHash(input.body));
    const signature = computeSignature(creds.secretKey, stringToSign(headers["X-Sdk-Date"], canonical));
    headers["Authorization"] = `${SIGN_ALGORITHM} Access=${creds.accessKey}, SignedHeaders=${signed.join(";")}, Signature=${signature}`;
    return headers;
}

/** A request as a server received it. `url` is the raw request target (path and query). */
export interface ReceivedRequest {
    method: string;
    url: string;
    /** Node's lower-cased incoming headers. */
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
}

/** Why verification failed; each maps to a gateway error in the emulator. */
export type VerifyFailure = "missing" | "malformed" | "unknown-key" | "stale-date" | "bad-signature";

export type VerifyResult =
    | { ok: true; accessKey: string }
    | { ok: false; reason: VerifyFailure; accessKey?: string };

/**
 * Recomputes the signature of a received request and compares it with the
 * one in `Authorization`. `secretFor` maps an access key to its secret
 * (undefined = unknown key). `now` is the verifier's wall clock.
 */
export function verifyRequest(req: ReceivedRequest, secretFor: (accessKey: string) => string | undefined,
    now: Date = new Date(), maxSkewMs: number = MAX_CLOCK_SKEW_MS): VerifyResult {
    const header = (name: string): string | undefined => {
        const v = req.headers[name];
        return Array.isArray(v) ? v.join(",") : v;
    };
    const auth = header("authorization");
    if (!auth) return { ok: false, reason: "missing" };
    const parsed = parseAuthorization(auth);
    const sdkDate = header("x-sdk-date");
    const date = parseSdkDate(sdkDate);
    if (!parsed || !date) return { ok: false, reason: "malformed" };
    const secret = secretFor(parsed.accessKey);
    if (secret === undefined) return { ok: false, reason: "unknown-key", accessKey: parsed.accessKey };
    if (Math.abs(now.getTime() - date.getTime()) > maxSkewMs) return { ok: false, reason: "stale-date", accessKey: parsed.accessKey };
    // Only the headers the client says it signed take part; proxies may add others.
    const headers: Record<string, string> = {};
    for (const name of parsed.signedHeaders) headers[name] = header(name) ?? "";
    const url = new URL(req.url, "http://placeholder");
    const bodyHash = header("x-sdk-content-sha256") ?? payloadHash(req.body);
    const canonical = canonicalRequest(req.method, url.pathname, url.searchParams, headers, parsed.signedHeaders, bodyHash);
    const expected = computeSignature(secret, stringToSign(sdkDate!, canonical));
    const a = Buffer.from(expected, "hex");
    const b = Buffer.from(parsed.signature, "hex");
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return { ok: false, reason: "bad-signature", accessKey: parsed.accessKey };
    return { ok: true, accessKey: parsed.accessKey };
}
