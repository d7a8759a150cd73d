/**
 * GeminiDB backup and job APIs: parameters in, model calls, wire shapes out.
 * Operation names (call counts, faults) follow the official SDK's methods:
 * `CreateBackup`, `ShowAllInstancesBackups` (v3 list), `ShowAllInstancesBackupsNew`
 * (v3.1 list), `ListBackups` (v4 list), `DeleteBackup`, `BatchDeleteBackups`, `ListJobs`,
 * and `ListInstances` (the instance list, read for an instance's `status`).
 */
import { offsetTime, parseQueryTime, spaceTime } from "../../protocols/huaweicloud-time";
import { queryInt, type RestRoute } from "../../protocols/huaweicloud-rest";
import { geminidbErrors, type GeminidbBackup, type GeminidbInstance, type GeminidbJob, type GeminidbModel } from "./model";

/** The three generations of the backup list: paths, paging and item shapes differ. */
export type GeminidbListVersion = "v3" | "v3.1" | "v4";

/**
 * A backup as a list shows it. v3: times `yyyy-mm-dd hh:mm:ss` UTC; v3.1/v4:
 * `yyyy-mm-ddThh:mm:ss+0000`; v3.1 adds `deletable`. Size in KB.
 */
export function renderGeminidbBackup(model: GeminidbModel, b: GeminidbBackup, version: GeminidbListVersion = "v3"): Record<string, unknown> {
    const inst = model.instances.get(b.instanceId);
    const status = model.backupStatus(b);
    const time = version === "v3" ? spaceTime : (ms: number) => offsetTime(ms, 0);
    const item: Record<string, unknown> = {
        id: b.id, name: b.name, description: b.description, instance_id: b.instanceId, instance_name: inst?.name ?? "",
        datastore: { type: inst?.engine ?? "", version: inst?.engineVersion ?? "" },
        type: b.type, status, size: status === "BUILDING" ? 0 : b.sizeKb,
        begin_time: time(b.startedAt),
        end_time: status === "BUILDING" ? "" : time(b.startedAt + b.buildMs),
    };
    // Guess: the doc says only "whether it can be deleted"; true when a delete would be accepted now.
    if (version === "v3.1") item.deletable = model.refusalOf(b) === undefined;
    return item;
}

/** A job as `GET /v3/{project_id}/jobs` lists it. */
export function renderGeminidbJob(model: GeminidbModel, j: GeminidbJob): Record<string, unknown> {
    const status = model.jobStatus(j);
    const elapsed = Math.min(1, j.durationMs > 0 ? (model.now() - j.startedAt) / j.durationMs : 1);
    return {
        id: j.id, name: j.name, status,
        start_time: offsetTime(j.startedAt, 0),
        end_time: status === "Running" ? "" : offsetTime(j.startedAt + j.durationMs, 0),
        progress: status === "Running" ? `${Math.max(1, Math.min(99, Math.floor(elapsed * 100)))}%` : "",
        instance: { id: j.instanceId, name: model.instances.get(j.instanceId)?.name ?? "" },
        fail_reason: status === "Failed" ? j.failReason ?? "" : "",
    };
}

const GEMINIDB_PORTS: Record<string, string> = { cassandra: "8635", mongodb: "8635", influxdb: "8635", redis: "6379" };

/**
 * An instance as `GET /v3/{project_id}/instances` lists it: the fields
 * backups depend on. Guess: `actions` stays empty (the action words are
 * not documented).
 */
function renderGeminidbInstance(i: GeminidbInstance): Record<string, unknown> {
    return {
        id: i.id, name: i.name, status: i.state, port: GEMINIDB_PORTS[i.engine] ?? "8635", mode: "Cluster",
        datastore: { type: i.engine, version: i.engineVersion }, engine: "rocksDB", db_user_name: "rwuser", actions: [],
    };
}

/** `GET /v3/{project_id}/instances`: filters `id`, `name`, `datastore_type`; offset/limit paging (limit 1-100). */
function listInstances(model: GeminidbModel, query: URLSearchParams) {
    const offset = queryInt(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = queryInt(query, "limit", 1, 100, 100);
    const [id, name, datastore] = ["id", "name", "datastore_type"].map(k => query.get(k));
    const matching = [...model.instances.values()]
        .filter(i => (!id || i.id === id) && (!name || i.name === name) && (!datastore || i.engine === datastore));
    return { total_count: matching.length, instances: matching.slice(offset, offset + limit).map(renderGeminidbInstance) };
}

function asObject(body: unknown): Record<string, unknown> {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw geminidbErrors.parameter("The request body must be a JSON object.");
    return body as Record<string, unknown>;
}

/** Rows `[from, to)` of the matching backups, per the version's paging rule. */
function pageOf(version: GeminidbListVersion, query: URLSearchParams): { from: number; to: number } {
    if (version === "v3") {
        // v3: offset and limit are mandatory; offset is a page number from 1 and limit the page size.
        if (query.get("offset") === null || query.get("limit") === null) throw geminidbErrors.parameter("offset and limit are mandatory.");
        const page = queryInt(query, "offset", 1, Number.MAX_SAFE_INTEGER, 1);
        const size = queryInt(query, "limit", 1, 100, 100);
        return { from: (page - 1) * size, to: page * size };
    }
    // v3.1 and v4: offset is a row index from 0, both optional.
    const offset = queryInt(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    return { from: offset, to: offset + queryInt(query, "limit", 1, 100, 100) };
}

/** The `begin_time`/`end_time` window of a list query, in the version's documented time shape. */
function windowOf(version: GeminidbListVersion, query: URLSearchParams): { begin?: number; end?: number } {
    const [beginRaw, endRaw] = [query.get("begin_time"), query.get("end_time")];
    if (!beginRaw && !endRaw) return {};
    if (!beginRaw || !endRaw) throw geminidbErrors.parameter("begin_time and end_time must be given together.");
    const form = version === "v3" ? "space" : "offset";
    const [begin, end] = [parseQueryTime(beginRaw, form), parseQueryTime(endRaw, form)];
    if (begin === undefined || end === undefined || end <= begin) {
        throw geminidbErrors.parameter(`Invalid begin_time or end_time: ${form === "space" ? "yyyy-mm-dd hh:mm:ss" : "yyyy-mm-ddThh:mm:ss+hhmm"}, end after begin.`);
    }
    return { begin, end };
}

function listBackups(model: GeminidbModel, version: GeminidbListVersion, query: URLSearchParams) {
    const { from, to } = pageOf(version, query);
    const [instanceId, backupId, type, datastore, level] = ["instance_id", "backup_id", "backup_type", "datastore_type", "type"].map(k => query.get(k));
    // v3 also documents Cassandra's incremental and differential backups.
    const types = version === "v3" ? ["Auto", "Manual", "Incremental", "Differential"] : ["Auto", "Manual"];
    if (type && !types.includes(type)) throw geminidbErrors.parameter(`Invalid backup_type ${type}: ${types.join(", ")} (case-sensitive).`);
    if (version !== "v3" && level && !["Instance", "DatabaseTable"].includes(level)) {
        throw geminidbErrors.parameter(`Invalid type ${level}: Instance or DatabaseTable.`);
    }
    const { begin, end } = windowOf(version, query);
    model.sweep();
    const matching = [...model.backups.values()]
        .filter(b => (!instanceId || b.instanceId === instanceId) && (!backupId || b.id === backupId)
            && (type ? b.type === type : version === "v3" || b.type === "Auto" || b.type === "Manual")
            && (!datastore || model.instances.get(b.instanceId)?.engine === datastore)
            // Every emulated backup is an instance backup: a DatabaseTable query finds none.
            && (version === "v3" || (level ?? "Instance") === "Instance")
            && (begin === undefined || (b.startedAt >= begin && b.startedAt <= end!)))
        .sort((a, b) => b.startedAt - a.startedAt);
    return { total_count: matching.length, backups: matching.slice(from, to).map(b => renderGeminidbBackup(model, b, version)) };
}

const JOB_WINDOW_MS = 30 * 86_400_000;

/**
 * The time window of a job query: `start_time`/`end_time` (`yyyy-mm-ddThh:mm:ssZ`,
 * `Z` or an offset such as `+0000`), by default the last 30 days, at most 30 days long.
 */
function jobWindow(now: number, query: URLSearchParams): { from: number; to: number } {
    const read = (name: string): number | undefined => {
        const raw = query.get(name);
        if (raw === null || raw === "") return undefined;
        const ms = parseQueryTime(raw.replace(/Z$/i, "+0000"), "offset");
        if (ms === undefined) throw geminidbErrors.parameter(`Invalid ${name} ${raw}: yyyy-mm-ddThh:mm:ssZ.`);
        return ms;
    };
    const [start, end] = [read("start_time"), read("end_time")];
    const to = end ?? (start !== undefined ? Math.min(now, start + JOB_WINDOW_MS) : now);
    const from = start ?? to - JOB_WINDOW_MS;
    if (to < from || to - from > JOB_WINDOW_MS) throw geminidbErrors.parameter("start_time and end_time must span at most 30 days, end after start.");
    return { from, to };
}

function listJobs(model: GeminidbModel, query: URLSearchParams) {
    const offset = queryInt(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    const limitRaw = query.get("limit");
    if (limitRaw !== null && !["10", "20", "50"].includes(limitRaw)) throw geminidbErrors.parameter(`Invalid limit ${limitRaw}: 10, 20 or 50.`);
    const limit = Number(limitRaw ?? 50);
    const [id, status, name] = ["id", "status", "name"].map(k => query.get(k));
    if (status && !["Running", "Completed", "Failed"].includes(status)) throw geminidbErrors.parameter(`Invalid status ${status}.`);
    const { from, to } = jobWindow(model.now(), query);
    const matching = [...model.jobs.values()]
        .filter(j => (!id || j.id === id) && (!status || model.jobStatus(j) === status) && (!name || j.name === name)
            && j.startedAt >= from && j.startedAt <= to)
        .sort((a, b) => b.startedAt - a.startedAt);
    return { total_count: matching.length, jobs: matching.slice(offset, offset + limit).map(j => renderGeminidbJob(model, j)) };
}

/** The routes of the emulated GeminiDB backup API. */
export function geminidbRoutes(model: GeminidbModel): RestRoute[] {
    return [
        { method: "POST", pattern: "/v3/{project_id}/instances/{instance_id}/backups", operation: "CreateBackup",
            handle: req => {
                const body = asObject(req.body);
                const { job, backup } = model.create(req.params.instance_id, body.name, body.description);
                return { status: 202, body: { job_id: job.id, backup_id: backup.id }, mutated: true };
            } },
        { method: "GET", pattern: "/v3/{project_id}/backups", operation: "ShowAllInstancesBackups",
            handle: req => ({ status: 200, body: listBackups(model, "v3", req.query) }) },
        { method: "GET", pattern: "/v3.1/{project_id}/backups", operation: "ShowAllInstancesBackupsNew",
            handle: req => ({ status: 200, body: listBackups(model, "v3.1", req.query) }) },
        { method: "GET", pattern: "/v4/{project_id}/backups", operation: "ListBackups",
            handle: req => ({ status: 200, body: listBackups(model, "v4", req.query) }) },
        { method: "DELETE", pattern: "/v3/{project_id}/instances/backups", operation: "BatchDeleteBackups",
            handle: req => {
                const ids = asObject(req.body).backup_ids;
                if (!Array.isArray(ids) || ids.length < 1 || ids.length > 10 || ids.some(id => typeof id !== "string" || !id)) {
                    throw geminidbErrors.parameter("backup_ids must be an array of 1 to 10 backup IDs.");
                }
                model.batchDelete(ids as string[]);
                // 200 without a body: the API gives neither per-id results nor a job id.
                return { status: 200, mutated: true };
            } },
        { method: "DELETE", pattern: "/v3/{project_id}/backups/{backup_id}", operation: "DeleteBackup",
            handle: req => ({ status: 202, body: { job_id: model.delete(req.params.backup_id).id }, mutated: true }) },
        { method: "GET", pattern: "/v3/{project_id}/instances", operation: "ListInstances",
            handle: req => ({ status: 200, body: listInstances(model, req.query) }) },
        { method: "GET", pattern: "/v3/{project_id}/jobs", operation: "ListJobs",
            handle: req => ({ status: 200, body: listJobs(model, req.query) }) },
    ];
}
