/**
 * The emulated Huawei Cloud RDS backup service (key `huaweicloudRds`): the
 * REST protocol layer over the RDS routes, plus the admin operations the
 * emulator's admin API calls.
 */
import type { EmulatedService, ServiceContext } from "../../core/types";
import { createHuaweiRestHandler } from "../../protocols/huaweicloud-rest";
import { huaweiAdminOps } from "../huaweicloud-admin";
import { rdsRoutes, renderRdsBackup } from "./handlers";
import { RdsModel, type RdsBackup, type RdsInstance } from "./model";

/** Creates the service; instances are added by the emulator through `addInstance`. */
export function createHuaweicloudRdsService(ctx: ServiceContext): EmulatedService {
    // One model for the service's life: the routes hold it, `restore` refills it.
    const model = new RdsModel(() => ctx.now(), ctx.timeScale);
    const handle = createHuaweiRestHandler("huaweicloudRds", ctx, rdsRoutes(model));
    return {
        key: "huaweicloudRds",
        handle,
        ...huaweiAdminOps(model, ctx),
        snapshot() {
            model.sweep();
            return {
                instances: [...model.instances.values()].map(i => ({ ...i })),
                // Raw records plus what the API would show, so tests read either.
                backups: [...model.backups.values()].map(b => ({ ...b, status: model.status(b), listed: renderRdsBackup(model, b) })),
                jobs: [],
            };
        },
        restore(state: unknown) {
            const s = (state ?? {}) as { instances?: RdsInstance[]; backups?: Array<RdsBackup & Record<string, unknown>> };
            model.instances.clear();
            model.backups.clear();
            for (const i of s.instances ?? []) model.instances.set(i.id, { ...i, databases: [...(i.databases ?? [])], failNextBackup: i.failNextBackup ?? false, logBackup: i.logBackup ?? false });
            for (const raw of s.backups ?? []) {
                const { status: _status, listed: _listed, ...b } = raw;
                model.backups.set(b.id, b as RdsBackup);
            }
        },
    };
}
