/**
 * The floors of the code, as docs/contributing.md draws them: the core
 * (`provider/core/`) imports nothing from the rest of the package; the
 * lifecycle (`provider/`) never imports a door; the two doors (`sdk/`, the
 * dynamic resources, and `plugin/`, the provider plugin) never import each
 * other. Read from the sources' own import statements.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../support/workspace";

/** Every .ts file under a folder of the repository, relative to the root. */
function sources(folder: string): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) walk(rel);
            else if (e.name.endsWith(".ts")) out.push(rel);
        }
    };
    walk(folder);
    return out;
}

/** The files of the package a source imports (relative specifiers only), relative to the root. */
export function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    const specs = [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)["'](\.{1,2}\/[^"']+)["']/g)].map(m => m[1]);
    return specs.map(s => path.normalize(path.join(path.dirname(file), s)));
}

const under = (p: string, folder: string) => p === folder || p.startsWith(folder + path.sep);

/** Imports of `files` that land under one of `forbidden`, as "file -> target" lines. */
function crossings(files: string[], forbidden: string[]): string[] {
    return files.flatMap(f => importsOf(f).filter(t => forbidden.some(x => under(t, x))).map(t => `${f} -> ${t}`));
}

describe("layout: one core, two doors", () => {
    it("the core imports nothing outside provider/core", () => {
        const core = sources("provider/core");
        assert.ok(core.length >= 4, `provider/core holds ${core.length} files`);
        const outside = core.flatMap(f => importsOf(f).filter(t => !under(t, "provider/core")).map(t => `${f} -> ${t}`));
        assert.deepEqual(outside, []);
    });

    it("the lifecycle and the adapters never import a door or the commands", () => {
        assert.deepEqual(crossings(sources("provider"), ["sdk", "plugin", "cli", "report"]), []);
    });

    it("the dynamic resources (sdk/) and the provider plugin (plugin/) never import each other", () => {
        assert.deepEqual(crossings(sources("sdk"), ["plugin"]), []);
        assert.deepEqual(crossings(sources("plugin"), ["sdk"]), []);
    });

    it("the check sees a crossing when there is one", () => {
        // The plugin does reach the lifecycle: were importsOf blind, the checks above would pass for nothing.
        assert.ok(crossings(sources("plugin"), ["provider"]).length > 0);
    });
});
