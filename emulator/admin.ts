/**
 * The emulator's own JSON API: inspect state and call counts, add instances
 * and backups "by hand", delete backups behind Pulumi's back, inject faults and
 * move the emulated clock. Tests and demos drive drift and failure cases here.
 */
import type * as http from "http";
import type { CallCounter } from "./core/call-counter";
import type { EmulatorClock } from "./core/clock";
import type { FaultQueue } from "./core/fault-queue";
import { readBody, sendJson } from "./core/http-io";
import { serviceKeyForInstance } from "./core/service-key";
import { SERVICE_KEYS, type EmulatedService, type HandBackupSpec, type InstanceSpec, type ServiceKey } from "./core/types";

/** What the admin API reads and changes. */
export interface AdminDeps {
    services: Record<ServiceKey, EmulatedService>;
    calls: CallCounter;
    faults: FaultQueue;
    clock: EmulatorClock;
    /** Schedules a state write after an admin change. */
    changed(): void;
}

/** Routes, as `GET /` lists them. */
export const ADMIN_ROUTES = [
    "GET /state",
    "GET /calls",
    "POST /calls/reset",
    "POST /instances",
    "PATCH /instances/{serviceKey}/{id}",
    "POST /backups",
    "DELETE /backups/{serviceKey}/{backupId}",
    "POST /backups/{serviceKey}/{backupId}/in-use",
    "GET /faults",
    "POST /faults",
    "DELETE /faults",
    "POST /clock/advance",
];

/** An admin request error with the status to answer. */
class AdminError extends Error {
    constructor(readonly status: number, readonly code: string, message: string) {
        super(message);
    }
}

const MS = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, ms: 1 } as const;

function parseJson(body: Buffer): Record<string, unknown> {
    if (body.length === 0) return {};
    let value: unknown;
    try {
        value = JSON.parse(body.toString("utf8"));
    } catch {
        throw new AdminError(400, "InvalidJson", "request body is not valid JSON");
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new AdminError(400, "InvalidJson", "request body must be a JSON object");
    return value as Record<string, unknown>;
}

/** Maps what a service threw to a status: its own `status` (e.g. 404, 409), 400 for bad input, 500 otherwise. */
function toAdminError(err: unknown): AdminError {
    if (err instanceof AdminError) return err;
    const e = err as { status?: unknown; code?: unknown; message?: unknown };
    if (typeof e?.status === "number" && e.status >= 400 && e.status <= 599) {
        return new AdminError(e.status, typeof e.code === "string" ? e.code : "Error", String(e.message));
    }
    if (err instanceof TypeError || err instanceof RangeError) return new AdminError(400, "InvalidRequest", err.message);
    return new AdminError(500, "InternalError", err instanceof Error ? err.message : String(err));
}

/** Builds the admin request handler over the emulator's services and shared state. */
export function createAdminHandler(deps: AdminDeps): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
    const { services, calls, faults, clock } = deps;

    function service(key: string): EmulatedService {
        if (!SERVICE_KEYS.includes(key as ServiceKey)) throw new AdminError(404, "UnknownService", `unknown service "${key}" (one of ${SERVICE_KEYS.join(", ")})`);
        return services[key as ServiceKey];
    }

    function state(): Record<string, unknown> {
        const out: Record<string, unknown> = {};
        for (const key of SERVICE_KEYS) out[key] = services[key].snapshot();
        out.clock = { offsetMs: clock.offset, now: new Date(clock.now()).toISOString() };
        return out;
    }

    function advanceClock(body: Record<string, unknown>): Record<string, unknown> {
        let total = 0;
        for (const [unit, factor] of Object.entries(MS)) {
            const v = body[unit];
            if (v === undefined) continue;
            if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new AdminError(400, "InvalidRequest", `${unit} must be a number >= 0`);
            total += v * factor;
        }
        clock.advance(total);
        return { advancedMs: total, offsetMs: clock.offset, now: new Date(clock.now()).toISOString() };
    }

    /** Returns [status, body] for one request; throws AdminError for client mistakes. */
    function route(method: string, parts: string[], body: Record<string, unknown>): [number, unknown] {
        const path = parts.join("/");
        if (method === "GET" && path === "") return [200, { routes: ADMIN_ROUTES }];
        if (method === "GET" && path === "state") return [200, state()];
        if (method === "GET" && path === "calls") return [200, calls.snapshot()];
        if (method === "POST" && path === "calls/reset") {
            calls.reset();
            return [200, { reset: true }];
        }
        if (method === "POST" && path === "instances") {
            const spec = body as unknown as InstanceSpec;
            const key = serviceKeyForInstance(spec);
            services[key].addInstance(spec);
            return [201, { service: key, id: spec.id }];
        }
        if (method === "PATCH" && parts[0] === "instances" && parts.length === 3) {
            service(parts[1]).updateInstance(parts[2], body as Partial<InstanceSpec>);
            return [200, { service: parts[1], id: parts[2] }];
        }
        if (method === "POST" && path === "backups") {
            const { service: key, ...spec } = body;
            if (typeof spec.instanceId !== "string") throw new AdminError(400, "InvalidRequest", "instanceId must be a string");
            return [201, { backupId: service(String(key)).addBackup(spec as unknown as HandBackupSpec) }];
        }
        if (method === "DELETE" && parts[0] === "backups" && parts.length === 3) {
            if (!service(parts[1]).removeBackup(parts[2])) throw new AdminError(404, "BackupNotFound", `no backup ${parts[2]} on ${parts[1]}`);
            return [200, { deleted: true, backupId: parts[2] }];
        }
        if (method === "POST" && parts[0] === "backups" && parts.length === 4 && parts[3] === "in-use") {
            if (typeof body.inUse !== "boolean") throw new AdminError(400, "InvalidRequest", "inUse must be a boolean");
            if (!service(parts[1]).setBackupInUse(parts[2], body.inUse)) throw new AdminError(404, "BackupNotFound", `no backup ${parts[2]} on ${parts[1]}`);
            return [200, { backupId: parts[2], inUse: body.inUse }];
        }
        if (path === "faults") {
            if (method === "GET") return [200, { faults: faults.list() }];
            if (method === "POST") return [201, { fault: faults.add(body) }];
            if (method === "DELETE") {
                const cleared = faults.list().length;
                faults.clear();
                return [200, { cleared }];
            }
        }
        if (method === "POST" && path === "clock/advance") return [200, advanceClock(body)];
        throw new AdminError(404, "NotFound", `no admin route ${method} /${path}`);
    }

    return async (req, res) => {
        try {
            const method = (req.method ?? "GET").toUpperCase();
            const url = new URL(req.url ?? "/", "http://emulator.invalid");
            const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
            const body = parseJson(await readBody(req));
            const [status, answer] = route(method, parts, body);
            // Any successful admin change is persisted, whatever the service itself signals.
            if (method !== "GET") deps.changed();
            sendJson(res, status, answer);
        } catch (err) {
            const e = toAdminError(err);
            sendJson(res, e.status, { error: { code: e.code, message: e.message } });
        }
    };
}
