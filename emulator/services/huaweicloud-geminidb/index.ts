/**
 * The emulated Huawei Cloud GeminiDB backup service (key `huaweicloudGeminidb`):
 * the REST protocol layer over the GeminiDB routes, plus the admin operations
 * the emulator's admin API calls.
 */
import type { EmulatedService, ServiceContext } from "../../core/types";
import { createHuaweiRestHandler } from "../../protocols/huaweicloud-rest";
import { huaweiAdminOps } from "../huaweicloud-admin";
import { geminidbRoutes, renderGeminidbBackup, renderGeminidbJob } from "./handlers";
import { GeminidbModel, type GeminidbBackup, type GeminidbInstance, type GeminidbJob } from "./model";

/** Creates the service; instances are added by the emulator through `addInstance`. */
export function createHuaweicloudGeminidbService(ctx: ServiceContext): EmulatedService {
    // One model for the service's life: the routes hold it, `restore` refills it.
    const model = new GeminidbModel(() => ctx.now(), ctx.timeScale);
    const handle = createHuaweiRestHandler("huaweicloudGeminidb", ctx, geminidbRoutes(model));
    return {
        key: "huaweicloudGeminidb",
        handle,
        ...huaweiAdminOps(model, ctx),
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
