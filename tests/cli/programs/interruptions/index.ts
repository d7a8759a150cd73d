// A ManualBackup and a one-label BackupRetentionSet on each service, each on an instance of its own
// (`test:instances`: service key → [backup's instance, set's instance]), for runs killed or cancelled
// while they wait.
import * as pulumi from "@pulumi/pulumi";
import { BackupRetentionSet, ManualBackup } from "pulumi-db-backups";

const config = new pulumi.Config("test");
const instances = config.requireObject<Record<string, [string, string]>>("instances");
const targets: Record<string, { cloud: "alicloud" | "huaweicloud"; service: "rds" | "geminidb" }> = {
    alicloudRds: { cloud: "alicloud", service: "rds" },
    huaweicloudRds: { cloud: "huaweicloud", service: "rds" },
    huaweicloudGeminidb: { cloud: "huaweicloud", service: "geminidb" },
};

export const backups: Record<string, pulumi.Output<string>> = {};
export const sets: Record<string, pulumi.Output<string[]>> = {};
for (const [key, [single, set]] of Object.entries(instances)) {
    backups[key] = new ManualBackup(`single-${key}`, { ...targets[key], instanceId: single }).backupId;
    sets[key] = new BackupRetentionSet(`nightly-${key}`, { ...targets[key], instanceId: set, labels: ["n1"] }).backupIds;
}
