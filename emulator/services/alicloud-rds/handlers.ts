/**
 * RDS backup actions: check the format of each request parameter, call the
 * model, and shape its answer the way the 2014-08-15 API does (string counters,
 * `Items.Backup`, `Items.BackupJob`).
 */
import type { RpcActionHandler, RpcParams } from "../../protocols/alicloud-rpc";
import { rdsErrors } from "./errors";
import type { AlicloudRdsModel } from "./model";
import { parseAliFilterTime, renderBackupJob, renderBackupSet } from "./wire";

const BACKUP_METHODS = ["Logical", "Physical", "Snapshot"];
const BACKUP_STRATEGIES = ["db", "instance"];
const PAGE_SIZES = ["30", "50", "100"];
/** DeleteBackup accepts at most this many comma-separated ids. */
export const MAX_DELETE_IDS = 100;
// Documented database-name rule: up to 16 chars, lower-case letters, digits, underscores; letter first, no trailing underscore.
const DB_NAME_RE = /^[a-z](?:[a-z0-9_]{0,14}[a-z0-9])?$/;

function optional(params: RpcParams, name: string): string | undefined {
    const value = params[name];
    return value === undefined || value === "" ? undefined : value;
}

function required(params: RpcParams, name: string): string {
    const value = optional(params, name);
    if (value === undefined) throw rdsErrors.missingParameter(name);
    return value;
}

function commaList(value: string | undefined): string[] {
    return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function oneOf(params: RpcParams, name: string, allowed: string[]): string | undefined {
    const value = optional(params, name);
    if (value !== undefined && !allowed.includes(value)) throw rdsErrors.invalidParameter(name, `expected one of ${allowed.join(", ")}`);
    return value;
}

/** The four backup actions of the emulated RDS API, keyed by `Action`. */
export function createAlicloudRdsActions(model: AlicloudRdsModel, now: () => number): Record<string, RpcActionHandler> {
    return {
        CreateBackup(params) {
            const instanceId = required(params, "DBInstanceId");
            const method = optional(params, "BackupMethod") ?? "Physical";
            if (!BACKUP_METHODS.includes(method)) throw rdsErrors.invalidBackupMethod();
            // Guess: the docs give no code for a bad BackupStrategy; the generic InvalidParameter is used.
            const strategy = oneOf(params, "BackupStrategy", BACKUP_STRATEGIES);
            const backupType = optional(params, "BackupType");
            if (backupType !== undefined && backupType !== "Auto" && backupType !== "FullBackup") throw rdsErrors.backupTypeNotSupported();
            const dbNames = commaList(params.DBName);
            if (dbNames.some((db) => !DB_NAME_RE.test(db))) throw rdsErrors.invalidDbNameFormat();
            const jobId = model.createBackup({ instanceId, method, ...(strategy ? { strategy } : {}), dbNames });
            return { body: { BackupJobId: jobId }, mutated: true };
        },

        DescribeBackupTasks(params) {
            const instanceId = required(params, "DBInstanceId");
            const jobId = optional(params, "BackupJobId");
            // BackupJobId is an integer on the request even though responses carry it as a string.
            if (jobId !== undefined && !/^\d+$/.test(jobId)) throw rdsErrors.invalidParametersFormat("BackupJobId");
            const mode = oneOf(params, "BackupMode", ["Automated", "Manual"]);
            const jobStatus = oneOf(params, "BackupJobStatus", ["NoStart", "Progressing"]) as "NoStart" | "Progressing" | undefined;
            const jobs = model.listJobs(instanceId, {
                ...(jobId !== undefined ? { jobId: String(Number(jobId)) } : {}),
                ...(mode ? { mode } : {}),
                ...(jobStatus ? { jobStatus } : {}),
            });
            const t = now();
            return { body: { Items: { BackupJob: jobs.map((j) => renderBackupJob(j, t)) } }, mutated: false };
        },

        DescribeBackups(params) {
            const instanceId = required(params, "DBInstanceId");
            const pageSize = optional(params, "PageSize") ?? "30";
            if (!PAGE_SIZES.includes(pageSize)) throw rdsErrors.pageSizeMalformed();
            const pageNumberText = optional(params, "PageNumber") ?? "1";
            if (!/^\d+$/.test(pageNumberText) || Number(pageNumberText) < 1) throw rdsErrors.pageNumberMalformed();
            const startText = optional(params, "StartTime");
            const endText = optional(params, "EndTime");
            const startMs = startText === undefined ? undefined : parseAliFilterTime(startText);
            if (startText !== undefined && startMs === undefined) throw rdsErrors.startTimeFormat();
            const endMs = endText === undefined ? undefined : parseAliFilterTime(endText);
            if (endText !== undefined && endMs === undefined) throw rdsErrors.endTimeFormat();
            if (startMs !== undefined && endMs !== undefined && endMs <= startMs) throw rdsErrors.timeRangeCombination();

            const filter = {
                ...(optional(params, "BackupId") !== undefined ? { backupId: params.BackupId } : {}),
                ...(optional(params, "BackupStatus") !== undefined ? { status: params.BackupStatus } : {}),
                ...(optional(params, "BackupMode") !== undefined ? { mode: params.BackupMode } : {}),
                ...(optional(params, "BackupType") !== undefined ? { type: params.BackupType } : {}),
                ...(startMs !== undefined ? { startMs } : {}),
                ...(endMs !== undefined ? { endMs } : {}),
            };
            const all = model.listBackups(instanceId, filter);
            const size = Number(pageSize);
            const pageNumber = Number(pageNumberText);
            const page = all.slice((pageNumber - 1) * size, pageNumber * size);
            return {
                body: {
                    // The real API sends these counters as strings; clients must not rely on numbers.
                    PageNumber: String(pageNumber),
                    PageRecordCount: String(page.length),
                    TotalRecordCount: String(all.length),
                    TotalEcsSnapshotSize: 0,
                    Items: { Backup: page.map(renderBackupSet) },
                },
                mutated: false,
            };
        },

        DeleteBackup(params) {
            const instanceId = optional(params, "DBInstanceId");
            const ids = commaList(params.BackupId);
            if (instanceId === undefined || ids.length === 0) throw rdsErrors.parameterLeastAssociate();
            if (ids.length > MAX_DELETE_IDS) throw rdsErrors.deleteNumExceed();
            model.deleteBackups(instanceId, [...new Set(ids)]);
            return { body: {}, mutated: true };
        },
    };
}
