/**
 * The emulated Huawei Cloud IAM, only as far as the provider needs it: the
 * project list `GET /v3/projects?name=<region>` that Huawei's SDKs and its
 * Terraform/Pulumi provider call to find the project id of a region when only
 * AK/SK (or a token) and the region are configured. Requests are checked like
 * the other Huawei services (AK/SK signature or IAM token). The emulated
 * account has one project: the one the RDS and GeminiDB services accept,
 * named after `projectRegion`.
 */
import { randomBytes } from "crypto";
import type * as http from "http";
import type { AccessKey } from "../../core/types";
import { authenticate, HuaweiApiError, writeHuaweiError } from "../../protocols/huaweicloud-rest";

/** Region whose project the emulator serves, unless told otherwise. */
export const DEFAULT_PROJECT_REGION = "ap-southeast-1";

/** What the IAM service needs from the emulator. */
export interface IamContext {
    accessKeys: AccessKey[];
    projectId: string;
    /** Name of the project (a region id, as Huawei names a region's default project). */
    projectRegion: string;
}

/** The emulated account's id, fixed so answers are stable across restarts. */
const DOMAIN_ID = "d78cbac186b744899480f25bd022f468";

/** Builds the request handler of the IAM endpoint. */
export function createHuaweicloudIamHandler(ctx: IamContext): (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => Promise<void> {
    return async (req, body, res) => {
        const requestId = randomBytes(16).toString("hex");
        const url = new URL(req.url ?? "/", "http://emulator");
        try {
            if (req.method !== "GET" || url.pathname.replace(/\/+$/, "") !== "/v3/projects") {
                throw new HuaweiApiError(404, "APIGW.0101", `The API does not exist or has not been published in the environment: ${req.method} ${url.pathname}`);
            }
            authenticate(ctx, req, body);
            const self = `http://${req.headers.host ?? "127.0.0.1"}/v3/projects`;
            const name = url.searchParams.get("name");
            const project = {
                id: ctx.projectId, name: ctx.projectRegion, description: "", domain_id: DOMAIN_ID, enabled: true,
                is_domain: false, parent_id: DOMAIN_ID, links: { self: `${self}/${ctx.projectId}` },
            };
            const projects = name === null || name === ctx.projectRegion ? [project] : [];
            const text = JSON.stringify({ projects, links: { self: `${self}${url.search}`, previous: null, next: null } });
            res.writeHead(200, { "Content-Type": "application/json;charset=UTF-8", "Content-Length": Buffer.byteLength(text), "X-Request-Id": requestId });
            res.end(text);
        } catch (err) {
            writeHuaweiError(res, requestId, err instanceof HuaweiApiError ? err : new HuaweiApiError(500, "IAM.0001", String((err as Error)?.message ?? err)));
        }
    };
}
