/**
 * How a refused delete becomes one backup's outcome, the same way on every
 * service. Only the service's documented "this backup does not exist" codes
 * count as deleted. A 404 without such a code (the API gateway's `APIGW.0101`
 * for a wrong project id or a path it does not route, a load balancer's HTML
 * page, an unknown instance in the wrong region) says nothing about the
 * backup: it is `unconfirmed`, never deleted, so the resource stays in state.
 */
import type { DeleteOutcome } from "./adapter";
import { CloudError, hintFor } from "../core/errors";

/** A service's delete codes, from its documented error table. */
export interface DeleteCodes {
    /** The backup does not exist (or is already being deleted): the delete's goal is reached. */
    gone: readonly string[];
    /** A cloud rule refuses this delete for now. */
    blocked: readonly string[];
}

/** An error code of the cloud's API gateway (`APIGW.*`, `APIG.*`), not of the service behind it. */
export function isGatewayCode(code: string | undefined): boolean {
    return /^APIGW?\./.test(code ?? "");
}

/** A 404 (with any code, or none: `HTTP404`) that is not one of the documented "backup does not exist" codes. */
export function isUnconfirmedNotFound(err: CloudError, codes: DeleteCodes): boolean {
    return (err.httpStatus === 404 || err.code === "HTTP404") && !codes.gone.includes(err.code);
}

/**
 * An answer about the request rather than about any backup in it (a gateway
 * code, or a 404 that is not a documented not-found): every id of a batch
 * call gets it alike, replaying the ids one by one would only repeat it.
 */
export function saysNothingAboutBackups(err: CloudError, codes: DeleteCodes): boolean {
    return isGatewayCode(err.code) || isUnconfirmedNotFound(err, codes);
}

/** The cloud's message with the HTTP status and request id, as users need them to ask the cloud's support. */
export function refusalText(err: CloudError): string {
    const where = [err.httpStatus ? `HTTP ${err.httpStatus}` : "", err.requestId ? `request ${err.requestId}` : ""].filter(Boolean).join(", ");
    return where ? `${err.cloudMessage} (${where})` : err.cloudMessage;
}

/** The outcome of one backup whose delete call was answered with `err`. */
export function deleteOutcomeOf(backupId: string, err: unknown, codes: DeleteCodes): DeleteOutcome {
    if (!(err instanceof CloudError)) return { backupId, result: "failed", code: "Unknown", message: String((err as Error)?.message ?? err) };
    if (codes.gone.includes(err.code)) return { backupId, result: "deleted", code: err.code, message: err.cloudMessage };
    return { backupId, result: resultOf(err.code, err, codes), code: err.code, message: refusalText(err) };
}

/**
 * The outcome of one id in a batch answer that reports each id's code
 * (Huawei RDS SQL Server batch delete): `"0"` is success.
 */
export function batchResultOutcome(backupId: string, code: string, message: string | undefined, codes: DeleteCodes): DeleteOutcome {
    if (code === "0") return { backupId, result: "deleted" };
    if (codes.gone.includes(code)) return { backupId, result: "deleted", code, message };
    return { backupId, result: resultOf(code, undefined, codes), code, message };
}

function resultOf(code: string, err: CloudError | undefined, codes: DeleteCodes): DeleteOutcome["result"] {
    if (codes.blocked.includes(code)) return "blocked";
    if (err && isUnconfirmedNotFound(err, codes)) return "unconfirmed";
    return "failed";
}

/** What a user reads after an `unconfirmed` outcome whose code has no hint of its own. */
export const UNCONFIRMED_HINT = "the answer is a 404 that does not say the backup is gone (it is not the service's documented not-found code), "
    + "so the backup is kept: check the endpoint (dbbackups:endpoints), the region and, on Huawei Cloud, huaweicloud:project_id, then run again";

/** What to do next after an outcome that is not `deleted` nor `blocked`: the code's own hint, or for an unconfirmed 404 the general one. */
export function nextStepFor(outcome: Pick<DeleteOutcome, "result" | "code">): string {
    return hintFor(outcome.code) || (outcome.result === "unconfirmed" ? UNCONFIRMED_HINT : "");
}
