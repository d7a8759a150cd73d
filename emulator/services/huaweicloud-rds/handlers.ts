/**
 * Huawei RDS v3 backup APIs: parameters in, model calls, wire shapes out.
 * Operation names (call counts, faults): `CreateManualBackup`, `ListBackups`,
 * `DeleteManualBackup`, `BatchDeleteBackups`, and `ListInstances` (the
 * instance list, read for an instance's `status`).
 */
import { localTime, offsetTime, parseQueryTime } from "../../protocols/huaweicloud-time";
import { queryInt, type RestRoute } from "../../protocols/huaweicloud-rest";
import { rdsErrors, type RdsBackup, type RdsInstance, type RdsModel } from "./model";

// RDS writes times in the region's offset; the emulator plays a UTC+8 region.
const REGION_OFFSET_MINUTES = 480;
const BACKUP_TYPES = ["auto", "manual", "fragment", "incremental"];
const STATUSES = ["BUILDING", "COMPLETED", "FAILED", "DELETING"];

/** A backup as `GET /v3/{project_id}/backups` lists it. */
export function renderRdsBackup(model: RdsModel, b: RdsBackup): Record<string, unknown> {
    const inst = model.instances.get(b.instanceId);
    const status = model.status(b);
    const finished = status !== "BUILDING";
    return {
        id: b.id, instance_id: b.instanceId, name: b.name, description: b.description, type: b.type, status,
        size: finished ? b.sizeKb : 0,
        begin_time: offsetTime(b.startedAt, REGION_OFFSET_MINUTES),
        ...(finished ? { end_time: offsetTime(b.startedAt + b.buildMs, REGION_OFFSET_MINUTES) } : {}),
        datastore: { type: inst?.engine ?? "", version: inst?.engineVersion ?? "" },
        databases: b.databases.map(name => ({ name })),
        associated_with_ddm: false,
    };
}

/** Default database user per engine, as the instance list shows it. */
const DB_USERS: Record<string, string> = { MySQL: "root", PostgreSQL: "root", SQLServer: "rdsuser", MariaDB: "root" };
const DB_PORTS: Record<string, number> = { MySQL: 3306, PostgreSQL: 5432, SQLServer: 1433, MariaDB: 3306 };

/** An instance as `GET /v3/{project_id}/instances` lists it: the fields backups depend on, not the network or billing details. */
function renderRdsInstance(model: RdsModel, i: RdsInstance): Record<string, unknown> {
    return {
        id: i.id, name: i.name, status: model.shownState(i), type: "Single", port: DB_PORTS[i.engine] ?? 3306,
        datastore: { type: i.engine, version: i.engineVersion }, db_user_name: DB_USERS[i.engine] ?? "root",
        private_ips: [], public_ips: [], time_zone: "UTC",
    };
}

/** `GET /v3/{project_id}/instances`: filters `id`, `name`, `datastore_type`; offset/limit paging (limit 1-100). */
function listInstances(model: RdsModel, query: URLSearchParams) {
    const offset = queryInt(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = queryInt(query, "limit", 1, 100, 100);
    const [id, name, datastore] = ["id", "name", "datastore_type"].map(k => query.get(k));
    const matching = [...model.instances.values()]
        .filter(i => (!id || i.id === id) && (!name || i.name === name) && (!datastore || i.engine === datastore));
    return { instances: matching.slice(offset, offset + limit).map(i => renderRdsInstance(model, i)), total_count: matching.length };
}

function asObject(body: unknown): Record<string, unknown> {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw rdsErrors.parameter("The request body must be a JSON object.");
    return body as Record<string, unknown>;
}

function createBackup(model: RdsModel, body: unknown) {
    const b = asObject(body);
    if (typeof b.instance_id !== "string" || !b.instance_id) throw rdsErrors.parameter("instance_id is mandatory.");
    if (typeof b.name !== "string") throw rdsErrors.parameter("name is mandatory.");
    if (b.description !== undefined && typeof b.description !== "string") throw rdsErrors.parameter("description must be a string.");
    let databases: string[] | undefined;
    if (b.databases !== undefined) {
        if (!Array.isArray(b.databases) || b.databases.some(d => !d || typeof (d as { name?: unknown }).name !== "string")) {
            throw rdsErrors.parameter("databases must be an array of {\"name\": string}.");
        }
        databases = (b.databases as Array<{ name: string }>).map(d => d.name);
    }
    const backup = model.create({ instanceId: b.instance_id, name: b.name, description: b.description as string | undefined, databases });
    const { size: _size, end_time: _end, datastore: _ds, associated_with_ddm: _ddm, ...shown } = renderRdsBackup(model, backup);
    // The create answer documents a begin_time without an offset.
    return { backup: { ...shown, begin_time: localTime(backup.startedAt) } };
}

function listBackups(model: RdsModel, query: URLSearchParams) {
    const instanceId = query.get("instance_id");
    if (!instanceId) throw rdsErrors.parameter("instance_id is mandatory.");
    const offset = queryInt(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = queryInt(query, "limit", 1, 100, 100);
    const backupId = query.get("backup_id");
    const type = query.get("backup_type");
    const status = query.get("status");
    if (type && !BACKUP_TYPES.includes(type)) throw rdsErrors.parameter(`Invalid backup_type ${type}.`);
    if (status && !STATUSES.includes(status)) throw rdsErrors.parameter(`Invalid status ${status}.`);
    const [beginRaw, endRaw] = [query.get("begin_time"), query.get("end_time")];
    if (!beginRaw !== !endRaw) throw rdsErrors.parameter("begin_time and end_time must be given together.");
    const begin = beginRaw ? parseQueryTime(beginRaw, "offset") : undefined;
    const end = endRaw ? parseQueryTime(endRaw, "offset") : undefined;
    if (beginRaw && (begin === undefined || end === undefined || end <= begin)) {
        throw rdsErrors.parameter("Invalid begin_time or end_time: yyyy-mm-ddThh:mm:ss+hhmm, end after begin.");
    }
    const matching = model.list(instanceId).filter(b =>
        (!backupId || b.id === backupId) && (!type || b.type === type) && (!status || model.status(b) === status)
        && (begin === undefined || (b.startedAt >= begin && b.startedAt <= end!)));
    return { backups: matching.slice(offset, offset + limit).map(b => renderRdsBackup(model, b)), total_count: matching.length };
}

function batchDelete(model: RdsModel, body: unknown) {
    const ids = asObject(body).backup_ids;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 50 || ids.some(id => typeof id !== "string" || !id)) {
        throw rdsErrors.parameter("backup_ids must be an array of 1 to 50 backup IDs.");
    }
    return { delete_results: model.batchDelete(ids as string[]) };
}

/** The routes of the emulated RDS backup API. */
export function rdsRoutes(model: RdsModel): RestRoute[] {
    return [
        { method: "POST", pattern: "/v3/{project_id}/backups", operation: "CreateManualBackup",
            handle: req => ({ status: 200, body: createBackup(model, req.body), mutated: true }) },
        { method: "GET", pattern: "/v3/{project_id}/instances", operation: "ListInstances",
            handle: req => ({ status: 200, body: listInstances(model, req.query) }) },
        { method: "GET", pattern: "/v3/{project_id}/backups", operation: "ListBackups",
            handle: req => ({ status: 200, body: listBackups(model, req.query) }) },
        { method: "POST", pattern: "/v3/{project_id}/backups/batch-delete", operation: "BatchDeleteBackups",
            handle: req => {
                const body = batchDelete(model, req.body);
                return { status: 200, body, mutated: body.delete_results.some(r => r.error_code === "0") };
            } },
        { method: "DELETE", pattern: "/v3/{project_id}/backups/{backup_id}", operation: "DeleteManualBackup",
            // 200 without a body, as the RDS SDK model and the OTC docs show.
            handle: req => { model.delete(req.params.backup_id); return { status: 200, mutated: true }; } },
    ];
}
