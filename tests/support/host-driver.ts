/**
 * Drives the dynamic-provider host that ships in `@pulumi/pulumi` over its
 * gRPC `ResourceProvider` protocol, making the same calls the Pulumi engine
 * makes. The host is started as a child process, exactly as the engine
 * launches it, so what runs under test is the real host code.
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** Plain JSON-like property bag, as carried in a protobuf Struct. */
export type Props = Record<string, any>;

/** A property-level validation failure returned by Check. */
export interface CheckFailure { property: string; reason: string }

/** Options for {@link HostDriver.start}. */
export interface HostDriverOptions {
    /** Working directory of the host; the serialized provider's `require`s resolve from here. */
    cwd: string;
    /** Extra environment variables for the host (added to this process's environment). */
    env?: Record<string, string>;
    /** Receives every line the host prints after its port (stdout and stderr). */
    onLog?: (line: string, stream: "stdout" | "stderr") => void;
    /** Another provider executable to start instead of the dynamic-provider host (the provider plugin's launcher). */
    executable?: string;
}

/**
 * The host answered that the resource was created but did not initialize
 * (`pulumirpc.ErrorResourceInitFailed`): it exists and must be recorded.
 */
export class ResourceInitFailedError extends Error {
    constructor(message: string, readonly id: string, readonly properties: Props, readonly reasons: string[]) {
        super(message);
        this.name = "ResourceInitFailedError";
    }
}

// The signature under which the host packs the secret marker into values.
const SECRET_SIG = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

const HOST_SCRIPT = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
/** Preloaded into the hosts: `typescript` loads on first use (see the file). */
const LAZY_TYPESCRIPT = path.join(__dirname, "lazy-typescript.js");

// A host ignores its closed stdio and would outlive a test run that forgot to stop it.
const liveHosts = new Set<ChildProcess>();
process.on("exit", () => liveHosts.forEach((c) => c.kill()));

/** Process ids of the hosts running now (the bench samples their memory and CPU). */
export function liveHostPids(): number[] {
    return [...liveHosts].map((c) => c.pid).filter((p): p is number => p !== undefined);
}

/** Name and type are part of newer requests; the engine derives them from the URN. */
function urnParts(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    return { type: (parts[2] ?? "").split("$").pop() ?? "", name: parts.slice(3).join("::") };
}

/** Sets the URN, name and type every resource request carries. */
function addressTo(req: { setUrn(v: string): unknown; setName(v: string): unknown; setType(v: string): unknown }, urn: string): void {
    const { type, name } = urnParts(urn);
    req.setUrn(urn);
    req.setName(name);
    req.setType(type);
}

// Struct.fromJavaScript rejects `undefined`; a JSON round trip drops such keys as the wire would.
function toStruct(props: Props | undefined): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(props ?? {})));
}

function fromStruct(s: Struct | undefined): Props {
    return (s?.toJavaScript() ?? {}) as Props;
}

/** Turns a gRPC status error into an Error carrying the host's own message. */
function fromGrpcError(err: grpc.ServiceError): Error {
    const raw = err.metadata?.get("grpc-status-details-bin")?.[0];
    if (raw) {
        const status = statusproto.Status.deserializeBinary(new Uint8Array(raw as Buffer));
        for (const any of status.getDetailsList()) {
            if (any.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
                const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
                return new ResourceInitFailedError(err.details, detail.getId(), fromStruct(detail.getProperties()),
                    detail.getReasonsList());
            }
        }
    }
    const e = new Error(err.details || err.message);
    (e as any).code = err.code;
    return e;
}

/** Names of `PropertyDiff.Kind` values, for assertions. */
const KIND_NAMES = Object.fromEntries(Object.entries(provproto.PropertyDiff.Kind).map(([name, n]) => [n, name])) as Record<number, string>;

/** A detailed diff as property path → kind name. */
function detailedOf(resp: provproto.DiffResponse): Record<string, string> {
    const out: Record<string, string> = {};
    resp.getDetaileddiffMap().forEach((d, k) => { out[k] = KIND_NAMES[d.getKind()]; });
    return out;
}

/** Splits a stream into lines and hands each complete line to `sink`. */
function lineReader(sink: (line: string) => void): { push(chunk: string): void; flush(): void } {
    let buf = "";
    return {
        push(chunk) {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) {
                sink(buf.slice(0, nl).replace(/\r$/, ""));
                buf = buf.slice(nl + 1);
            }
        },
        flush() { if (buf) sink(buf); buf = ""; },
    };
}

/** A running dynamic-provider host plus a gRPC client connected to it. */
export class HostDriver {
    private constructor(private readonly child: ChildProcess, private readonly client: any, readonly port: number,
        private readonly exited: Promise<void>, private readonly sink: { log?: HostDriverOptions["onLog"] }) {}

    /** Where the host's output lines go from now on. */
    set onLog(log: HostDriverOptions["onLog"]) { this.sink.log = log; }

    /** Starts the host in `opts.cwd`, waits for the port it prints and connects to it. */
    static async start(opts: HostDriverOptions): Promise<HostDriver> {
        // The host only checks that an engine address is given; nothing here calls back to an engine.
        const [file, args] = opts.executable ? [opts.executable, ["127.0.0.1:1"]] : [process.execPath, ["-r", LAZY_TYPESCRIPT, HOST_SCRIPT, "127.0.0.1:1"]];
        const child = spawn(file, args, {
            cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"],
        });
        liveHosts.add(child);
        child.on("exit", () => liveHosts.delete(child));
        const sink = { log: opts.onLog };
        const log = (line: string, stream: "stdout" | "stderr") => sink.log?.(line, stream);
        const stderrLines: string[] = [];
        const errReader = lineReader((l) => { stderrLines.push(l); log(l, "stderr"); });
        child.stderr!.setEncoding("utf8").on("data", (c: string) => errReader.push(c));
        const exited = new Promise<void>((resolve) => child.on("exit", () => { errReader.flush(); resolve(); }));
        const port = await new Promise<number>((resolve, reject) => {
            let gotPort = false;
            const outReader = lineReader((line) => {
                if (gotPort) return log(line, "stdout");
                gotPort = true;
                const p = Number(line.trim());
                if (Number.isInteger(p) && p > 0) resolve(p);
                else reject(new Error(`dynamic-provider host printed "${line}" instead of a port`));
            });
            child.stdout!.setEncoding("utf8").on("data", (c: string) => outReader.push(c));
            child.stdout!.on("end", () => outReader.flush());
            child.on("error", reject);
            child.on("exit", (code) => reject(new Error(
                `dynamic-provider host exited (${code}) before printing its port: ${stderrLines.join("\n")}`)));
        });
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new HostDriver(child, client, port, exited, sink);
    }

    // Promisifies one unary call and maps gRPC failures to Errors.
    private call<T>(method: string, req: unknown): Promise<T> {
        return new Promise((resolve, reject) => {
            this.client[method](req, (err: grpc.ServiceError | null, resp: T) =>
                err ? reject(fromGrpcError(err)) : resolve(resp));
        });
    }

    /**
     * Sends the stack config as the engine does for a dynamic provider: every
     * key with its namespace (`alicloud:accessKey`), values as strings.
     * Keys in `secretKeys` travel as secret values, as `pulumi config set --secret` ones do.
     */
    async configure(config: Record<string, string>, secretKeys: string[] = []): Promise<void> {
        const req = new provproto.ConfigureRequest();
        const args: Props = {};
        for (const [k, v] of Object.entries(config)) {
            req.getVariablesMap().set(k, v);
            args[k] = secretKeys.includes(k) ? { [SECRET_SIG.key]: SECRET_SIG.value, value: v } : v;
        }
        req.setArgs(toStruct(args));
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        req.setSendsOldInputs(true);
        req.setSendsOldInputsToDelete(true);
        await this.call("configure", req);
    }

    /** Check: validates `news` against the prior inputs `olds`. */
    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
        const req = new provproto.CheckRequest();
        addressTo(req, urn);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setRandomseed(crypto.randomBytes(32));
        const resp = await this.call<provproto.CheckResponse>("check", req);
        return {
            inputs: fromStruct(resp.getInputs()),
            failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    /** Diff: `olds` are the prior outputs, `news` the checked inputs. `changes` undefined = provider did not say. */
    async diff(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props):
        Promise<{ changes: boolean | undefined; replaces: string[]; deleteBeforeReplace: boolean; detailedDiff?: Record<string, string> }> {
        const req = new provproto.DiffRequest();
        req.setId(id);
        addressTo(req, urn);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        if (oldInputs) req.setOldInputs(toStruct(oldInputs));
        const resp = await this.call<provproto.DiffResponse>("diff", req);
        const c = resp.getChanges();
        const kinds = provproto.DiffResponse.DiffChanges;
        return {
            changes: c === kinds.DIFF_SOME ? true : c === kinds.DIFF_NONE ? false : undefined,
            replaces: resp.getReplacesList(),
            deleteBeforeReplace: resp.getDeletebeforereplace(),
            ...(resp.getHasdetaileddiff() ? { detailedDiff: detailedOf(resp) } : {}),
        };
    }

    /** GetSchema: the package schema, parsed. */
    async getSchema(): Promise<any> {
        const resp = await this.call<provproto.GetSchemaResponse>("getSchema", new provproto.GetSchemaRequest());
        return JSON.parse(resp.getSchema());
    }

    /** Invoke: a provider function (`tok`), with its arguments. */
    async invoke(tok: string, args: Props): Promise<Props> {
        const req = new provproto.InvokeRequest();
        req.setTok(tok);
        req.setArgs(toStruct(args));
        const resp = await this.call<provproto.InvokeResponse>("invoke", req);
        return fromStruct(resp.getReturn());
    }

    /** Cancel: what the engine sends on the first interrupt. */
    async cancel(): Promise<void> {
        await this.call("cancel", new (require("google-protobuf/google/protobuf/empty_pb").Empty)());
    }

    /** Create: throws {@link ResourceInitFailedError} when the resource exists but failed to initialize. */
    async create(urn: string, properties: Props): Promise<{ id: string; properties: Props }> {
        const req = new provproto.CreateRequest();
        addressTo(req, urn);
        req.setProperties(toStruct(properties));
        const resp = await this.call<provproto.CreateResponse>("create", req);
        return { id: resp.getId(), properties: fromStruct(resp.getProperties()) };
    }

    /** Read: an empty `id` in the answer means the resource no longer exists. */
    async read(id: string, urn: string, properties: Props, inputs?: Props):
        Promise<{ id: string; properties: Props; inputs?: Props }> {
        const req = new provproto.ReadRequest();
        req.setId(id);
        addressTo(req, urn);
        req.setProperties(toStruct(properties));
        if (inputs) req.setInputs(toStruct(inputs));
        const resp = await this.call<provproto.ReadResponse>("read", req);
        return { id: resp.getId(), properties: fromStruct(resp.getProperties()),
            inputs: resp.hasInputs() ? fromStruct(resp.getInputs()) : undefined };
    }

    /** Update: `olds` are the prior outputs, `news` the full checked inputs (including `__provider`). */
    async update(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props): Promise<Props> {
        const req = new provproto.UpdateRequest();
        req.setId(id);
        addressTo(req, urn);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        if (oldInputs) req.setOldInputs(toStruct(oldInputs));
        const resp = await this.call<provproto.UpdateResponse>("update", req);
        return fromStruct(resp.getProperties());
    }

    /** Delete: `properties` are the resource's outputs. */
    async delete(id: string, urn: string, properties: Props, oldInputs?: Props): Promise<void> {
        const req = new provproto.DeleteRequest();
        req.setId(id);
        addressTo(req, urn);
        req.setProperties(toStruct(properties));
        if (oldInputs) req.setOldInputs(toStruct(oldInputs));
        await this.call("delete", req);
    }

    /** Closes the connection and kills the host, waiting for it to exit. */
    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
        await this.exited;
    }
}

// A host takes about a second to start, mostly loading @pulumi/pulumi. One spare per cwd and env is
// started ahead so the next operation finds it ready; an unused spare stops after a while.
const SPARE_IDLE_MS = 20_000;
const spares = new Map<string, { host: Promise<HostDriver>; timer: NodeJS.Timeout }>();

/**
 * Returns a fresh host for `opts` (a spare started earlier when there is one),
 * and with `prewarm` starts the spare for the next call.
 */
export async function takeHost(opts: HostDriverOptions, prewarm: boolean): Promise<HostDriver> {
    const key = JSON.stringify([opts.cwd, opts.env ?? {}]);
    const spare = spares.get(key);
    spares.delete(key);
    if (spare) clearTimeout(spare.timer);
    if (prewarm) {
        const next = HostDriver.start({ ...opts, onLog: undefined });
        next.catch(() => undefined); // a failed spare is replaced by a direct start when taken
        const timer = setTimeout(() => {
            if (spares.get(key)?.host === next) spares.delete(key);
            next.then((h) => h.stop(), () => undefined);
        }, SPARE_IDLE_MS);
        timer.unref();
        spares.set(key, { host: next, timer });
    }
    const host = await (spare?.host.catch(() => HostDriver.start(opts)) ?? HostDriver.start(opts));
    host.onLog = opts.onLog;
    return host;
}

/** Stops every spare host (they are also killed when this process exits). */
export async function stopSpareHosts(): Promise<void> {
    const all = [...spares.values()];
    spares.clear();
    await Promise.all(all.map(async (s) => { clearTimeout(s.timer); await (await s.host.catch(() => undefined))?.stop(); }));
}
