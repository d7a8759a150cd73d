// A nightly BackupRetentionSet on Huawei Cloud RDS for SQL Server: `test:keep` nights up to `test:now`.
// With `test:legacy` it is declared the way the previous release did, labels sent as a list, to make a
// stack whose state holds that form.
import * as pulumi from "@pulumi/pulumi";
import { BackupRetentionSet, rollingLabels } from "pulumi-db-backups";

const config = new pulumi.Config("test");
const labels = rollingLabels({ every: "day", keep: config.requireNumber("keep"), now: config.require("now") });
const target = { cloud: "huaweicloud" as const, instanceId: config.require("instanceId") };

class PreviousRelease extends pulumi.dynamic.Resource { }

let set: pulumi.Resource;
if (config.getBoolean("legacy")) {
    set = new PreviousRelease(require("pulumi-db-backups/shims/backup-retention-set"), "nightly", {
        ...target, labels, resourceName: "nightly", project: pulumi.getProject(), stack: pulumi.getStack(), backups: undefined, backupIds: undefined,
    }, undefined, "dbbackups", "BackupRetentionSet");
} else {
    set = new BackupRetentionSet("nightly", { ...target, labels, maxDeletesPerUpdate: config.getNumber("maxDeletesPerUpdate") });
}

export const backupIds = (set as unknown as { backupIds: pulumi.Output<string[]> }).backupIds;
