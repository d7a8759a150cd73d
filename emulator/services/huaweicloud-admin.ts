/**
 * The admin operations both Huawei services answer the same way (add and
 * change instances, add hand-made backups, delete one behind Pulumi's back,
 * mark one in use), over either service's model.
 */
import type { EmulatedService, HandBackupSpec, InstanceSpec, ServiceContext } from "../core/types";
import { HuaweiApiError } from "../protocols/huaweicloud-rest";

/** What a Huawei service model offers the admin API. */
export interface HuaweiAdminModel {
    addInstance(spec: InstanceSpec & { failNextBackup?: boolean }): unknown;
    updateInstance(id: string, patch: Partial<InstanceSpec> & { failNextBackup?: boolean }): void;
    addHandBackup(spec: HandBackupSpec): { id: string };
    instances: Map<string, unknown>;
    backups: Map<string, { inUse: boolean }>;
}

type AdminOps = Pick<EmulatedService, "addInstance" | "updateInstance" | "addBackup" | "removeBackup" | "setBackupInUse">;

/** The admin operations over a model; each change is reported to the emulator (for persistence). */
export function huaweiAdminOps(model: HuaweiAdminModel, ctx: ServiceContext): AdminOps {
    return {
        addInstance(spec) {
            // An existing id is refused rather than silently replaced (its backups would point at a new instance).
            if (model.instances.has(spec.id)) throw new HuaweiApiError(409, "InstanceAlreadyExists", `Instance ${spec.id} already exists.`);
            model.addInstance(spec);
            ctx.changed();
        },
        updateInstance(id, patch) {
            model.updateInstance(id, patch);
            ctx.changed();
        },
        addBackup(spec) {
            const id = model.addHandBackup(spec).id;
            ctx.changed();
            return id;
        },
        removeBackup(backupId) {
            const removed = model.backups.delete(backupId);
            if (removed) ctx.changed();
            return removed;
        },
        setBackupInUse(backupId, inUse) {
            const b = model.backups.get(backupId);
            if (!b) return false;
            b.inUse = inUse;
            ctx.changed();
            return true;
        },
    };
}
