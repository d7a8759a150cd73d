/**
 * GeminiDB v3 backup and job APIs: parameters in, model calls, wire shapes
 * out. Operation names (call counts, faults): `CreateBackup`, `ListBackups`,
 * `DeleteBackup`, `BatchDeleteBackups`, `ListJobs`.
 */
import { formatOffsetTime, formatUtcSpaceTime } from "../../../provider/clouds/huaweicloud/time";
import { queryInt, type RestRoute } from "../../protocols/huaweicloud-rest";
import { geminidbErrors, type GeminidbBackup, type GeminidbJob, type GeminidbModel } from "./model";

/** A backup as `GET /v3/{project_id}/backups` lists it (v3: times `yyyy-mm-dd hh:mm:ss` UTC, size KB). */
export function renderGeminidbBackup(model: GeminidbModel, b: GeminidbBackup): Record<string, unknown> {
    const inst = model.instances.get(b.instanceId);
    const status = model.backupStatus(b);
    return {
        id: b.id, name: b.name, description: b.description, instance_id: b.instanceId, instance_name: inst?.name ?? "",
        datastore: { type: inst?.engine ?? "", version: inst?.engineVersion ?? "" },
        type: b.type, status, size: status === "BUILDING" ? 0 : b.sizeKb,
        begin_time: formatUtcSpaceTime(b.startedAt),
        end_time: status === "BUILDING" ? "" : formatUtcSpaceTime(b.startedAt + b.buildMs),
    };
}

/** A job as `GET /v3/{project_id}/jobs` lists it. */
export function renderGeminidbJob(model: GeminidbModel, j: GeminidbJob): Record<string, unknown> {
    const status = model.jobStatus(j);
    const elapsed = Math.min(1, j.durationMs > 0 ? (model.now() - j.startedAt) / j.durationMs : 1);
    return {
        id: j.id, name: j.name, status,
        start_time: formatOffsetTime(j.startedAt, 0),
        end_time: status === "Running" ? "" : formatOffsetTime(j.startedAt + j.durationMs, 0),
        progress: status === "Running" ? `${Math.max(1, Math.min(99, Math.floor(elapsed * 100)))}%` : "",
        instance: { id: j.instanceId, name: model.instances.get(j.instanceId)?.name ?? "" },
        fail_reason: status === "Failed" ? j.failReason ?? "" : "",
    };
}

function asObject(body: unknown): Record<string, unknown> {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw geminidbErrors.parameter("The request body must be a JSON object.");
    return body as Record<string, unknown>;
}

function listBackups(model: GeminidbModel, query: URLSearchParams) {
    // The v3 doc marks offset and limit mandatory; offset is read as a row index from 0 (guess: the doc's wording says page number).
    if (query.get("offset") === null || query.get("limit") === null) throw geminidbErrors.parameter("offset and limit are mandatory.");
    const offset = queryInt(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = queryInt(query, "limit", 1, 100, 100);
    const [instanceId, backupId, type, datastore] = ["instance_id", "backup_id", "backup_type", "datastore_type"].map(k => query.get(k));
    if (type && !["Auto", "Manual"].includes(type)) throw geminidbErrors.parameter(`Invalid backup_type ${type}: Auto or Manual.`);
    model.sweep();
    const matching = [...model.backups.values()]
        .filter(b => (!instanceId || b.instanceId === instanceId) && (!backupId || b.id === backupId) && (!type || b.type === type)
            && (!datastore || model.instances.get(b.instanceId)?.engine === datastore))
        .sort((a, b) => b.startedAt - a.startedAt);
    return { total_count: matching.length, backups: matching.slice(offset, offset + limit).map(b => renderGeminidbBackup(model, b)) };
}

function listJobs(model: GeminidbModel, query: URLSearchParams) {
    const offset = queryInt(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    const limitRaw = query.get("limit");
    if (limitRaw !== null && !["10", "20", "50"].includes(limitRaw)) throw geminidbErrors.parameter(`Invalid limit ${limitRaw}: 10, 20 or 50.`);
    const limit = Number(limitRaw ?? 50);
    const [id, status, name] = ["id", "status", "name"].map(k => query.get(k));
    if (status && !["Running", "Completed", "Failed"].includes(status)) throw geminidbErrors.parameter(`Invalid status ${status}.`);
    const matching = [...model.jobs.values()]
        .filter(j => (!id || j.id === id) && (!status || model.jobStatus(j) === status) && (!name || j.name === name))
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
        { method: "GET", pattern: "/v3/{project_id}/backups", operation: "ListBackups",
            handle: req => ({ status: 200, body: listBackups(model, req.query) }) },
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
        { method: "GET", pattern: "/v3/{project_id}/jobs", operation: "ListJobs",
            handle: req => ({ status: 200, body: listJobs(model, req.query) }) },
    ];
}
