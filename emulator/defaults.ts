/**
 * Documented defaults of the emulator: the test credentials every service
 * accepts, the Huawei project id, and the instances seeded when no
 * `instances` option is given. README and tests refer to these constants.
 */
import type { AccessKey, InstanceSpec } from "./core/types";

/** The one access key pair accepted by default (Alibaba AccessKeyId/Secret and Huawei AK/SK alike). Not a real credential. */
export const DEFAULT_ACCESS_KEY: AccessKey = { id: "EMULATORACCESSKEY001", secret: "emulator-secret-key-0000000000000000000000" };

/** The Huawei project id the Huawei services accept by default. */
export const DEFAULT_PROJECT_ID = "0549b4a43100d4f32f51c01c2fe4a4a3";

/** Ids of the default instances, by what each one is for. */
export const DEFAULT_INSTANCE_IDS = {
    /** Alibaba RDS MySQL 8.0 HA; sets deletable at once (minDeleteAgeDays 0); databases orders, users. */
    alicloudQuickstart: "rm-uf6wjk5quickstart",
    /** Alibaba RDS MySQL 8.0 HA, log backup off: the documented 7-day rule before a set may be deleted. */
    alicloudRetention7d: "rm-uf6wjk5retention7d",
    /** Alibaba RDS MySQL 8.0 High-availability, a second instance for moving a backup (replacement). */
    alicloudQuickstart2: "rm-uf6wjk5quickstar2",
    /** Alibaba RDS PostgreSQL 14 Basic edition: DeleteBackup answers IncorrectDBInstanceType. */
    alicloudPostgresBasic: "pgm-bp1basic00000001",
    /** Alibaba RDS SQL Server 2019 HA: backups work, DeleteBackup answers IncorrectDBInstanceType. */
    alicloudSqlServer: "rm-bp1sqlserver0001",
    /** Huawei RDS MySQL 8.0. */
    huaweicloudMysql: "43e4feaab48f11e89039fa163ebaa7e4in01",
    /** Huawei RDS PostgreSQL 14. */
    huaweicloudPostgres: "5c8e3e0f3b1a4d2c9f7e6a5b4c3d2e1fin03",
    /** Huawei RDS SQL Server 2019 SE (the engine with batch delete). */
    huaweicloudSqlServer: "7d9f4a2b1c3e4f5a6b7c8d9e0f1a2b3cin04",
    /** Huawei GeminiDB Cassandra 3.11. */
    geminidbCassandra: "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5din06",
} as const;

const ids = DEFAULT_INSTANCE_IDS;

/** The instances seeded by default, one or more per engine the product supports. */
export const DEFAULT_INSTANCES: readonly InstanceSpec[] = Object.freeze([
    { cloud: "alicloud", service: "rds", id: ids.alicloudQuickstart, name: "quickstart-mysql", engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0, databases: ["orders", "users"] },
    { cloud: "alicloud", service: "rds", id: ids.alicloudQuickstart2, name: "quickstart-mysql-2", engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0, databases: ["orders"] },
    { cloud: "alicloud", service: "rds", id: ids.alicloudRetention7d, name: "retention-7d-mysql", engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", logBackup: false, databases: ["orders"] },
    { cloud: "alicloud", service: "rds", id: ids.alicloudPostgresBasic, name: "basic-postgres", engine: "PostgreSQL", engineVersion: "14.0", category: "Basic", databases: ["app"] },
    { cloud: "alicloud", service: "rds", id: ids.alicloudSqlServer, name: "sqlserver-2019", engine: "SQLServer", engineVersion: "2019_std_ha", category: "HighAvailability", databases: ["app"] },
    { cloud: "huaweicloud", service: "rds", id: ids.huaweicloudMysql, name: "hw-mysql", engine: "MySQL", engineVersion: "8.0" },
    { cloud: "huaweicloud", service: "rds", id: ids.huaweicloudPostgres, name: "hw-postgres", engine: "PostgreSQL", engineVersion: "14" },
    { cloud: "huaweicloud", service: "rds", id: ids.huaweicloudSqlServer, name: "hw-sqlserver", engine: "SQLServer", engineVersion: "2019_SE" },
    { cloud: "huaweicloud", service: "geminidb", id: ids.geminidbCassandra, name: "hw-cassandra", engine: "cassandra", engineVersion: "3.11" },
] satisfies InstanceSpec[]);

/** A fresh, mutable copy of the default instances. */
export function defaultInstances(): InstanceSpec[] {
    return DEFAULT_INSTANCES.map((spec) => ({ ...spec, ...(spec.databases ? { databases: [...spec.databases] } : {}) }));
}
