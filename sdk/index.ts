/**
 * pulumi-db-backups: database manual backups on Alibaba Cloud RDS, Huawei
 * Cloud RDS and Huawei GeminiDB as declarative Pulumi resources.
 */
export { ManualBackup, ManualBackupArgs, ManualBackupLookup } from "./manual-backup";
export { listBackups, ListBackupsArgs, ListedBackup } from "./list-backups";
export { BackupRetentionSet, BackupRetentionSetArgs, RetentionSetMember } from "./retention-set";
export { rollingLabels, RollingLabelsOptions, RollingPeriod } from "./rolling-labels";
