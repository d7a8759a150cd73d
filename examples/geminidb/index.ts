// A weekly manual backup of a Huawei Cloud GeminiDB (Cassandra) instance.
import * as pulumi from "@pulumi/pulumi";
import { ManualBackup } from "pulumi-db-backups";

const config = new pulumi.Config("geminidb");
const instanceId = config.get("instanceId") ?? "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din06";

const weekly = new ManualBackup("cassandra-weekly", {
    cloud: "huaweicloud",
    service: "geminidb",
    instanceId,
    name: "weekly",
});

export const backupId = weekly.backupId;
export const jobId = weekly.jobId;
export const status = weekly.status;
