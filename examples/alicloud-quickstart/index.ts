// A backup before a migration, on Alibaba Cloud ApsaraDB RDS.
// `pulumi up` creates it and waits until the cloud reports it finished;
// changing `quickstart:instanceId` replaces it (new one first); `pulumi destroy` deletes it.
import * as pulumi from "@pulumi/pulumi";
import { ManualBackup } from "pulumi-db-backups";

const config = new pulumi.Config("quickstart");
const instanceId = config.get("instanceId") ?? "rm-uf6wjk5quickstart";

const before = new ManualBackup("pre-migration", {
    cloud: "alicloud",
    instanceId,
    backupMethod: "Physical",
    waitTimeout: "30m",
});

export const backupId = before.backupId;
export const status = before.status;
export const finishedAt = before.finishedAt;
export const sizeBytes = before.sizeBytes;
