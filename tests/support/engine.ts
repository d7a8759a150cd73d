/**
 * A small deployment engine for dynamic resources: what `pulumi preview`,
 * `up`, `refresh` and `destroy` do, driving the real dynamic-provider host
 * through {@link HostDriver}. State is kept in memory in checkpoint shape.
 *
 *     const engine = new Engine({ cwd: makeProjectDir(), config: { "alicloud:accessKey": "..." } });
 *     const program = () => { const b = new ManualBackup("nightly", { ... }); return { id: b.backupId }; };
 *     console.log(formatPlan(await engine.preview(program)));
 *     const result = await engine.up(program);   // result.ok, result.outputs.id, engine.state
 *     await engine.destroy();
 *     await engine.close();
 */
import { HostDriver, Props, ResourceInitFailedError, CheckFailure, takeHost } from "./host-driver";
import { Program, runProgram, Registration, RegistrationResult } from "./program";
import { heldKeys } from "../../provider/retention-policy";

export { Program } from "./program";
export { formatPlan, formatResult } from "./format";

/** One resource as Pulumi would checkpoint it. */
export interface StateResource {
    urn: string; type: string; name: string; id: string;
    inputs: Props; outputs: Props;
    /** Reasons of an initialization failure; the next `up` updates the resource. */
    initErrors?: string[];
    /** URNs this resource depends on: it is deleted before them. */
    dependencies?: string[];
    /** Replaced but not yet deleted; deleted at the start of the next `up`. */
    delete?: boolean;
}
/** The checkpoint: resources in dependency order. */
export interface State { resources: StateResource[] }

/** What a step does to a resource ("same": nothing; in a refresh, "update" means its outputs changed). */
export type Op = "create" | "update" | "replace" | "delete" | "same" | "read";
/** One planned or executed step. */
export interface Step {
    op: Op; urn: string; name: string; type: string;
    replaces?: string[]; changedKeys?: string[]; deleteBeforeReplace?: boolean;
    failures?: CheckFailure[];
    /** Set once executed (up, refresh, destroy). */
    status?: "done" | "failed" | "skipped";
    id?: string; error?: string;
}
/** A preview: the steps an `up` would take; `ok` is false on Check failures or provider errors. */
export interface Plan { steps: Step[]; ok: boolean; errors: string[] }
/** An executed `up`, with the program's stack outputs resolved to plain values. */
export interface UpResult { ok: boolean; steps: Step[]; outputs: Record<string, unknown>; errors: string[] }
/** An executed `refresh` or `destroy`. */
export interface OpResult { ok: boolean; steps: Step[]; errors: string[] }

/** Options for {@link Engine}: either a running `driver` (its own onLog applies), or a `cwd` to start hosts in. */
export interface EngineOptions {
    driver?: HostDriver;
    cwd?: string;
    env?: Record<string, string>;
    onLog?: (line: string, stream: "stdout" | "stderr") => void;
    /** Stack config (`alicloud:accessKey`, ...), sent with Configure. */
    config?: Record<string, string>;
    secretKeys?: string[];
    /** Keep one host for every operation instead of a fresh one per operation (as each `pulumi` command has). */
    reuseHost?: boolean;
    /** A checkpoint to start from. */
    state?: State;
    /** Project and stack the programs run as (default: the test project's `dev` stack). */
    project?: string;
    stack?: string;
}

type Rec = StateResource & { secretKeys?: string[] };
/** The SDK's wait step, which {@link Engine.view} folds into the resource it waits for. */
const WAIT_TYPE = "pulumi-nodejs:dynamic/dbbackups:BackupWait";
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "[secret]" };
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const msg = (e: unknown) => (e as Error)?.message ?? String(e);

type Fail = (step: Step, e: unknown) => void;
/** Marks a step failed and collects its message. */
const failer = (errors: string[]): Fail => (step, e) => {
    Object.assign(step, { status: "failed", error: msg(e) });
    errors.push(`${step.urn}: ${msg(e)}`);
};

/** Keys whose values differ between two input bags. */
function changedKeys(a: Props, b: Props): string[] {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
        .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/** Runs programs against the dynamic-provider host and keeps their state. */
export class Engine {
    /** Stack config sent with Configure; changes apply from the next operation (on a fresh host). */
    config: Record<string, string>;
    /** Config keys that are secrets (`pulumi config set --secret`). */
    secretKeys: string[];
    private records: Rec[];
    private kept?: HostDriver;
    private busy = false;

    constructor(private readonly opts: EngineOptions) {
        if (!opts.driver && !opts.cwd) throw new Error("Engine needs a driver or a cwd");
        this.config = { ...opts.config };
        this.secretKeys = [...(opts.secretKeys ?? [])];
        this.records = copy(opts.state?.resources ?? []);
    }

    /** The checkpoint as JSON-ready data; secret values appear encrypted, as in a Pulumi checkpoint. */
    get state(): State {
        return { resources: this.records.map(({ secretKeys, ...r }) => {
            const mask = (p: Props) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, secretKeys?.includes(k) ? SECRET : v]));
            return copy({ ...r, inputs: mask(r.inputs), outputs: mask(r.outputs) });
        }) };
    }

    /**
     * The state as the SDK's classes present it: one record per `ManualBackup`
     * or `BackupRetentionSet`, the step that starts the backups (and owns
     * them) with what its wait step reported merged into its outputs and its
     * init errors; the wait steps themselves left out.
     */
    get view(): State {
        const all = this.state.resources;
        const waits = all.filter((r) => r.type === WAIT_TYPE);
        const resources = all.filter((r) => r.type !== WAIT_TYPE).map((r) => {
            const wait = waits.find((w) => w.dependencies?.includes(r.urn) && w.name === r.name && !w.delete);
            if (!wait) return r;
            const facts = (wait.outputs.facts ?? {}) as Record<string, Props>;
            const initErrors = [...(r.initErrors ?? []), ...(wait.initErrors ?? [])];
            let outputs: Props;
            if (r.type.endsWith(":ManualBackup")) {
                outputs = { ...r.outputs, ...(facts.backup ?? {}) };
            } else {
                const deleted = (wait.outputs.deleted ?? []) as string[];
                const refused = (wait.outputs.refused ?? {}) as Record<string, Props>;
                const backups = Object.fromEntries(Object.entries((r.outputs.backups ?? {}) as Record<string, Props>)
                    .filter(([l]) => !deleted.includes(l)).map(([l, m]) => [l, { ...m, ...(facts[l] ?? {}), ...(refused[l] ? { pendingDelete: refused[l] } : {}) }]));
                const labels = Array.isArray(r.inputs.labels) ? r.inputs.labels as string[] : Object.keys((r.inputs.labels ?? {}) as Props);
                const held = heldKeys(labels, backups as Record<string, any>, !!r.inputs.retention);
                outputs = { ...r.outputs, backups, backupIds: held.map((l) => (backups[l] as Props | undefined)?.backupId).filter(Boolean) };
            }
            return { ...r, outputs, ...(initErrors.length ? { initErrors } : {}) };
        });
        return { resources };
    }

    /** Stops the host kept with `reuseHost` (hosts of single operations stop when the operation ends). */
    async close(): Promise<void> {
        const kept = this.kept;
        this.kept = undefined;
        await kept?.stop();
    }

    /** Runs `fn` with a host that has received Configure before its first resource call. */
    private async withHost<T>(fn: (host: () => Promise<HostDriver>) => Promise<T>): Promise<T> {
        if (this.busy) throw new Error("another engine operation is still running");
        this.busy = true;
        let owned: HostDriver | undefined;
        try {
            let driver = this.opts.driver ?? this.kept;
            if (!driver) {
                const opts = { cwd: this.opts.cwd!, env: this.opts.env, onLog: this.opts.onLog };
                driver = await takeHost(opts, !this.opts.reuseHost);
                if (this.opts.reuseHost) this.kept = driver; else owned = driver;
            }
            let configured: Promise<HostDriver> | undefined;
            const d = driver;
            return await fn(() => (configured ??= d.configure(this.config, this.secretKeys).then(() => d)));
        } finally {
            this.busy = false;
            await owned?.stop();
        }
    }

    private current(urn: string): Rec | undefined {
        return this.records.find((r) => r.urn === urn && !r.delete);
    }

    /**
     * The prior state of a registered resource, as the CLI finds it: under its
     * own URN, or else under the first of its aliases that the state holds
     * and no resource of this run has claimed. `adopt` (an `up`) moves that
     * state to the new URN, rewriting the dependencies that name the old one,
     * so the resource is updated (or left the same), never replaced or deleted.
     */
    private priorOf(reg: Registration, claimed: Set<string>, adopt: boolean): Rec | undefined {
        const own = this.current(reg.urn);
        if (own) return own;
        const alias = reg.aliases.find((a) => a !== reg.urn && !claimed.has(a) && this.current(a));
        if (!alias) return undefined;
        claimed.add(alias);
        const rec = this.current(alias)!;
        if (adopt) {
            rec.urn = reg.urn;
            for (const r of this.records) if (r.dependencies) r.dependencies = r.dependencies.map((d) => (d === alias ? reg.urn : d));
        }
        return rec;
    }

    /** Moves a record to the end: state stays in the order steps complete, so dependents follow dependencies. */
    private touch(rec: Rec): void {
        this.records = [...this.records.filter((r) => r !== rec), rec];
    }

    /** Decides the step for a registered resource from Check's inputs and Diff. */
    private async decide(d: HostDriver, step: Step, prior: Rec | undefined, checked: Props): Promise<void> {
        if (!prior) { step.op = "create"; return; }
        const diff = await d.diff(prior.id, step.urn, prior.outputs, checked, prior.inputs);
        const keys = changedKeys(prior.inputs, checked);
        // DIFF_UNKNOWN (no answer from the provider): the engine compares old and new inputs itself.
        const changed = diff.changes ?? keys.length > 0;
        if (diff.replaces.length) {
            Object.assign(step, { op: "replace", replaces: diff.replaces, changedKeys: keys.length ? keys : diff.replaces,
                deleteBeforeReplace: diff.deleteBeforeReplace });
        } else if (changed || prior.initErrors?.length) {
            Object.assign(step, { op: "update", changedKeys: keys });
        } else step.op = "same";
    }

    /** Deletions the plan ends with: replaced resources left over, then removed ones, newest first. */
    private leftovers(registered: Set<string>): Rec[] {
        return this.records.filter((r) => r.delete || !registered.has(r.urn)).reverse();
    }

    private stepFor(r: { urn: string; name: string; type: string }, op: Op): Step {
        return { op, urn: r.urn, name: r.name, type: r.type };
    }

    /** `pulumi preview`: Check and Diff only, nothing is created, updated or deleted. */
    preview(program: Program): Promise<Plan> {
        return this.withHost((host) => this.plan(program, host));
    }

    private async plan(program: Program, host: () => Promise<HostDriver>): Promise<Plan> {
        const steps: Step[] = [];
        const errors: string[] = [];
        const registered = new Set<string>();
        const run = await runProgram(program, { preview: true, config: this.config, secretKeys: this.secretKeys, project: this.opts.project, stack: this.opts.stack,
            onRegister: async (reg): Promise<RegistrationResult> => {
                const step = this.stepFor(reg, "create");
                steps.push(step);
                if (registered.has(reg.urn)) {
                    errors.push(`${reg.urn}: duplicate resource URN; resource names must be unique per type`);
                    return { id: undefined, state: {} };
                }
                registered.add(reg.urn);
                if (reg.readId) return this.readStep(await host(), reg, step).catch((e) => {
                    errors.push(`${reg.urn}: ${msg(e)}`);
                    return { id: undefined, state: {} };
                });
                const prior = this.priorOf(reg, registered, false);
                try {
                    const d = await host();
                    const { inputs, failures } = await d.check(reg.urn, prior?.inputs ?? {}, reg.inputs);
                    // Pulumi does not diff a resource whose inputs failed Check.
                    if (failures.length) Object.assign(step, { failures, op: prior ? "update" : "create" });
                    else await this.decide(d, step, prior, inputs);
                    return step.op === "same" ? { id: prior!.id, state: prior!.outputs } : { id: prior?.id, state: inputs };
                } catch (e) {
                    errors.push(`${reg.urn}: ${msg(e)}`);
                    return { id: undefined, state: {} };
                }
            } });
        if (run.error) errors.push(run.error);
        steps.push(...this.leftovers(registered).map((r) => this.stepFor(r, "delete")));
        for (const s of steps) for (const f of s.failures ?? []) errors.push(`${s.urn}: ${f.property}: ${f.reason}`);
        return { steps, ok: errors.length === 0, errors };
    }

    /** `pulumi up`: previews first (Check failures stop it before any change), then executes. */
    up(program: Program): Promise<UpResult> {
        return this.withHost(async (host) => {
            const plan = await this.plan(program, host);
            if (!plan.ok) return { ok: false, steps: plan.steps, outputs: {}, errors: plan.errors };
            const steps: Step[] = [];
            const errors: string[] = [];
            const fail = failer(errors);
            const remove = (r: Rec) => this.deleteStep(host, r, steps, fail);
            // Resources replaced by an earlier `up` but never deleted go first, as Pulumi's pending deletes do.
            for (const r of this.records.filter((x) => x.delete).reverse()) await remove(r);

            const failed = new Set<string>();
            const registered = new Set<string>();
            const replaced: Rec[] = [];
            const run = await runProgram(program, { preview: false, config: this.config, secretKeys: this.secretKeys, project: this.opts.project, stack: this.opts.stack,
                onRegister: async (reg) => {
                    const step = this.stepFor(reg, "create");
                    steps.push(step);
                    registered.add(reg.urn);
                    if (reg.readId) return this.readStep(await host(), reg, step).catch((e): RegistrationResult => {
                        failed.add(reg.urn);
                        fail(step, e);
                        return { id: "", state: {}, outcome: "fail" };
                    });
                    this.priorOf(reg, registered, true);
                    return this.execute(await host(), reg, step, failed, replaced, fail);
                } });
            if (run.error) errors.push(run.error);
            await this.deleteInWaves(host, replaced, steps, fail);
            await this.deleteInWaves(host, this.leftovers(registered).filter((x) => !x.delete), steps, fail);
            return { ok: errors.length === 0, steps, outputs: run.outputs, errors };
        });
    }

    /** A resource read with `get`: Read with the given id and properties; it is not managed, so it never enters the state. */
    private async readStep(d: HostDriver, reg: Registration, step: Step): Promise<RegistrationResult> {
        step.op = "read";
        const r = await d.read(reg.readId!, reg.urn, reg.inputs);
        if (!r.id) throw new Error(`reading ${reg.type} ${reg.name}: resource '${reg.readId}' does not exist`);
        Object.assign(step, { status: "done", id: r.id });
        return { id: r.id, state: r.properties };
    }

    /** Executes one registered resource's step; answers the program with the resulting outputs. */
    private async execute(d: HostDriver, reg: Registration, step: Step, failed: Set<string>, replaced: Rec[],
        fail: Fail): Promise<RegistrationResult> {
        let prior = this.current(reg.urn);
        step.op = (prior ? "update" : "create") as Op; // until Diff tells
        const answer = (r?: Rec): RegistrationResult => ({ id: r?.id ?? "", state: r?.outputs ?? {} });
        if (reg.dependencies.some((u) => failed.has(u))) {
            // Pulumi does not run steps of resources whose dependencies failed.
            step.op = prior ? "same" : "create";
            step.status = "skipped";
            failed.add(reg.urn);
            return { ...answer(prior), outcome: "skip" };
        }
        let rec: Rec | undefined;
        try {
            const { inputs, failures } = await d.check(reg.urn, prior?.inputs ?? {}, reg.inputs);
            if (failures.length) {
                step.failures = failures;
                throw new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
            }
            await this.decide(d, step, prior, inputs);
            const secretKeys = reg.secretKeys.length ? reg.secretKeys : undefined;
            const dependencies = reg.dependencies.length ? reg.dependencies : undefined;
            if (step.op === "same") {
                Object.assign(prior!, { inputs, secretKeys, dependencies });
                this.touch(rec = prior!);
            } else if (step.op === "update") {
                rec = prior!;
                try {
                    const outputs = await d.update(rec.id, reg.urn, rec.outputs, inputs, rec.inputs);
                    Object.assign(rec, { inputs, outputs, secretKeys, dependencies, initErrors: undefined });
                } catch (e) {
                    if (e instanceof ResourceInitFailedError) Object.assign(rec, { inputs, outputs: e.properties, initErrors: e.reasons });
                    throw e;
                } finally { this.touch(rec); }
            } else {
                if (step.op === "replace" && step.deleteBeforeReplace) {
                    await d.delete(prior!.id, reg.urn, prior!.outputs, prior!.inputs);
                    this.records = this.records.filter((x) => x !== prior);
                    prior = undefined;
                }
                const base = { urn: reg.urn, type: reg.type, name: reg.name, inputs, secretKeys, dependencies };
                try {
                    const created = await d.create(reg.urn, inputs);
                    rec = { ...base, id: created.id, outputs: created.properties };
                } catch (e) {
                    if (!(e instanceof ResourceInitFailedError)) throw e;
                    rec = { ...base, id: e.id, outputs: e.properties, initErrors: e.reasons };
                    throw e;
                } finally {
                    if (rec) {
                        // The old resource stays in state, marked for deletion, until it is deleted.
                        if (prior) { prior.delete = true; if (!rec.initErrors) replaced.push(prior); }
                        this.records.push(rec);
                    }
                }
            }
            step.status = "done";
            step.id = rec.id;
        } catch (e) {
            step.id = rec?.id;
            failed.add(reg.urn);
            fail(step, e);
            return { ...answer(rec ?? prior), outcome: "fail" };
        }
        return answer(rec);
    }

    /** `pulumi refresh`: reads every resource; a resource the provider reports gone leaves the state. */
    refresh(): Promise<OpResult> {
        return this.withHost(async (host) => {
            const errors: string[] = [];
            const steps = await Promise.all(this.records.map(async (r) => {
                const step = this.stepFor(r, "same");
                try {
                    const read = await (await host()).read(r.id, r.urn, r.outputs, r.inputs);
                    if (!read.id) {
                        step.op = "delete";
                        this.records = this.records.filter((x) => x !== r);
                    } else {
                        if (changedKeys(r.outputs, read.properties).length) step.op = "update";
                        Object.assign(r, { id: read.id, outputs: read.properties }, read.inputs ? { inputs: read.inputs } : {});
                    }
                    step.status = "done";
                } catch (e) { failer(errors)(step, e); }
                return step;
            }));
            return { ok: errors.length === 0, steps, errors };
        });
    }

    /** `pulumi destroy`: deletes every resource, newest first; failed deletes stay in state. */
    destroy(): Promise<OpResult> {
        return this.withHost(async (host) => {
            const steps: Step[] = [];
            const errors: string[] = [];
            await this.deleteInWaves(host, [...this.records], steps, failer(errors));
            return { ok: errors.length === 0, steps, errors };
        });
    }

    /**
     * Deletes resources as Pulumi does: every resource no remaining one
     * depends on is deleted at once (in parallel), then the next wave. A
     * resource whose dependent failed to go stays in state.
     */
    private async deleteInWaves(host: () => Promise<HostDriver>, doomed: Rec[], steps: Step[], fail: Fail): Promise<void> {
        let left = [...doomed];
        for (;;) {
            // A replaced resource's old version goes once its dependents were updated, whoever depends on the URN.
            const wave = left.filter((r) => r.delete || !this.records.some((o) => o !== r && !o.delete && o.dependencies?.includes(r.urn)));
            if (wave.length === 0) return;
            await Promise.all(wave.map((r) => this.deleteStep(host, r, steps, fail)));
            left = left.filter((r) => !wave.includes(r));
        }
    }

    /** Deletes one resource; it leaves the state only once the provider's delete succeeded. */
    private async deleteStep(host: () => Promise<HostDriver>, r: Rec, steps: Step[], fail: Fail): Promise<void> {
        const step = this.stepFor(r, "delete");
        steps.push(step);
        try {
            await (await host()).delete(r.id, r.urn, r.outputs, r.inputs);
            this.records = this.records.filter((x) => x !== r);
            step.status = "done";
        } catch (e) { fail(step, e); }
    }
}
