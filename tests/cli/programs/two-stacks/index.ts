// On each of three instances (Alibaba RDS, Huawei RDS, GeminiDB): a nightly BackupRetentionSet of `test:keep`
// nights up to `test:now`, and a ManualBackup taken before a migration. Run as two stacks on the same
// instances at the same time. Huawei backup names are unique per instance and a set's members are named
// `<namePrefix>-<label>`, so each stack's sets get a prefix of their own (`test:namePrefix` replaces it, to
// make a stack whose names are another stack's).
import * as pulumi from "@pulumi/pulumi";
import { BackupRetentionSet, ManualBackup, rollingLabels } from "pulumi-db-backups";

const config = new pulumi.Config("test");
const labels = rollingLabels({ every: "day", keep: config.requireNumber("keep"), now: config.require("now") });
const targets = [
    { key: "alicloud", cloud: "alicloud" as const, service: "rds" as const, instanceId: config.require("alicloudInstance") },
    { key: "huaweicloudRds", cloud: "huaweicloud" as const, service: "rds" as const, instanceId: config.require("huaweicloudRdsInstance") },
    { key: "geminidb", cloud: "huaweicloud" as const, service: "geminidb" as const, instanceId: config.require("geminidbInstance") },
];

export const sets: Record<string, pulumi.Output<string[]>> = {};
export const migrations: Record<string, pulumi.Output<string>> = {};
for (const t of targets) {
    const target = { cloud: t.cloud, service: t.service, instanceId: t.instanceId };
    const set = new BackupRetentionSet(`nightly-${t.key}`, {
        ...target, labels,
        namePrefix: t.cloud === "huaweicloud" ? config.get("namePrefix") ?? `nightly-${pulumi.getStack()}` : undefined,
    });
    sets[t.key] = set.backupIds;
    migrations[t.key] = new ManualBackup(`before-migration-${t.key}`, target).backupId;
}
