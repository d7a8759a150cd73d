/**
 * Emulated Alibaba Cloud ApsaraDB RDS (RPC API 2014-08-15), backup actions
 * only: CreateBackup, DescribeBackupTasks, DescribeBackups, DeleteBackup.
 */
import type { EmulatedService, ServiceContext } from "../../core/types";
import { createAlicloudRpcHandler } from "../../protocols/alicloud-rpc";
import { createAlicloudRdsActions } from "./handlers";
import { AlicloudRdsModel, DEFAULT_TASK_RETENTION_MINUTES } from "./model";

/** The API version the emulated RDS accepts. */
export const ALICLOUD_RDS_API_VERSION = "2014-08-15";

/** Creates the emulated RDS service on top of the emulator's context (clock, faults, call counts). */
export function createAlicloudRdsService(ctx: ServiceContext): EmulatedService {
    const model = new AlicloudRdsModel({
        now: () => ctx.now(),
        timeScale: ctx.timeScale,
        describeLagMs: () => ctx.faults.alicloudDescribeLagMs ?? 0,
        taskRetentionMinutes: () => ctx.faults.alicloudTaskRetentionMinutes ?? DEFAULT_TASK_RETENTION_MINUTES,
    });
    const handle = createAlicloudRpcHandler({
        ctx,
        version: ALICLOUD_RDS_API_VERSION,
        product: "Rds",
        actions: createAlicloudRdsActions(model, () => ctx.now()),
    });
    // Admin changes go through here, so each one also schedules a state write.
    const thenChanged = <T>(result: T): T => {
        ctx.changed();
        return result;
    };
    return {
        key: "alicloudRds",
        handle,
        addInstance: (spec) => thenChanged(model.addInstance(spec)),
        updateInstance: (id, patch) => thenChanged(model.updateInstance(id, patch)),
        addBackup: (spec) => thenChanged(model.addHandBackup(spec)),
        removeBackup: (backupId) => thenChanged(model.removeBackup(backupId)),
        setBackupInUse: (backupId, inUse) => thenChanged(model.setBackupInUse(backupId, inUse)),
        snapshot: () => model.snapshot(),
        restore: (state) => model.restore(state),
    };
}
