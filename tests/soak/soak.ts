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
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { seededRandom } from "../../emulator/core/fault-queue";
import type { ServiceKey } from "../../emulator/core/types";
import type { Step } from "../support/engine";
import { startWorld } from "../support/world";
import { danglingOf, emulatorView, Finding, orphansOf, pointersOf, referencedIds, serviceOf } from "./compare";
import { collectFaults, FAULT_MIX, FaultChoices, FaultKind, injectFaults, probeFaultSupport } from "./faults";
import { INSTANCES, Service, SERVICES } from "./services";

export { FAULT_MIX } from "./faults";
export type { Finding } from "./compare";

export interface SoakOptions extends FaultChoices {
    seed: number;
    /** Engine commands (up, refresh, destroy) under faults. */
    commands: number;
    /** Emulator job speed (default 0.01: jobs of a few hundred ms). */
    timeScale?: number;
    /** Progress lines; silent when absent. */
    log?: (line: string) => void;
    /** Also pass the provider's own lines (what a user sees under Diagnostics) to `log`. */
    providerLines?: boolean;
    /** Services whose instances get failing jobs (default all three). */
    failJobsOn?: ServiceKey[];
    /** Program changes before each `up`, fewest and most (default 1 to 3). */
    changesPerUp?: [number, number];
}

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
// Classifying failed steps.

const TRANSIENT = /soak-injected|ECONNRESET|socket hang up|NetworkError|could not reach|HTTP50\d|ConnectionReset|GatewayError|Throttling|APIGW\.0308/;
/** The provider's words for a job the cloud ended Failed (`failNextBackup`): while waiting inside a step, or in the wait step. */
const JOB_FAILED = /reports backup (job )?\S+ on \S+ failed|: the cloud reports it failed \(/;
const TIMED_OUT = /timed out after/;
/** An Alibaba create whose answers were lost, not sent again because the resource's waitTimeout had no room for the backoff. */
const NO_ROOM_TO_RESEND = /waitTimeout \([^)]*\) allowed no further attempt/;
type Cause = "needless" | "jobFailed" | "slowJob" | "other";

/**
 * Why a step failed. A wait that ran out is the job being slower than the
 * wait the soak chose, whatever the last poll said, and so is a lost create
 * answer not sent again because that wait left no room for a retry; a wait
 * of minutes that ran out is unexplained.
 */
function classifyOne(error: string, slow: boolean): Cause {
    if (TIMED_OUT.test(error) || NO_ROOM_TO_RESEND.test(error)) return slow ? "slowJob" : "other";
    if (TRANSIENT.test(error)) return "needless";
    if (JOB_FAILED.test(error)) return "jobFailed";
    return "other";
}

/** A retention set's error names each label's cause: the worst of them counts. */
function classify(error: string, slow: boolean): Cause {
    const causes = error.split(/; (?=label )/).map(part => classifyOne(part, slow));
    return (["needless", "other", "jobFailed", "slowJob"] as const).find(c => causes.includes(c)) ?? "other";
}

// ---------------------------------------------------------------------------
// The run.

/** Commands between two nights. */
const NIGHT_EVERY = 6;

/**
 * How long a finished Alibaba job stays listed by its id here: longer than the
 * soak's nights. Once a job is no longer listed, the provider finds its set by
 * start time, which is unique on a real instance (one job at a time, each of
 * minutes, so manual sets start far apart). The soak's compressed jobs start a
 * fraction of a second apart, so that lookup would judge the compression, not
 * the provider; it is tested with real spacing in the adapter's recovery tests.
 */
const SOAK_TASK_RETENTION_MINUTES = 60 * 24 * 45;

const pick = <T>(rnd: () => number, xs: T[]): T => xs[Math.floor(rnd() * xs.length)];

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
    const started = Date.now();
    const log = opts.log ?? (() => undefined);
    const rnd = seededRandom(opts.seed);
    const w = await startWorld(INSTANCES, { timeScale: opts.timeScale ?? 0.01, faults: { alicloudTaskRetentionMinutes: SOAK_TASK_RETENTION_MINUTES } });
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
                // Each resource is two steps under its component: the one that starts (and owns) the backups, and its wait step.
                for (const step of [d.kind, "BackupWait"]) {
                    const urn = `urn:pulumi:dev::dbbackups-test::dbbackups:sdk:${d.kind}$pulumi-nodejs:dynamic/dbbackups:${step}::${d.name}`;
                    services.set(urn, d.svc.key);
                    if (isSlow(d)) slow.add(urn);
                }
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
        // As the SDK's classes show it: each component's first step (the owner) with what its wait step reported.
        const state = engine.view.resources;
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
