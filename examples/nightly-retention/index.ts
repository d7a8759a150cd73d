// Seven nightly backups of a Huawei Cloud RDS for SQL Server instance.
// Run `pulumi up` every night: it creates tonight's backup and deletes the
// one that fell out of the window (batch delete). `pulumi preview` in a pull
// request shows the `labels` change, i.e. which backups will be deleted.
import * as pulumi from "@pulumi/pulumi";
import { BackupRetentionSet, rollingLabels } from "pulumi-db-backups";

const config = new pulumi.Config("nightly");
const instanceId = config.get("instanceId") ?? "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04";
// `now` may be pinned (e.g. to the pipeline's start time) so that a preview and the following up agree.
const now = config.get("now");

const nightly = new BackupRetentionSet("nightly", {
    cloud: "huaweicloud",
    instanceId,
    labels: rollingLabels({ every: "day", keep: 7, now }),
    maxBackups: 31,
});

export const backupIds = nightly.backupIds;
