/**
 * Resources of one instance meet in the provider host's instance
 * coordinator: a refresh shares one listing, a destroy goes out in the
 * cloud's batch delete calls, and a refusal of one id fails only that
 * resource. Call counts are exact, so they are asserted; timings live in
 * `npm run bench`.
 *
 * Shared by the per-service files `instance-sharing.<service>.test.ts`, so the
 * parallel runner's workers share the services out.
 */
import { strict as assert } from "assert";
import { ManualBackup } from "../../sdk";
import { ALL_INSTANCES, CloudCase, idOf, isLive } from "./cases";
import { startWorld, World } from "../support/world";

/** The listing operation each emulated service counts. */
const LIST_ACTION: Record<string, string> = { alicloudRds: "DescribeBackups", huaweicloudRds: "ListBackups", huaweicloudGeminidb: "ListBackups" };
const N = 24;

const calls = async (w: World, c: CloudCase, actions: string[]) => {
    const all = (await w.admin.calls())[c.serviceKey] ?? {};
    return actions.reduce((n, a) => n + (all[a]?.calls ?? 0), 0);
};

/** The suite for one service. */
export function instanceSharingSuite(c: CloudCase): void {
    describe(`Resources of one instance share the provider's calls on ${c.title}`, function () {
        this.timeout(300_000);
        let w: World;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });

        /** N hand-made backups on the batch instance, adopted by N ManualBackups in one up. */
        const adoptMany = async (prefix: string) => {
            const ids: string[] = [];
            for (let i = 0; i < N; i += 12) {
                ids.push(...(await Promise.all(Array.from({ length: Math.min(12, N - i) }, (_, j) =>
                    w.admin.addBackup(c.serviceKey, { instanceId: c.batchInstance, name: `${prefix}-${i + j}` })))).map(b => b.backupId));
            }
            const engine = w.newEngine();
            const up = await engine.up(() => { ids.forEach((id, i) => new ManualBackup(`${prefix}-${i}`, { ...c.args, instanceId: c.batchInstance, adoptBackupId: id })); });
            assert.ok(up.ok, up.errors.join("\n"));
            return { engine, ids };
        };
        const liveOf = async (ids: string[]) =>
            (await w.admin.backupsOf(c.serviceKey, c.batchInstance)).filter(b => isLive(b) && ids.includes(idOf(b))).map(idOf);

        it(`refreshes ${N} backups with one shared listing and destroys them with at most ceil(${N}/${c.batchSize}) + 4 delete calls`, async () => {
            const { engine, ids } = await adoptMany("share");
            await w.admin.resetCalls();
            const refresh = await engine.refresh();
            assert.ok(refresh.ok, refresh.errors.join("\n"));
            const lists = await calls(w, c, [LIST_ACTION[c.serviceKey]]);
            assert.ok(lists >= 1 && lists <= 2, `refresh of ${N} backups took ${lists} list calls (at most 2)`);
            await w.admin.resetCalls();
            const destroy = await engine.destroy();
            assert.ok(destroy.ok, destroy.errors.join("\n"));
            const deletes = await calls(w, c, c.deleteActions);
            // Gathered into the cloud's batch calls: how many depends on how far apart the engine's deletes arrive (each
            // resource's wait step is removed first), which a loaded machine spreads, so the bound leaves room for that.
            const limit = Math.ceil(N / c.batchSize) + 4;
            assert.ok(deletes <= limit, `destroy of ${N} took ${deletes} delete calls (at most ${limit})`);
            assert.deepEqual(await liveOf(ids), []);
        });

        it("fails only the resource whose backup the cloud refuses to delete in a gathered batch", async () => {
            const { engine, ids } = await adoptMany("refuse");
            await w.admin.setInUse(c.serviceKey, ids[5], true);
            const destroy = await engine.destroy();
            assert.equal(destroy.ok, false);
            assert.equal(destroy.errors.length, 1, destroy.errors.join("\n"));
            assert.match(destroy.errors[0], /refuse-5/);
            assert.deepEqual(engine.view.resources.map(r => r.name), ["refuse-5"], "only the refused resource stays");
            assert.deepEqual(await liveOf(ids), [ids[5]]);
            await w.admin.setInUse(c.serviceKey, ids[5], false);
            const again = await engine.destroy();
            assert.ok(again.ok, again.errors.join("\n"));
        });
    });
}
