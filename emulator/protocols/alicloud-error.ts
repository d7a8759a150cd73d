/**
 * The one error type Alibaba-style emulated models throw. It carries what the
 * real gateway answers (HTTP status, dotted code, message); the RPC protocol
 * layer renders it as `{ RequestId, HostId, Code, Message, Recommend }`.
 */
export class AlicloudApiError extends Error {
    constructor(readonly status: number, readonly code: string, message: string) {
        super(message);
        this.name = "AlicloudApiError";
    }
}

/** Gateway-level errors shared by every Alibaba RPC product (messages as the gateway words them). */
export const gatewayErrors = {
    missingParameter: (name: string) =>
        new AlicloudApiError(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
    illegalTimestamp: () =>
        new AlicloudApiError(400, "IllegalTimestamp", `The input parameter "Timestamp" that is mandatory for processing this request is not supplied or is not in the format yyyy-MM-ddTHH:mm:ssZ.`),
    timestampExpired: (timestamp: string) =>
        new AlicloudApiError(400, "InvalidTimeStamp.Expired", `Specified time stamp or date value is expired. (Timestamp ${timestamp} is more than 15 minutes away from server time.)`),
    accessKeyNotFound: () => new AlicloudApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
    unsupportedSignature: () =>
        new AlicloudApiError(400, "InvalidParameter", "This endpoint verifies SignatureMethod HMAC-SHA1 with SignatureVersion 1.0, or an ACS3-HMAC-SHA256 Authorization header."),
    incompleteSignature: (detail: string) =>
        new AlicloudApiError(400, "IncompleteSignature", `The request signature does not conform to Alibaba Cloud standards. (${detail})`),
    signatureMismatch: (stringToSign: string) =>
        new AlicloudApiError(400, "SignatureDoesNotMatch", `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`),
    nonceUsed: () => new AlicloudApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already."),
    invalidVersion: (version: string) => new AlicloudApiError(400, "InvalidVersion", `Specified parameter Version "${version}" is not valid.`),
    actionNotFound: (action: string) =>
        new AlicloudApiError(404, "InvalidAction.NotFound", `Specified api "${action}" is not found, please check your url and method.`),
    unsupportedMethod: (method: string) => new AlicloudApiError(405, "UnsupportedHTTPMethod", `HTTP method ${method} is not supported; use GET or POST.`),
};
