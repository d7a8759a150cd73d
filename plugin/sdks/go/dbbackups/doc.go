// Database manual backups on Alibaba Cloud RDS, Huawei Cloud RDS and Huawei GeminiDB as declarative resources.
package dbbackups
