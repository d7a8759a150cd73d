/**
 * The provider object handed to `pulumi.dynamic.Resource`. Pulumi serializes
 * it, with everything its functions capture, into every resource's state, so
 * it is a tiny stable shim: it captures only the resource kind and loads the
 * real implementation (`pulumi-db-backups/provider`) with `require` at run
 * time inside the dynamic-provider host. It holds no credentials and no
 * paths, and it stays the same when the implementation changes.
 */
import type * as pulumi from "@pulumi/pulumi";

export type ResourceKind = "ManualBackup" | "BackupRetentionSet" | "BackupWait";

/** Builds the shim for one resource kind. Every character here is stored in each resource's state: keep it short. */
function makeShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
    const p = (m: string, a: any[]) => require("pulumi-db-backups/provider")[kind][m](...a);
    return {
        configure: (...a: any[]) => p("configure", a),
        check: (...a: any[]) => p("check", a),
        diff: (...a: any[]) => p("diff", a),
        create: (...a: any[]) => p("create", a),
        read: (...a: any[]) => p("read", a),
        update: (...a: any[]) => p("update", a),
        delete: (...a: any[]) => p("delete", a),
    } as pulumi.dynamic.ResourceProvider;
}

const shims = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/** The shim for a kind, one object per kind so Pulumi serializes it once per program. */
export function providerShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
    let shim = shims.get(kind);
    if (!shim) shims.set(kind, shim = makeShim(kind));
    return shim;
}
