/**
 * Temporary Pulumi project folders for running the dynamic-provider host.
 *
 * The host evaluates the serialized provider with an empty file name, so its
 * `require("pulumi-db-backups/provider")` resolves from the host's working
 * directory. A package cannot reach itself by name from its own folder, so the
 * host runs in a folder whose `node_modules/pulumi-db-backups` links to this
 * repository, as `npm install` would lay it out for a user's program.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PACKAGE_NAME = "pulumi-db-backups";

/** Finds the package root by walking up, so this works from `tests/support` and when compiled under `dist/`. */
function findRepoRoot(start: string): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === PACKAGE_NAME) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no ${PACKAGE_NAME} package.json above ${start}`);
    }
}

/** Root of this repository (the folder holding its package.json). */
export const REPO_ROOT = findRepoRoot(__dirname);

// Only folders made here may be removed, so a wrong argument can never delete anything else.
const created = new Set<string>();

/**
 * Creates a temporary project folder (under the OS temp dir) with
 * `Pulumi.yaml` and `node_modules/pulumi-db-backups` linked to the repository.
 * Returns its absolute path.
 */
export function makeProjectDir(projectName = "dbbackups-test"): string {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-project-")));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${projectName}\nruntime: nodejs\n`);
    fs.mkdirSync(path.join(dir, "node_modules"));
    // "junction" lets the link work without privileges on Windows; it is ignored elsewhere.
    fs.symlinkSync(REPO_ROOT, path.join(dir, "node_modules", PACKAGE_NAME), "junction");
    created.add(dir);
    return dir;
}

/** Removes a folder made by {@link makeProjectDir}; the linked repository is never touched. */
export function removeProjectDir(dir: string): void {
    if (!created.has(dir)) throw new Error(`refusing to remove ${dir}: not made by makeProjectDir`);
    // Unlink first so the recursive removal can never walk into the repository.
    fs.rmSync(path.join(dir, "node_modules", PACKAGE_NAME), { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    created.delete(dir);
}

/** Removes every folder made by {@link makeProjectDir} that is still there. */
export function removeAllProjectDirs(): void {
    for (const dir of [...created]) removeProjectDir(dir);
}
