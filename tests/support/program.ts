/**
 * Runs a Pulumi program in this process under `pulumi.runtime.setMocks`, so
 * that every resource the program registers reaches a handler (the engine's
 * step logic) with its type, name, inputs and dependencies, and the handler's
 * answer flows back into the program's Outputs, as the engine's answer to
 * RegisterResource does.
 */
import * as pulumi from "@pulumi/pulumi";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";

/** A Pulumi program; the returned object holds the stack outputs. */
export type Program = () => void | Record<string, unknown> | Promise<void | Record<string, unknown>>;

/** The project and stack every program runs as. */
export const PROJECT = "dbbackups-test";
export const STACK = "dev";

/** The value the engine sends for a property whose value is not known yet (during previews). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One resource registration, with inputs in the form they travel to a provider. */
export interface Registration {
    urn: string;
    type: string;
    name: string;
    /** Inputs with secrets unwrapped and unknowns as {@link UNKNOWN}. */
    inputs: Record<string, any>;
    /** Top-level input keys whose value is (or contains) a secret. */
    secretKeys: string[];
    /** URNs of resources this one depends on (explicitly or through its inputs). */
    dependencies: string[];
    /** Set for a resource read with `get` (ReadResource): the id to read. */
    readId?: string;
    /** URNs this resource had before (`aliases` given as URNs): the engine moves a prior state found under one of them to {@link urn}. */
    aliases: string[];
}

/** The handler's answer: the resource's id (absent in previews), output properties, and whether its step failed or was skipped. */
export interface RegistrationResult { id: string | undefined; state: Record<string, any>; outcome?: "fail" | "skip" }

/** Options for {@link runProgram}. */
export interface RunOptions {
    preview: boolean;
    /** Stack config, so `new pulumi.Config(...)` in the program sees it. */
    config: Record<string, string>;
    secretKeys: string[];
    /** Project and stack the program runs as (default {@link PROJECT}, {@link STACK}). */
    project?: string;
    stack?: string;
    /** Called once per custom resource; must not throw (a rejected registration crashes the program). */
    onRegister: (reg: Registration) => Promise<RegistrationResult>;
}

/** Builds the URN Pulumi gives a resource, with its parent's type prefixed for children. */
export function makeUrn(type: string, name: string, parentUrn?: string, project = PROJECT, stack = STACK): string {
    const qualified = parentUrn ? `${parentUrn.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Converts mock inputs to provider wire form; reports whether any secret was inside. */
function toWire(v: any): { value: any; secret: boolean } {
    if (pulumi.isUnknown(v)) return { value: UNKNOWN, secret: false };
    if (pulumi.runtime.isRpcSecret(v)) return { value: toWire(pulumi.runtime.unwrapRpcSecret(v)).value, secret: true };
    if (Array.isArray(v)) {
        const items = v.map(toWire);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (v !== null && typeof v === "object") {
        const out: Record<string, any> = {};
        let secret = false;
        for (const [k, x] of Object.entries(v)) {
            if (x === undefined) continue;
            const w = toWire(x);
            out[k] = w.value;
            secret ||= w.secret;
        }
        return { value: out, secret };
    }
    return { value: v, secret: false };
}

/** Resolves the program's returned object to plain values; secrets show as "[secret]". */
async function resolveOutputs(result: unknown): Promise<Record<string, unknown>> {
    const outputs: Record<string, unknown> = {};
    if (!result || typeof result !== "object") return outputs;
    for (const [k, v] of Object.entries(result)) {
        // No public API reads an Output's value outside `apply`; `promise` and `isSecret` are Output's internal members.
        const o = pulumi.output(v) as any;
        const value = await o.promise(true);
        outputs[k] = (await o.isSecret) ? "[secret]" : pulumi.isUnknown(value) ? undefined : value;
    }
    return outputs;
}

/**
 * Runs `program` once. Resolves after every registration it made has been
 * answered. A program that throws yields `error` instead of failing the run.
 */
export async function runProgram(program: Program, opts: RunOptions):
    Promise<{ outputs: Record<string, unknown>; error?: string }> {
    // Mock newResource calls carry no dependencies or parent, so they are captured from the request itself.
    const requests = new Map<string, { deps: string[]; parent: string; aliases: string[] }>();
    const outcomes = new Map<string, "fail" | "skip">();
    await pulumi.runtime.setMocks({
        newResource: async (args) => {
            const req = requests.get(`${args.type}::${args.name}`);
            if (!args.custom) return { id: undefined, state: args.inputs }; // components hold no provider state
            const urn = makeUrn(args.type, args.name, req?.parent || undefined, opts.project, opts.stack);
            const wire = Object.entries(args.inputs ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWire(v)] as const);
            const result = await opts.onRegister({
                urn, type: args.type, name: args.name,
                inputs: Object.fromEntries(wire.map(([k, w]) => [k, w.value])),
                secretKeys: wire.filter(([, w]) => w.secret).map(([k]) => k),
                dependencies: req?.deps ?? [],
                aliases: req?.aliases ?? [],
                // Reads (`Resource.get`) reach the mock without a RegisterResource request.
                readId: req ? undefined : args.id || undefined,
            });
            if (result.outcome) outcomes.set(`${args.type}::${args.name}`, result.outcome);
            return { id: result.id, state: result.state };
        },
        call: async (args) => { throw new Error(`invoke ${args.token} is not supported by this engine`); },
    }, opts.project ?? PROJECT, opts.stack ?? STACK, opts.preview);
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);

    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: unknown) => void) => {
        const deps = new Set<string>(req.getDependenciesList());
        req.getPropertydependenciesMap().forEach((d: any) => d.getUrnsList().forEach((u: string) => deps.add(u)));
        const key = `${req.getType()}::${req.getName()}`;
        // Aliases given as URNs (the SDK sends structured aliases to a monitor that supports them; a spec alias is not modelled here).
        const aliases = [...req.getAliasurnsList(), ...req.getAliasesList().map((a: any) => a.getUrn()).filter(Boolean)];
        requests.set(key, { deps: [...deps], parent: req.getParent(), aliases });
        return register(req, (err: unknown, resp: any) => {
            // As the engine does for a failed or skipped step: the SDK then treats missing outputs as
            // unknown, so dependents still carry the dependency instead of an undefined value.
            const outcome = outcomes.get(key);
            if (resp && outcome) resp.setResult(outcome === "fail" ? resproto.Result.FAIL : resproto.Result.SKIP);
            callback(err, resp);
        });
    };

    let outputs: Record<string, unknown> = {};
    let error: string | undefined;
    try {
        outputs = await resolveOutputs(await program());
    } catch (e) {
        error = `program failed: ${(e as Error).message ?? e}`;
    }
    // Registrations start asynchronously after the program returns; wait for all of them.
    await (pulumi.runtime as any).waitForRPCs();
    return { outputs, error };
}
