/**
 * The README and the pages under docs/ as a reader meets them: the README is
 * short and links every page; every TypeScript snippet runs as written against
 * the emulator's default instances (saved as a program file importing
 * `pulumi-db-backups` as a user's program does, then `up` and `destroy`
 * through the real dynamic-provider host); every command names a script, bin
 * or option that exists.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { defaultInstances, DEFAULT_INSTANCE_IDS } from "../../emulator/defaults";
import { startWorld, World } from "../support/world";
import { makeProjectDir, removeProjectDir, REPO_ROOT } from "../support/workspace";
import { documentationFiles, documentationSnippets, fencedBlocks } from "./readme-snippets";

const read = (f: string) => fs.readFileSync(path.join(REPO_ROOT, f), "utf8");

describe("README and docs: short README, every page linked, every command real", () => {
    it("the README is under 150 lines", () => {
        const lines = read("README.md").split("\n").length;
        assert.ok(lines < 150, `README.md has ${lines} lines`);
    });

    it("the README links every page of docs/, and every relative link of the docs resolves", () => {
        const readme = read("README.md");
        for (const page of documentationFiles().filter(f => f.startsWith("docs/"))) {
            assert.ok(readme.includes(`](${page})`), `README.md does not link ${page}`);
        }
        for (const file of documentationFiles()) {
            for (const m of read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
                if (/^[a-z]+:/.test(m[1])) continue;
                const target = path.join(REPO_ROOT, path.dirname(file), m[1]);
                assert.ok(fs.existsSync(target), `${file} links ${m[1]}, which does not exist`);
            }
        }
    });

    it("every page of docs/ starts by saying what the reader will be able to do", () => {
        for (const page of documentationFiles().filter(f => f.startsWith("docs/"))) {
            const firstParagraph = read(page).split("\n\n")[1] ?? "";
            assert.match(firstParagraph, /^After reading this page you/, `${page} starts with: ${firstParagraph.slice(0, 80)}`);
        }
    });

    it("every npm script, bin and emulator option a command block names exists", () => {
        const pkg = JSON.parse(read("package.json"));
        const emulatorCli = read("emulator/cli.ts");
        const blocks = documentationFiles().flatMap(f => fencedBlocks(read(f), f)).filter(b => b.lang === "sh");
        assert.ok(blocks.length >= 5, `only ${blocks.length} command blocks found`);
        for (const b of blocks) {
            for (const m of b.code.matchAll(/npm run ([\w:-]+)/g)) assert.ok(pkg.scripts[m[1]], `${b.file}: npm run ${m[1]} is not a script`);
            for (const m of b.code.matchAll(/npx (pulumi-db-backups[\w-]*)((?: --?[\w-]+(?: [^\s-]\S*)?)*)/g)) {
                assert.ok(pkg.bin[m[1]], `${b.file}: ${m[1]} is not a bin of the package`);
                if (m[1] !== "pulumi-db-backups-emulator") continue;
                for (const opt of m[2].matchAll(/--[\w-]+/g)) assert.ok(emulatorCli.includes(`"${opt[0]}"`), `${b.file}: the emulator has no option ${opt[0]}`);
            }
        }
    });
});

describe("README and docs snippets run as written against the emulator", function () {
    this.timeout(300_000);
    let w: World;
    let dir: string;
    before(async () => {
        w = await startWorld(defaultInstances());
        dir = makeProjectDir();
    });
    after(async () => {
        await w?.close();
        if (dir) removeProjectDir(dir);
    });

    const snippets = documentationSnippets();
    const madeByHand = new Set<string>();
    it("the README has its example, and the overview, ManualBackup and BackupRetentionSet pages theirs", () => {
        const where = snippets.map(s => `${s.file}#${s.heading}`);
        for (const expected of ["README.md#Example", "docs/_index.md#Examples", "docs/manual-backup.md#Lookups", "docs/backup-retention-set.md#BackupRetentionSet"]) {
            assert.ok(where.includes(expected), `no snippet at ${expected}: ${where.join(", ")}`);
        }
    });

    snippets.forEach((snippet, i) => {
        it(`snippet ${i + 1} (${snippet.file}, ${snippet.heading}): up succeeds with every backup COMPLETED, destroy removes what it made`, async () => {
            // The lookup snippet reads a backup made by hand, as its comment says.
            const byHand = await w.admin.addBackup("huaweicloudRds", { instanceId: DEFAULT_INSTANCE_IDS.huaweicloudMysql, name: `by-hand-${i}` });
            madeByHand.add(byHand.backupId);
            const file = path.join(dir, `snippet-${i + 1}.ts`);
            fs.writeFileSync(file, snippet.code);
            const program = () => {
                delete require.cache[require.resolve(file)];
                return { ...require(file) };
            };
            const engine = w.newEngine();
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            for (const r of engine.view.resources) {
                const statuses = r.outputs.backups ? Object.values(r.outputs.backups).map((m: any) => m.status) : [r.outputs.status];
                assert.ok(statuses.length > 0 && statuses.every(s => s === "COMPLETED"), `${r.name}: ${JSON.stringify(statuses)}`);
            }
            for (const [k, v] of Object.entries(up.outputs)) assert.notEqual(v, undefined, `output ${k}`);
            if (snippet.heading === "Lookups") assert.equal(up.outputs.newestStatus, "COMPLETED");
            const destroyed = await engine.destroy();
            assert.ok(destroyed.ok, destroyed.errors.join("\n"));
            const left = (await Promise.all((["alicloudRds", "huaweicloudRds", "huaweicloudGeminidb"] as const).map(async k =>
                (await w.admin.state())[k].backups.filter((b: any) => (b.origin ?? "api") === "api" && !madeByHand.has(b.backupId ?? b.id) && b.status !== "DELETING" && !b.deleteJobId)))).flat();
            assert.deepEqual(left.map((b: any) => b.backupId ?? b.id), [], "destroy left no backup made by the snippet");
            assert.ok((await w.admin.backupsOf("huaweicloudRds", DEFAULT_INSTANCE_IDS.huaweicloudMysql)).some((b: any) => (b.backupId ?? b.id) === byHand.backupId));
        });
    });
});
