/**
 * The soak: many lifecycle operations of both resources on the three services,
 * through the real dynamic-provider host, with faults injected through the
 * emulator's admin API, then a comparison of what the emulator holds with what
 * the state says, and one fault-free `up` that must converge.
 *
 * Everything random comes from one seed: the programs, the commands, the
 * faults' dice (each command's faults are seeded from it). Calls of resources
 * running concurrently may still meet the dice in another order from run to
 * run, so figures of one seed can differ slightly between runs.
 */
import fetch from "node-fetch";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { AlicloudRdsAdapter } from "../../provider/clouds/alicloud/rds";
import { seededRandom } from "../../emulator/core/fault-queue";
import type { InstanceSpec, ServiceKey } from "../../emulator/core/types";
import type { StateResource, Step } from "../support/engine";
import { startWorld, World } from "../support/world";

/** One service the soak drives: its instances, and the operations that create or delete. */
interface Service {
    key: ServiceKey;
    title: string;
    args: { cloud: "alicloud" | "huaweicloud"; service?: "rds" | "geminidb" };
    instances: [string, string];
    mutating: string[];
    create: string;
    /** Every other operation the provider calls (for faults spared from creates). */
    others: string[];
    throttle: { status: number; code: string; message: string };
    serverError: { status: number; code: string; message: string };
}

const MARK = "(soak-injected)";

const SERVICES: Service[] = [
    {
        key: "alicloudRds", title: "Alibaba RDS", args: { cloud: "alicloud" },
        instances: ["rm-soak0000000000a", "rm-soak0000000000b"], mutating: ["CreateBackup", "DeleteBackup"],
        create: "CreateBackup", others: ["DescribeBackups", "DescribeBackupTasks", "DeleteBackup"],
        throttle: { status: 400, code: "Throttling.User", message: `Request was denied due to user flow control. ${MARK}` },
        serverError: { status: 503, code: "ServiceUnavailable", message: `The request has failed due to a temporary failure of the server. ${MARK}` },
    },
    {
        key: "huaweicloudRds", title: "Huawei RDS", args: { cloud: "huaweicloud" },
        instances: ["5a0a0000000000000000000000000011in01", "5c0c0000000000000000000000000013in04"],
        mutating: ["CreateManualBackup", "DeleteManualBackup", "BatchDeleteBackups"],
        create: "CreateManualBackup", others: ["ListBackups", "DeleteManualBackup", "BatchDeleteBackups"],
        throttle: { status: 429, code: "APIGW.0308", message: `The throttling threshold has been reached. ${MARK}` },
        serverError: { status: 500, code: "DBS.108000", message: `Server error. ${MARK}` },
    },
    {
        key: "huaweicloudGeminidb", title: "GeminiDB", args: { cloud: "huaweicloud", service: "geminidb" },
        instances: ["5d0d0000000000000000000000000014in06", "5e0e0000000000000000000000000015in06"],
        mutating: ["CreateBackup", "DeleteBackup", "BatchDeleteBackups"],
        create: "CreateBackup", others: ["ShowAllInstancesBackups", "ShowAllInstancesBackupsNew", "ListBackups", "DeleteBackup", "BatchDeleteBackups", "ListJobs"],
        throttle: { status: 429, code: "APIGW.0308", message: `The throttling threshold has been reached. ${MARK}` },
        serverError: { status: 500, code: "DBS.280005", message: `Server error, retry later. ${MARK}` },
    },
];

const INSTANCES: InstanceSpec[] = [
    { cloud: "alicloud", id: SERVICES[0].instances[0], engine: "MySQL", engineVersion: "8.0", minDeleteAgeDays: 0 },
    { cloud: "alicloud", id: SERVICES[0].instances[1], engine: "MySQL", engineVersion: "8.0", minDeleteAgeDays: 0 },
    { cloud: "huaweicloud", service: "rds", id: SERVICES[1].instances[0], engine: "MySQL", engineVersion: "8.0" },
    { cloud: "huaweicloud", service: "rds", id: SERVICES[1].instances[1], engine: "SQLServer", engineVersion: "2019_SE" },
    { cloud: "huaweicloud", service: "geminidb", id: SERVICES[2].instances[0], engine: "cassandra", engineVersion: "3.11" },
    { cloud: "huaweicloud", service: "geminidb", id: SERVICES[2].instances[1], engine: "cassandra", engineVersion: "3.11" },
];

/** Share of calls answered by each fault kind (overall, not conditional). */
export const FAULT_MIX = { throttle: 0.30, serverError: 0.10, resetBefore: 0.03, lostAnswer: 0.05 } as const;
type FaultKind = keyof typeof FAULT_MIX;

export interface SoakOptions {
    seed: number;
    /** Engine commands (up, refresh, destroy) under faults. */
    commands: number;
    /** Emulator job speed (default 0.01: jobs of a few hundred ms). */
    timeScale?: number;
    /** Progress lines; silent when absent. */
    log?: (line: string) => void;
    /** Also pass the provider's own lines (what a user sees under Diagnostics) to `log`. */
    providerLines?: boolean;
    /** Overall share of calls per fault kind (default {@link FAULT_MIX}). */
    mix?: Partial<Record<FaultKind, number>>;
    /** Services whose instances get failing jobs (default all three). */
    failJobsOn?: ServiceKey[];
    /** Program changes before each `up`, fewest and most (default 1 to 3). */
    changesPerUp?: [number, number];
    /** Services whose create calls get no 5xx (the other calls still do). */
    no5xxOnCreate?: ServiceKey[];
}

/** One finding, for the printed details. */
export interface Finding { service: ServiceKey | "engine"; what: string }

export interface SoakReport {
    seed: number;
    /** The fault mix and what was spared, in words. */
    setup: string;
    commands: Record<"up" | "refresh" | "destroy", number>;
    /** Resource steps executed under faults, by operation and by service. */
    operations: Record<string, number>;
    operationsByService: Record<string, number>;
    operationsTotal: number;
    calls: number;
    faults: Record<FaultKind | "gatewayHtml", number>;
    handMade: number;
    automated: number;
    failedJobsArmed: number;
    /** Days the emulated clock moved on. */
    nights: number;
    /** Failed steps whose cause the soak arranged: a failed job, a wait shorter than the job. */
    expectedFailures: Record<string, number>;
    orphaned: Finding[];
    foreignDeleted: Finding[];
    dangling: Finding[];
    needlessFailures: Finding[];
    /** Failed steps none of the above explains. */
    otherFailures: Finding[];
    converged: boolean;
    convergence: string[];
    elapsedMs: number;
}

// ---------------------------------------------------------------------------
// The program: declarations the soak changes between commands.

interface Decl {
    kind: "ManualBackup" | "BackupRetentionSet";
    name: string;
    svc: Service;
    instance: 0 | 1;
    description?: string;
    labels: string[];
    nextLabel: number;
    waitTimeout: string;
    waitForCompletion: boolean;
}

const LONG_WAIT = "3m";
const OTHER_LONG_WAIT = "4m";
const SHORT_WAIT = "40ms";
/** A job slower than the wait, or a set not waiting for its jobs. */
const isSlow = (d: Decl) => d.waitTimeout === SHORT_WAIT || !d.waitForCompletion;

function programOf(decls: Decl[], settle = false): () => void {
    const snapshot = decls.map(d => ({ ...d, labels: [...d.labels] }));
    return () => {
        for (const d of snapshot) {
            const common = {
                ...d.svc.args, instanceId: d.svc.instances[d.instance], ...(d.description ? { description: d.description } : {}),
                waitTimeout: settle ? LONG_WAIT : d.waitTimeout, waitForCompletion: settle ? true : d.waitForCompletion,
            };
            if (d.kind === "ManualBackup") new ManualBackup(d.name, common);
            else new BackupRetentionSet(d.name, { ...common, labels: d.labels });
        }
    };
}

// ---------------------------------------------------------------------------
// Reading the emulator and the state.

interface EmuBackup { service: ServiceKey; id: string; instanceId: string; status: string; live: boolean; byApi: boolean; completed: boolean }

async function emulatorView(w: World, foreign: Set<string>): Promise<{ backups: EmuBackup[]; jobs: Map<string, string | undefined> }> {
    const state = await w.admin.state();
    const backups: EmuBackup[] = [];
    const jobs = new Map<string, string | undefined>();
    for (const svc of SERVICES) {
        const s = state[svc.key] as { backups: any[]; jobs?: any[] };
        for (const b of s.backups) {
            const id = String(b.backupId ?? b.id);
            const type = String(b.mode ?? b.type ?? "");
            const byApi = svc.key === "alicloudRds" ? b.origin === "api" : type.toLowerCase() === "manual" && !foreign.has(id);
            const status = String(b.status);
            backups.push({
                service: svc.key, id, instanceId: String(b.instanceId), status, byApi,
                live: status !== "DELETING" && !b.deleteJobId,
                completed: status === "COMPLETED" || status === "Success",
            });
        }
        for (const j of s.jobs ?? []) jobs.set(`${svc.key}/${j.jobId ?? j.id}`, j.backupId === undefined ? undefined : String(j.backupId));
    }
    return { backups, jobs };
}

function serviceOf(r: StateResource): ServiceKey {
    if (r.inputs.cloud === "alicloud") return "alicloudRds";
    return r.inputs.service === "geminidb" ? "huaweicloudGeminidb" : "huaweicloudRds";
}

/** What one state entry points at: each member (the resource, or a label) with its backup id and job id. */
function pointersOf(r: StateResource): Array<{ what: string; backupId?: string; jobId?: string; status?: string; pendingDelete?: boolean }> {
    const o = r.outputs as Record<string, any>;
    if (r.type.endsWith(":ManualBackup")) {
        return [{ what: r.name, backupId: o.backupId || undefined, jobId: o.jobId || undefined, status: o.status }];
    }
    return Object.entries((o.backups ?? {}) as Record<string, any>).map(([label, m]) => ({
        what: `${r.name}[${label}]`, backupId: m?.backupId || undefined, jobId: m?.jobId || undefined, status: m?.status, pendingDelete: !!m?.pendingDelete,
    }));
}

/** Backup ids the state refers to, directly or through a job the emulator knows. */
function referencedIds(resources: StateResource[], jobs: Map<string, string | undefined>): Set<string> {
    const ids = new Set<string>();
    for (const r of resources) {
        for (const p of pointersOf(r)) {
            if (p.backupId) ids.add(`${serviceOf(r)}/${p.backupId}`);
            const viaJob = p.jobId ? jobs.get(`${serviceOf(r)}/${p.jobId}`) : undefined;
            if (viaJob) ids.add(`${serviceOf(r)}/${viaJob}`);
        }
        for (const id of ((r.outputs as any).backupIds ?? []) as string[]) ids.add(`${serviceOf(r)}/${id}`);
    }
    return ids;
}

function orphansOf(view: { backups: EmuBackup[] }, refs: Set<string>): Finding[] {
    return view.backups.filter(b => b.byApi && b.live && !refs.has(`${b.service}/${b.id}`))
        .map(b => ({ service: b.service, what: `backup ${b.id} on ${b.instanceId} (${b.status})` }));
}

function danglingOf(resources: StateResource[], view: { backups: EmuBackup[]; jobs: Map<string, string | undefined> }): Finding[] {
    const out: Finding[] = [];
    for (const r of resources) {
        const service = serviceOf(r);
        for (const p of pointersOf(r)) {
            if (p.backupId) {
                if (!view.backups.some(b => b.service === service && b.id === p.backupId && b.live)) {
                    out.push({ service, what: `${p.what} -> backup ${p.backupId} (${p.status ?? "?"}) is not in the cloud` });
                }
            } else if (p.jobId) {
                if (!view.jobs.has(`${service}/${p.jobId}`)) out.push({ service, what: `${p.what} -> job ${p.jobId} is not in the cloud` });
            } else {
                out.push({ service, what: `${p.what} (id ${r.id}, status ${p.status ?? "?"}) points at no backup and no job${r.initErrors?.length ? `; recorded after: ${r.initErrors.join("; ")}` : ""}` });
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------------------
// Faults.

interface CommandFaults { kinds: Array<{ kind: FaultKind | "gatewayHtml"; service: ServiceKey; times: number }> }

async function injectFaults(w: World, rnd: () => number, htmlOn: Set<ServiceKey>, resetOn: Set<ServiceKey>, opts: SoakOptions): Promise<CommandFaults> {
    const mix = { ...FAULT_MIX, ...opts.mix };
    const TIMES = 100_000;
    const kinds: CommandFaults["kinds"] = [];
    const seed = () => Math.floor(rnd() * 2 ** 31);
    for (const svc of SERVICES) {
        const add = async (kind: CommandFaults["kinds"][number]["kind"], fault: Record<string, unknown>) => {
            await w.admin.fault({ service: svc.key, times: TIMES, seed: seed(), ...fault });
            kinds.push({ kind, service: svc.key, times: TIMES });
        };
        // Each queued fault rolls only for the calls the earlier ones spared: conditional rates give the overall mix.
        let spared = 1;
        const rate = (overall: number) => { const r = Math.min(1, overall / spared); spared -= overall; return r; };
        if (resetOn.has(svc.key)) {
            // A lost answer: the service acted (created or deleted), the caller hears nothing. Only where it matters.
            for (const action of svc.mutating) await add("lostAnswer", { action, reset: "after", rate: mix.lostAnswer });
            await add("resetBefore", { action: "*", reset: "before", rate: rate(mix.resetBefore) });
        }
        const server = rate(mix.serverError);
        const actions = opts.no5xxOnCreate?.includes(svc.key) ? svc.others : ["*"];
        for (const action of actions) {
            if (htmlOn.has(svc.key)) {
                await add("gatewayHtml", { action, status: rnd() < 0.5 ? 502 : 503, code: "GatewayError", html: true, rate: server / 2 });
                await add("serverError", { action, ...svc.serverError, rate: server / 2 / (1 - server / 2) });
            } else await add("serverError", { action, ...svc.serverError, rate: server });
        }
        await add("throttle", { action: "*", ...svc.throttle, rate: rate(mix.throttle) });
    }
    return { kinds };
}

/** Counts what each queued fault answered, then clears the queue. */
async function collectFaults(w: World, injected: CommandFaults, into: SoakReport["faults"]): Promise<void> {
    const left = (await (await fetch(`${w.emulator.admin}/faults`)).json()).faults as Array<{ remaining: number }>;
    injected.kinds.forEach((k, i) => { into[k.kind] += k.times - (left[i]?.remaining ?? 0); });
    await fetch(`${w.emulator.admin}/faults`, { method: "DELETE" });
}

/**
 * Which fault shapes a service's emulator serves: a gateway HTML page and a
 * dropped connection are asked once; a service that answers them as a plain
 * JSON error does not get them in the mix (the report says so).
 */
async function probeFaultSupport(w: World): Promise<{ html: Set<ServiceKey>; reset: Set<ServiceKey> }> {
    const html = new Set<ServiceKey>();
    const reset = new Set<ServiceKey>();
    const key = w.emulator.accessKeys[0];
    const adapter = new AlicloudRdsAdapter({ endpoint: w.emulator.endpoints.alicloudRds, accessKeyId: key.id, accessKeySecret: key.secret, region: "cn-hangzhou" },
        { retry: { maxAttempts: 1 } });
    const probe = async (fault: Record<string, unknown>): Promise<string> => {
        await w.admin.fault({ service: "alicloudRds", action: "DescribeBackups", times: 1, ...fault });
        try { await adapter.listBackups(SERVICES[0].instances[0]); return "answered"; } catch (e) { return (e as Error).message; }
    };
    if (/HTTP503/.test(await probe({ status: 503, code: "GatewayError", html: true }))) html.add("alicloudRds");
    if (/NetworkError|ECONNRESET|socket hang up|could not reach/.test(await probe({ reset: "before" }))) reset.add("alicloudRds");
    await fetch(`${w.emulator.admin}/faults`, { method: "DELETE" });
    // The Huawei services serve both (tests/emulator cover them).
    for (const k of ["huaweicloudRds", "huaweicloudGeminidb"] as ServiceKey[]) { html.add(k); reset.add(k); }
    return { html, reset };
}

// ---------------------------------------------------------------------------
// Classifying failed steps.

const TRANSIENT = /soak-injected|ECONNRESET|socket hang up|NetworkError|could not reach|HTTP50\d|ConnectionReset|GatewayError|Throttling|APIGW\.0308/;
/** The provider's words for a job the cloud ended Failed (`failNextBackup`). */
const JOB_FAILED = /reports backup (job )?\S+ on \S+ failed/;
const TIMED_OUT = /timed out after/;

function classify(error: string, slow: boolean): "needless" | "jobFailed" | "slowJob" | "other" {
    if (TRANSIENT.test(error)) return "needless";
    if (JOB_FAILED.test(error)) return "jobFailed";
    if (TIMED_OUT.test(error) && slow) return "slowJob";
    return "other";
}

// ---------------------------------------------------------------------------
// The run.

/** Commands between two nights. */
const NIGHT_EVERY = 6;

const pick = <T>(rnd: () => number, xs: T[]): T => xs[Math.floor(rnd() * xs.length)];

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
    const started = Date.now();
    const log = opts.log ?? (() => undefined);
    const rnd = seededRandom(opts.seed);
    const w = await startWorld(INSTANCES, { timeScale: opts.timeScale ?? 0.01 });
    const report: SoakReport = {
        seed: opts.seed, setup: setupOf(opts), commands: { up: 0, refresh: 0, destroy: 0 }, operations: {}, operationsByService: {}, operationsTotal: 0, calls: 0,
        faults: { throttle: 0, serverError: 0, gatewayHtml: 0, resetBefore: 0, lostAnswer: 0 }, handMade: 0, automated: 0, failedJobsArmed: 0, nights: 0,
        expectedFailures: { jobFailed: 0, slowJob: 0 }, orphaned: [], foreignDeleted: [], dangling: [], needlessFailures: [], otherFailures: [],
        converged: false, convergence: [], elapsedMs: 0,
    };
    const foreign = new Map<string, ServiceKey>();
    try {
        const support = await probeFaultSupport(w);
        for (const k of SERVICES) if (!support.reset.has(k.key)) log(`${k.title}: the emulator does not drop connections; no resets or lost answers there`);
        for (const k of SERVICES) if (!support.html.has(k.key)) log(`${k.title}: the emulator answers no gateway HTML pages; plain 5xx only`);
        const engine = w.newEngine();
        const decls: Decl[] = [];
        let serial = 0;
        const handBackup = async () => {
            const svc = pick(rnd, SERVICES);
            const mode = rnd() < 0.5 ? "Manual" : "Automated";
            const { backupId } = await w.admin.addBackup(svc.key, { instanceId: pick(rnd, svc.instances), mode });
            foreign.set(`${svc.key}/${backupId}`, svc.key);
            if (mode === "Manual") report.handMade++; else report.automated++;
        };
        for (let i = 0; i < 6; i++) await handBackup();

        const mutate = async () => {
            const r = rnd();
            const svc = pick(rnd, SERVICES);
            const mine = decls.filter(d => d.svc === svc);
            const any = mine.length ? pick(rnd, mine) : undefined;
            if (r < 0.25 || !any) {
                if (mine.length >= 4) return;
                const kind = rnd() < 0.5 ? "ManualBackup" : "BackupRetentionSet";
                const d: Decl = {
                    kind, name: `soak-${kind === "ManualBackup" ? "mb" : "rs"}-${++serial}`, svc, instance: rnd() < 0.5 ? 0 : 1,
                    description: svc.key === "alicloudRds" ? undefined : "soak", labels: [], nextLabel: 0, waitTimeout: LONG_WAIT, waitForCompletion: true,
                };
                if (kind === "BackupRetentionSet") for (let n = 1 + Math.floor(rnd() * 2); n > 0; n--) d.labels.push(`l${String(d.nextLabel++).padStart(3, "0")}`);
                decls.push(d);
            } else if (r < 0.40) {
                decls.splice(decls.indexOf(any), 1); // removal from the program
            } else if (r < 0.60 && any.kind === "BackupRetentionSet") {
                any.labels.push(`l${String(any.nextLabel++).padStart(3, "0")}`); // a label roll
                if (any.labels.length > 2 || rnd() < 0.3) any.labels.shift();
            } else if (r < 0.72) {
                any.instance = any.instance === 0 ? 1 : 0; // a replacement
            } else if (r < 0.80) {
                // An in-place update (Alibaba backup sets have no description).
                if (svc.key === "alicloudRds") any.waitTimeout = any.waitTimeout === LONG_WAIT ? OTHER_LONG_WAIT : LONG_WAIT;
                else any.description = `soak ${serial++}`;
            } else if (r < 0.90) {
                // A job slower than the wait, or a set not waiting for its jobs; undone by a later change.
                if (isSlow(any)) { any.waitTimeout = LONG_WAIT; any.waitForCompletion = true; }
                else if (any.kind === "BackupRetentionSet" && rnd() < 0.5) any.waitForCompletion = false;
                else any.waitTimeout = SHORT_WAIT;
            } else if (!opts.failJobsOn || opts.failJobsOn.includes(svc.key)) {
                await w.admin.patchInstance(svc.key, pick(rnd, svc.instances), { failNextBackup: true }); // the next job fails
                report.failedJobsArmed++;
            }
        };

        const count = (steps: Step[], services: Map<string, ServiceKey>, command: string) => {
            for (const s of steps) {
                if (s.status !== "done" && s.status !== "failed") continue;
                if (command === "up" && s.op === "same") continue; // nothing to do for it
                const op = command === "refresh" ? "refresh" : s.op;
                report.operations[op] = (report.operations[op] ?? 0) + 1;
                const svc = services.get(s.urn) ?? "unknown";
                report.operationsByService[svc] = (report.operationsByService[svc] ?? 0) + 1;
                report.operationsTotal++;
            }
        };
        const failures = (steps: Step[], services: Map<string, ServiceKey>, slow: Set<string>, command: string) => {
            for (const s of steps.filter(x => x.status === "failed")) {
                const kind = classify(s.error ?? "", slow.has(s.urn));
                const f: Finding = { service: services.get(s.urn) ?? "engine", what: `${command}: ${s.op} ${s.name}: ${s.error}` };
                log(`  failed (${kind}): ${f.what}`);
                if (kind === "needless") report.needlessFailures.push(f);
                else if (kind === "other") report.otherFailures.push(f);
                else report.expectedFailures[kind]++;
            }
        };

        for (let c = 1; c <= opts.commands; c++) {
            // A night passes now and then, as between nightly runs: Alibaba allows 20 backups per instance and day.
            if (c % NIGHT_EVERY === 0) { await w.admin.advanceClock({ days: 1 }); report.nights++; }
            const r = rnd();
            const command = r < 0.78 || c === 1 ? "up" : r < 0.94 ? "refresh" : "destroy";
            const [fewest, most] = opts.changesPerUp ?? [1, 3];
            if (command === "up") for (let n = fewest + Math.floor(rnd() * (most - fewest + 1)); n > 0; n--) await mutate();
            if (rnd() < 0.3) await handBackup();
            const services = new Map<string, ServiceKey>();
            for (const res of engine.state.resources) services.set(res.urn, serviceOf(res));
            const slow = new Set<string>();
            for (const d of decls) {
                const urn = `urn:pulumi:dev::dbbackups-test::pulumi-nodejs:dynamic/dbbackups:${d.kind}::${d.name}`;
                services.set(urn, d.svc.key);
                if (isSlow(d)) slow.add(urn);
            }
            // A resource recorded before its job ended (slow before) may still be waited for briefly: that too is a slow job.
            for (const res of engine.state.resources) if (res.initErrors?.length) slow.add(res.urn);
            await w.admin.resetCalls();
            const injected = await injectFaults(w, rnd, support.html, support.reset, opts);
            const result = command === "up" ? await engine.up(programOf(decls)) : command === "refresh" ? await engine.refresh() : await engine.destroy();
            await collectFaults(w, injected, report.faults);
            report.calls += await w.admin.totalCalls();
            report.commands[command]++;
            count(result.steps, services, command);
            failures(result.steps, services, slow, `#${c} ${command}`);
            const unattributed = result.errors.filter(e => !result.steps.some(s => s.status === "failed" && e.includes(s.urn)));
            for (const e of unattributed) report.otherFailures.push({ service: "engine", what: `#${c} ${command}: ${e}` });
            for (const res of engine.state.resources) {
                for (const p of pointersOf(res)) if (!p.backupId && !p.jobId) log(`  ${p.what} points at nothing after #${c}: ${JSON.stringify({ ...res.outputs, __provider: undefined })} ${res.initErrors ?? ""}`);
            }
            if (opts.providerLines) for (const line of w.logs.splice(0)) log(`    ${line}`);
            log(`#${c} ${command}: ${result.steps.filter(s => s.status === "done").length} done, ${result.steps.filter(s => s.status === "failed").length} failed; state ${engine.state.resources.length} resources`);
        }

        // Compare the emulator with the state, as the faults left them.
        const view = await emulatorView(w, new Set([...foreign.keys()].map(k => k.split("/")[1])));
        const refs = referencedIds(engine.state.resources, view.jobs);
        report.orphaned = orphansOf(view, refs);
        report.dangling = danglingOf(engine.state.resources, view);
        for (const [k, service] of foreign) {
            const id = k.split("/")[1];
            if (!view.backups.some(b => b.service === service && b.id === id && b.live)) report.foreignDeleted.push({ service, what: `backup ${id} (not the stack's) is gone` });
        }

        // One fault-free `up` of the program as declared, every resource waiting for its jobs.
        for (const i of INSTANCES) await w.admin.patchInstance(SERVICES.find(s => s.instances.includes(i.id))!.key, i.id, { failNextBackup: false });
        const settle = await engine.up(programOf(decls, true));
        report.convergence = settle.errors.map(e => `up failed: ${e}`);
        const after = await emulatorView(w, new Set([...foreign.keys()].map(k => k.split("/")[1])));
        const state = engine.state.resources;
        for (const d of decls) {
            const rec = state.find(r => r.name === d.name && r.type.endsWith(`:${d.kind}`));
            if (!rec) { report.convergence.push(`${d.name}: not in state`); continue; }
            const pointers = pointersOf(rec);
            if (d.kind === "BackupRetentionSet") {
                const labels = pointers.map(p => p.what.slice(d.name.length + 1, -1)).sort();
                if (JSON.stringify(labels) !== JSON.stringify([...d.labels].sort())) report.convergence.push(`${d.name}: labels ${labels.join(",")} in state, ${d.labels.join(",")} declared`);
            }
            for (const p of pointers) {
                const b = after.backups.find(x => x.service === d.svc.key && x.id === p.backupId && x.live);
                if (!b?.completed || p.status !== "COMPLETED" || p.pendingDelete) report.convergence.push(`${p.what}: ${b ? `backup ${b.id} ${b.status}` : `no backup (${p.backupId ?? p.jobId ?? "no id"})`}, state says ${p.status}${p.pendingDelete ? ", pending delete" : ""}`);
                if (b && b.instanceId !== d.svc.instances[d.instance]) report.convergence.push(`${p.what}: backup ${b.id} is on ${b.instanceId}`);
            }
        }
        for (const r of state) if (!decls.some(d => d.name === r.name)) report.convergence.push(`${r.name}: in state but not in the program`);
        for (const o of orphansOf(after, referencedIds(state, after.jobs))) report.convergence.push(`leftover ${o.what} on ${o.service}`);
        report.converged = report.convergence.length === 0;
        await engine.destroy();
    } finally {
        await w.close();
        report.elapsedMs = Date.now() - started;
    }
    return report;
}

function setupOf(opts: SoakOptions): string {
    const mix = { ...FAULT_MIX, ...opts.mix };
    const parts = [`throttling ${mix.throttle}, 5xx ${mix.serverError}, reset before ${mix.resetBefore}, lost answers ${mix.lostAnswer} of mutating calls`];
    if (opts.failJobsOn) parts.push(`failed jobs only on ${opts.failJobsOn.join(", ") || "none"}`);
    if (opts.no5xxOnCreate?.length) parts.push(`no 5xx on creates of ${opts.no5xxOnCreate.join(", ")}`);
    return parts.join("; ");
}

/** The figures as printed by `npm run soak`. */
export function formatReport(r: SoakReport): string {
    const pct = (n: number) => r.calls ? `${(100 * n / r.calls).toFixed(1)}%` : "-";
    const list = (xs: Finding[]) => xs.slice(0, 12).map(f => `      ${f.service}: ${f.what}`).join("\n") + (xs.length > 12 ? `\n      ... and ${xs.length - 12} more` : "");
    const line = (label: string, xs: Finding[]) => `  ${label.padEnd(58)} ${xs.length}${xs.length ? `\n${list(xs)}` : ""}`;
    return [
        `soak seed ${r.seed}: ${r.commands.up} up, ${r.commands.refresh} refresh, ${r.commands.destroy} destroy in ${(r.elapsedMs / 1000).toFixed(0)}s`,
        `  fault mix: ${r.setup}`,
        `  lifecycle operations: ${r.operationsTotal} (${Object.entries(r.operations).map(([k, v]) => `${k} ${v}`).join(", ")})`,
        `  by service: ${Object.entries(r.operationsByService).map(([k, v]) => `${k} ${v}`).join(", ")}`,
        `  cloud calls: ${r.calls}; faults answered: throttling ${r.faults.throttle} (${pct(r.faults.throttle)}), 5xx ${r.faults.serverError} (${pct(r.faults.serverError)}), gateway HTML ${r.faults.gatewayHtml} (${pct(r.faults.gatewayHtml)}), reset before ${r.faults.resetBefore} (${pct(r.faults.resetBefore)}), lost answers ${r.faults.lostAnswer}`,
        `  made outside the stack: ${r.handMade} by hand, ${r.automated} automated; failed jobs armed ${r.failedJobsArmed}; nights passed ${r.nights}`,
        `  expected failures: ${r.expectedFailures.jobFailed} failed job, ${r.expectedFailures.slowJob} wait shorter than the job`,
        line("orphaned backups (the stack's, live, in no state):", r.orphaned),
        line("backups deleted that the stack did not own:", r.foreignDeleted),
        line("state entries pointing at nothing:", r.dangling),
        line("failed although a retry within waitTimeout would succeed:", r.needlessFailures),
        line("other failures (unexplained):", r.otherFailures),
        `  one fault-free up converges: ${r.converged ? "yes" : "NO"}${r.convergence.length ? `\n${r.convergence.slice(0, 12).map(c => `      ${c}`).join("\n")}` : ""}`,
    ].join("\n");
}

/** True when the four figures are zero and the fault-free `up` converged. */
export function soakHolds(r: SoakReport): boolean {
    return r.orphaned.length === 0 && r.foreignDeleted.length === 0 && r.dangling.length === 0 && r.needlessFailures.length === 0 && r.converged;
}
