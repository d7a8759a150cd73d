/**
 * What the serialized provider shim loads inside Pulumi's dynamic-provider
 * host: one provider object per resource kind, exported under the kind's
 * name (`require("pulumi-db-backups/provider").ManualBackup.create(...)`).
 * Both kinds share one runtime: settings, adapters and per-instance queues.
 */
import { ProviderRuntime } from "./runtime";
import { ManualBackupProvider } from "./manual-backup";
import { RetentionSetProvider } from "./retention-set";
import { BackupWaitProvider } from "./backup-wait";

const runtime = new ProviderRuntime();

/** The `ManualBackup` dynamic provider. */
export const ManualBackup = new ManualBackupProvider(runtime);
/** The `BackupRetentionSet` dynamic provider. */
export const BackupRetentionSet = new RetentionSetProvider(runtime);
/** The wait step that follows both resources in the SDK. */
export const BackupWait = new BackupWaitProvider(runtime);

export { ManualBackupProvider, RetentionSetProvider, BackupWaitProvider, ProviderRuntime };
export { Settings } from "./config";
export { CloudError } from "./core/errors";
