/**
 * Every TypeScript snippet of the README runs as written against the
 * emulator's default instances: each is saved as a program file importing
 * `pulumi-db-backups` as a user's program does, then `up` and `destroy` run
 * through the real dynamic-provider host.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { defaultInstances, DEFAULT_INSTANCE_IDS } from "../../emulator/defaults";
import { startWorld, World } from "../support/world";
import { makeProjectDir, removeProjectDir } from "../support/workspace";
import { readmeSnippets } from "./readme-snippets";

describe("README snippets run as written against the emulator", function () {
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

    const snippets = readmeSnippets();
    const madeByHand = new Set<string>();
    it("the README has the Usage and Lookups snippets", () => {
        assert.deepEqual(snippets.map(s => s.heading), ["Usage", "Lookups"]);
    });

    snippets.forEach((snippet, i) => {
        it(`snippet ${i + 1} (${snippet.heading}): up succeeds with every backup COMPLETED, destroy removes what it made`, async () => {
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
            for (const r of engine.state.resources) {
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
