/**
 * Resources of one instance meet in the provider host's instance
 * coordinator: a refresh shares one listing, a destroy goes out in the
 * cloud's batch delete calls, and a refusal of one id fails only that
 * resource. Call counts are exact, so they are asserted; timings live in
 * `npm run bench`.
 */
import { strict as assert } from "assert";
import { ManualBackup } from "../../sdk";
import { CASES, ALL_INSTANCES, CloudCase, idOf, isLive, madeByApi } from "./cases";
import { startWorld, World } from "../support/world";

/** The listing operation each emulated service counts. */
const LIST_ACTION: Record<string, string> = { alicloudRds: "DescribeBackups", huaweicloudRds: "ListBackups", huaweicloudGeminidb: "ListBackups" };
const N = 24;

const calls = async (w: World, c: CloudCase, actions: string[]) => {
    const all = (await w.admin.calls())[c.serviceKey] ?? {};
    return actions.reduce((n, a) => n + (all[a]?.calls ?? 0), 0);
};

for (const c of CASES) {
    describe(`Resources of one instance share the provider's calls on ${c.title}`, function () {
        this.timeout(300_000);
        let w: World;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });

        it(`refreshes ${N} backups with one shared listing and destroys them with ceil(${N}/${c.batchSize}) batched delete calls; a refused id fails only its resource`, async () => {
            const engine = w.newEngine();
            const program = () => { for (let i = 0; i < N; i++) new ManualBackup(`many-${i}`, { ...c.args, instanceId: c.batchInstance }); };
            const up = await engine.up(program);
            assert.ok(up.ok, up.errors.join("\n"));
            const ids = engine.state.resources.map(r => String(r.outputs.backupId));
            assert.equal(new Set(ids).size, N);

            await w.admin.resetCalls();
            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            const lists = await calls(w, c, [LIST_ACTION[c.serviceKey]]);
            assert.ok(lists >= 1 && lists <= 2, `refresh of ${N} backups took ${lists} list calls (at most 2)`);

            const refused = ids[5];
            await w.admin.setInUse(c.serviceKey, refused, true);
            await w.admin.resetCalls();
            const destroy = await engine.destroy();
            assert.equal(destroy.ok, false);
            assert.equal(destroy.errors.length, 1, destroy.errors.join("\n"));
            assert.match(destroy.errors[0], /many-5/);
            assert.deepEqual(engine.state.resources.map(r => r.name), ["many-5"], "only the refused resource stays");
            const deletes = await calls(w, c, c.deleteActions);
            const limit = Math.ceil(N / c.batchSize) + 3;
            assert.ok(deletes <= limit, `destroy of ${N} took ${deletes} delete calls (at most ${limit})`);
            const left = (await w.admin.backupsOf(c.serviceKey, c.batchInstance)).filter(b => madeByApi(b) && isLive(b)).map(idOf);
            assert.deepEqual(left, [refused]);

            await w.admin.setInUse(c.serviceKey, refused, false);
            const again = await engine.destroy();
            assert.ok(again.ok, again.errors.join("\n"));
        });
    });
}
