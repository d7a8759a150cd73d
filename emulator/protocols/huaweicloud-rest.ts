/**
 * The Huawei REST protocol layer of the emulator: what Huawei's API gateway
 * and service front-ends do before a service sees a request. Routes by method
 * and path pattern, checks the AK/SK signature (the provider's own `sign.ts`)
 * or an IAM token, checks the project id, answers injected faults, parses the
 * JSON body and renders `{error_code, error_msg}` errors. Services only
 * supply routes and throw `HuaweiApiError`.
 */
import { randomBytes } from "crypto";
import type * as http from "http";
import type { InjectedFault, ServiceContext, ServiceKey } from "../core/types";
import { resetConnection, sendGatewayHtml } from "../core/http-io";
import { verifyRequest, type VerifyFailure } from "../../provider/clouds/huaweicloud/sign";

/** The IAM token the emulator accepts in `X-Auth-Token` (it has no IAM service to issue real ones). */
export const EMULATOR_IAM_TOKEN = "emulator-iam-token";

/** An error answer of a Huawei API: HTTP status, `error_code`, `error_msg`. */
export class HuaweiApiError extends Error {
    constructor(readonly status: number, readonly code: string, message: string) {
        super(message);
        this.name = "HuaweiApiError";
    }

    /** Errors of the API gateway (`APIG.*`, `APIGW.*`) rather than of the service behind it. */
    get fromGateway(): boolean {
        return /^APIGW?\./.test(this.code);
    }
}

/** A parsed request handed to a route. */
export interface RestRequest {
    /** Values of the `{name}` segments of the route pattern. */
    params: Record<string, string>;
    query: URLSearchParams;
    /** Parsed JSON body; undefined when the request had none. */
    body: unknown;
}

/** A route's answer. `body` undefined = an empty body. `mutated` = the call changed state. */
export interface RestResult {
    status: number;
    body?: unknown;
    mutated?: boolean;
}

/** One API: method, path pattern (`/v3/{project_id}/backups/{backup_id}`), operation name for call counts and faults. */
export interface RestRoute {
    method: string;
    pattern: string;
    operation: string;
    handle(req: RestRequest): RestResult;
}

// Gateway messages follow Huawei's documented wording; codes for cases the docs do not show are guesses.
const AUTH_MESSAGES: Record<VerifyFailure, string> = {
    "missing": "Incorrect IAM authentication information: Authorization or X-Auth-Token header not found",
    "malformed": "Incorrect IAM authentication information: unsupported Authorization or X-Sdk-Date format",
    "unknown-key": "Incorrect IAM authentication information: Get secretKey failed,ak:******,err:ak not exist",
    "stale-date": "Incorrect IAM authentication information: verify aksk signature fail, X-Sdk-Date differs from the server time by more than 15 minutes",
    "bad-signature": "Incorrect IAM authentication information: verify aksk signature fail",
};

/** Matches `path` against `pattern`; returns the placeholder values or undefined. */
export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
    const want = pattern.split("/");
    const got = path.replace(/\/+$/, "").split("/");
    if (want.length !== got.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < want.length; i++) {
        const m = /^\{(\w+)\}$/.exec(want[i]);
        if (m) {
            if (!got[i]) return undefined;
            try { params[m[1]] = decodeURIComponent(got[i]); } catch { return undefined; }
        } else if (want[i] !== got[i]) {
            return undefined;
        }
    }
    return params;
}

function writeJson(res: http.ServerResponse, requestId: string, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = body === undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string | number> = { "X-Request-Id": requestId, "Content-Length": Buffer.byteLength(text), ...extra };
    if (body !== undefined) headers["Content-Type"] = "application/json;charset=UTF-8";
    res.writeHead(status, headers);
    res.end(text);
}

/** Writes a Huawei error body; the gateway's own errors also carry `request_id`, as Huawei's API gateway writes them. */
export function writeHuaweiError(res: http.ServerResponse, requestId: string, err: HuaweiApiError): void {
    writeJson(res, requestId, err.status, { error_code: err.code, error_msg: err.message, ...(err.fromGateway ? { request_id: requestId } : {}) });
}

/** Answers an injected fault that is not a plain error body: an HTML gateway page, or a dropped connection. */
function answerSpecialFault(res: http.ServerResponse, requestId: string, fault: InjectedFault): void {
    if (fault.reset) {
        resetConnection(res);
        return;
    }
    // The gateway stamps its request id on every answer, HTML pages included.
    res.setHeader("X-Request-Id", requestId);
    sendGatewayHtml(res, fault.status);
}

/** Checks credentials; throws the gateway's 401 when they do not hold. */
export function authenticate(ctx: Pick<ServiceContext, "accessKeys">, req: http.IncomingMessage, rawBody: Buffer): void {
    const token = req.headers["x-auth-token"];
    if (token !== undefined) {
        if (token === EMULATOR_IAM_TOKEN) return;
        throw new HuaweiApiError(401, "APIGW.0301", "Incorrect IAM authentication information: decrypt token fail");
    }
    const result = verifyRequest(
        { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: rawBody },
        ak => ctx.accessKeys.find(k => k.id === ak)?.secret,
        // Signatures are checked against the real clock: the emulated one may be advanced by tests.
        new Date(),
    );
    if (!result.ok) throw new HuaweiApiError(401, "APIGW.0301", AUTH_MESSAGES[result.reason]);
}

/**
 * Builds a service's `handle` from its routes. Every routed call is recorded
 * with `ctx.recordCall(operation, mutated)`, rejected ones as not mutating.
 */
export function createHuaweiRestHandler(service: ServiceKey, ctx: ServiceContext, routes: RestRoute[]):
    (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => Promise<void> {
    return async (req, rawBody, res) => {
        const requestId = randomBytes(16).toString("hex");
        // Every HTTP answer carries the server's clock (RFC 9110 `Date`); here the emulated one, which tests may advance.
        res.setHeader("Date", new Date(ctx.now()).toUTCString());
        const url = new URL(req.url ?? "/", "http://emulator");
        let route: RestRoute | undefined;
        let params: Record<string, string> | undefined;
        for (const r of routes) {
            if (r.method !== req.method) continue;
            params = matchPattern(r.pattern, url.pathname);
            if (params) { route = r; break; }
        }
        if (!route || !params) {
            writeHuaweiError(res, requestId, new HuaweiApiError(404, "APIGW.0101",
                `The API does not exist or has not been published in the environment: ${req.method} ${url.pathname}`));
            return;
        }
        let mutated = false;
        try {
            authenticate(ctx, req, rawBody);
            const headerProject = req.headers["x-project-id"];
            if (params.project_id !== ctx.projectId || (typeof headerProject === "string" && headerProject !== params.project_id)) {
                // Guess: the real gateway's answer to a foreign project is not documented.
                throw new HuaweiApiError(404, "APIGW.0101", `The API does not exist or has not been published in the environment: project ${params.project_id} is not served by this endpoint`);
            }
            const fault = ctx.takeFault(route.operation);
            if (fault?.html || fault?.reset === "before") {
                answerSpecialFault(res, requestId, fault);
                return;
            }
            // A reset "after" lets the service act, then loses the answer.
            const resetAfter = fault?.reset === "after" ? fault : undefined;
            if (fault && !resetAfter) throw new HuaweiApiError(fault.status, fault.code, fault.message ?? `injected fault for ${route.operation}`);
            let body: unknown;
            if (rawBody.length > 0 && req.method !== "GET") {
                try { body = JSON.parse(rawBody.toString("utf8")); } catch {
                    throw new HuaweiApiError(400, "DBS.200001", "The request body is not valid JSON.");
                }
            }
            const result = route.handle({ params, query: url.searchParams, body });
            mutated = result.mutated === true;
            if (mutated) ctx.changed();
            if (resetAfter) answerSpecialFault(res, requestId, resetAfter);
            else writeJson(res, requestId, result.status, result.body);
        } catch (err) {
            const apiError = err instanceof HuaweiApiError ? err
                : new HuaweiApiError(500, "DBS.200005", `Internal emulator error in ${service}: ${(err as Error)?.message ?? err}`);
            writeHuaweiError(res, requestId, apiError);
        } finally {
            ctx.recordCall(route.operation, mutated);
        }
    };
}

/** Backup names on RDS and GeminiDB: 4–64 chars, a letter first, then letters, digits, `-`, `_`. */
export const BACKUP_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{3,63}$/;

/** True when a backup description breaks the documented rule (≤256 chars, none of `> ! < " & ' =`). */
export function isInvalidDescription(description: string): boolean {
    return description.length > 256 || /[>!<"&'=]/.test(description);
}

/**
 * Reads an integer query parameter within [min, max]; `fallback` when absent.
 * Throws 400 `DBS.200001` (the documented parameter error) otherwise.
 */
export function queryInt(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
    const raw = query.get(name);
    if (raw === null || raw === "") return fallback;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < min || n > max) {
        throw new HuaweiApiError(400, "DBS.200001", `Invalid parameter ${name}: ${raw} (expected an integer from ${min} to ${max}).`);
    }
    return n;
}

/** A Huawei-looking id: 32 hex characters and a suffix such as `br01` or `in03`. */
export function newHuaweiId(suffix: string): string {
    return randomBytes(16).toString("hex") + suffix;
}
