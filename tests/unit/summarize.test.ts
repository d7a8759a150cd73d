/**
 * `pulumi-db-backups summarize` on `pulumi preview --json` output captured
 * from the real CLI (tests/cli/previews.cli.ts writes these files with
 * PREVIEW_FIXTURES set): a one-night roll of a seven-night set, and a
 * keep 7 → 1 shrink refused by the deletion budget.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { summarize, summarizePreview, UnreadablePreview } from "../../cli/summarize";
import { REPO_ROOT } from "../support/workspace";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8");
const NOW = Date.parse("2026-11-21T02:30:00Z");

describe("summarize: Markdown of a preview's backup changes", () => {
    it("a one-night roll: one label created; one backup deleted with its label, id, age and size", () => {
        const json = fixture("preview-roll.json");
        const [set, ...others] = summarizePreview(json, NOW);
        assert.deepEqual(others, []);
        assert.equal(set.name, "nightly");
        assert.equal(set.op, "update");
        assert.deepEqual(set.created, ["2026-11-21"]);
        assert.equal(set.deleted.length, 1);
        const [gone] = set.deleted;
        assert.equal(gone.label, "2026-11-14");
        const doomed = JSON.parse(json).steps.find((s: any) => /BackupRetentionSet/.test(s.urn)).oldState.outputs.backups["2026-11-14"];
        assert.equal(gone.backupId, doomed.backupId);
        assert.match(gone.age ?? "", /^\d+ (h|days)$/);
        assert.match(gone.size ?? "", /^\d+\.\d (MiB|GiB)$/);
        const md = summarize(json, NOW);
        assert.ok(md.includes(`| 2026-11-14 | \`${doomed.backupId}\` | ${gone.age} | ${gone.size} |`), md);
        assert.match(md, /Created \(1\): `2026-11-21`/);
    });

    it("a set with retention tiers: the provider's plan at the set's now, the new backup and the backups no tier holds", () => {
        const preview = JSON.parse(fixture("preview-roll.json"));
        const step = preview.steps.find((s: any) => /BackupRetentionSet/.test(s.urn));
        const { labels: _labels, ...inputs } = step.newState.inputs;
        step.newState.inputs = { ...inputs, retention: { daily: 2, weekly: 1 }, now: "2026-11-21T02:00:00Z" };
        for (const [label, m] of Object.entries<any>(step.oldState.outputs.backups)) m.at = `${label}T02:00:00Z`;
        const [set] = summarizePreview(JSON.stringify(preview), NOW);
        assert.deepEqual(set.created, ["2026-11-21"]);
        // Daily keeps the 21st and the 20th; the week of the 16th to the 22nd is the 21st's: the 14th to the 19th go.
        assert.deepEqual(set.deleted.map(d => d.label).sort(), ["2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]);
    });

    it("a refusal by the deletion budget is reported, naming the count", () => {
        const md = summarize(fixture("preview-refused.json"), NOW);
        assert.match(md, /#### nightly/);
        assert.match(md, /\*\*Refused by the deletion budget:\*\* this update would delete 6 backups, more than the 3 allowed/);
        assert.doesNotMatch(md, /Deleted \(/, "a refused change deletes nothing");
    });

    it("reads the streamed engine events as well as the digest", () => {
        const digest = JSON.parse(fixture("preview-roll.json"));
        const events = digest.steps.map((s: any, i: number) => JSON.stringify({
            sequence: i, timestamp: 0,
            resourcePreEvent: { metadata: { op: s.op, urn: s.urn, type: s.newState?.type, old: s.oldState && { inputs: s.oldState.inputs, outputs: s.oldState.outputs }, new: s.newState && { inputs: s.newState.inputs } } },
        })).join("\n");
        assert.deepEqual(summarizePreview(events, NOW), summarizePreview(JSON.stringify(digest), NOW));
    });

    it("says so when nothing changes, and refuses input that is not preview output", () => {
        assert.match(summarize(JSON.stringify({ steps: [], diagnostics: [], changeSummary: { same: 2 } })), /No backup is created or deleted/);
        for (const bad of ["", "not json", "{\"a\":1}", "[1,2]"]) assert.throws(() => summarize(bad), UnreadablePreview, bad);
    });

    it("the bin exits 0 on preview output (stdin or a file) and 2 only on unreadable input", () => {
        const bin = path.join(REPO_ROOT, "dist", "cli", "index.js");
        const ok = spawnSync(process.execPath, [bin, "summarize"], { input: fixture("preview-refused.json"), encoding: "utf8" });
        assert.equal(ok.status, 0, ok.stderr);
        const file = spawnSync(process.execPath, [bin, "summarize", path.join(__dirname, "fixtures", "preview-roll.json")], { encoding: "utf8" });
        assert.equal(file.status, 0, file.stderr);
        assert.match(file.stdout, /2026-11-14/);
        const bad = spawnSync(process.execPath, [bin, "summarize"], { input: "<html>", encoding: "utf8" });
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /not JSON/);
        const missing = spawnSync(process.execPath, [bin, "summarize", "/nonexistent/preview.json"], { encoding: "utf8" });
        assert.equal(missing.status, 2);
    });
});
