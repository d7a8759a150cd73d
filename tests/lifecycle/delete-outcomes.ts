/**
 * Regression: a gateway 404 is not a deleted backup. With a wrong Huawei
 * project id, `DELETE /v3/{project}/backups/{id}` answers 404 `APIGW.0101`
 * and GeminiDB's destroy used to "succeed", dropping the resource while the
 * backup stayed in the cloud. Through the dynamic-provider host, per service,
 * with a configuration slip (a wrong project id on Huawei; on Alibaba an
 * endpoint with a wrong path, answered 404 `InvalidAction.NotFound`): the
 * destroy fails naming the code and the request id, the state and the backup
 * stay; a retention set keeps a removed label's backup as pendingDelete and
 * its update succeeds with a warning. With the right config again, both go.
 *
 * Shared by the per-service files `delete-outcomes.<service>.test.ts`, so the
 * parallel runner's workers share the services out.
 */
import { strict as assert } from "assert";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { ALL_INSTANCES, CloudCase, idOf, isLive } from "./cases";
import { startWorld, World } from "../support/world";
import type { Engine } from "../support/engine";

/** The configuration slip per cloud, the code its wrong answer carries, and what the error tells the user to check. */
function slipOf(c: CloudCase, w: World): { config: Record<string, string>; code: string; requestId: RegExp; check: RegExp } {
    if (c.args.cloud === "huaweicloud") {
        return {
            config: { ...w.config, "huaweicloud:project_id": "ffffffffffffffffffffffffffffffff" },
            code: "APIGW.0101", requestId: /request [0-9a-f]{32}\b/, check: /check huaweicloud:project_id/,
        };
    }
    const endpoints = JSON.parse(w.config["dbbackups:endpoints"]) as Record<string, string>;
    return {
        config: { ...w.config, "dbbackups:endpoints": JSON.stringify({ ...endpoints, alicloudRds: `${endpoints.alicloudRds}/rds` }) },
        code: "InvalidAction.NotFound", requestId: /request [0-9A-F-]{36}\b/, check: /check dbbackups:endpoints/,
    };
}

const members = (engine: Engine) => engine.view.resources.find(r => r.name === "rolling")?.outputs.backups as Record<string, any>;

/** The suite for one service. */
export function deleteOutcomesSuite(c: CloudCase): void {
    describe(`A 404 that is not "no such backup" on ${c.title} (through the dynamic-provider host)`, function () {
        this.timeout(300_000);
        let w: World;
        before(async () => { w = await startWorld(ALL_INSTANCES); });
        after(async () => { await w?.close(); });

        const live = async (instanceId: string) => (await w.admin.backupsOf(c.serviceKey, instanceId)).filter(isLive).map(idOf);

        it("keeps the ManualBackup and the set's removed member while the config is wrong, and deletes them once it is right", async () => {
            const engine = w.newEngine();
            const right = { ...engine.config };
            const slip = slipOf(c, w);
            const program = (labels: string[]) => () => {
                new ManualBackup("kept", { ...c.args, instanceId: c.instanceA });
                new BackupRetentionSet("rolling", { ...c.args, instanceId: c.instanceB, labels });
            };
            const made = await engine.up(program(["a", "b"]));
            assert.ok(made.ok, made.errors.join("\n"));
            const kept = String(engine.view.resources.find(r => r.name === "kept")!.outputs.backupId);
            const [a, b] = [members(engine).a.backupId, members(engine).b.backupId];

            engine.config = slip.config;
            w.logs.length = 0;
            const shrunk = await engine.up(program(["b"]));
            assert.ok(shrunk.ok, `the update succeeds with a warning: ${shrunk.errors.join("\n")}`);
            assert.equal(members(engine).a.pendingDelete?.code, slip.code, JSON.stringify(members(engine).a));
            assert.match(members(engine).a.pendingDelete.reason, slip.requestId);
            const warning = w.logs.find(l => l.includes(`deleting backup ${a} (label a)`)) ?? "";
            assert.match(warning, new RegExp(`warning: .*${slip.code.replace(".", "\\.")}.*${slip.requestId.source}.*pendingDelete`), w.logs.join("\n"));
            assert.match(warning, slip.check);
            assert.deepEqual(engine.view.resources.find(r => r.name === "rolling")!.outputs.backupIds, [b]);
            assert.ok((await live(c.instanceB)).includes(a), "the removed label's backup is still in the cloud");

            const destroy = await engine.destroy();
            assert.equal(destroy.ok, false, "a destroy answered with that 404 fails");
            const text = destroy.errors.join("\n");
            // The step that owns the backup names it as its state knows it: by its id, or (Alibaba, before a refresh) by its job.
            const start = engine.state.resources.find(r => r.name === "kept" && r.type.endsWith(":ManualBackup"))!;
            const named = start.outputs.backupId ?? `job-${start.outputs.jobId}`;
            assert.match(text, new RegExp(`deleting backup ${named} .*${slip.code.replace(".", "\\.")}`), text);
            assert.match(text, slip.requestId);
            assert.match(text, slip.check);
            assert.deepEqual(engine.view.resources.map(r => r.name).sort(), ["kept", "rolling"], "both resources stay in state");
            const still = engine.state.resources.find(r => r.name === "kept" && r.type.endsWith(":ManualBackup"))!;
            assert.equal(still.outputs.backupId ?? `job-${still.outputs.jobId}`, named, "the step that owns the backup still records it");
            assert.ok((await live(c.instanceA)).includes(kept), "the ManualBackup's backup is still in the cloud");
            assert.deepEqual((await live(c.instanceB)).filter(id => [a, b].includes(id)).sort(), [a, b].sort(), "so are the set's");

            engine.config = right;
            const retried = await engine.up(program(["b"]));
            assert.ok(retried.ok, retried.errors.join("\n"));
            assert.deepEqual(Object.keys(members(engine)), ["b"], "the pending member is deleted with the right config");
            assert.ok(!(await live(c.instanceB)).includes(a));
            const gone = await engine.destroy();
            assert.ok(gone.ok, gone.errors.join("\n"));
            assert.deepEqual(engine.view.resources, []);
            assert.ok(!(await live(c.instanceA)).includes(kept));
            assert.ok(!(await live(c.instanceB)).includes(b));
        });
    });
}
