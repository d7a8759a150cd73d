/**
 * The backup item both Huawei services list (RDS and GeminiDB share the
 * shape), and its mapping to the lifecycle's `CloudBackup`: times to ISO 8601
 * UTC, sizes from kB to bytes, status words normalised.
 */
import type { BackupStatus, CloudBackup } from "../adapter";
import { kilobytesToBytes, parseHuaweiTime } from "./time";

/** A backup as `GET /v3/{project_id}/backups` lists it on either service. */
export interface HuaweiBackupItem {
    id: string;
    instance_id?: string;
    instance_name?: string;
    name?: string;
    description?: string;
    /** RDS: auto | manual | ...; GeminiDB: Auto | Manual. */
    type?: string;
    /** BUILDING | COMPLETED | FAILED, and DELETING on RDS. */
    status?: string;
    /** kB. */
    size?: number;
    begin_time?: string;
    end_time?: string;
    datastore?: { type?: string; version?: string };
    /** RDS (SQL Server, PostgreSQL) partial backups. */
    databases?: Array<{ name: string }>;
}

function normaliseStatus(word: string | undefined): BackupStatus {
    switch ((word ?? "").toUpperCase()) {
        case "COMPLETED": return "COMPLETED";
        case "FAILED": return "FAILED";
        case "DELETING": return "DELETING";
        default: return "BUILDING";
    }
}

/** Maps one listed Huawei backup to the lifecycle's shape. */
export function huaweiBackupToCloud(item: HuaweiBackupItem, instanceId: string): CloudBackup {
    return {
        backupId: item.id,
        instanceId: item.instance_id ?? instanceId,
        name: item.name,
        description: item.description || undefined,
        status: normaliseStatus(item.status),
        cloudStatus: item.status ?? "",
        startedAt: parseHuaweiTime(item.begin_time),
        finishedAt: parseHuaweiTime(item.end_time),
        sizeBytes: kilobytesToBytes(item.size),
        manual: (item.type ?? "").toLowerCase() === "manual",
        full: item.type ? ["manual", "auto"].includes(item.type.toLowerCase()) : undefined,
        databases: item.databases?.length ? item.databases.map(d => d.name) : undefined,
    };
}
