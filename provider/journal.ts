/**
 * A small journal on this machine of backups the cloud accepted but that are
 * not in Pulumi's state yet. Alibaba backup sets carry no name and no
 * description, so when a run dies between `CreateBackup` and the end of the
 * wait (a killed `pulumi up`), nothing in the cloud proves whose backup it is.
 * The journal does: an entry names the owner (project, stack, resource, label)
 * and the job it started. The next create of that owner on this machine takes
 * the backup over instead of making a second one. An entry is removed as soon
 * as its backup is in state (or known not to exist).
 *
 * Location: `DBBACKUPS_JOURNAL_DIR`, default `~/.pulumi-db-backups/pending`.
 * Best effort: a journal that cannot be written never fails an operation.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StartedBackup } from "./clouds/adapter";
import type { Owner } from "./ownership";

/** An entry older than this is ignored (a job that old has long ended; its backup needs a person). */
const MAX_AGE_MS = 7 * 86_400_000;

/** Where a backup lives, as the journal keys it. */
export interface JournalTarget { cloud: string; service?: string; region?: string; instanceId: string }

/**
 * One file of the journal. `target` and `owner` say where the backup is and
 * whose it is, so a report can name it (entries of older versions lack them).
 */
interface Entry { started: StartedBackup; at: number; target?: JournalTarget; owner?: Owner & { tag: string } }

/** The journal's folder: `DBBACKUPS_JOURNAL_DIR`, default `~/.pulumi-db-backups/pending`. */
export function journalDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.DBBACKUPS_JOURNAL_DIR ?? path.join(os.homedir(), ".pulumi-db-backups", "pending");
}

const dir = () => journalDir();

function fileOf(target: JournalTarget, ownerTag: string): string {
    const key = createHash("sha256").update(JSON.stringify([target.cloud, target.service ?? "rds", target.region ?? null, target.instanceId, ownerTag])).digest("hex").slice(0, 32);
    return path.join(dir(), `${key}.json`);
}

/** Records that the cloud accepted this owner's backup. `owner` names it for reports. */
export function recordStarted(target: JournalTarget, ownerTag: string, started: StartedBackup, owner?: Owner): void {
    try {
        fs.mkdirSync(dir(), { recursive: true, mode: 0o700 });
        const where: JournalTarget = { cloud: target.cloud, service: target.service ?? "rds", region: target.region, instanceId: target.instanceId };
        const entry: Entry = { started, at: Date.now(), target: where, owner: owner && { ...owner, tag: ownerTag } };
        fs.writeFileSync(fileOf(target, ownerTag), JSON.stringify(entry), { mode: 0o600 });
    } catch { /* best effort */ }
}

/** The backup this owner started on this machine and whose id never reached the state, if any. */
export function pendingStart(target: JournalTarget, ownerTag: string): StartedBackup | undefined {
    try {
        const entry = JSON.parse(fs.readFileSync(fileOf(target, ownerTag), "utf8")) as Entry;
        if (!entry?.started || (!entry.started.jobId && !entry.started.backupId) || Date.now() - entry.at > MAX_AGE_MS) return undefined;
        return entry.started;
    } catch {
        return undefined;
    }
}

/** Removes the owner's entry: its backup is in state now, or is known not to exist. */
export function forgetStart(target: JournalTarget, ownerTag: string): void {
    try {
        fs.rmSync(fileOf(target, ownerTag), { force: true });
    } catch { /* best effort */ }
}

/** A journal entry as a report reads it: a backup the cloud accepted whose id never reached a state. */
export interface JournalEntry {
    file: string;
    started: StartedBackup;
    /** When the cloud accepted it (this machine's clock). */
    at: number;
    /** Older than the age after which the next create no longer resumes it. */
    expired: boolean;
    /** Absent in entries written by versions before reports could read the journal. */
    target?: JournalTarget;
    owner?: Owner & { tag: string };
}

/** Every readable entry of the journal in `folder` (default: the configured one); a missing folder has none. */
export function listJournal(folder: string = dir(), now = Date.now()): JournalEntry[] {
    let names: string[];
    try {
        names = fs.readdirSync(folder).filter(n => n.endsWith(".json")).sort();
    } catch {
        return [];
    }
    const entries: JournalEntry[] = [];
    for (const name of names) {
        try {
            const file = path.join(folder, name);
            const e = JSON.parse(fs.readFileSync(file, "utf8")) as Entry;
            if (!e?.started || (!e.started.jobId && !e.started.backupId)) continue;
            entries.push({ file, started: e.started, at: e.at, expired: now - e.at > MAX_AGE_MS, target: e.target, owner: e.owner });
        } catch { /* unreadable: skipped */ }
    }
    return entries;
}
