/**
 * What the lookups (`listBackups`, and the plugin's `getBackup`) return for
 * the backups of an instance: plain data, newest first, automated ones left
 * out on request. Shared by the SDK function and the provider plugin.
 */
import type { CloudBackup } from "./clouds/adapter";

/** The backups as plain JSON values (no undefined fields), newest first; only manual ones when `manualOnly`. */
export function listedBackups(backups: CloudBackup[], manualOnly: boolean): Array<Record<string, unknown>> {
    return backups
        .filter(b => !manualOnly || b.manual)
        .map(b => JSON.parse(JSON.stringify(b)) as Record<string, unknown>)
        .sort((a, b) => String(b.startedAt ?? "").localeCompare(String(a.startedAt ?? "")));
}
