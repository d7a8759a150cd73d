/**
 * `startEmulator`: runs emulated Alibaba Cloud RDS, Huawei Cloud RDS and Huawei
 * GeminiDB backup APIs on local ports (one HTTP server per service, as each has
 * its own host in the real cloud) plus an admin API, with optional persistence.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { createAdminHandler } from "./admin";
import { CallCounter } from "./core/call-counter";
import { EmulatorClock } from "./core/clock";
import { FaultQueue } from "./core/fault-queue";
import { readBody, sendJson } from "./core/http-io";
import { DebouncedStateWriter, loadState, type PersistedState } from "./core/persistence";
import { serviceKeyForInstance } from "./core/service-key";
import { SERVICE_KEYS, type AccessKey, type EmulatedService, type EmulatorOptions, type ServiceContext, type ServiceKey } from "./core/types";
import { DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID, defaultInstances } from "./defaults";
import { createAlicloudRdsService } from "./services/alicloud-rds";
import { createHuaweicloudGeminidbService } from "./services/huaweicloud-geminidb";
import { createHuaweicloudRdsService } from "./services/huaweicloud-rds";

export type { AccessKey, EmulatorOptions, FaultOptions, HandBackupSpec, InjectedFault, InstanceSpec, ServiceKey } from "./core/types";
export { DEFAULT_ACCESS_KEY, DEFAULT_INSTANCE_IDS, DEFAULT_INSTANCES, DEFAULT_PROJECT_ID } from "./defaults";

/** Base URL of each emulated service, e.g. `http://127.0.0.1:40123`. */
export type EmulatorEndpoints = Record<ServiceKey, string>;

/** A running emulator. */
export interface RunningEmulator {
    endpoints: EmulatorEndpoints;
    /** Base URL of the admin API. */
    admin: string;
    /** Credentials every service accepts. */
    accessKeys: AccessKey[];
    /** Huawei project id the Huawei services accept. */
    projectId: string;
    /** Writes pending state (when `statePath` is set) and closes every server. Safe to call twice. */
    stop(): Promise<void>;
}

const FACTORIES: Record<ServiceKey, (ctx: ServiceContext) => EmulatedService> = {
    alicloudRds: createAlicloudRdsService,
    huaweicloudRds: createHuaweicloudRdsService,
    huaweicloudGeminidb: createHuaweicloudGeminidbService,
};

function listen(server: http.Server, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}

function close(server: http.Server): Promise<void> {
    return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Clients such as pop-core keep connections alive; without this close() would wait for them.
        server.closeAllConnections();
    });
}

function baseUrl(host: string, port: number): string {
    const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
    return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}

/** Serves one service: reads the body, hands it over (after the configured network latency), turns an unexpected throw into a 500. */
function serviceServer(service: EmulatedService, latencyMs: number): http.Server {
    return http.createServer((req, res) => {
        readBody(req)
            .then((body) => new Promise<typeof body>((resolve) => (latencyMs > 0 ? setTimeout(() => resolve(body), latencyMs) : resolve(body))))
            .then((body) => service.handle(req, body, res))
            .catch((err: Error) => {
                if (!res.headersSent) sendJson(res, 500, { error: "emulator failure", message: err.message });
                else res.end();
            });
    });
}

/**
 * Starts the emulator. Ports: `options.port` for Alibaba RDS, +1 Huawei RDS,
 * +2 GeminiDB, +3 admin; 0 or absent = any free ports. With `statePath`, state
 * is loaded from that file when it exists (instances are then not re-seeded)
 * and written back after every change.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
    const host = options.host ?? "127.0.0.1";
    const timeScale = options.timeScale ?? 1;
    if (!Number.isFinite(timeScale) || timeScale < 0) throw new RangeError(`timeScale must be a number >= 0, got ${timeScale}`);
    const firstPort = options.port ?? 0;
    if (!Number.isInteger(firstPort) || firstPort < 0 || firstPort > 65532) throw new RangeError(`port must be 0 or a port number up to 65532, got ${firstPort}`);
    const accessKeys = (options.accessKeys ?? [DEFAULT_ACCESS_KEY]).map((k) => ({ ...k }));
    const projectId = options.projectId ?? DEFAULT_PROJECT_ID;
    const faultOptions = { ...options.faults };

    const saved = options.statePath ? loadState(options.statePath) : undefined;
    const clock = new EmulatorClock(saved?.clockOffsetMs ?? 0);
    const calls = new CallCounter();
    const faults = new FaultQueue();
    const services = {} as Record<ServiceKey, EmulatedService>;
    const collect = (): PersistedState => ({
        version: 1,
        savedAt: new Date().toISOString(),
        clockOffsetMs: clock.offset,
        services: Object.fromEntries(SERVICE_KEYS.map((key) => [key, services[key].snapshot()])),
    });
    const writer = options.statePath ? new DebouncedStateWriter(options.statePath, collect) : undefined;
    const changed = () => writer?.schedule();

    for (const key of SERVICE_KEYS) {
        services[key] = FACTORIES[key]({
            accessKeys,
            projectId,
            timeScale,
            faults: faultOptions,
            now: () => clock.now(),
            recordCall: (action, mutated) => calls.record(key, action, mutated),
            takeFault: (action) => faults.take(key, action),
            changed,
        });
    }
    if (saved) {
        for (const key of SERVICE_KEYS) if (saved.services[key] !== undefined) services[key].restore(saved.services[key]);
    } else {
        for (const spec of options.instances ?? defaultInstances()) services[serviceKeyForInstance(spec)].addInstance(spec);
        changed();
    }

    const servers = SERVICE_KEYS.map((key) => serviceServer(services[key], options.latencyMs ?? 0));
    servers.push(http.createServer(createAdminHandler({ services, calls, faults, clock, changed })));
    let ports: number[];
    try {
        ports = [];
        for (const [i, server] of servers.entries()) ports.push(await listen(server, firstPort === 0 ? 0 : firstPort + i, host));
    } catch (err) {
        await Promise.all(servers.map(close));
        throw err;
    }

    let stopping: Promise<void> | undefined;
    return {
        endpoints: Object.fromEntries(SERVICE_KEYS.map((key, i) => [key, baseUrl(host, ports[i])])) as EmulatorEndpoints,
        admin: baseUrl(host, ports[3]),
        accessKeys: accessKeys.map((k) => ({ ...k })),
        projectId,
        stop() {
            stopping ??= (async () => {
                await Promise.all(servers.map(close));
                writer?.flush();
            })();
            return stopping;
        },
    };
}
