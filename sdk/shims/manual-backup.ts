/**
 * The `ManualBackup` provider shim as a module of its own: this module's
 * exports are the shim object itself. When the package is installed in a
 * program's `node_modules`, Pulumi's closure serializer then stores a
 * reference, `require("pulumi-db-backups/shims/manual-backup")`, instead of
 * the shim's code in every resource's state. A linked or local copy is
 * serialized by value, as before.
 */
import { providerShim } from "../provider-shim";

export = providerShim("ManualBackup");
