/**
 * Test support for the Huawei services: starts the emulator, builds adapter
 * settings for it, reads its state and call counts through the admin API, and
 * sends raw (optionally mis-signed) requests.
 */
import fetch from "node-fetch";
import { startEmulator, type RunningEmulator } from "../../emulator/index";
import type { HandBackupSpec, InstanceSpec } from "../../emulator/core/types";
import type { HuaweicloudSettings } from "../../provider/clouds/adapter";
import type { RetryOptions } from "../../provider/core/retry";
import { signRequest } from "../../provider/clouds/huaweicloud/sign";

export type HuaweiServiceKey = "huaweicloudRds" | "huaweicloudGeminidb";

/** Retry options that never sleep and record the delays chosen. */
export function instantRetry(delays: number[] = []): RetryOptions {
    return { sleep: async ms => { delays.push(ms); }, random: () => 0.5 };
}

export interface RawOptions {
    query?: Record<string, string>;
    body?: unknown;
    /** Secret used to sign (default: the emulator's). */
    secret?: string;
    accessKey?: string;
    /** Date put in X-Sdk-Date (default: now). */
    date?: Date;
    /** Body actually sent, when it should differ from the signed one. */
    sentBody?: string;
    /** Send no Authorization at all. */
    unsigned?: boolean;
    /** Extra headers, sent after signing. */
    headers?: Record<string, string>;
    /** Project id in the path (default: the emulator's). */
    projectId?: string;
}

export interface RawAnswer { status: number; body: any; text: string; requestId: string | null }

/** A running emulator with helpers for the Huawei services. */
export class HuaweiTestEmulator {
    private constructor(readonly emu: RunningEmulator) { }

    /** Starts the emulator; `timeScale` 1 keeps jobs slow so tests move the clock themselves. */
    static async start(options: { timeScale?: number; instances?: InstanceSpec[]; statePath?: string } = {}): Promise<HuaweiTestEmulator> {
        return new HuaweiTestEmulator(await startEmulator({ timeScale: options.timeScale ?? 1, instances: options.instances, statePath: options.statePath }));
    }

    get projectId(): string { return this.emu.projectId; }

    /** Adapter settings for one service, with optional overrides (e.g. a wrong secret). */
    settings(service: HuaweiServiceKey, overrides: Partial<HuaweicloudSettings> = {}): HuaweicloudSettings {
        const key = this.emu.accessKeys[0];
        return { accessKey: key.id, secretKey: key.secret, projectId: this.emu.projectId, endpoint: this.emu.endpoints[service], region: "cn-north-4", ...overrides };
    }

    async admin(method: string, path: string, body?: unknown): Promise<any> {
        const res = await fetch(`${this.emu.admin}${path}`, {
            method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" },
        });
        const json = await res.json();
        if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
        return json;
    }

    /** The service's snapshot: `{ instances, backups, jobs }`. */
    async state(service: HuaweiServiceKey): Promise<{ instances: any[]; backups: any[]; jobs: any[] }> {
        return (await this.admin("GET", "/state"))[service];
    }

    async backup(service: HuaweiServiceKey, id: string): Promise<any | undefined> {
        return (await this.state(service)).backups.find(b => b.id === id);
    }

    /** `{ calls, mutations }` of one operation (zeros when never called). */
    async calls(service: HuaweiServiceKey, operation: string): Promise<{ calls: number; mutations: number }> {
        return (await this.admin("GET", "/calls"))[service][operation] ?? { calls: 0, mutations: 0 };
    }

    async addBackup(service: HuaweiServiceKey, spec: HandBackupSpec): Promise<string> {
        return (await this.admin("POST", "/backups", { service, ...spec })).backupId;
    }

    async setInUse(service: HuaweiServiceKey, id: string, inUse: boolean): Promise<void> {
        await this.admin("POST", `/backups/${service}/${id}/in-use`, { inUse });
    }

    async patchInstance(service: HuaweiServiceKey, id: string, patch: Record<string, unknown>): Promise<void> {
        await this.admin("PATCH", `/instances/${service}/${id}`, patch);
    }

    async fault(service: HuaweiServiceKey, action: string, status: number, code: string, times = 1, message?: string): Promise<void> {
        await this.admin("POST", "/faults", { service, action, status, code, times, message });
    }

    async advance(ms: number): Promise<void> {
        await this.admin("POST", "/clock/advance", { ms });
    }

    /** Sends one request, signed with sign.ts unless told otherwise. `path` may contain `{project_id}`. */
    async raw(service: HuaweiServiceKey, method: string, path: string, o: RawOptions = {}): Promise<RawAnswer> {
        const url = new URL(this.emu.endpoints[service] + path.replace("{project_id}", o.projectId ?? this.emu.projectId));
        for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.append(k, v);
        const body = o.body === undefined ? undefined : JSON.stringify(o.body);
        const key = this.emu.accessKeys[0];
        const headers = o.unsigned ? { "Content-Type": "application/json" }
            : signRequest({ method, url: url.toString(), headers: { "Content-Type": "application/json" }, body },
                { accessKey: o.accessKey ?? key.id, secretKey: o.secret ?? key.secret }, o.date ?? new Date());
        const res = await fetch(url.toString(), { method, headers: { ...headers, ...(o.headers ?? {}) }, body: o.sentBody ?? body });
        const text = await res.text();
        let parsed: unknown;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        return { status: res.status, body: parsed, text, requestId: res.headers.get("x-request-id") };
    }

    stop(): Promise<void> { return this.emu.stop(); }
}
