/**
 * Server-side checks of the two request signatures Alibaba Cloud RPC APIs
 * accept: V1 (HMAC-SHA1 over the sorted parameters, what `@alicloud/pop-core`
 * sends) and V3 (`ACS3-HMAC-SHA256` in the Authorization header, the default
 * of the official `@alicloud/<product>` clients). Both reject a wrong secret, a
 * timestamp more than 15 minutes from the server clock and a replayed nonce.
 */
import { createHash, createHmac, timingSafeEqual } from "crypto";
import type { IncomingHttpHeaders } from "http";
import type { AccessKey } from "../core/types";
import { gatewayErrors } from "./alicloud-error";

/** Request parameters after decoding, `Signature` included. */
export type RpcParams = Record<string, string>;

/** How far a request's timestamp may be from the server's clock, and how long nonces are remembered. */
export const SIGNATURE_WINDOW_MS = 15 * 60 * 1000;

/** The only V3 algorithm the emulator verifies (the official clients' default). */
export const ACS3_ALGORITHM = "ACS3-HMAC-SHA256";

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** RFC 3986 percent-encoding as both signatures use it: only `A-Za-z0-9-_.~` stay literal. */
export function percentEncode(value: string): string {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The V1 string to sign: `METHOD&%2F&enc(k1=v1&k2=v2...)` over every parameter but `Signature`, keys sorted. */
export function rpcStringToSign(method: string, params: RpcParams): string {
    const canonical = Object.keys(params)
        .filter((k) => k !== "Signature")
        .sort()
        .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`)
        .join("&");
    return `${method.toUpperCase()}&${percentEncode("/")}&${percentEncode(canonical)}`;
}

/** Base64 HMAC-SHA1 of the string to sign, keyed by `secret + "&"` (no STS token secret part). */
export function rpcSignatureV1(stringToSign: string, secret: string): string {
    return createHmac("sha1", `${secret}&`).update(stringToSign, "utf8").digest("base64");
}

/** Remembers nonces per access key for the signature window; old entries are purged lazily. */
export class NonceCache {
    private seen = new Map<string, number>();
    private lastPurge = 0;

    /** True when the nonce was already used inside the window; records it otherwise. */
    checkAndRemember(accessKeyId: string, nonce: string, nowMs: number): boolean {
        this.purge(nowMs);
        const key = `${accessKeyId}\n${nonce}`;
        const expiry = this.seen.get(key);
        if (expiry !== undefined && expiry > nowMs) return true;
        this.seen.set(key, nowMs + SIGNATURE_WINDOW_MS);
        return false;
    }

    private purge(nowMs: number): void {
        if (nowMs - this.lastPurge < 1000) return;
        this.lastPurge = nowMs;
        for (const [key, expiry] of this.seen) if (expiry <= nowMs) this.seen.delete(key);
    }
}

/** Parses `yyyy-MM-ddTHH:mm:ss[.SSS]Z`; undefined for other text or impossible dates. */
export function parseSignatureTimestamp(value: string): number | undefined {
    const m = TIMESTAMP_RE.exec(value);
    if (!m) return undefined;
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    // Date.UTC rolls invalid dates over (Feb 30 → Mar 2); reject those.
    return new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19) ? ms : undefined;
}

function sameText(expected: string, given: string): boolean {
    const a = Buffer.from(expected);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
}

/** Clock skew and replay checks, done only after the signature proved the request authentic. */
function checkFreshness(nonces: NonceCache, accessKeyId: string, timestamp: string, timestampMs: number, nonce: string): void {
    // Real time, not the emulated clock: advancing the clock must not invalidate clients.
    const realNow = Date.now();
    if (Math.abs(realNow - timestampMs) > SIGNATURE_WINDOW_MS) throw gatewayErrors.timestampExpired(timestamp);
    // Only authentic requests burn a nonce, so a forged request cannot block a real one.
    if (nonces.checkAndRemember(accessKeyId, nonce, realNow)) throw gatewayErrors.nonceUsed();
}

/** Verifies a V1-signed request (parameters carry AccessKeyId, Signature, SignatureNonce, Timestamp). */
export function verifyRpcV1(method: string, params: RpcParams, keys: AccessKey[], nonces: NonceCache): void {
    for (const name of ["AccessKeyId", "Signature", "SignatureNonce", "Timestamp"]) {
        if (params[name] === undefined || params[name] === "") throw gatewayErrors.missingParameter(name);
    }
    const timestampMs = parseSignatureTimestamp(params.Timestamp);
    if (timestampMs === undefined) throw gatewayErrors.illegalTimestamp();
    const key = keys.find((k) => k.id === params.AccessKeyId);
    if (!key) throw gatewayErrors.accessKeyNotFound();
    if (params.SignatureMethod !== "HMAC-SHA1" || params.SignatureVersion !== "1.0") throw gatewayErrors.unsupportedSignature();
    const stringToSign = rpcStringToSign(method, params);
    if (!sameText(rpcSignatureV1(stringToSign, key.secret), params.Signature)) throw gatewayErrors.signatureMismatch(stringToSign);
    checkFreshness(nonces, key.id, params.Timestamp, timestampMs, params.SignatureNonce);
}

/** What a V3 request is, as far as signing goes. */
export interface Acs3Request {
    method: string;
    /** Path as sent (`/` for RPC). */
    path: string;
    /** Decoded query pairs. */
    query: Array<[string, string]>;
    headers: IncomingHttpHeaders;
    body: Buffer;
}

/** `ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<h1;h2>,Signature=<hex>` split into its parts. */
function parseAuthorization(value: string): { algorithm: string; credential: string; signedHeaders: string[]; signature: string } {
    const space = value.indexOf(" ");
    const algorithm = space < 0 ? value : value.slice(0, space);
    const fields = new Map<string, string>();
    for (const part of (space < 0 ? "" : value.slice(space + 1)).split(",")) {
        const eq = part.indexOf("=");
        if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get("Credential");
    const signedHeaders = fields.get("SignedHeaders");
    const signature = fields.get("Signature");
    if (!credential || !signedHeaders || !signature) throw gatewayErrors.incompleteSignature("Authorization must carry Credential, SignedHeaders and Signature");
    return { algorithm, credential, signedHeaders: signedHeaders.split(";").map((h) => h.trim().toLowerCase()), signature };
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
    const value = headers[name];
    if (value === undefined) return undefined;
    return (Array.isArray(value) ? value : [value]).map((v) => v.trim()).sort().join(",");
}

/** The V3 canonical request: method, path, sorted encoded query, signed headers, their names, payload hash. */
export function acs3CanonicalRequest(req: Acs3Request, signedHeaders: string[], payloadHash: string): string {
    const query = [...req.query]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
        .join("&");
    const headers = signedHeaders.map((h) => `${h}:${headerText(req.headers, h) ?? ""}\n`).join("");
    return [req.method.toUpperCase(), req.path, query, headers, signedHeaders.join(";"), payloadHash].join("\n");
}

/** `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request. */
export function acs3StringToSign(canonicalRequest: string): string {
    return `${ACS3_ALGORITHM}\n${createHash("sha256").update(canonicalRequest, "utf8").digest("hex")}`;
}

/** Hex HMAC-SHA256 of the string to sign, keyed by the secret itself. */
export function acs3Signature(stringToSign: string, secret: string): string {
    return createHmac("sha256", secret).update(stringToSign, "utf8").digest("hex");
}

/**
 * Verifies a V3-signed request. The payload hash is computed from the body
 * received, not taken from the client's header, so a changed body fails the
 * signature; `host` and every `x-acs-*` header sent must be signed.
 */
export function verifyAcs3(req: Acs3Request, keys: AccessKey[], nonces: NonceCache): void {
    const auth = parseAuthorization(String(req.headers.authorization ?? ""));
    if (auth.algorithm !== ACS3_ALGORITHM) throw gatewayErrors.unsupportedSignature();
    const date = headerText(req.headers, "x-acs-date");
    const nonce = headerText(req.headers, "x-acs-signature-nonce");
    if (!date) throw gatewayErrors.missingParameter("x-acs-date");
    if (!nonce) throw gatewayErrors.missingParameter("x-acs-signature-nonce");
    if (!headerText(req.headers, "x-acs-content-sha256")) throw gatewayErrors.missingParameter("x-acs-content-sha256");
    const timestampMs = parseSignatureTimestamp(date);
    if (timestampMs === undefined) throw gatewayErrors.illegalTimestamp();
    const key = keys.find((k) => k.id === auth.credential);
    if (!key) throw gatewayErrors.accessKeyNotFound();
    const unsigned = ["host", ...Object.keys(req.headers).filter((h) => h.startsWith("x-acs-"))].filter((h) => !auth.signedHeaders.includes(h));
    if (unsigned.length > 0) throw gatewayErrors.incompleteSignature(`SignedHeaders must include ${unsigned.join(", ")}`);
    const payloadHash = createHash("sha256").update(req.body).digest("hex");
    const stringToSign = acs3StringToSign(acs3CanonicalRequest(req, auth.signedHeaders, payloadHash));
    if (!sameText(acs3Signature(stringToSign, key.secret), auth.signature.toLowerCase())) throw gatewayErrors.signatureMismatch(stringToSign);
    checkFreshness(nonces, key.id, date, timestampMs, nonce);
}
