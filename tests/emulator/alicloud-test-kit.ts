/**
 * Helpers shared by the Alibaba RDS emulator suites: a pop-core client bound to
 * an emulator, hand-rolled signed requests (V1 to control Timestamp and nonce,
 * V3 to change a request after signing), admin API calls, and assertions on
 * rejected calls.
 */
import { OpenApiUtil } from "@alicloud/openapi-core";
import * as assert from "assert";
import { createHmac, randomUUID } from "crypto";
import * as http from "http";
import type { RunningEmulator } from "../../emulator";

// pop-core ships no type declarations; this is the part the suites use.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const RPCClient = require("@alicloud/pop-core") as new (config: Record<string, unknown>) => RpcClient;

/** The pop-core RPCClient surface used here. */
export interface RpcClient {
    request(action: string, params?: Record<string, unknown>, opts?: Record<string, unknown>): Promise<any>;
}

/** A pop-core client for the emulated RDS endpoint; override the key, secret or version to provoke errors. */
export function rdsClient(emu: RunningEmulator, overrides: { accessKeyId?: string; accessKeySecret?: string; apiVersion?: string } = {}): RpcClient {
    return new RPCClient({
        accessKeyId: overrides.accessKeyId ?? emu.accessKeys[0].id,
        accessKeySecret: overrides.accessKeySecret ?? emu.accessKeys[0].secret,
        endpoint: emu.endpoints.alicloudRds,
        apiVersion: overrides.apiVersion ?? "2014-08-15",
    });
}

/** Calls an action with POST (the method the provider uses), as pop-core sends it. */
export function rds(client: RpcClient, action: string, params: Record<string, unknown> = {}, method: "GET" | "POST" = "POST"): Promise<any> {
    return client.request(action, params, { method, timeout: 10_000 });
}

/** What a rejected pop-core call carried: body Code, HTTP status and the whole body. */
export interface Rejection { code: string; status: number; data: Record<string, unknown> }

/** Asserts the call is rejected with `status` and `code`, and returns the rejection. */
export async function expectRdsError(call: Promise<unknown>, status: number, code: string): Promise<Rejection> {
    let err: any;
    try {
        await call;
    } catch (e) {
        err = e;
    }
    assert.ok(err, `expected ${code}, but the call succeeded`);
    assert.ok(err.data, `expected an API error body, got ${err}`);
    const rejection: Rejection = { code: err.code, status: err.entry.response.statusCode, data: err.data };
    assert.deepStrictEqual({ status: rejection.status, code: rejection.code }, { status, code }, `message: ${String(err.data?.Message)}`);
    return rejection;
}

/** One admin API call; resolves to the status and parsed JSON body. */
export async function admin(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${emu.admin}${path}`, {
        method,
        ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    return { status: res.status, body: await res.json() };
}

/** The alicloudRds part of admin `GET /state`. */
export async function rdsState(emu: RunningEmulator): Promise<{ instances: any[]; backups: any[]; jobs: any[] }> {
    const { status, body } = await admin(emu, "GET", "/state");
    assert.strictEqual(status, 200);
    return body.alicloudRds;
}

/** Call counts of one RDS action (zeros when never called). */
export async function rdsCalls(emu: RunningEmulator, action: string): Promise<{ calls: number; mutations: number }> {
    const { body } = await admin(emu, "GET", "/calls");
    return body.alicloudRds[action] ?? { calls: 0, mutations: 0 };
}

/** Adds an RDS instance through the admin API (defaults: MySQL 8.0 HA, deletable at once, databases orders). */
export async function addRdsInstance(emu: RunningEmulator, id: string, spec: Record<string, unknown> = {}): Promise<void> {
    const res = await admin(emu, "POST", "/instances", { cloud: "alicloud", service: "rds", id, engine: "MySQL", minDeleteAgeDays: 0, databases: ["orders"], ...spec });
    assert.strictEqual(res.status, 201, JSON.stringify(res.body));
}

/** Adds a finished set made by hand (admin `POST /backups`); returns its id. */
export async function addHandBackup(emu: RunningEmulator, instanceId: string, spec: Record<string, unknown> = {}): Promise<string> {
    const res = await admin(emu, "POST", "/backups", { service: "alicloudRds", instanceId, ...spec });
    assert.strictEqual(res.status, 201, JSON.stringify(res.body));
    return res.body.backupId;
}

/** Polls DescribeBackupTasks until the job is Finished or Failed; returns the job. */
export async function waitForJob(client: RpcClient, instanceId: string, jobId: string, timeoutMs = 5000): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const res = await rds(client, "DescribeBackupTasks", { DBInstanceId: instanceId, BackupJobId: jobId });
        const job = res.Items.BackupJob[0];
        if (job && (job.BackupStatus === "Finished" || job.BackupStatus === "Failed")) return job;
        if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job?.BackupStatus} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
    }
}

/** CreateBackup, wait for the job, return the new set id. */
export async function createFinishedBackup(client: RpcClient, instanceId: string, params: Record<string, unknown> = {}): Promise<string> {
    const { BackupJobId } = await rds(client, "CreateBackup", { DBInstanceId: instanceId, ...params });
    const job = await waitForJob(client, instanceId, BackupJobId);
    assert.strictEqual(job.BackupStatus, "Finished");
    return job.BackupId;
}

/** `YYYY-MM-DDThh:mm:ssZ`, the Timestamp format pop-core sends. */
export function aliTimestamp(date: Date): string {
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Percent-encoding of signature V1: RFC 3986 unreserved characters stay, everything else is %XX. */
function enc(value: string): string {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Sends a request signed by hand (HMAC-SHA1, signature V1), so a test controls
 * Timestamp, SignatureNonce or any other common parameter. `omit` removes
 * parameters before signing; `tamper` changes them after signing.
 */
export function rawRpc(emu: RunningEmulator, params: Record<string, string>, options: { secret?: string; method?: "GET" | "POST"; omit?: string[]; tamper?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
    const method = options.method ?? "POST";
    const all: Record<string, string> = {
        Format: "JSON",
        Version: "2014-08-15",
        AccessKeyId: emu.accessKeys[0].id,
        SignatureMethod: "HMAC-SHA1",
        SignatureVersion: "1.0",
        SignatureNonce: randomUUID(),
        Timestamp: aliTimestamp(new Date()),
        ...params,
    };
    for (const name of options.omit ?? []) delete all[name];
    const canonical = Object.keys(all).sort().map((k) => `${enc(k)}=${enc(all[k])}`).join("&");
    const stringToSign = `${method}&${enc("/")}&${enc(canonical)}`;
    const signature = createHmac("sha1", `${options.secret ?? emu.accessKeys[0].secret}&`).update(stringToSign).digest("base64");
    const sent: Record<string, string> = { ...all, ...options.tamper, Signature: signature };
    const encoded = Object.keys(sent).map((k) => `${enc(k)}=${enc(sent[k])}`).join("&");
    const url = new URL(emu.endpoints.alicloudRds + (method === "GET" ? `/?${encoded}` : "/"));
    return sendRequest(url, method, method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}, method === "POST" ? encoded : undefined);
}

/** One HTTP request to the emulator; resolves to the status and parsed JSON body. */
function sendRequest(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method, headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
        });
        req.on("error", reject);
        req.end(body);
    });
}

/**
 * Sends a V3 (`ACS3-HMAC-SHA256`) request whose Authorization header is computed
 * by the official signer of `@alicloud/openapi-core`, so a test can change the
 * query or the body after signing, or sign with extra unsigned headers.
 */
export function rawAcs3(emu: RunningEmulator, action: string, query: Record<string, string>,
    options: { tamperQuery?: Record<string, string>; body?: string; signedBody?: string; unsignedHeaders?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
    const host = new URL(emu.endpoints.alicloudRds).host;
    const signedBody = options.signedBody ?? options.body ?? "";
    const headers: Record<string, string> = {
        host,
        "x-acs-action": action,
        "x-acs-version": "2014-08-15",
        "x-acs-date": aliTimestamp(new Date()),
        "x-acs-signature-nonce": randomUUID(),
        "x-acs-content-sha256": OpenApiUtil.hash(Buffer.from(signedBody), "ACS3-HMAC-SHA256").toString("hex"),
        ...(options.body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    };
    const authorization = OpenApiUtil.getAuthorization({ pathname: "/", method: "POST", query, headers } as never, "ACS3-HMAC-SHA256",
        headers["x-acs-content-sha256"], emu.accessKeys[0].id, emu.accessKeys[0].secret);
    const sent = { ...query, ...options.tamperQuery };
    const qs = Object.keys(sent).map((k) => `${enc(k)}=${enc(sent[k])}`).join("&");
    return sendRequest(new URL(`${emu.endpoints.alicloudRds}/?${qs}`), "POST", { ...headers, ...options.unsignedHeaders, authorization }, options.body);
}
