/**
 * The emulated Huawei Cloud GeminiDB backup service (key `huaweicloudGeminidb`):
 * the REST protocol layer over the GeminiDB routes, plus the admin operations
 * the emulator's admin API calls.
 */
import type { EmulatedService, HandBackupSpec, InstanceSpec, ServiceContext } from "../../core/types";
import { createHuaweiRestHandler } from "../../protocols/huaweicloud-rest";
import { geminidbRoutes, renderGeminidbBackup, renderGeminidbJob } from "./handlers";
import { GeminidbModel, type GeminidbBackup, type GeminidbInstance, type GeminidbJob } from "./model";

/** Instance fields the admin API may set beyond `InstanceSpec`. */
export type GeminidbInstancePatch = Partial<InstanceSpec> & { failNextBackup?: boolean };

/** Creates the service; instances are added by the emulator through `addInstance`. */
export function createHuaweicloudGeminidbService(ctx: ServiceContext): EmulatedService {
    // One model for the service's life: the routes hold it, `restore` refills it.
    const model = new GeminidbModel(() => ctx.now(), ctx.timeScale);
    const handle = createHuaweiRestHandler("huaweicloudGeminidb", ctx, geminidbRoutes(model));
    return {
        key: "huaweicloudGeminidb",
        handle,
        addInstance(spec: InstanceSpec & { failNextBackup?: boolean }) {
            model.addInstance(spec);
            ctx.changed();
        },
        updateInstance(id: string, patch: GeminidbInstancePatch) {
            model.updateInstance(id, patch);
            ctx.changed();
        },
        addBackup(spec: HandBackupSpec) {
            const id = model.addHandBackup(spec).id;
            ctx.changed();
            return id;
        },
        removeBackup(backupId: string) {
            const removed = model.backups.delete(backupId);
            if (removed) ctx.changed();
            return removed;
        },
        setBackupInUse(backupId: string, inUse: boolean) {
            const b = model.backups.get(backupId);
            if (!b) return false;
            b.inUse = inUse;
            ctx.changed();
            return true;
        },
        snapshot() {
            model.sweep();
            return {
                instances: [...model.instances.values()].map(i => ({ ...i })),
                // Raw records plus what the API would show, so tests read either.
                backups: [...model.backups.values()].map(b => ({ ...b, status: model.backupStatus(b), listed: renderGeminidbBackup(model, b) })),
                jobs: [...model.jobs.values()].map(j => ({ ...j, status: model.jobStatus(j), listed: renderGeminidbJob(model, j) })),
            };
        },
        restore(state: unknown) {
            const s = (state ?? {}) as { instances?: GeminidbInstance[]; backups?: Array<Record<string, unknown>>; jobs?: Array<Record<string, unknown>> };
            model.instances.clear();
            model.backups.clear();
            model.jobs.clear();
            for (const i of s.instances ?? []) model.instances.set(i.id, { ...i, failNextBackup: i.failNextBackup ?? false });
            for (const { status: _s, listed: _l, ...b } of s.backups ?? []) model.backups.set(String(b.id), b as unknown as GeminidbBackup);
            for (const { status: _s, listed: _l, ...j } of s.jobs ?? []) model.jobs.set(String(j.id), j as unknown as GeminidbJob);
        },
    };
}
