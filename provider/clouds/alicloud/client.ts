/**
 * The one way the Alibaba adapter talks to the RDS RPC API: `@alicloud/pop-core`
 * signing, always POST, the cloud's errors as `CloudError`, retries through
 * `retry.ts`, and the cloud's clock as read from each answer's `Date` header
 * (backup times in listings are the cloud's, not this machine's).
 */
import RPCClient = require("@alicloud/pop-core");
import type { AlicloudSettings } from "../adapter";
import { CloudError, ErrorKind, isNetworkError, isUnparsableAnswer, kindFromHttpStatus, kindOfAnswer, redact, summarizeBody } from "../../core/errors";
import { retryCall, RetryOptions } from "../../core/retry";
import { clockOffsetFrom } from "../server-clock";

export const ALICLOUD_RDS_SERVICE = "Alibaba Cloud RDS";

/** Classifies an Alibaba error code the way the cloud's own tooling does. */
export function alicloudErrorKind(code: string, status?: number): ErrorKind {
    if (/Throttling/i.test(code)) return "throttling";
    if (code === "ServiceUnavailable" || code === "InternalError" || code === "InternalFailure") return "server";
    return kindFromHttpStatus(status);
}

/** What pop-core hands back in verbose mode besides the body. */
interface Entry { response?: { statusCode?: number; headers?: Record<string, string | string[] | undefined> } }

export interface AlicloudClientOptions {
    retry?: RetryOptions;
    timeoutMs?: number;
}

/** One signed RPC call at a time, with retries; remembers how far the cloud's clock is from this machine's. */
export class AlicloudRpcClient {
    private readonly client: RPCClient;
    private clockOffsetMs = 0;

    constructor(private readonly settings: AlicloudSettings, private readonly options: AlicloudClientOptions = {}) {
        const Verbose = RPCClient as unknown as new (config: RPCClient.Config, verbose: boolean) => RPCClient;
        this.client = new Verbose({
            endpoint: settings.endpoint.replace(/\/+$/, ""),
            apiVersion: "2014-08-15",
            accessKeyId: settings.accessKeyId,
            accessKeySecret: settings.accessKeySecret,
            securityToken: settings.securityToken,
        }, true);
    }

    /** The retry options in force (sleep and backoff are shared with the adapter's own pauses). */
    get retry(): RetryOptions {
        return this.options.retry ?? {};
    }

    /** The cloud's clock now, in ms, as far as the last answer's `Date` header tells (this machine's clock before any answer). */
    serverNow(): number {
        return Date.now() + this.clockOffsetMs;
    }

    /**
     * One RPC call, always POST (with GET the client puts the key id and
     * signature into the URL and its error text), retried when retryable.
     * `CreateBackup` is not idempotent: it is retried only on throttling, when
     * the cloud surely did not start a job.
     */
    call<T>(action: string, params: Record<string, string>): Promise<T> {
        const retry: RetryOptions = action === "CreateBackup"
            ? { ...this.options.retry, retryable: err => err instanceof CloudError && err.kind === "throttling" }
            : { ...this.options.retry };
        return retryCall(async () => {
            let answer: [T & { Code?: string; Message?: string; RequestId?: string }, Entry];
            try {
                answer = await this.client.request(action, params, { method: "POST", timeout: this.options.timeoutMs ?? 15_000 });
            } catch (err) {
                this.noteClock((err as { entry?: Entry })?.entry);
                throw this.toCloudError(action, err);
            }
            const [body, entry] = answer;
            this.noteClock(entry);
            // pop-core judges by the body alone: an error status whose JSON has no Code would pass as a success.
            const status = entry?.response?.statusCode;
            if (status !== undefined && status >= 400) {
                throw new CloudError({
                    service: ALICLOUD_RDS_SERVICE, operation: action, code: `HTTP${status}`, httpStatus: status, requestId: body?.RequestId,
                    cloudMessage: redact(String(body?.Message ?? "error status without an error code"), this.secrets()), kind: kindOfAnswer(status, true),
                });
            }
            return body;
        }, retry);
    }

    private secrets(): Array<string | undefined> {
        return [this.settings.accessKeySecret, this.settings.securityToken, this.settings.accessKeyId];
    }

    private noteClock(entry: Entry | undefined): void {
        this.clockOffsetMs = clockOffsetFrom(entry?.response?.headers?.date) ?? this.clockOffsetMs;
    }

    private toCloudError(action: string, err: unknown): CloudError {
        const e = err as { code?: string; data?: { Code?: string; Message?: string; RequestId?: string }; entry?: Entry; message?: string; text?: string };
        const secrets = this.secrets();
        if (e.data?.Code) {
            const status = e.entry?.response?.statusCode;
            return new CloudError({
                service: ALICLOUD_RDS_SERVICE, operation: action, code: e.data.Code, cloudMessage: redact(e.data.Message ?? "", secrets),
                httpStatus: status, requestId: e.data.RequestId, kind: alicloudErrorKind(e.data.Code, status),
            });
        }
        if (isUnparsableAnswer(err)) {
            // A gateway's HTML page (502/503) or a cut-off body: the API never answered, so try again.
            const seen = typeof e.text === "string" && e.text.trim() ? ` ("${summarizeBody(e.text)}")` : "";
            return new CloudError({
                service: ALICLOUD_RDS_SERVICE, operation: action, code: "InvalidResponse", kind: kindOfAnswer(undefined, false),
                cloudMessage: redact(`the answer is not JSON${seen} (endpoint ${this.settings.endpoint})`, secrets),
            });
        }
        const network = isNetworkError(err);
        return new CloudError({
            service: ALICLOUD_RDS_SERVICE, operation: action, code: network ? "NetworkError" : (e.code ?? "UnknownError"),
            // pop-core glues "<method> <url> failed." to the cause without a separator: name the host and cause code instead.
            cloudMessage: network && e.code
                ? `could not reach ${new URL(this.settings.endpoint).host} (${e.code})`
                : redact(`${e.message ?? err} (endpoint ${this.settings.endpoint})`, secrets),
            kind: network ? "transient" : "client",
        });
    }
}
