/**
 * What the report reads from a checkpoint of the provider plugin: each
 * resource's first step (its own type token) holds the backups, and its
 * `dbbackups:index:BackupWait` step knows what became of them. An Alibaba
 * backup whose first step still records only its job is held by the backup
 * id the wait step learnt.
 */
import { strict as assert } from "assert";
import { factsOf } from "../../report/checkpoint";

const URN = "urn:pulumi:prod::shop::";
const target = { cloud: "alicloud", service: "rds", instanceId: "rm-uf6wjk5quickstart", project: "shop", stack: "prod" };

describe("report: a checkpoint of the provider plugin's two steps", () => {
    const resources = [
        {
            type: "dbbackups:index:ManualBackup", urn: `${URN}dbbackups:index:ManualBackup::before`, id: "job-5073731",
            inputs: { ...target, resourceName: "before" }, outputs: { ...target, resourceName: "before", jobId: "5073731", status: "BUILDING" },
        },
        {
            type: "dbbackups:index:BackupWait", urn: `${URN}dbbackups:index:ManualBackup$dbbackups:index:BackupWait::before`, id: "rm-uf6wjk5quickstart/before/wait",
            parent: `${URN}dbbackups:index:ManualBackup::before`, dependencies: [`${URN}dbbackups:index:ManualBackup::before`],
            outputs: { facts: { backup: { jobId: "5073731", backupId: "346650271", status: "COMPLETED", sizeBytes: 85708781 } }, deleted: [] },
        },
        {
            type: "dbbackups:index:BackupRetentionSet", urn: `${URN}dbbackups:index:BackupRetentionSet::nightly`, id: "rm-uf6wjk5quickstart/nightly",
            outputs: {
                ...target, resourceName: "nightly",
                backups: { d1: { backupId: "346650260", status: "COMPLETED" }, d2: { jobId: "5073732", status: "BUILDING" } },
            },
        },
        {
            type: "dbbackups:index:BackupWait", urn: `${URN}dbbackups:index:BackupRetentionSet$dbbackups:index:BackupWait::nightly`, id: "rm-uf6wjk5quickstart/nightly/wait",
            dependencies: [`${URN}dbbackups:index:BackupRetentionSet::nightly`],
            outputs: { facts: { d2: { jobId: "5073732", backupId: "346650272", status: "COMPLETED" } }, deleted: ["d1"] },
        },
    ];

    it("holds each backup by the id its wait step learnt, and leaves out a member the wait step deleted", () => {
        const facts = factsOf(resources, "prod.json", false);
        assert.equal(facts.resources, 2, "the wait steps are not resources of their own");
        assert.deepEqual(facts.held.map(h => [h.holder.resource, h.holder.label, h.backupId, h.status]), [
            ["before", undefined, "346650271", "COMPLETED"],
            ["nightly", "d2", "346650272", "COMPLETED"],
        ]);
    });

    it("without its wait step, the first step's record stands (the job, still building)", () => {
        const facts = factsOf([resources[0]], "prod.json", false);
        assert.deepEqual(facts.held.map(h => [h.backupId, h.jobId, h.status]), [[undefined, "5073731", "BUILDING"]]);
    });
});
