/**
 * What a pull-request reviewer sees under the real `pulumi` CLI
 * (`npm run test:cli`), against the emulator: a one-night roll of a
 * seven-night BackupRetentionSet reads as one label added and one removed,
 * the backup it deletes is named on stdout, `pulumi preview --json | npx
 * pulumi-db-backups summarize` names it too, the deletion budget refuses
 * keep 7 → 1 at preview, and a stack made by the previous release (labels
 * stored as a list) upgrades with no replacement and no backup made or deleted.
 *
 * With PREVIEW_FIXTURES=<folder>, the `preview --json` outputs of the
 * one-night roll and of the refused shrink are also written there, as
 * preview-roll.json and preview-refused.json (how the files in
 * tests/unit/fixtures were made).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import { Admin } from "../support/world";
import { CliWorkspace, expectOk, expectFailed } from "./support";

const PROGRAM = path.join(__dirname, "programs", "previews");
const instanceId = IDS.huaweicloudSqlServer;
const night = (day: number) => `2026-11-${day}T02:00:00Z`;
const idOf = (b: any): string => b.backupId ?? b.id;

/** The lines of a `preview --diff` that belong to the resource `nightly`, from its header to the next resource. */
function resourceBlock(stdout: string): string[] {
    const lines = stdout.split("\n");
    const start = lines.findIndex((l) => /dbbackups:BackupRetentionSet: \(/.test(l));
    if (start < 0) return [];
    const end = lines.findIndex((l, i) => i > start && (/^\s*[-+~]*\s*pulumi[-:]/.test(l) || /^Resources:/.test(l) || /^\s*$/.test(l)));
    return lines.slice(start, end < 0 ? undefined : end);
}

describe("pull-request previews under the real pulumi CLI", function () {
    this.timeout(15 * 60_000);
    let ws: CliWorkspace;
    let emulator: RunningEmulator;
    let admin: Admin;
    let dir: string;

    before(async () => {
        ws = new CliWorkspace();
        await ws.installAndLogIn();
        emulator = await startEmulator({ timeScale: 0.002, instances: defaultInstances() });
        admin = new Admin(emulator.admin);
        dir = ws.project(PROGRAM);
        expectOk(await ws.run(dir, "stack", "init", "dev"), "stack init");
        const k = emulator.accessKeys[0];
        expectOk(await ws.run(dir, "config", "set-all",
            "--secret", `huaweicloud:access_key=${k.id}`, "--secret", `huaweicloud:secret_key=${k.secret}`,
            "--plaintext", `huaweicloud:project_id=${emulator.projectId}`, "--plaintext", "huaweicloud:region=ap-southeast-1",
            "--plaintext", `dbbackups:endpoints=${JSON.stringify(emulator.endpoints)}`, "--plaintext", "dbbackups:pollInterval=50ms",
            "--plaintext", `test:instanceId=${instanceId}`, "--plaintext", "test:keep=7", "--plaintext", `test:now=${night(20)}`), "config set-all");
    });
    after(async () => {
        await emulator?.stop();
        ws?.remove();
    });

    const config = async (key: string, value: string) => expectOk(await ws.run(dir, "config", "set", `test:${key}`, value), `config set ${key}`);
    const checkpoint = async () => JSON.parse(expectOk(await ws.run(dir, "stack", "export"), "stack export").stdout);
    const setState = async () => (await checkpoint()).deployment.resources.find((r: any) => r.type.endsWith("dbbackups:BackupRetentionSet"));
    /** Label → backup id of the set's backups in the emulator. */
    const cloud = async () => Object.fromEntries((await admin.backupsOf("huaweicloudRds", instanceId)).map((b) => [String(b.name).replace(/^nightly-/, ""), idOf(b)]));
    const mutations = async () => Object.values((await admin.calls()).huaweicloudRds ?? {}).reduce((n, c) => n + c.mutations, 0);
    /** `npx pulumi-db-backups summarize`, the installed package's bin, with `input` on stdin (or a file argument). */
    const summarize = (args: string[], input?: string) => {
        const r = spawnSync(path.join(dir, "node_modules", ".bin", "pulumi-db-backups"), ["summarize", ...args], { cwd: dir, input, encoding: "utf8" });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it("a stack made by the previous release (one resource, labels stored as a list) moves to the two steps with no replacement and no backup made or deleted", async () => {
        await config("legacy", "true");
        expectOk(await ws.run(dir, "up", "--yes", "--skip-preview"), "up (previous release's form)");
        const made = await cloud();
        assert.strictEqual(Object.keys(made).length, 7);
        const legacy = await setState();
        assert.ok(Array.isArray(legacy.inputs.labels), "the state holds the list form");

        await config("legacy", "false");
        await admin.resetCalls();
        const p = expectOk(await ws.run(dir, "preview", "--diff"), "first preview after the upgrade");
        // The earlier resource is taken over (an alias) by the component's first step: updated in place, never replaced or deleted.
        assert.doesNotMatch(p.stdout, /\((replace|delete|create-replacement|delete-replaced)\)/, p.stdout);
        assert.match(p.stdout, /~ pulumi-nodejs:dynamic\/dbbackups:BackupRetentionSet: \(update\)/, p.stdout);
        assert.match(p.stdout, /\+ pulumi-nodejs:dynamic\/dbbackups:BackupWait: \(create\)/, p.stdout);
        const up = expectOk(await ws.run(dir, "up", "--yes"), "first up after the upgrade");
        assert.doesNotMatch(up.stdout, /replace|deleted/, up.stdout);
        assert.strictEqual(await mutations(), 0, "no backup created or deleted");
        assert.deepStrictEqual(await cloud(), made);
        const upgraded = await setState();
        assert.strictEqual(upgraded.id, legacy.id);
        assert.match(upgraded.urn, /::dbbackups:sdk:BackupRetentionSet\$pulumi-nodejs:dynamic\/dbbackups:BackupRetentionSet::nightly$/);
        assert.ok(!(await checkpoint()).deployment.resources.some((r: any) => r.urn === legacy.urn), "the earlier URN is gone from the state");
        const again = expectOk(await ws.run(dir, "preview"), "second preview");
        assert.doesNotMatch(again.stdout, /\((update|replace|create|delete)\)|to update|to create/, again.stdout);
        assert.deepStrictEqual(upgraded.inputs.labels, Object.fromEntries(Object.keys(made).sort().map((l) => [l, true])), "the inputs now hold the keyed form");
        assert.deepStrictEqual(upgraded.outputs.backups, legacy.outputs.backups);
    });

    it("one-night roll: preview --diff shows exactly one label added and one removed; preview names the doomed backup on stdout", async () => {
        const before = await cloud();
        const doomed = before["2026-11-14"];
        assert.ok(doomed);
        await config("now", night(21));

        const diff = expectOk(await ws.run(dir, "preview", "--diff"), "preview --diff");
        keepFixture("preview-diff.txt", `--- stdout\n${diff.stdout}--- stderr\n${diff.stderr}`);
        const block = resourceBlock(diff.stdout);
        assert.match(block[0] ?? "", /~ pulumi-nodejs:dynamic\/dbbackups:BackupRetentionSet: \(update\)/, diff.stdout);
        const changes = block.filter((l) => /^\s*[-+~]\s/.test(l) && !/BackupRetentionSet: \(update\)/.test(l));
        // Nothing else changes for the resource: the labels object, one line added, one removed.
        assert.deepStrictEqual(changes.map((l) => l.trim().replace(/\s+/g, " ").replace(" :", ":")).sort(), ["+ 2026-11-21: true", "- 2026-11-14: true", "~ labels: {"], diff.stdout);
        assert.strictEqual(changes.filter((l) => /^\s*\+ /.test(l)).length, 1, diff.stdout);
        assert.strictEqual(changes.filter((l) => /^\s*- /.test(l)).length, 1, diff.stdout);
        assert.ok(changes.some((l) => /^\s*\+ 2026-11-21\b/.test(l)) && changes.some((l) => /^\s*- 2026-11-14\b/.test(l)), diff.stdout);
        // The CLI's diff view writes every diagnostic to stderr: the provider's line is there.
        assert.ok(diff.stderr.includes(`${doomed} (label 2026-11-14`), diff.stderr);

        const plain = expectOk(await ws.run(dir, "preview"), "preview");
        keepFixture("preview.txt", `--- stdout\n${plain.stdout}--- stderr\n${plain.stderr}`);
        // Attached to the resource: in the Diagnostics section under the set, on stdout.
        const under = plain.stdout.split(/\n(?=\s{2}\S)/).find((s) => /^\s{2}pulumi-nodejs:dynamic\/dbbackups:BackupRetentionSet \(nightly\):/.test(s)) ?? "";
        assert.ok(under.includes(`deletes backups ${doomed} (label 2026-11-14, `), plain.stdout);
        assert.match(under, /creates backups for labels 2026-11-21/);
        assert.deepStrictEqual(await cloud(), before, "previews changed the cloud");
    });

    it("preview --json | npx pulumi-db-backups summarize names the backup to delete and the label to create", async () => {
        const doomed = (await cloud())["2026-11-14"];
        const json = expectOk(await ws.run(dir, "preview", "--json"), "preview --json").stdout;
        keepFixture("preview-roll.json", json);
        const digest = JSON.parse(json);
        assert.ok(digest.diagnostics.some((d: any) => /BackupRetentionSet::nightly$/.test(d.urn ?? "") && d.message.includes(doomed)),
            `the provider's line is a diagnostic of the resource in --json: ${JSON.stringify(digest.diagnostics)}`);
        for (const s of [summarize([], json), summarize([writeTemp("preview.json", json)])]) {
            assert.strictEqual(s.code, 0, s.stderr);
            assert.match(s.stdout, /#### nightly \(BackupRetentionSet, update\)/);
            assert.match(s.stdout, /Created \(1\): `2026-11-21`/);
            assert.ok(s.stdout.includes(`| 2026-11-14 | \`${doomed}\` |`), s.stdout);
        }
        keepFixture("summary.md", summarize([], json).stdout);
        const bad = summarize([], "this is not json");
        assert.notStrictEqual(bad.code, 0);
        assert.match(bad.stderr, /not JSON/);
        // Then the night's up rolls the window.
        const up = expectOk(await ws.run(dir, "up", "--yes", "--skip-preview"), "up of the roll");
        keepFixture("up.txt", `--- stdout\n${up.stdout}--- stderr\n${up.stderr}`);
        const after = await cloud();
        assert.strictEqual(after["2026-11-14"], undefined);
        assert.ok(after["2026-11-21"]);
    });

    it("keep 7 → 1 is refused at preview naming the count and labels; state and cloud unchanged; summarize reports the refusal", async () => {
        const before = await cloud();
        const state = await setState();
        await config("keep", "1");
        await admin.resetCalls();
        const p = expectFailed(await ws.run(dir, "preview", "--diff"), "preview of keep 7 → 1");
        keepFixture("preview-refused.txt", `--- stdout\n${p.stdout}--- stderr\n${p.stderr}`);
        const text = p.stdout + p.stderr;
        assert.match(text, /deletion budget: this update would delete 6 backups, more than the 3 allowed/, text);
        for (const l of ["2026-11-15", "2026-11-20"]) assert.ok(text.includes(`${before[l]} (label ${l}`), text);
        const json = await ws.run(dir, "preview", "--json");
        keepFixture("preview-refused.json", json.stdout);
        const s = summarize([], json.stdout);
        assert.strictEqual(s.code, 0, s.stderr);
        assert.match(s.stdout, /Refused by the deletion budget:\*\* this update would delete 6 backups/, s.stdout);
        expectFailed(await ws.run(dir, "up", "--yes", "--skip-preview"), "up of keep 7 → 1");
        assert.strictEqual(await mutations(), 0);
        assert.deepStrictEqual(await cloud(), before);
        assert.deepStrictEqual((await setState()).outputs, state.outputs);
    });

    it("with maxDeletesPerUpdate raised the roll and the shrink go through; destroy is not budgeted", async () => {
        await config("maxDeletesPerUpdate", "7");
        expectOk(await ws.run(dir, "up", "--yes", "--skip-preview"), "up of keep 7 → 1 with the budget raised");
        assert.deepStrictEqual(Object.keys(await cloud()), ["2026-11-21"]);
        await config("keep", "7");
        expectOk(await ws.run(dir, "up", "--yes", "--skip-preview"), "up back to 7");
        expectOk(await ws.run(dir, "destroy", "--yes", "--skip-preview"), "destroy");
        assert.deepStrictEqual(await cloud(), {});
    });

    function keepFixture(name: string, text: string) {
        if (process.env.PREVIEW_FIXTURES) fs.writeFileSync(path.join(process.env.PREVIEW_FIXTURES, name), text);
    }

    function writeTemp(name: string, text: string): string {
        const file = path.join(ws.root, name);
        fs.writeFileSync(file, text);
        return file;
    }
});
