// A Go program using the provider plugin through its generated Go SDK
// (plugin/sdks/go): a backup before a migration and a three-night retention
// set on one Huawei Cloud RDS instance. Install the plugin first (see
// docs/plugin.md); the real-CLI suite compiles this program.
package main

import (
	"github.com/pulumi-db-backups/pulumi-db-backups/plugin/sdks/go/dbbackups"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		instance := pulumi.String("43e4feaab48f11e89039fa163ebaa7e4in01")
		before, err := dbbackups.NewManualBackup(ctx, "beforeMigration", &dbbackups.ManualBackupArgs{
			Cloud:       pulumi.String("huaweicloud"),
			InstanceId:  instance,
			WaitTimeout: pulumi.String("45m"),
		})
		if err != nil {
			return err
		}
		nightly, err := dbbackups.NewBackupRetentionSet(ctx, "nightly", &dbbackups.BackupRetentionSetArgs{
			Cloud:      pulumi.String("huaweicloud"),
			InstanceId: instance,
			Labels:     pulumi.ToStringArray([]string{"2026-11-19", "2026-11-20", "2026-11-21"}),
		})
		if err != nil {
			return err
		}
		ctx.Export("backupId", before.BackupId)
		ctx.Export("nightlyIds", nightly.BackupIds)
		return nil
	})
}
