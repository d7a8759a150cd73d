/**
 * Alibaba Cloud RPC protocol (the `Action=...&Version=...` style on path `/`),
 * as the gateway in front of RDS speaks it: parses GET query or form-encoded
 * POST body, verifies the signature (V1 as `@alicloud/pop-core` sends it, or V3
 * `ACS3-HMAC-SHA256` as the official SDK clients do), guards against replay,
 * answers injected faults, then dispatches to an action handler and renders its
 * result or its `AlicloudApiError` as JSON.
 */
import type * as http from "http";
import { newRequestId } from "../core/request-id";
import { resetConnection, sendGatewayHtml, sendJson } from "../core/http-io";
import type { InjectedFault, ServiceContext } from "../core/types";
import { AlicloudApiError, gatewayErrors } from "./alicloud-error";
import { NonceCache, verifyAcs3, verifyRpcV1, type RpcParams } from "./alicloud-signature";

export type { RpcParams } from "./alicloud-signature";

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

/** Query pairs of the URL, then the pairs of a form-encoded POST body (an absent content type is read the same way). */
function parsePairs(req: http.IncomingMessage, url: URL, body: Buffer): { query: Array<[string, string]>; params: RpcParams } {
    const query = [...url.searchParams];
    const params: RpcParams = Object.fromEntries(query);
    const type = String(req.headers["content-type"] ?? "application/x-www-form-urlencoded");
    if (req.method === "POST" && body.length > 0 && type.startsWith("application/x-www-form-urlencoded")) {
        for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
    }
    return { query, params };
}

/** A V3 request names its action and version in headers; a V1 request in its parameters. */
function isAcs3(req: http.IncomingMessage): boolean {
    return /^ACS3-/i.test(String(req.headers.authorization ?? ""));
}

/** Builds the `handle` function of an emulated Alibaba RPC service. */
export function createAlicloudRpcHandler(options: AlicloudRpcOptions): (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => Promise<void> {
    const { ctx, version, product, actions } = options;
    const nonces = new NonceCache();

    function checkVersion(given: string | undefined): void {
        if (given === undefined || given === "") throw gatewayErrors.missingParameter("Version");
        if (given !== version) throw gatewayErrors.invalidVersion(given);
    }

    return async (req, body, res) => {
        const requestId = newRequestId();
        const hostId = String(req.headers.host ?? "localhost");
        // The Date header tells the emulated clock, the one backup times are in, as a cloud's Date and times agree.
        const headers = { "x-acs-request-id": requestId, date: new Date(ctx.now()).toUTCString() };
        const render = (err: AlicloudApiError) => sendJson(res, err.status, {
            RequestId: requestId,
            HostId: hostId,
            Code: err.code,
            Message: err.message,
            Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${product}`,
        }, headers);

        const method = (req.method ?? "GET").toUpperCase();
        const url = new URL(req.url ?? "/", "http://emulator.invalid");
        if (url.pathname !== "/") return render(gatewayErrors.actionNotFound(url.pathname));
        if (method !== "GET" && method !== "POST") return render(gatewayErrors.unsupportedMethod(method));

        const { query, params } = parsePairs(req, url, body);
        const acs3 = isAcs3(req);
        const action = acs3 ? String(req.headers["x-acs-action"] ?? "") : params.Action;
        let mutated = false;
        let fault: InjectedFault | undefined;
        try {
            if (!action) throw gatewayErrors.missingParameter(acs3 ? "x-acs-action" : "Action");
            if (acs3) verifyAcs3({ method, path: url.pathname, query, headers: req.headers, body }, ctx.accessKeys, nonces);
            else verifyRpcV1(method, params, ctx.accessKeys, nonces);
            checkVersion(acs3 ? String(req.headers["x-acs-version"] ?? "") : params.Version);
            const handler = Object.prototype.hasOwnProperty.call(actions, action) ? actions[action] : undefined;
            if (!handler) throw gatewayErrors.actionNotFound(action);
            fault = ctx.takeFault(action);
            if (fault?.reset === "before") return resetConnection(res);
            if (fault?.html) return sendGatewayHtml(res, fault.status);
            if (fault && !fault.reset) throw new AlicloudApiError(fault.status, fault.code, fault.message ?? `Injected fault ${fault.code}.`);
            const result = handler(params);
            mutated = result.mutated;
            if (mutated) ctx.changed();
            // The service acted; the answer is lost on the way back.
            if (fault?.reset === "after") return resetConnection(res);
            sendJson(res, 200, { RequestId: requestId, ...result.body }, headers);
        } catch (err) {
            // A refusal is lost on the way back as much as a success is.
            if (fault?.reset === "after") resetConnection(res);
            else if (err instanceof AlicloudApiError) render(err);
            else render(new AlicloudApiError(500, "InternalError", `The request processing has failed due to some unknown error. (${(err as Error).message})`));
        } finally {
            // Every request naming an Action is counted, rejected ones included, so tests see what was sent.
            if (action) ctx.recordCall(action, mutated);
        }
    };
}
