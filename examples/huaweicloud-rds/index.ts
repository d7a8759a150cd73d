// A named backup of one database on Huawei Cloud RDS (MySQL), before an upgrade.
import * as pulumi from "@pulumi/pulumi";
import { ManualBackup } from "pulumi-db-backups";

const config = new pulumi.Config("huaweiRds");
const instanceId = config.get("instanceId") ?? "43e4feaab48f11e89039fa163ebaa7e4in01";

const beforeUpgrade = new ManualBackup("before-upgrade", {
    cloud: "huaweicloud",
    instanceId,
    name: "before-upgrade",
    description: "taken by pulumi",
});

export const backupId = beforeUpgrade.backupId;
export const status = beforeUpgrade.status;
export const sizeBytes = beforeUpgrade.sizeBytes;
