/**
 * The input tables of docs/manual-backup.md and docs/backup-retention-set.md
 * and the plugin's configuration table (docs/plugin.md) against the package
 * schema (itself built from the lifecycle's zod schemas): an input added,
 * renamed or given another default without the docs following fails here.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG, MANUAL_BACKUP, packageSchema, RETENTION_SET } from "../../plugin/schema";
import { REPO_ROOT } from "../support/workspace";

const page = (name: string) => fs.readFileSync(path.join(REPO_ROOT, "docs", name), "utf8");
const schema = packageSchema("0.0.0");

/** The text of a docs page's section under this heading, up to the next heading of any level (outside code blocks). */
function section(file: string, heading: string): string {
    const lines = page(file).split("\n");
    const start = lines.indexOf(heading);
    assert.ok(start >= 0, `docs/${file} has no heading ${heading}`);
    let fenced = false;
    const body: string[] = [];
    for (const line of lines.slice(start + 1)) {
        if (line.startsWith("```")) fenced = !fenced;
        if (!fenced && /^#{1,6} /.test(line)) break;
        body.push(line);
    }
    return body.join("\n");
}

/** Rows of the first markdown table in `text`: first cell (unquoted) → the row's cells. */
function tableRows(text: string): Map<string, string[]> {
    const rows = new Map<string, string[]>();
    for (const line of text.split("\n")) {
        if (!line.startsWith("| `")) continue;
        const cells = line.split("|").slice(1, -1).map(c => c.trim());
        rows.set(cells[0].replace(/`/g, ""), cells);
    }
    return rows;
}

describe("The docs' input tables agree with the package schema", () => {
    it("`ManualBackup` inputs: the table lists exactly the schema's inputs, with their defaults", () => {
        const inputs = schema.resources[MANUAL_BACKUP].inputProperties as Record<string, { default?: unknown }>;
        const rows = tableRows(section("manual-backup.md", "## Inputs"));
        assert.deepEqual([...rows.keys()].sort(), Object.keys(inputs).sort());
        for (const [name, p] of Object.entries(inputs)) {
            if (p.default === undefined) continue;
            assert.ok(rows.get(name)![1].includes(`\`${JSON.stringify(p.default)}\``), `docs/manual-backup.md gives ${name} the default ${rows.get(name)![1]}, the schema ${JSON.stringify(p.default)}`);
        }
    });

    it("`BackupRetentionSet` inputs: those of ManualBackup it says it shares, plus the ones it lists", () => {
        const text = section("backup-retention-set.md", "## Inputs");
        const shared = /options of `ManualBackup` \(without ((?:`\w+`(?:, | and )?)+)\)/.exec(text.replace(/\s+/g, " "));
        assert.ok(shared, "the section no longer says which ManualBackup inputs it shares");
        const without = [...shared[1].matchAll(/`(\w+)`/g)].map(m => m[1]);
        const listed = [...text.matchAll(/^- `(\w+)`/gm)].map(m => m[1]);
        const documented = [...Object.keys(schema.resources[MANUAL_BACKUP].inputProperties).filter(k => !without.includes(k)), ...listed];
        assert.deepEqual(documented.sort(), Object.keys(schema.resources[RETENTION_SET].inputProperties).sort());
    });

    it("the plugin's configuration table lists every key of the schema, secrets marked", () => {
        const text = section("plugin.md", "## Configuration");
        const rows = tableRows(text.slice(text.indexOf("| key | secret |")));
        assert.deepEqual([...rows.keys()].sort(), Object.keys(CONFIG).map(k => `dbbackups:${k}`).sort());
        for (const [k, p] of Object.entries(CONFIG)) assert.equal(rows.get(`dbbackups:${k}`)![1] === "yes", !!p.secret, `secret column of dbbackups:${k}`);
        assert.deepEqual(schema.config.variables, JSON.parse(JSON.stringify(CONFIG)));
    });
});
