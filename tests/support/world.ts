/**
 * A test world: the emulator (real HTTP servers), a project folder where the
 * package is installed as a user would have it, and an engine driving the
 * real dynamic-provider host with stack config pointing at the emulator.
 */
import * as path from "path";
import fetch from "node-fetch";
import { startEmulator, RunningEmulator } from "../../emulator";
import type { EmulatorOptions, InstanceSpec, ServiceKey } from "../../emulator/core/types";
import { Engine, EngineOptions } from "./engine";
import { makeProjectDir, removeProjectDir } from "./workspace";

/** Admin API of the emulator, as tests use it. */
export class Admin {
    constructor(readonly url: string) { }

    private async call(method: string, path: string, body?: unknown): Promise<any> {
        const res = await fetch(`${this.url}${path}`, {
            method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" },
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
        return text ? JSON.parse(text) : undefined;
    }

    state(): Promise<Record<ServiceKey, { instances: any[]; backups: any[] }>> { return this.call("GET", "/state"); }
    calls(): Promise<Record<string, Record<string, { calls: number; mutations: number }>>> { return this.call("GET", "/calls"); }
    resetCalls() { return this.call("POST", "/calls/reset"); }
    addBackup(service: ServiceKey, spec: Record<string, unknown>): Promise<{ backupId: string }> { return this.call("POST", "/backups", { service, ...spec }); }
    removeBackup(service: ServiceKey, backupId: string) { return this.call("DELETE", `/backups/${service}/${encodeURIComponent(backupId)}`); }
    setInUse(service: ServiceKey, backupId: string, inUse: boolean) { return this.call("POST", `/backups/${service}/${encodeURIComponent(backupId)}/in-use`, { inUse }); }
    fault(f: Record<string, unknown>) { return this.call("POST", "/faults", f); }
    clearFaults() { return this.call("DELETE", "/faults"); }
    patchInstance(service: ServiceKey, id: string, patch: Record<string, unknown>) { return this.call("PATCH", `/instances/${service}/${encodeURIComponent(id)}`, patch); }
    advanceClock(by: { days?: number; hours?: number; ms?: number }) { return this.call("POST", "/clock/advance", by); }

    /** Backups of one instance in one service, automated and hand-made ones included. */
    async backupsOf(service: ServiceKey, instanceId: string): Promise<any[]> {
        const s = await this.state();
        return s[service].backups.filter((b: any) => (b.instanceId ?? b.DBInstanceId ?? b.instance_id) === instanceId);
    }

    /** Total calls to a service (all actions). */
    async totalCalls(service?: ServiceKey): Promise<number> {
        const c = await this.calls();
        return Object.entries(c).filter(([k]) => !service || k === service)
            .reduce((n, [, actions]) => n + Object.values(actions).reduce((m, a) => m + a.calls, 0), 0);
    }
}

export interface World {
    emulator: RunningEmulator;
    admin: Admin;
    engine: Engine;
    logs: string[];
    config: Record<string, string>;
    secrets: string[];
    /** The provider's journal of killed runs, as the engines' hosts keep it (`DBBACKUPS_JOURNAL_DIR`). */
    journalDir: string;
    /** A fresh engine (empty state) on the same emulator and project folder. */
    newEngine(extra?: Partial<EngineOptions>): Engine;
    close(): Promise<void>;
}

/** Starts the emulator with these instances and an engine configured for it. */
export async function startWorld(instances: InstanceSpec[], options: EmulatorOptions = {}): Promise<World> {
    const emulator = await startEmulator({ timeScale: 0.002, instances, ...options });
    const key = emulator.accessKeys[0];
    const config: Record<string, string> = {
        "alicloud:accessKey": key.id,
        "alicloud:secretKey": key.secret,
        "huaweicloud:access_key": key.id,
        "huaweicloud:secret_key": key.secret,
        "huaweicloud:project_id": emulator.projectId,
        "huaweicloud:region": "ap-southeast-1",
        "dbbackups:endpoints": JSON.stringify(emulator.endpoints),
        "dbbackups:pollInterval": "20ms",
        // Retries keep their number (10 per call) but pause 20 ms to 400 ms instead of 500 ms to 10 s.
        "dbbackups:retryDelay": "20ms",
    };
    const secretKeys = ["alicloud:secretKey", "huaweicloud:secret_key"];
    const cwd = makeProjectDir();
    const journalDir = path.join(cwd, ".journal");
    const logs: string[] = [];
    const engines: Engine[] = [];
    const newEngine = (extra: Partial<EngineOptions> = {}) => {
        // The provider's journal of accepted-but-unrecorded backups lives with this world, not in the user's home.
        const e = new Engine({ cwd, config, secretKeys, onLog: line => logs.push(line), ...extra, env: { DBBACKUPS_JOURNAL_DIR: journalDir, ...extra.env } });
        engines.push(e);
        return e;
    };
    return {
        emulator, admin: new Admin(emulator.admin), engine: newEngine(), logs, config, secrets: [key.secret], journalDir,
        newEngine,
        async close() {
            await Promise.all(engines.map(e => e.close()));
            await emulator.stop();
            removeProjectDir(cwd);
        },
    };
}
