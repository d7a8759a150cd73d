// One Alibaba Cloud RDS backup whose wait may end before the job does (`test:waitTimeout`).
import * as pulumi from "@pulumi/pulumi";
import { ManualBackup } from "pulumi-db-backups";

const config = new pulumi.Config("test");

const backup = new ManualBackup("slow", {
    cloud: "alicloud",
    instanceId: config.require("instanceId"),
    waitTimeout: config.require("waitTimeout"),
});

export const backupId = backup.backupId;
export const status = backup.status;
