/**
 * What the plugin's Construct passes from a resource's first step to its
 * wait step, and what it answers the program with (plugin/construct.ts).
 * The engine's side (registering the steps, the checkpoint, previews,
 * interruptions) is tested under the real CLI in tests/cli/plugin-*.cli.ts.
 */
import { strict as assert } from "assert";
import { outputsOf, waitInputs, type ConstructInput } from "../../plugin/construct";
import { UNKNOWN } from "../../provider/schema";

const MB = "dbbackups:index:ManualBackup";
const RS = "dbbackups:index:BackupRetentionSet";
const request = (type: string, inputs: Record<string, unknown>, dryRun = false): ConstructInput => ({
    type, name: "nightly", parent: "", inputs, rawInputs: inputs, dryRun, monitorEndpoint: "", dependencies: [], aliases: [], ignoreChanges: [], replaceOnChanges: [],
});
const target = { cloud: "alicloud", instanceId: "rm-uf6wjk5quickstart" };

describe("plugin Construct: from the first step to the wait step", () => {
    it("a ManualBackup's wait step gets the backup the first step recorded, and the user's wait settings", () => {
        const start = { urn: "u", outputs: { ...target, jobId: "5073731", status: "BUILDING", cloudStatus: "Started", startedAt: "2026-12-06T19:53:06Z" } };
        const w = waitInputs(request(MB, { ...target, waitTimeout: "45m" }), start);
        assert.deepEqual(w, {
            ...target, resourceName: "nightly", waitTimeout: "45m",
            backups: { backup: { jobId: "5073731", status: "BUILDING", cloudStatus: "Started", startedAt: "2026-12-06T19:53:06Z" } },
        });
    });

    it("in a preview, a first step that is created or updated has no outputs yet: the wait step's backups are unknown", () => {
        const planned = { urn: "u", outputs: { ...target, waitForCompletion: false } };
        assert.equal(waitInputs(request(MB, target, true), planned).backups, UNKNOWN);
        // A set's updated first step answers with its checked inputs, where `backups` is the plugin's empty diff anchor.
        const set = waitInputs(request(RS, { ...target, labels: ["d1"] }, true), { urn: "u", outputs: { ...target, backups: {} } });
        assert.equal(set.backups, UNKNOWN);
        assert.equal(set.deletes, UNKNOWN);
    });

    it("a set's wait step waits for its labels and deletes the members handed over (pendingDelete) only when it waits at all", () => {
        const outputs = {
            ...target, backupIds: ["1", "2"],
            backups: {
                d1: { backupId: "1", status: "COMPLETED", pendingDelete: { code: "AfterNewBackups", reason: "", since: "" } },
                d2: { backupId: "2", status: "COMPLETED", name: "x" },
                d3: { jobId: "9", status: "BUILDING" },
            },
        };
        const w = waitInputs(request(RS, { ...target, labels: ["d2", "d3"] }), { urn: "u", outputs });
        assert.deepEqual(w.backups, { d2: { backupId: "2", status: "COMPLETED" }, d3: { jobId: "9", status: "BUILDING" } });
        assert.deepEqual(w.deletes, { d1: { backupId: "1" } });
        assert.deepEqual(waitInputs(request(RS, { ...target, labels: ["d2", "d3"], waitForCompletion: false }), { urn: "u", outputs }).deletes, {});
    });
});

describe("plugin Construct: the resource's outputs", () => {
    it("a ManualBackup shows what its wait step saw of the backup over the first step's record", () => {
        const start = { urn: "u", outputs: { ...target, jobId: "5073731", status: "BUILDING", cloudStatus: "Started" } };
        const wait = { urn: "w", outputs: { facts: { backup: { jobId: "5073731", backupId: "346650271", status: "COMPLETED", cloudStatus: "Success", sizeBytes: 5 } } } };
        const o = outputsOf(request(MB, target), start, wait);
        assert.deepEqual([o.backupId, o.status, o.cloudStatus, o.sizeBytes, o.jobId], ["346650271", "COMPLETED", "Success", 5, "5073731"]);
    });

    it("a set leaves out the members its wait step deleted, shows a refusal as pendingDelete, and lists the ids of its labels in their order", () => {
        const start = {
            urn: "u", outputs: {
                ...target, backupIds: ["1", "2"],
                backups: { d1: { backupId: "1", status: "COMPLETED" }, d2: { backupId: "2", status: "COMPLETED" }, d3: { jobId: "9", status: "BUILDING" }, d0: { backupId: "0", status: "COMPLETED" } },
            },
        };
        const refusal = { code: "IncorrectBackupSetState", reason: "busy", since: "2026-12-06T20:00:00Z" };
        const wait = { urn: "w", outputs: { facts: { d3: { jobId: "9", backupId: "3", status: "COMPLETED" } }, deleted: ["d1"], refused: { d0: refusal } } };
        const o = outputsOf(request(RS, { ...target, labels: ["d3", "d2"] }), start, wait);
        assert.deepEqual(Object.keys(o.backups).sort(), ["d0", "d2", "d3"]);
        assert.deepEqual(o.backups.d0.pendingDelete, refusal);
        assert.equal(o.backups.d3.backupId, "3");
        assert.deepEqual(o.backupIds, ["3", "2"]);
    });
});
