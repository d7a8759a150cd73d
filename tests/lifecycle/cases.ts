/**
 * The clouds/services the shared lifecycle suites run against: each case
 * names its emulated instances and how to build resource args for it.
 */
import type { InstanceSpec, ServiceKey } from "../../emulator/core/types";

export interface CloudCase {
    title: string;
    serviceKey: ServiceKey;
    args: { cloud: "alicloud" | "huaweicloud"; service?: "rds" | "geminidb" };
    /** Two instances where manual backups may be created and deleted at once. */
    instanceA: string;
    instanceB: string;
    /** An instance whose engine has a batch delete (Alibaba all; Huawei RDS SQL Server; GeminiDB). */
    batchInstance: string;
    /** Ids per delete call on `batchInstance`. */
    batchSize: number;
    /** Name of the delete operation counted by the emulator for `batchInstance`. */
    deleteAction: string;
    /** Every operation that deletes backups on this service (batch and single). */
    deleteActions: string[];
    /** A fault the service answers for a bad signature: not a refusal of the cloud's rules, not retried. */
    authFault: { status: number; code: string; message: string };
    createAction: string;
    instances: InstanceSpec[];
}

export const ALICLOUD: CloudCase = {
    title: "Alibaba Cloud RDS",
    serviceKey: "alicloudRds",
    args: { cloud: "alicloud" },
    instanceA: "rm-test0000000000a",
    instanceB: "rm-test0000000000b",
    batchInstance: "rm-test0000000000a",
    batchSize: 100,
    deleteAction: "DeleteBackup",
    deleteActions: ["DeleteBackup"],
    authFault: { status: 400, code: "SignatureDoesNotMatch", message: "Specified signature is not matched with our calculation." },
    createAction: "CreateBackup",
    instances: [
        { cloud: "alicloud", id: "rm-test0000000000a", engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0, databases: ["orders"] },
        { cloud: "alicloud", id: "rm-test0000000000b", engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0 },
        { cloud: "alicloud", id: "rm-test00retention", engine: "MySQL", engineVersion: "8.0", category: "HighAvailability" },
    ],
};

export const HUAWEI_RDS: CloudCase = {
    title: "Huawei Cloud RDS",
    serviceKey: "huaweicloudRds",
    args: { cloud: "huaweicloud" },
    instanceA: "aaaa0000000000000000000000000001in01",
    instanceB: "bbbb0000000000000000000000000002in01",
    batchInstance: "cccc0000000000000000000000000003in04",
    batchSize: 50,
    deleteAction: "BatchDeleteBackups",
    deleteActions: ["BatchDeleteBackups", "DeleteManualBackup"],
    authFault: { status: 401, code: "APIGW.0301", message: "Incorrect IAM authentication information: verify aksk signature fail" },
    createAction: "CreateManualBackup",
    instances: [
        { cloud: "huaweicloud", service: "rds", id: "aaaa0000000000000000000000000001in01", engine: "MySQL", engineVersion: "8.0", databases: ["orders"] },
        { cloud: "huaweicloud", service: "rds", id: "bbbb0000000000000000000000000002in01", engine: "MySQL", engineVersion: "8.0" },
        { cloud: "huaweicloud", service: "rds", id: "cccc0000000000000000000000000003in04", engine: "SQLServer", engineVersion: "2019_SE", databases: ["orders"] },
    ],
};

export const GEMINIDB: CloudCase = {
    title: "Huawei Cloud GeminiDB",
    serviceKey: "huaweicloudGeminidb",
    args: { cloud: "huaweicloud", service: "geminidb" },
    instanceA: "dddd0000000000000000000000000004in06",
    instanceB: "eeee0000000000000000000000000005in06",
    batchInstance: "dddd0000000000000000000000000004in06",
    batchSize: 10,
    deleteAction: "BatchDeleteBackups",
    deleteActions: ["BatchDeleteBackups", "DeleteBackup"],
    authFault: { status: 401, code: "APIGW.0301", message: "Incorrect IAM authentication information: verify aksk signature fail" },
    createAction: "CreateBackup",
    instances: [
        { cloud: "huaweicloud", service: "geminidb", id: "dddd0000000000000000000000000004in06", engine: "cassandra", engineVersion: "3.11" },
        { cloud: "huaweicloud", service: "geminidb", id: "eeee0000000000000000000000000005in06", engine: "cassandra", engineVersion: "3.11" },
    ],
};

/** Every case; suites run once per entry. */
export const CASES: CloudCase[] = [ALICLOUD, HUAWEI_RDS, GEMINIDB];

/** All instances of every case, to seed one emulator. */
export const ALL_INSTANCES: InstanceSpec[] = CASES.flatMap(c => c.instances);

/** The id of a backup record in the emulator's state, whatever the service calls it. */
export const idOf = (b: any): string => b.backupId ?? b.id;
/** Whether a state record is a manual backup made through the API (not by hand, not automated). */
export const madeByApi = (b: any): boolean => (b.origin ?? b.madeBy ?? "api") === "api";
/** Whether a backup record is still alive: not being deleted (Huawei RDS `DELETING`, a GeminiDB delete job under way). */
export const isLive = (b: any): boolean => b.status !== "DELETING" && !b.deleteJobId;
