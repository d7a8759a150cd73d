/**
 * Alibaba Cloud RPC protocol (the `Action=...&Version=...` style on path `/`),
 * as the gateway in front of RDS speaks it: parses GET query or form-encoded
 * POST body, verifies signature V1 (HMAC-SHA1) exactly as `@alicloud/pop-core`
 * computes it, guards against replay, then dispatches to an action handler and
 * renders its result or its `AlicloudApiError` as JSON.
 */
import { createHmac, timingSafeEqual } from "crypto";
import type * as http from "http";
import { newRequestId } from "../core/request-id";
import { sendJson } from "../core/http-io";
import type { ServiceContext } from "../core/types";
import { AlicloudApiError, gatewayErrors } from "./alicloud-error";

/** Request parameters after decoding, `Signature` included. */
export type RpcParams = Record<string, string>;

/** Result of one action: response fields (RequestId is added) and whether state changed. */
export interface RpcActionResult { body: Record<string, unknown>; mutated: boolean }

/** Serves one action; throws `AlicloudApiError` for API errors. */
export type RpcActionHandler = (params: RpcParams) => RpcActionResult;

export interface AlicloudRpcOptions {
    ctx: ServiceContext;
    /** The only API version accepted, e.g. `2014-08-15`. */
    version: string;
    /** Product name in the `Recommend` troubleshooting URL, e.g. `Rds`. */
    product: string;
    actions: Record<string, RpcActionHandler>;
}

/** How far a request's Timestamp may be from the server's clock, and how long nonces are remembered. */
export const SIGNATURE_WINDOW_MS = 15 * 60 * 1000;

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** pop-core's percent-encoding: encodeURIComponent plus `!'()*`, so only `A-Za-z0-9-_.~` stay literal. */
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
class NonceCache {
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

function parseParams(req: http.IncomingMessage, body: Buffer): RpcParams {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const params: RpcParams = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    // pop-core POSTs the same pairs as a form body; an absent content type is read the same way.
    const type = String(req.headers["content-type"] ?? "application/x-www-form-urlencoded");
    if (req.method === "POST" && body.length > 0 && type.startsWith("application/x-www-form-urlencoded")) {
        for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
    }
    return params;
}

function parseTimestamp(value: string): number | undefined {
    const m = TIMESTAMP_RE.exec(value);
    if (!m) return undefined;
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    // Date.UTC rolls invalid dates over (Feb 30 → Mar 2); reject those.
    return new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19) ? ms : undefined;
}

/** Builds the `handle` function of an emulated Alibaba RPC service. */
export function createAlicloudRpcHandler(options: AlicloudRpcOptions): (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => Promise<void> {
    const { ctx, version, product, actions } = options;
    const nonces = new NonceCache();

    /** Signature, timestamp, nonce and version checks, in the order a client can fix them. */
    function authenticate(method: string, params: RpcParams): void {
        for (const name of ["AccessKeyId", "Signature", "SignatureNonce", "Timestamp"]) {
            if (params[name] === undefined || params[name] === "") throw gatewayErrors.missingParameter(name);
        }
        const timestampMs = parseTimestamp(params.Timestamp);
        if (timestampMs === undefined) throw gatewayErrors.illegalTimestamp();
        const key = ctx.accessKeys.find((k) => k.id === params.AccessKeyId);
        if (!key) throw gatewayErrors.accessKeyNotFound();
        if (params.SignatureMethod !== "HMAC-SHA1" || params.SignatureVersion !== "1.0") throw gatewayErrors.unsupportedSignature();
        const stringToSign = rpcStringToSign(method, params);
        const expected = Buffer.from(rpcSignatureV1(stringToSign, key.secret));
        const given = Buffer.from(params.Signature);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw gatewayErrors.signatureMismatch(stringToSign);
        // Real time, not the emulated clock: advancing the clock must not invalidate clients.
        const realNow = Date.now();
        if (Math.abs(realNow - timestampMs) > SIGNATURE_WINDOW_MS) throw gatewayErrors.timestampExpired(params.Timestamp);
        // Only authentic requests burn a nonce, so a forged request cannot block a real one.
        if (nonces.checkAndRemember(key.id, params.SignatureNonce, realNow)) throw gatewayErrors.nonceUsed();
        if (params.Version === undefined || params.Version === "") throw gatewayErrors.missingParameter("Version");
        if (params.Version !== version) throw gatewayErrors.invalidVersion(params.Version);
    }

    return async (req, body, res) => {
        const requestId = newRequestId();
        const hostId = String(req.headers.host ?? "localhost");
        const render = (err: AlicloudApiError) => sendJson(res, err.status, {
            RequestId: requestId,
            HostId: hostId,
            Code: err.code,
            Message: err.message,
            Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${product}`,
        }, { "x-acs-request-id": requestId });

        const method = (req.method ?? "GET").toUpperCase();
        const path = new URL(req.url ?? "/", "http://emulator.invalid").pathname;
        if (path !== "/") return render(gatewayErrors.actionNotFound(path));
        if (method !== "GET" && method !== "POST") return render(gatewayErrors.unsupportedMethod(method));

        const params = parseParams(req, body);
        const action = params.Action;
        let mutated = false;
        try {
            if (!action) throw gatewayErrors.missingParameter("Action");
            authenticate(method, params);
            const handler = Object.prototype.hasOwnProperty.call(actions, action) ? actions[action] : undefined;
            if (!handler) throw gatewayErrors.actionNotFound(action);
            const fault = ctx.takeFault(action);
            if (fault) throw new AlicloudApiError(fault.status, fault.code, fault.message ?? `Injected fault ${fault.code}.`);
            const result = handler(params);
            mutated = result.mutated;
            if (mutated) ctx.changed();
            sendJson(res, 200, { RequestId: requestId, ...result.body }, { "x-acs-request-id": requestId });
        } catch (err) {
            if (err instanceof AlicloudApiError) render(err);
            else render(new AlicloudApiError(500, "InternalError", `The request processing has failed due to some unknown error. (${(err as Error).message})`));
        } finally {
            // Every request naming an Action is counted, rejected ones included, so tests see what was sent.
            if (action) ctx.recordCall(action, mutated);
        }
    };
}
