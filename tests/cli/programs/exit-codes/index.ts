// The failures a pipeline acts on: an Alibaba ManualBackup whose wait may time out (`test:waitTimeout`, when
// set) and an Alibaba BackupRetentionSet (`test:labels` on `test:setInstance`, `test:maxDeletesPerUpdate`).
import * as pulumi from "@pulumi/pulumi";
import { BackupRetentionSet, ManualBackup } from "pulumi-db-backups";

const config = new pulumi.Config("test");
const waitTimeout = config.get("waitTimeout");
if (waitTimeout) new ManualBackup("slow", { cloud: "alicloud", instanceId: config.require("backupInstance"), waitTimeout });
const set = new BackupRetentionSet("kept", {
    cloud: "alicloud", instanceId: config.require("setInstance"), labels: config.requireObject<string[]>("labels"),
    maxDeletesPerUpdate: config.getNumber("maxDeletesPerUpdate"),
});
export const backups = set.backups;
