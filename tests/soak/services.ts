/**
 * The services, instances and per-cloud fault answers the soak uses.
 */
import type { InstanceSpec, ServiceKey } from "../../emulator/core/types";

/** One service the soak drives: its instances, and the operations that create or delete. */
export interface Service {
    key: ServiceKey;
    title: string;
    args: { cloud: "alicloud" | "huaweicloud"; service?: "rds" | "geminidb" };
    instances: [string, string];
    mutating: string[];
    create: string;
    /** Every other operation the provider calls (for faults spared from creates). */
    others: string[];
    throttle: { status: number; code: string; message: string };
    serverError: { status: number; code: string; message: string };
}

export const MARK = "(soak-injected)";

export const SERVICES: Service[] = [
    {
        key: "alicloudRds", title: "Alibaba RDS", args: { cloud: "alicloud" },
        instances: ["rm-soak0000000000a", "rm-soak0000000000b"], mutating: ["CreateBackup", "DeleteBackup"],
        create: "CreateBackup", others: ["DescribeBackups", "DescribeBackupTasks", "DeleteBackup"],
        throttle: { status: 400, code: "Throttling.User", message: `Request was denied due to user flow control. ${MARK}` },
        serverError: { status: 503, code: "ServiceUnavailable", message: `The request has failed due to a temporary failure of the server. ${MARK}` },
    },
    {
        key: "huaweicloudRds", title: "Huawei RDS", args: { cloud: "huaweicloud" },
        instances: ["5a0a0000000000000000000000000011in01", "5c0c0000000000000000000000000013in04"],
        mutating: ["CreateManualBackup", "DeleteManualBackup", "BatchDeleteBackups"],
        create: "CreateManualBackup", others: ["ListBackups", "DeleteManualBackup", "BatchDeleteBackups"],
        throttle: { status: 429, code: "APIGW.0308", message: `The throttling threshold has been reached. ${MARK}` },
        serverError: { status: 500, code: "DBS.108000", message: `Server error. ${MARK}` },
    },
    {
        key: "huaweicloudGeminidb", title: "GeminiDB", args: { cloud: "huaweicloud", service: "geminidb" },
        instances: ["5d0d0000000000000000000000000014in06", "5e0e0000000000000000000000000015in06"],
        mutating: ["CreateBackup", "DeleteBackup", "BatchDeleteBackups"],
        create: "CreateBackup", others: ["ShowAllInstancesBackups", "ShowAllInstancesBackupsNew", "ListBackups", "DeleteBackup", "BatchDeleteBackups", "ListJobs"],
        throttle: { status: 429, code: "APIGW.0308", message: `The throttling threshold has been reached. ${MARK}` },
        serverError: { status: 500, code: "DBS.280005", message: `Server error, retry later. ${MARK}` },
    },
];

export const INSTANCES: InstanceSpec[] = [
    { cloud: "alicloud", id: SERVICES[0].instances[0], engine: "MySQL", engineVersion: "8.0", minDeleteAgeDays: 0 },
    { cloud: "alicloud", id: SERVICES[0].instances[1], engine: "MySQL", engineVersion: "8.0", minDeleteAgeDays: 0 },
    { cloud: "huaweicloud", service: "rds", id: SERVICES[1].instances[0], engine: "MySQL", engineVersion: "8.0" },
    { cloud: "huaweicloud", service: "rds", id: SERVICES[1].instances[1], engine: "SQLServer", engineVersion: "2019_SE" },
    { cloud: "huaweicloud", service: "geminidb", id: SERVICES[2].instances[0], engine: "cassandra", engineVersion: "3.11" },
    { cloud: "huaweicloud", service: "geminidb", id: SERVICES[2].instances[1], engine: "cassandra", engineVersion: "3.11" },
];
