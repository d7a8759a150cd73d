/**
 * `Construct` for the plugin's two resources: each is a component of two
 * steps, as in the Node.js SDK (`sdk/manual-backup.ts`, `sdk/retention-set.ts`).
 *
 * - The first step has the resource's own type and URN (what the resource
 *   was before it had a wait step, so existing stacks need no alias): it
 *   starts the backups and returns as soon as the cloud accepted them, so
 *   their ids are in the checkpoint before anything waits. It owns them.
 * - The second, `dbbackups:index:BackupWait` under the first, waits for them
 *   (and, for a set, deletes the removed labels' backups once the new ones
 *   completed).
 *
 * A `pulumi up` killed while a backup is being made therefore leaves its id
 * in the state, and the next `up` waits for it instead of making another.
 * The answer to the program is the wait step's URN (so `dependsOn` waits for
 * both) with the first step's outputs and what the wait reported.
 *
 * Both steps are registered here through the engine's resource monitor; the
 * engine then calls this same plugin's Check/Diff/Create for them.
 */
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import { UNKNOWN } from "../provider/schema";
import { heldKeys } from "../provider/retention-policy";
import { dropUndefined } from "../provider/backup-ops";
import { membersAfterWait, setWaitInputs, waitedOf } from "../provider/backup-wait";
import { MANUAL_BACKUP, RETENTION_SET, BACKUP_WAIT } from "./schema";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [pulumiDir] }));
const grpc: typeof grpcTypes = fromPulumi("@grpc/grpc-js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");

type Props = Record<string, any>;

/** What Construct needs of its request, in plain values. */
export interface ConstructInput {
    type: string;
    name: string;
    parent: string;
    /** The user's inputs, secrets as plain values. */
    inputs: Props;
    /** The same with the engine's secret wrappers, as the first step gets them (a secret input stays one in its state). */
    rawInputs: Props;
    dryRun: boolean;
    monitorEndpoint: string;
    /** The explicit provider of this package, if the program gave one. */
    provider?: string;
    dependencies: string[];
    protect?: boolean;
    aliases: unknown[];
    ignoreChanges: string[];
    replaceOnChanges: string[];
    retainOnDelete?: boolean;
    deletedWith?: string;
    deleteBeforeReplace?: boolean;
    customTimeouts?: { create: string; update: string; delete: string };
}

/** One registered resource: its URN and its outputs (in a preview, a missing output is not known yet). */
export interface Registered { urn: string; outputs: Props }

/** Registers one custom resource of this package through the resource monitor and waits for its step to finish. */
function register(monitor: any, req: ConstructInput, spec: { type: string; parent: string; inputs: Props; dependencies: string[]; own: boolean }): Promise<Registered> {
    const r = new resproto.RegisterResourceRequest();
    r.setType(spec.type);
    r.setName(req.name);
    r.setParent(spec.parent);
    r.setCustom(true);
    r.setObject(Struct.fromJavaScript(JSON.parse(JSON.stringify(spec.inputs))));
    r.setDependenciesList(spec.dependencies);
    // No version: the steps use the provider the program's resource uses (a plugin found by path is registered without one).
    r.setAcceptsecrets(false);
    r.setAcceptresources(false);
    r.setSupportspartialvalues(false);
    if (req.provider) r.setProvider(req.provider);
    // A wait step's backups are the first step's facts, unknown in a preview: shown, they would read as backups removed.
    // A reviewer reads what is made and deleted on the first step's line; the wait step's line says only that it runs.
    if (!spec.own) r.setHidediffsList(["backups", "deletes"]);
    if (spec.own) {
        // The program's options are the first step's: it is the resource the program wrote before the wait step existed.
        if (req.protect !== undefined) r.setProtect(req.protect);
        r.setAliasesList(req.aliases);
        r.setIgnorechangesList(req.ignoreChanges);
        r.setReplaceonchangesList(req.replaceOnChanges);
        if (req.retainOnDelete !== undefined) r.setRetainondelete(req.retainOnDelete);
        if (req.deletedWith) r.setDeletedwith(req.deletedWith);
        if (req.deleteBeforeReplace) { r.setDeletebeforereplace(true); r.setDeletebeforereplacedefined(true); }
        if (req.customTimeouts) {
            const ct = new resproto.RegisterResourceRequest.CustomTimeouts();
            ct.setCreate(req.customTimeouts.create); ct.setUpdate(req.customTimeouts.update); ct.setDelete(req.customTimeouts.delete);
            r.setCustomtimeouts(ct);
        }
    }
    return new Promise((resolve, reject) => monitor.registerResource(r, (err: any, resp: any) => {
        // The engine reports the step's own error on the step; this one only says which step it was.
        if (err) return reject(new Error(`its ${spec.own ? "first step (which starts the backups)" : `wait step (${BACKUP_WAIT})`} did not finish: see that step's error (${err.details ?? err.message})`));
        resolve({ urn: resp.getUrn(), outputs: (resp.getObject()?.toJavaScript() ?? {}) as Props });
    }));
}

/** A value read from a registered step: in a preview, an output it does not report yet is unknown. */
function out(step: Registered, key: string, dryRun: boolean): unknown {
    if (key in step.outputs) return step.outputs[key];
    return dryRun ? UNKNOWN : undefined;
}

const isUnknown = (v: unknown) => v === UNKNOWN;

/**
 * A set's members from its first step. In a preview of a create or an
 * update the engine answers with the checked inputs (where `backups` is the
 * plugin's empty diff anchor): the members are known only when the answer
 * has the set's outputs, i.e. when the step is unchanged.
 */
function setMembers(start: Registered, dryRun: boolean): unknown {
    if (dryRun && !("backupIds" in start.outputs)) return UNKNOWN;
    return start.outputs.backups;
}

/** The inputs of the wait step, from the user's inputs and the first step's outputs. */
export function waitInputs(req: ConstructInput, start: Registered): Props {
    const i = req.inputs;
    const base = dropUndefined({
        cloud: i.cloud, service: i.service, region: i.region, instanceId: i.instanceId, resourceName: req.name,
        waitForCompletion: i.waitForCompletion, waitTimeout: i.waitTimeout, deleteTimeout: i.deleteTimeout,
    });
    if (req.type === MANUAL_BACKUP) {
        const record = Object.fromEntries(["backupId", "jobId", "startedAt", "status", "cloudStatus", "finishedAt", "sizeBytes", "storeStatus"].map(k => [k, out(start, k, req.dryRun)]));
        return { ...base, backups: Object.values(record).some(isUnknown) ? UNKNOWN : { backup: waitedOf(record) } };
    }
    const members = setMembers(start, req.dryRun);
    if (isUnknown(members) || isUnknown(i.waitForCompletion)) return { ...base, backups: UNKNOWN, deletes: UNKNOWN };
    return { ...base, ...setWaitInputs((members ?? {}) as Record<string, Props>, i.waitForCompletion !== false) };
}

/** The resource's outputs: the first step's, with what the wait reported (a member the wait deleted leaves, a refusal shows as its pendingDelete). */
export function outputsOf(req: ConstructInput, start: Registered, wait: Registered): Props {
    const facts = (wait.outputs.facts ?? {}) as Record<string, Props>;
    if (req.type === MANUAL_BACKUP) {
        const own = isUnknown(facts) ? {} : facts.backup ?? {};
        return { ...start.outputs, ...Object.fromEntries(["backupId", "status", "cloudStatus", "finishedAt", "sizeBytes", "storeStatus"].filter(k => own[k] !== undefined).map(k => [k, own[k]])) };
    }
    const members = setMembers(start, req.dryRun);
    if (isUnknown(members) || members === undefined || isUnknown(facts) || isUnknown(wait.outputs.deleted)) return start.outputs;
    const refused = isUnknown(wait.outputs.refused) ? undefined : wait.outputs.refused;
    const backups = membersAfterWait(members as Record<string, Props>, facts, wait.outputs.deleted, refused);
    const labels = req.inputs.labels;
    const backupIds = isUnknown(labels) || (Array.isArray(labels) && labels.some(isUnknown)) ? UNKNOWN
        : heldKeys(labels as string[] | undefined, backups as any, !!req.inputs.retention).map(l => backups[l]?.backupId).filter((x): x is string => !!x);
    return { ...start.outputs, backups, backupIds };
}

/** Runs Construct: the two steps, then the resource's URN and outputs. */
export async function construct(req: ConstructInput): Promise<{ urn: string; state: Props }> {
    if (req.type !== MANUAL_BACKUP && req.type !== RETENTION_SET) throw new Error(`unknown component ${req.type}; this provider constructs ${MANUAL_BACKUP} and ${RETENTION_SET}`);
    const monitor = new resrpc.ResourceMonitorClient(req.monitorEndpoint, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    try {
        // The wait, and for a set the deletes that must follow the new backups, are the next step's.
        const startInputs = req.type === MANUAL_BACKUP
            ? { ...req.rawInputs, waitForCompletion: false }
            : { ...req.rawInputs, waitForCompletion: false, deferDeletes: isUnknown(req.inputs.waitForCompletion) ? UNKNOWN : req.inputs.waitForCompletion !== false };
        const start = await register(monitor, req, { type: req.type, parent: req.parent, inputs: startInputs, dependencies: req.dependencies, own: true });
        const wait = await register(monitor, req, { type: BACKUP_WAIT, parent: start.urn, inputs: waitInputs(req, start), dependencies: [start.urn], own: false });
        return { urn: wait.urn, state: outputsOf(req, start, wait) };
    } finally {
        monitor.close();
    }
}
