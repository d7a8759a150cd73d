/**
 * Which backups a resource may prove are its own. Every backup the provider
 * creates on a cloud that keeps a description (Huawei RDS and GeminiDB)
 * carries a short owner marker at the end of that description: a hash of the
 * Pulumi project, stack, resource name (and, for a retention set, the label).
 * Taking a backup over by name is allowed only when its marker names the
 * resource asking; anything else is somebody else's backup.
 */
import { createHash } from "crypto";

/** Who a backup belongs to, as the SDK tells the provider. */
export interface Owner {
    project?: string;
    stack?: string;
    resourceName?: string;
    /** Retention sets: the member's label. */
    label?: string;
}

/** The marker's shape: ` [dbbackups:<12 hex>]` at the end of the description. No character Huawei forbids. */
const MARKER = /\s?\[dbbackups:([0-9a-f]{12})\]$/;
/** Characters the marker takes from the cloud's 256-character description limit (with its separating space). */
export const MARKER_LENGTH = " [dbbackups:0123456789ab]".length;
/** The longest description a user may give on Huawei, so the marker still fits in the cloud's 256. */
export const HUAWEI_USER_DESCRIPTION_MAX = 256 - MARKER_LENGTH;

/** The owner's identity as a short, stable tag. */
export function ownerTag(owner: Owner): string {
    const identity = JSON.stringify([owner.project ?? null, owner.stack ?? null, owner.resourceName ?? null, owner.label ?? null]);
    return createHash("sha256").update(identity).digest("hex").slice(0, 12);
}

/** The description sent to the cloud: the user's text, then the owner marker. */
export function markedDescription(description: string | undefined, owner: Owner): string {
    const marker = `[dbbackups:${ownerTag(owner)}]`;
    return description ? `${description} ${marker}` : marker;
}

/** The owner tag a cloud description carries, if any. */
export function markerOf(description: string | undefined): string | undefined {
    return description?.match(MARKER)?.[1];
}

/** The user's part of a marked description. */
export function userDescription(description: string | undefined): string | undefined {
    const text = description?.replace(MARKER, "");
    return text || undefined;
}

/** Whether a cloud backup's description proves it was created for this owner. */
export function isOwnedBy(description: string | undefined, owner: Owner): boolean {
    return markerOf(description) === ownerTag(owner);
}

/**
 * Backups claimed by a resource in this provider process (created or adopted),
 * so two resources of one deployment cannot both take over the same backup.
 * The cloud keeps no marker on Alibaba backup sets, so across deployments only
 * Huawei's markers can tell.
 */
const claims = new Map<string, string>();

/**
 * Records that the owner with this tag holds the backup. When `via` names an
 * adoption input and another owner holds it already, throws instead.
 */
export function claimBackup(instanceId: string, backupId: string, tag: string, via?: string): void {
    const key = `${instanceId}/${backupId}`;
    const holder = claims.get(key);
    if (via && holder !== undefined && holder !== tag) {
        throw new Error(`${via}: backup ${backupId} on instance ${instanceId} is already held by another resource of this deployment (owner dbbackups:${holder}); a backup can have one owner. Next: remove it from one of them`);
    }
    claims.set(key, tag);
}

/** Forgets a claim once the backup is deleted or dropped from state. */
export function releaseBackup(instanceId: string, backupId: string): void {
    claims.delete(`${instanceId}/${backupId}`);
}
