/**
 * What the emulator holds against what the state says: orphaned backups,
 * state entries pointing at nothing, and the references between them.
 */
import type { ServiceKey } from "../../emulator/core/types";
import type { StateResource } from "../support/engine";
import type { World } from "../support/world";
import { SERVICES } from "./services";

/** One finding, for the printed details. */
export interface Finding { service: ServiceKey | "engine"; what: string }

export interface EmuBackup { service: ServiceKey; id: string; instanceId: string; status: string; live: boolean; byApi: boolean; completed: boolean }

export async function emulatorView(w: World, foreign: Set<string>): Promise<{ backups: EmuBackup[]; jobs: Map<string, string | undefined> }> {
    const state = await w.admin.state();
    const backups: EmuBackup[] = [];
    const jobs = new Map<string, string | undefined>();
    for (const svc of SERVICES) {
        const s = state[svc.key] as { backups: any[]; jobs?: any[] };
        for (const b of s.backups) {
            const id = String(b.backupId ?? b.id);
            const type = String(b.mode ?? b.type ?? "");
            const byApi = svc.key === "alicloudRds" ? b.origin === "api" : type.toLowerCase() === "manual" && !foreign.has(id);
            const status = String(b.status);
            backups.push({
                service: svc.key, id, instanceId: String(b.instanceId), status, byApi,
                live: status !== "DELETING" && !b.deleteJobId,
                completed: status === "COMPLETED" || status === "Success",
            });
        }
        for (const j of s.jobs ?? []) jobs.set(`${svc.key}/${j.jobId ?? j.id}`, j.backupId === undefined ? undefined : String(j.backupId));
    }
    return { backups, jobs };
}

export function serviceOf(r: StateResource): ServiceKey {
    if (r.inputs.cloud === "alicloud") return "alicloudRds";
    return r.inputs.service === "geminidb" ? "huaweicloudGeminidb" : "huaweicloudRds";
}

/** What one state entry points at: each member (the resource, or a label) with its backup id and job id. */
export function pointersOf(r: StateResource): Array<{ what: string; backupId?: string; jobId?: string; status?: string; pendingDelete?: boolean }> {
    const o = r.outputs as Record<string, any>;
    if (r.type.endsWith(":ManualBackup")) {
        return [{ what: r.name, backupId: o.backupId || undefined, jobId: o.jobId || undefined, status: o.status }];
    }
    return Object.entries((o.backups ?? {}) as Record<string, any>).map(([label, m]) => ({
        what: `${r.name}[${label}]`, backupId: m?.backupId || undefined, jobId: m?.jobId || undefined, status: m?.status, pendingDelete: !!m?.pendingDelete,
    }));
}

/** Backup ids the state refers to, directly or through a job the emulator knows. */
export function referencedIds(resources: StateResource[], jobs: Map<string, string | undefined>): Set<string> {
    const ids = new Set<string>();
    for (const r of resources) {
        for (const p of pointersOf(r)) {
            if (p.backupId) ids.add(`${serviceOf(r)}/${p.backupId}`);
            const viaJob = p.jobId ? jobs.get(`${serviceOf(r)}/${p.jobId}`) : undefined;
            if (viaJob) ids.add(`${serviceOf(r)}/${viaJob}`);
        }
        for (const id of ((r.outputs as any).backupIds ?? []) as string[]) ids.add(`${serviceOf(r)}/${id}`);
    }
    return ids;
}

export function orphansOf(view: { backups: EmuBackup[] }, refs: Set<string>): Finding[] {
    return view.backups.filter(b => b.byApi && b.live && !refs.has(`${b.service}/${b.id}`))
        .map(b => ({ service: b.service, what: `backup ${b.id} on ${b.instanceId} (${b.status})` }));
}

export function danglingOf(resources: StateResource[], view: { backups: EmuBackup[]; jobs: Map<string, string | undefined> }): Finding[] {
    const out: Finding[] = [];
    for (const r of resources) {
        const service = serviceOf(r);
        for (const p of pointersOf(r)) {
            if (p.backupId) {
                if (!view.backups.some(b => b.service === service && b.id === p.backupId && b.live)) {
                    out.push({ service, what: `${p.what} -> backup ${p.backupId} (${p.status ?? "?"}) is not in the cloud` });
                }
            } else if (p.jobId) {
                if (!view.jobs.has(`${service}/${p.jobId}`)) out.push({ service, what: `${p.what} -> job ${p.jobId} is not in the cloud` });
            } else {
                out.push({ service, what: `${p.what} (id ${r.id}, status ${p.status ?? "?"}) points at no backup and no job${r.initErrors?.length ? `; recorded after: ${r.initErrors.join("; ")}` : ""}` });
            }
        }
    }
    return out;
}
