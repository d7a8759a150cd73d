/**
 * The provider plugin's gRPC `ResourceProvider` service: a thin door over
 * the same lifecycle the dynamic resources use (`provider/manual-backup.ts`,
 * `provider/retention-set.ts`, one runtime with its instance coordinators).
 * This file only translates: protobuf in, lifecycle call, protobuf out.
 *
 * It is its own server on the protobufs `@pulumi/pulumi` ships rather than
 * `@pulumi/pulumi/provider`'s `main`, because that one forwards no detailed
 * diff (a retention window's roll would show as a whole array changed), no
 * provider configuration and no preview flag. Here: detailed diffs, the
 * `dbbackups:` configuration, Cancel ending every wait, import through Read,
 * and Construct, which builds each resource from its two steps
 * (`plugin/construct.ts`): the first step and the wait step are served by
 * this same server's Check/Diff/Create like any custom resource.
 */
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import type { Struct as StructType } from "google-protobuf/google/protobuf/struct_pb";
import { ManualBackupProvider, MANUAL_BACKUP_REPLACE_KEYS } from "../provider/manual-backup";
import { RetentionSetProvider, RETENTION_SET_REPLACE_KEYS } from "../provider/retention-set";
import { ProviderRuntime } from "../provider/runtime";
import { ResourceInitError } from "../provider/core/errors";
import { DOOR_INPUTS, differs, UNKNOWN } from "../provider/schema";
import { listedBackups } from "../provider/lookups";
import { configSource, unknownKeys } from "./config";
import { DURATION_SETTINGS, durationSettingProblem } from "../provider/config";
import { parseImportId } from "./import-id";
import { BACKUP_WAIT, GET_BACKUP, LIST_BACKUPS, MANUAL_BACKUP, packageSchema, RETENTION_SET } from "./schema";
import { BackupWaitProvider } from "../provider/backup-wait";
import { construct } from "./construct";

// gRPC and the protobuf runtime as @pulumi/pulumi itself loads them (its generated code requires them), so one copy serves both.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [pulumiDir] }));
const grpc: typeof grpcTypes = fromPulumi("@grpc/grpc-js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb") as { Struct: typeof StructType };
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");
const { Any } = fromPulumi("google-protobuf/google/protobuf/any_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const plugproto = require("@pulumi/pulumi/proto/plugin_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");

type Props = Record<string, any>;
type Call = { request: any };
type Callback = (err: any, resp?: any) => void;

/** The package version, from its package.json (the plugin's version is the package's), from the sources or from `dist/`. */
export const VERSION: string = (() => {
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        try {
            const pkg = require(path.join(dir, "package.json"));
            if (pkg.name === "pulumi-db-backups") return pkg.version as string;
        } catch { /* not here: look further up */ }
    }
    throw new Error("pulumi-resource-dbbackups: the package.json of pulumi-db-backups is not above the plugin's files");
})();

const toStruct = (p: Props | undefined) => Struct.fromJavaScript(JSON.parse(JSON.stringify(p ?? {})));
/** The properties of a request with their secrets as plain values (the lifecycle never sees the engine's secret wrapper). */
const fromStruct = (s: StructType | undefined): Props => reveal(rawStruct(s)) as Props;
const rawStruct = (s: StructType | undefined): Props => (s?.toJavaScript() ?? {}) as Props;

/**
 * The engine's secret wrapper. The plugin accepts secrets (the engine asks
 * that of every plugin that constructs components): a secret input arrives
 * wrapped, the lifecycle gets its value, and what the plugin answers keeps
 * the top-level properties that held a secret wrapped, so a secret stays
 * one in the state.
 */
const SIG_KEY = "4dabf18193072939515e22adb298388d", SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (v: unknown): v is { value: unknown } => typeof v === "object" && v !== null && (v as Props)[SIG_KEY] === SECRET_SIG;
function reveal(v: unknown): unknown {
    if (isSecret(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
}
const holdsSecret = (v: unknown): boolean => isSecret(v) || (typeof v === "object" && v !== null && Object.values(v).some(holdsSecret));
/** Top-level keys of request properties that hold a secret somewhere. */
const secretKeys = (bag: StructType | undefined): Set<string> =>
    new Set(Object.entries(rawStruct(bag)).filter(([, v]) => holdsSecret(v)).map(([k]) => k));
/** An answer's properties with the given top-level keys wrapped as secrets. */
function conceal(props: Props, keys: Set<string>): Props {
    if (keys.size === 0) return props;
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, keys.has(k) && v !== undefined && !isSecret(v) ? { [SIG_KEY]: SECRET_SIG, value: v } : v]));
}

/** Project, stack, name and the URN itself from `urn:pulumi:<stack>::<project>::<type>::<name>`: what the SDK sets as the door inputs. */
export function doorInputsOf(urn: string): { project?: string; stack?: string; resourceName?: string; resourceUrn?: string } {
    if (!urn.startsWith("urn:pulumi:")) return {};
    const parts = urn.slice("urn:pulumi:".length).split("::");
    return { stack: parts[0], project: parts[1], resourceName: parts.slice(3).join("::"), resourceUrn: urn };
}

/** A gRPC error with the lifecycle's message (and, for an init failure, the id and state to record). */
function grpcError(err: unknown): Partial<grpcTypes.ServiceError> {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof ResourceInitError)) return { code: grpc.status.UNKNOWN, details: message, message };
    const detail = new provproto.ErrorResourceInitFailed();
    detail.setId(err.id);
    detail.setProperties(toStruct(err.properties));
    detail.setReasonsList(err.reasons);
    const any = new Any();
    any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(message);
    status.addDetails(any);
    const metadata = new grpc.Metadata();
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
    return { code: grpc.status.UNKNOWN, details: message, message, metadata };
}

/** Runs an async handler and answers the call with its result or its error. */
function answer(callback: Callback, work: () => Promise<any>): void {
    work().then(resp => callback(null, resp), err => callback(grpcError(err)));
}

/** Keys compared by Diff: the user's inputs (the door's own inputs never make a difference). */
const compared = (o: Props) => Object.keys(o).filter(k => !(DOOR_INPUTS as readonly string[]).includes(k) && k !== "__provider");

/**
 * The detailed diff of two input bags, keyed by property path. A retention
 * set's `labels` are compared as a set (a roll shows one label added and one
 * removed, not every index shifted).
 */
export function detailedDiff(olds: Props, news: Props, replaces: readonly string[], inputKeys: readonly string[]): Record<string, { kind: number; inputDiff: boolean }> {
    const K = provproto.PropertyDiff.Kind;
    const out: Record<string, { kind: number; inputDiff: boolean }> = {};
    const kind = (k: string, base: "ADD" | "DELETE" | "UPDATE") => replaces.includes(k) ? K[`${base}_REPLACE`] : K[base];
    for (const k of new Set([...inputKeys, ...compared(news)])) {
        const a = olds[k], b = news[k];
        if (!differs(a, b)) continue;
        if (k === "labels" && Array.isArray(a) && Array.isArray(b)) {
            a.forEach((l, i) => { if (!b.includes(l)) out[`labels[${i}]`] = { kind: kind(k, "DELETE"), inputDiff: true }; });
            b.forEach((l, i) => { if (!a.includes(l)) out[`labels[${i}]`] = { kind: a[i] !== undefined && !b.includes(a[i]) ? kind(k, "UPDATE") : kind(k, "ADD"), inputDiff: true }; });
            continue;
        }
        out[k] = { kind: kind(k, a === undefined || a === null ? "ADD" : b === undefined || b === null ? "DELETE" : "UPDATE"), inputDiff: true };
    }
    for (const k of replaces) if (!(k in out) && !inputKeys.includes(k) && !(k in news)) out[k] = { kind: K.UPDATE_REPLACE, inputDiff: false };
    return out;
}

/**
 * An empty `backups` object the plugin adds to a retention set's checked
 * inputs on an update (never on a create, where it would print as an input).
 * The CLI renders a detailed-diff path from the old outputs to the new
 * inputs; with `backups` present on both sides, `backups["<label>"]` prints
 * that one member as deleted, where a missing parent would print every
 * member. The lifecycle never sees it: {@link inputsOnly} takes it out of
 * every input bag coming back from the engine.
 */
const DIFF_ANCHOR = "backups";

/** A retention set's input bag without the plugin's diff anchor (a wait step's `backups` is its own input). */
function inputsOnly(props: Props, type: string): Props {
    if (type !== RETENTION_SET || !(DIFF_ANCHOR in props)) return props;
    const { [DIFF_ANCHOR]: _anchor, ...rest } = props;
    return rest;
}

/**
 * Entries of the detailed diff that name the backups a change deletes, by
 * their state (`inputDiff: false`: the CLI prints the old outputs there, so
 * `pulumi preview --diff` shows each doomed backup's id, label, start and size
 * on stdout, next to the resource): a set member whose label leaves, or a
 * replaced ManualBackup's backup.
 */
export function doomedEntries(doomedLabels: readonly string[], replacedBackup: "backupId" | "jobId" | undefined): Record<string, { kind: number; inputDiff: boolean }> {
    const K = provproto.PropertyDiff.Kind;
    const out: Record<string, { kind: number; inputDiff: boolean }> = {};
    for (const l of doomedLabels) out[`backups[${JSON.stringify(l)}]`] = { kind: K.DELETE, inputDiff: false };
    // Named by its backup id, or by its job while the state knows no backup id yet (an Alibaba backup the wait step saw finish).
    if (replacedBackup) out[replacedBackup] = { kind: K.UPDATE_REPLACE, inputDiff: false };
    return out;
}

/** The resource kinds, by type token. */
interface Kind {
    check(olds: Props, news: Props): Promise<{ inputs: Props; failures: Array<{ property: string; reason: string }> }>;
    diff(id: string, olds: any, news: any): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }>;
    create(inputs: Props): Promise<{ id: string; outs: any }>;
    read(id: string, props: any): Promise<{ id: string; props: Props }>;
    update(id: string, olds: any, news: Props): Promise<{ outs: any }>;
    delete(id: string, props: any): Promise<void>;
}

/** The ResourceProvider service over one runtime. */
export class PluginServer {
    readonly runtime: ProviderRuntime;
    private readonly manualBackup: ManualBackupProvider;
    private readonly retentionSet: RetentionSetProvider;
    private readonly kinds: Record<string, Kind>;
    /** The configuration as last given to Configure, for DiffConfig. */
    private configured = false;

    constructor(runtime = new ProviderRuntime()) {
        this.runtime = runtime;
        this.manualBackup = new ManualBackupProvider(runtime);
        this.retentionSet = new RetentionSetProvider(runtime);
        this.kinds = { [MANUAL_BACKUP]: this.manualBackup, [RETENTION_SET]: this.retentionSet, [BACKUP_WAIT]: new BackupWaitProvider(runtime) as unknown as Kind };
    }

    private kind(type: string): Kind {
        const k = this.kinds[type];
        if (!k) throw new Error(`unknown resource type ${type}; this provider serves ${Object.keys(this.kinds).join(" and ")}`);
        return k;
    }

    /** The handlers grpc-js binds, by method name. */
    handlers(): Record<string, (call: Call, callback: Callback) => void> {
        return {
            getPluginInfo: (_c, cb) => { const r = new plugproto.PluginInfo(); r.setVersion(VERSION); cb(null, r); },
            getSchema: (_c, cb) => answer(cb, async () => {
                const r = new provproto.GetSchemaResponse();
                r.setSchema(JSON.stringify(packageSchema(VERSION, { manualBackup: MANUAL_BACKUP_REPLACE_KEYS, retentionSet: RETENTION_SET_REPLACE_KEYS })));
                return r;
            }),
            checkConfig: (c, cb) => answer(cb, async () => {
                const news = fromStruct(c.request.getNews());
                const failures = unknownKeys(news).map(k => ({ property: k, reason: `unknown configuration key dbbackups:${k}; see the provider's configuration table` }));
                for (const key of Object.keys(DURATION_SETTINGS) as Array<keyof typeof DURATION_SETTINGS>) {
                    const text = news[key];
                    const problem = typeof text === "string" && text !== UNKNOWN ? durationSettingProblem(key, text, JSON.stringify(text)) : undefined;
                    if (problem) failures.push({ property: key, reason: problem });
                }
                return this.checkResponse(news, failures);
            }),
            diffConfig: (c, cb) => answer(cb, async () => {
                const r = new provproto.DiffResponse();
                const olds = fromStruct(c.request.getOldInputs() ?? c.request.getOlds()), news = fromStruct(c.request.getNews());
                const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter(k => differs(olds[k], news[k]));
                r.setChanges(changed.length ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
                r.setDiffsList(changed);
                return r;
            }),
            configure: (c, cb) => answer(cb, async () => {
                const vars: Record<string, string> = {};
                c.request.getVariablesMap().forEach((v: string, k: string) => { vars[k] = v; });
                this.runtime.configure(configSource(vars));
                this.configured = true;
                const r = new provproto.ConfigureResponse();
                r.setAcceptsecrets(true); // required of a plugin that constructs components
                r.setSupportspreview(false);
                r.setAcceptresources(false);
                r.setAcceptoutputs(false);
                return r;
            }),
            check: (c, cb) => answer(cb, async () => {
                const req = c.request;
                const type = req.getType() || typeOf(req.getUrn());
                const news = { ...inputsOnly(fromStruct(req.getNews()), type), ...doorInputsOf(req.getUrn()) };
                const olds = inputsOnly(fromStruct(req.getOlds()), type);
                const { inputs, failures } = await this.kind(type).check(olds, news);
                if (type === RETENTION_SET && Object.keys(olds).length > 0 && failures.length === 0) inputs[DIFF_ANCHOR] = {};
                return this.checkResponse(conceal(inputs, secretKeys(req.getNews())), failures);
            }),
            diff: (c, cb) => answer(cb, async () => {
                const req = c.request;
                const type = req.getType() || typeOf(req.getUrn());
                const olds = fromStruct(req.getOlds()), news = inputsOnly(fromStruct(req.getNews()), type);
                const d = await this.kind(type).diff(req.getId(), olds, news);
                const r = new provproto.DiffResponse();
                const D = provproto.DiffResponse.DiffChanges;
                r.setChanges(d.changes ? D.DIFF_SOME : D.DIFF_NONE);
                r.setReplacesList(d.replaces);
                r.setDeletebeforereplace(d.deleteBeforeReplace);
                if (d.changes) {
                    const doomed = type === RETENTION_SET ? this.retentionSet.deletedBy(olds as any, news as any, d.replaces.length > 0).map(([l]) => l) : [];
                    const detailed = {
                        ...detailedDiff(olds, news, d.replaces, compared(inputsOnly(fromStruct(req.getOldInputs()), type))),
                        ...doomedEntries(doomed, type === MANUAL_BACKUP && d.replaces.length > 0
                            ? (typeof olds.backupId === "string" ? "backupId" : typeof olds.jobId === "string" ? "jobId" : undefined) : undefined),
                    };
                    r.setDiffsList(Object.keys(detailed).map(k => k.replace(/\[.*$/, "")).filter((k, i, a) => a.indexOf(k) === i));
                    const map = r.getDetaileddiffMap();
                    for (const [k, v] of Object.entries(detailed)) {
                        const pd = new provproto.PropertyDiff();
                        pd.setKind(v.kind);
                        pd.setInputdiff(v.inputDiff);
                        map.set(k, pd);
                    }
                    r.setHasdetaileddiff(true);
                }
                return r;
            }),
            create: (c, cb) => answer(cb, async () => {
                const req = c.request;
                const type = req.getType() || typeOf(req.getUrn());
                const { id, outs } = await this.kind(type).create(inputsOnly(fromStruct(req.getProperties()), type));
                const r = new provproto.CreateResponse();
                r.setId(id);
                r.setProperties(toStruct(conceal(outs, secretKeys(req.getProperties()))));
                return r;
            }),
            read: (c, cb) => answer(cb, async () => {
                const req = c.request;
                const type = req.getType() || typeOf(req.getUrn());
                const props = fromStruct(req.getProperties());
                const r = new provproto.ReadResponse();
                if (Object.keys(props).length === 0) {
                    // No state: `pulumi import` or the `import` option, whose id names the backup's address.
                    if (type !== MANUAL_BACKUP) throw new Error(`${type} cannot be imported: import its backups one by one as ${MANUAL_BACKUP}, or take them over with the set's adopt input`);
                    const t = parseImportId(req.getId());
                    const { backupId, ...target } = t;
                    const got = await this.manualBackup.importBackup({ ...target, ...doorInputsOf(req.getUrn()) }, backupId);
                    r.setId(got.id);
                    r.setProperties(toStruct(got.outs));
                    r.setInputs(toStruct(Object.fromEntries(Object.entries(got.inputs).filter(([k]) => !(DOOR_INPUTS as readonly string[]).includes(k)))));
                    return r;
                }
                const got = await this.kind(type).read(req.getId(), props);
                r.setId(got.id);
                if (got.id) {
                    r.setProperties(toStruct(conceal(got.props, secretKeys(req.getProperties()))));
                    if (req.hasInputs()) r.setInputs(req.getInputs()); // inputs do not change on refresh
                }
                return r;
            }),
            update: (c, cb) => answer(cb, async () => {
                const req = c.request;
                const type = req.getType() || typeOf(req.getUrn());
                const { outs } = await this.kind(type).update(req.getId(), fromStruct(req.getOlds()), inputsOnly(fromStruct(req.getNews()), type));
                const r = new provproto.UpdateResponse();
                r.setProperties(toStruct(conceal(outs, secretKeys(req.getNews()))));
                return r;
            }),
            delete: (c, cb) => answer(cb, async () => {
                const req = c.request;
                await this.kind(req.getType() || typeOf(req.getUrn())).delete(req.getId(), fromStruct(req.getProperties()));
                return new Empty();
            }),
            invoke: (c, cb) => answer(cb, async () => {
                const req = c.request;
                const r = new provproto.InvokeResponse();
                r.setReturn(toStruct(await this.invoke(req.getTok(), fromStruct(req.getArgs()))));
                return r;
            }),
            construct: (c, cb) => answer(cb, async () => {
                const req = c.request;
                const ct = req.getCustomtimeouts();
                const got = await construct({
                    type: req.getType(), name: req.getName(), parent: req.getParent(), inputs: fromStruct(req.getInputs()), rawInputs: rawStruct(req.getInputs()),
                    dryRun: req.getDryrun(), monitorEndpoint: req.getMonitorendpoint(), provider: req.getProvidersMap().get("dbbackups"),
                    dependencies: req.getDependenciesList(), protect: req.getProtect(), aliases: req.getAliasesList(),
                    ignoreChanges: req.getIgnorechangesList(), replaceOnChanges: req.getReplaceonchangesList(), retainOnDelete: req.getRetainondelete(),
                    deletedWith: req.getDeletedwith(), deleteBeforeReplace: req.getDeletebeforereplace(),
                    customTimeouts: ct ? { create: ct.getCreate(), update: ct.getUpdate(), delete: ct.getDelete() } : undefined,
                });
                const r = new provproto.ConstructResponse();
                r.setUrn(got.urn);
                r.setState(toStruct(got.state));
                return r;
            }),
            cancel: (_c, cb) => { this.runtime.cancel(); cb(null, new Empty()); },
            attach: (_c, cb) => cb(null, new Empty()),
        };
    }

    private checkResponse(inputs: Props, failures: Array<{ property: string; reason: string }>) {
        const r = new provproto.CheckResponse();
        r.setInputs(toStruct(inputs));
        r.setFailuresList(failures.map(f => { const cf = new provproto.CheckFailure(); cf.setProperty(f.property); cf.setReason(f.reason); return cf; }));
        return r;
    }

    /** The functions: `getBackup` and `listBackups`, through the instance coordinator like the resources. */
    async invoke(tok: string, args: Props): Promise<Props> {
        if (tok !== GET_BACKUP && tok !== LIST_BACKUPS) throw new Error(`unknown function ${tok}; this provider serves ${GET_BACKUP} and ${LIST_BACKUPS}`);
        const fn = tok.split(":").pop();
        const service = args.service ?? "rds";
        if (args.cloud !== "alicloud" && args.cloud !== "huaweicloud") throw new Error(`${fn}: cloud must be "alicloud" or "huaweicloud"; got ${JSON.stringify(args.cloud)}`);
        if (service !== "rds" && !(service === "geminidb" && args.cloud === "huaweicloud")) throw new Error(`${fn}: service must be "rds" (or "geminidb" with cloud "huaweicloud"); got ${JSON.stringify(service)}`);
        if (typeof args.instanceId !== "string" || !args.instanceId) throw new Error(`${fn}: instanceId is required`);
        const target = { cloud: args.cloud, service, region: args.region, instanceId: args.instanceId };
        const missing = this.runtime.missingSettings(target);
        if (missing) throw new Error(`${fn}: ${missing}`);
        const inst = this.runtime.instance(target);
        try {
            if (tok === LIST_BACKUPS) return { backups: listedBackups(await inst.list(), !!args.manualOnly) };
            if (typeof args.backupId !== "string" || !args.backupId) throw new Error("backupId is required");
            const found = await inst.find(args.backupId);
            if (!found) throw new Error(`no backup ${args.backupId} on instance ${args.instanceId}`);
            return listedBackups([found], false)[0];
        } catch (err) {
            throw this.runtime.describe(`${fn} of ${args.instanceId} on ${inst.adapter.displayName}`, err);
        }
    }

    /** Whether Configure was called (the engine always calls it first). */
    get isConfigured(): boolean { return this.configured; }
}

/** The type token of a URN (older engines send no `type` field). */
function typeOf(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** Starts the server on a free local port and returns it with the port. */
export async function serve(server = new PluginServer()): Promise<{ grpcServer: grpcTypes.Server; port: number; plugin: PluginServer }> {
    const grpcServer = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    grpcServer.addService(provrpc.ResourceProviderService, server.handlers() as any);
    const port = await new Promise<number>((resolve, reject) =>
        grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return { grpcServer, port, plugin: server };
}
