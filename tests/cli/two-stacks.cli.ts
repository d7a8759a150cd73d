/**
 * Two pipelines on two stacks targeting the same instances at the same time,
 * under the real `pulumi` CLI (`npm run test:cli`), against the emulator: on
 * Alibaba RDS, Huawei RDS and GeminiDB, each stack holds a nightly
 * BackupRetentionSet and a ManualBackup on the one instance of the service.
 * Night 1 (both create), night 2 (both create and prune) and destroy run the
 * two stacks' commands concurrently; every command exits 0, each checkpoint
 * holds exactly its own backups, and no stack ever asks the cloud to delete a
 * backup that is not in its own state. A third stack whose Huawei sets are
 * given the first one's names fails those labels and touches none of its
 * backups.
 *
 * Each stack reaches the emulator through a recording proxy of its own, so
 * every call (and the ids it names) is attributed to the stack that sent it;
 * the proxies hold each stack's first create or delete on an instance until
 * the other stack's arrives, so the runs start their jobs together however far
 * apart the two CLIs got there. Jobs take about a second, so the stacks'
 * creates and deletes meet on each instance: the providers run in two
 * processes and only the cloud's one-job-at-a-time refusals keep them apart.
 */
import * as assert from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { startEmulator, RunningEmulator } from "../../emulator";
import { defaultInstances, DEFAULT_INSTANCE_IDS as IDS } from "../../emulator/defaults";
import type { ServiceKey } from "../../emulator/core/types";
import { Admin } from "../support/world";
import { CliWorkspace, CliResult, expectOk, expectFailed } from "./support";

const PROGRAM = path.join(__dirname, "programs", "two-stacks");
/** The two pipelines; a third one, later, is configured with the first one's Huawei names by mistake. */
const STACKS = ["pipeline-a", "pipeline-b"];
const CLASHING = "pipeline-c";
type Stack = string;
/** Each service's instance, and the program's name for it (`nightly-<key>`, `before-migration-<key>`). */
const TARGETS: Array<{ service: ServiceKey; key: string; instanceId: string; config: string }> = [
    { service: "alicloudRds", key: "alicloud", instanceId: IDS.alicloudQuickstart, config: "alicloudInstance" },
    { service: "huaweicloudRds", key: "huaweicloudRds", instanceId: IDS.huaweicloudSqlServer, config: "huaweicloudRdsInstance" },
    { service: "huaweicloudGeminidb", key: "geminidb", instanceId: IDS.geminidbCassandra, config: "geminidbInstance" },
];
/** The clouds' one-backup-operation-at-a-time refusals (Alibaba, Huawei RDS, GeminiDB). */
const BUSY = /"(BackupJobExists|DBS\.201205|DBS\.200019)"/;
const KEEP = 3;
const night = (day: number) => `2026-11-${day}T02:00:00Z`;
const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-11-${from + i}`);
const idOf = (b: any): string => String(b.backupId ?? b.id ?? b.BackupId);

/** One call a stack's provider sent, as its proxy saw it. */
interface Call { stack: Stack; service: ServiceKey; method: string; path: string; form: URLSearchParams; body: string; status: number; response: string; at: number }

/** What a call asked to create or delete. */
function kindOf(c: Call): { create?: boolean; deletes?: string[] } {
    const action = c.form.get("Action");
    if (c.service === "alicloudRds") {
        if (action === "CreateBackup") return { create: true };
        if (action === "DeleteBackup") return { deletes: (c.form.get("BackupId") ?? "").split(",").filter(Boolean) };
        return {};
    }
    const p = c.path.replace(/\?.*$/, "");
    if (c.method === "POST" && (/^\/v3\/[^/]+\/backups$/.test(p) || /^\/v3\/[^/]+\/instances\/[^/]+\/backups$/.test(p))) return { create: true };
    if (c.method === "DELETE" && /^\/v3\/[^/]+\/backups\/[^/]+$/.test(p)) return { deletes: [decodeURIComponent(p.split("/").pop()!)] };
    // Huawei RDS batch delete (SQL Server), GeminiDB batch delete.
    if ((c.method === "POST" && /\/backups\/batch-delete$/.test(p)) || (c.method === "DELETE" && /^\/v3\/[^/]+\/instances\/backups$/.test(p))) {
        return { deletes: (JSON.parse(c.body || "{}").backup_ids ?? []).map(String) };
    }
    return {};
}

/** How long a stack's first create or delete may be held for the other stacks' (well inside the clients' 15 s request timeout). */
const GATE_MAX_MS = 10_000;

/**
 * Holds each stack's first create or delete on a service until every stack of
 * the run has sent one (at most GATE_MAX_MS), so that the runs meet on the
 * instance however late one CLI got there (they start several seconds apart
 * on a loaded machine, longer than a stack's few one-second jobs).
 */
class StartGate {
    private readonly arrived = new Map<ServiceKey, Set<Stack>>();
    private readonly open = new Map<ServiceKey, { promise: Promise<void>; resolve: () => void }>();
    /** Services whose gate opened by its time limit, not by every stack arriving. */
    readonly timedOut: ServiceKey[] = [];
    constructor(private readonly stacks: Stack[]) { }

    async pass(stack: Stack, service: ServiceKey): Promise<void> {
        let seen = this.arrived.get(service);
        if (!seen) {
            this.arrived.set(service, seen = new Set());
            let resolve!: () => void;
            const promise = new Promise<void>((r) => { resolve = r; });
            this.open.set(service, { promise, resolve });
        }
        if (seen.has(stack)) return;
        seen.add(stack);
        const gate = this.open.get(service)!;
        if (this.stacks.every((s) => seen!.has(s))) return gate.resolve();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<void>((r) => { timer = setTimeout(() => { this.timedOut.push(service); r(); }, GATE_MAX_MS); });
        await Promise.race([gate.promise, late]);
        clearTimeout(timer);
    }
}

/** A proxy in front of one emulated service that records every call of one stack (and holds it at the run's gate, if any). */
async function recordingProxy(stack: Stack, service: ServiceKey, target: string, calls: Call[], gate: () => StartGate | undefined): Promise<{ url: string; server: http.Server }> {
    const to = new URL(target);
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (d: Buffer) => chunks.push(d));
        req.on("end", async () => {
            const body = Buffer.concat(chunks);
            const url = new URL(req.url ?? "/", "http://proxy.invalid");
            const form = new URLSearchParams(url.search);
            if (service === "alicloudRds") for (const [k, v] of new URLSearchParams(body.toString("utf8"))) form.set(k, v);
            const call: Call = { stack, service, method: req.method ?? "", path: url.pathname, form, body: body.toString("utf8"), status: 0, response: "", at: 0 };
            const kind = kindOf(call);
            const g = gate();
            if (g && (kind.create || kind.deletes)) await g.pass(stack, service);
            // Forwarded as sent (the Host header too): the signatures were made for this proxy's address.
            const out = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
                const parts: Buffer[] = [];
                answer.on("data", (d: Buffer) => parts.push(d));
                answer.on("end", () => {
                    const response = Buffer.concat(parts);
                    calls.push({ ...call, status: answer.statusCode ?? 0, response: response.toString("utf8"), at: Date.now() });
                    res.writeHead(answer.statusCode ?? 502, answer.headers);
                    res.end(response);
                });
            });
            out.on("error", (err) => { res.writeHead(502); res.end(String(err)); });
            out.end(body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("two stacks on one instance under the real pulumi CLI", function () {
    this.timeout(15 * 60_000);
    let ws: CliWorkspace;
    let emulator: RunningEmulator;
    let admin: Admin;
    const servers: http.Server[] = [];
    const calls: Call[] = [];
    const dirs: Record<Stack, string> = {};
    /** Every backup id each stack's checkpoints ever held. */
    const owned: Record<Stack, Set<string>> = {};
    /** Figures for the report at the end: per phase, per stack. */
    const figures: string[] = [];
    /** The gate of the commands running together, if any. */
    let gate: StartGate | undefined;

    before(async () => {
        ws = new CliWorkspace();
        await ws.installAndLogIn();
        // Jobs of about a second (Alibaba 1 s, Huawei RDS 0.75 s, GeminiDB 1 s; deletes 0.5 s on Huawei): the two stacks meet on each instance.
        emulator = await startEmulator({ timeScale: 0.05, instances: defaultInstances() });
        admin = new Admin(emulator.admin);
        await Promise.all(STACKS.map((s) => newStack(s, { "test:now": night(20) })));
    });
    after(async () => {
        if (figures.length) console.log(`      figures:\n${figures.map((f) => `        ${f}`).join("\n")}`);
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
        await emulator?.stop();
        ws?.remove();
    });

    /**
     * A program folder and stack `stack` of the program, reaching each
     * emulated service through a recording proxy of its own.
     */
    async function newStack(stack: Stack, config: Record<string, string>): Promise<void> {
        owned[stack] = new Set();
        const endpoints: Record<string, string> = {};
        for (const [service, url] of Object.entries(emulator.endpoints)) {
            const proxy = await recordingProxy(stack, service as ServiceKey, url as string, calls, () => gate);
            servers.push(proxy.server);
            endpoints[service] = proxy.url;
        }
        const dir = dirs[stack] = ws.project(PROGRAM, `two-stacks-${stack}`);
        expectOk(await ws.run(dir, "stack", "init", stack), `stack init ${stack}`);
        const k = emulator.accessKeys[0];
        const secret = { "alicloud:accessKey": k.id, "alicloud:secretKey": k.secret, "huaweicloud:access_key": k.id, "huaweicloud:secret_key": k.secret };
        const plain: Record<string, string> = {
            "alicloud:region": "cn-hangzhou",
            "huaweicloud:project_id": emulator.projectId,
            "huaweicloud:region": "ap-southeast-1",
            "dbbackups:endpoints": JSON.stringify(endpoints),
            "dbbackups:pollInterval": "100ms",
            "test:keep": String(KEEP),
            ...Object.fromEntries(TARGETS.map((t) => [`test:${t.config}`, t.instanceId])),
            ...config,
        };
        expectOk(await ws.run(dir, "config", "set-all",
            ...Object.entries(secret).flatMap(([key, v]) => ["--secret", `${key}=${v}`]),
            ...Object.entries(plain).flatMap(([key, v]) => ["--plaintext", `${key}=${v}`])), `config set-all ${stack}`);
    }

    /** One line of figures per stack: the run's time, and per service the backups made and deleted and the busy refusals met. */
    function tally(what: string, stacks: Stack[], results: CliResult[], from: number): void {
        const mine = calls.slice(from);
        for (const s of stacks) {
            const per = TARGETS.map((t) => {
                const c = mine.filter((x) => x.stack === s && x.service === t.service);
                const created = c.filter((x) => kindOf(x).create && x.status < 300).length;
                const deleted = new Set(c.filter((x) => x.status < 300).flatMap((x) => kindOf(x).deletes ?? [])).size;
                const refused = c.filter((x) => x.status >= 400 && BUSY.test(x.response)).length;
                return `${t.key} +${created} -${deleted} (${refused} busy refusals)`;
            });
            figures.push(`${what}, ${s}: ${(results[stacks.indexOf(s)].ms / 1000).toFixed(1)} s; ${per.join(", ")}`);
        }
    }

    /**
     * Runs `pulumi ARGS` in these stacks at the same time, their first create
     * or delete on each instance held until every stack has sent one; each
     * must exit 0. Returns the index of the run's first call in `calls`.
     */
    async function together(what: string, stacks: Stack[], ...args: string[]): Promise<number> {
        const from = calls.length;
        const started = Date.now();
        const held = gate = new StartGate(stacks);
        const results = await Promise.all(stacks.map((s) => ws.start(dirs[s], args).done)).finally(() => { gate = undefined; });
        const timedOut = held.timedOut;
        const wall = Date.now() - started;
        stacks.forEach((s, i) => expectOk(results[i], `${what} of ${s}`));
        tally(what, stacks, results, from);
        // How long the stacks' creates and deletes on each instance overlapped: the span all of them were sending them.
        const overlap = TARGETS.map((t) => {
            const spans = stacks.map((s) => calls.slice(from).filter((c) => c.stack === s && c.service === t.service && (kindOf(c).create || kindOf(c).deletes)).map((c) => c.at));
            if (spans.some((x) => x.length === 0)) return `${t.key} -`;
            if (spans.every((x) => x.length === 1)) return `${t.key} one call each, ${((Math.max(...spans.flat()) - Math.min(...spans.flat())) / 1000).toFixed(1)} s apart`;
            const ms = Math.min(...spans.map((x) => Math.max(...x))) - Math.max(...spans.map((x) => Math.min(...x)));
            return `${t.key} ${(Math.max(0, ms) / 1000).toFixed(1)} s`;
        });
        const late = timedOut.length ? `; the gate opened by its time limit on ${timedOut.join(", ")}` : "";
        figures.push(`${what}: all ${stacks.length} done in ${(wall / 1000).toFixed(1)} s; creates and deletes overlapped: ${overlap.join(", ")}${late}`);
        return from;
    }

    /** The runs since `from` met on every instance: the cloud refused some operation of one because the other's job ran. */
    function assertMet(from: number): void {
        for (const t of TARGETS) {
            const refusals = calls.slice(from).filter((c) => c.service === t.service && c.status >= 400 && BUSY.test(c.response)).length;
            assert.ok(refusals > 0, `${t.key}: no busy refusal, the stacks' runs did not meet on ${t.instanceId}`);
        }
    }

    /** Per service, the stack's backups as its checkpoint holds them: the set's label → id, and the ManualBackup's id. */
    async function holdings(stack: Stack): Promise<Record<string, { set: Record<string, string>; manual?: string }>> {
        const c = JSON.parse(expectOk(await ws.run(dirs[stack], "stack", "export"), `stack export ${stack}`).stdout);
        const resources: any[] = c.deployment.resources ?? [];
        const byName = (type: string, name: string) => resources.find((r) => r.type === `pulumi-nodejs:dynamic/dbbackups:${type}` && r.urn.endsWith(`::${name}`));
        const out: Record<string, { set: Record<string, string>; manual?: string }> = {};
        for (const t of TARGETS) {
            // Each resource is two steps: the first records (and owns) the backups, its wait step what the cloud reported since.
            const set = byName("BackupRetentionSet", `nightly-${t.key}`);
            const setWait = byName("BackupWait", `nightly-${t.key}`);
            const manual = byName("ManualBackup", `before-migration-${t.key}`);
            const manualWait = byName("BackupWait", `before-migration-${t.key}`);
            const deleted: string[] = setWait?.outputs.deleted ?? [];
            const members: Record<string, any> = Object.fromEntries(Object.entries<any>(set?.outputs.backups ?? {})
                .filter(([l]) => !deleted.includes(l)).map(([l, m]) => [l, { ...m, ...(setWait?.outputs.facts?.[l] ?? {}) }]));
            for (const [l, m] of Object.entries(members)) {
                assert.strictEqual(m.status, "COMPLETED", `${stack} ${t.key}: ${JSON.stringify(m)}`);
                assert.ok(m.backupId, `${stack} ${t.key}: label ${l} records no backup: ${JSON.stringify(m)}`);
            }
            const manualId = manual ? manual.outputs.backupId ?? manualWait?.outputs.facts?.backup?.backupId : undefined;
            out[t.key] = { set: Object.fromEntries(Object.entries(members).map(([l, m]) => [l, String(m.backupId)])), manual: manualId };
            for (const id of [...Object.values(out[t.key].set), ...(out[t.key].manual ? [out[t.key].manual!] : [])]) owned[stack].add(id);
        }
        assert.deepStrictEqual(c.deployment.pending_operations ?? [], [], `${stack} has pending operations`);
        return out;
    }

    /** The manual backups the emulator holds on an instance (ids), leaving out any being deleted. */
    async function cloudIds(service: ServiceKey, instanceId: string): Promise<string[]> {
        const backups = await admin.backupsOf(service, instanceId);
        return backups.filter((b) => !/auto/i.test(String(b.type ?? b.BackupMode ?? "manual"))).map(idOf).sort();
    }

    /** No stack asked to delete a backup its own state did not hold, nor one of another stack. */
    function assertDeletesOwnOnly(): void {
        for (const c of calls) {
            for (const id of kindOf(c).deletes ?? []) {
                assert.ok(owned[c.stack].has(id), `${c.stack} asked to delete backup ${id} (${c.service}), which its state never held`);
                for (const other of Object.keys(owned).filter((s) => s !== c.stack)) {
                    assert.ok(!owned[other].has(id), `${c.stack} asked to delete backup ${id} (${c.service}) of ${other}`);
                }
            }
        }
    }

    type Holdings = Awaited<ReturnType<typeof holdings>>;
    let night1: Record<Stack, Holdings>;
    let night2: Record<Stack, Holdings>;

    it("night 1: both stacks create their backups at the same time; each checkpoint holds its own, the instance holds exactly both", async () => {
        const from = await together("night 1 (up)", STACKS, "up", "--yes", "--skip-preview");
        night1 = { [STACKS[0]]: await holdings(STACKS[0]), [STACKS[1]]: await holdings(STACKS[1]) };
        for (const t of TARGETS) {
            const [a, b] = STACKS.map((s) => night1[s][t.key]);
            for (const [s, h] of [[STACKS[0], a], [STACKS[1], b]] as const) {
                assert.deepStrictEqual(Object.keys(h.set).sort(), days(18, 20), `${s} ${t.key}`);
                assert.ok(h.manual, `${s} ${t.key}: no ManualBackup id`);
            }
            const ids = (h: typeof a) => [...Object.values(h.set), h.manual!];
            assert.strictEqual(new Set([...ids(a), ...ids(b)]).size, 2 * (KEEP + 1), `${t.key}: the stacks share a backup: ${JSON.stringify({ a, b })}`);
            assert.deepStrictEqual(await cloudIds(t.service, t.instanceId), [...ids(a), ...ids(b)].sort(), `${t.key}: the instance holds other backups than the two stacks'`);
        }
        // Every backup was made once: one accepted create per backup in each stack's state.
        for (const s of STACKS) for (const t of TARGETS) {
            const accepted = calls.filter((c) => c.stack === s && c.service === t.service && kindOf(c).create && c.status < 300).length;
            assert.strictEqual(accepted, KEEP + 1, `${s} ${t.key}: ${accepted} creates accepted`);
        }
        assertMet(from);
        assertDeletesOwnOnly();
    });

    it("night 2: both stacks create two backups and prune two at the same time, each only its own", async () => {
        await Promise.all(STACKS.map(async (s) => expectOk(await ws.run(dirs[s], "config", "set", "test:now", night(22)), `config set ${s}`)));
        const from = await together("night 2 (up)", STACKS, "up", "--yes", "--skip-preview");
        night2 = { [STACKS[0]]: await holdings(STACKS[0]), [STACKS[1]]: await holdings(STACKS[1]) };
        for (const t of TARGETS) {
            for (const s of STACKS) {
                const before = night1[s][t.key], after = night2[s][t.key];
                assert.deepStrictEqual(Object.keys(after.set).sort(), days(20, 22), `${s} ${t.key}`);
                assert.strictEqual(after.set["2026-11-20"], before.set["2026-11-20"], `${s} ${t.key}: the kept backup was made again`);
                assert.strictEqual(after.manual, before.manual, `${s} ${t.key}: the ManualBackup changed`);
                // What this stack deleted is exactly the two labels that left its window.
                const deleted = new Set(calls.slice(from).filter((c) => c.stack === s && c.service === t.service && c.status < 300).flatMap((c) => kindOf(c).deletes ?? []));
                assert.deepStrictEqual([...deleted].sort(), [before.set["2026-11-18"], before.set["2026-11-19"]].sort(), `${s} ${t.key}: deleted`);
            }
            const [a, b] = STACKS.map((s) => night2[s][t.key]);
            const all = [...Object.values(a.set), a.manual!, ...Object.values(b.set), b.manual!];
            assert.strictEqual(new Set(all).size, 2 * (KEEP + 1), `${t.key}: the stacks share a backup`);
            // Huawei deletes finish asynchronously: what is still being deleted is left out of the comparison.
            const cloud = (await admin.backupsOf(t.service, t.instanceId)).filter((b) => !/DELET/i.test(String(b.status ?? b.BackupStatus ?? "")));
            assert.deepStrictEqual(cloud.map(idOf).sort(), all.sort(), `${t.key}: the instance holds other backups than the two stacks'`);
        }
        assertDeletesOwnOnly();
        assertMet(from);
    });

    it("a third stack whose Huawei sets are named like another stack's fails those labels, naming the other backup, and touches none of them", async () => {
        // A mistake in a third pipeline: its sets' namePrefix is the first pipeline's.
        await newStack(CLASHING, { "test:now": night(22), "test:namePrefix": `nightly-${STACKS[0]}` });
        const from = calls.length;
        // --continue-on-error: without it the CLI starts no new step once one failed, so whether the Alibaba set and the
        // ManualBackups were made would depend on which step the CLI reached first.
        const r = expectFailed(await ws.run(dirs[CLASHING], "up", "--yes", "--skip-preview", "--continue-on-error"), `up of ${CLASHING}`);
        tally(`up of ${CLASHING} (names taken)`, [CLASHING], [r], from);
        const text = r.stdout + r.stderr;
        const mine = calls.slice(from).filter((c) => c.stack === CLASHING);
        for (const t of TARGETS.filter((x) => x.service !== "alicloudRds")) {
            for (const l of days(20, 22)) {
                const theirs = night2[STACKS[0]][t.key].set[l];
                assert.ok(text.includes(`a backup named nightly-${STACKS[0]}-${l} already exists on instance ${t.instanceId} (backup ${theirs}`), `${t.key} ${l}:\n${text}`);
            }
            assert.match(text, /or set another namePrefix/);
            // Only its ManualBackup was made on the instance; the clashing labels made nothing.
            assert.strictEqual(mine.filter((c) => c.service === t.service && kindOf(c).create && c.status < 300).length, 1, t.key);
        }
        assert.deepStrictEqual(mine.flatMap((c) => kindOf(c).deletes ?? []), [], "the failed up deleted something");
        const held = await holdings(CLASHING);
        for (const t of TARGETS) {
            // Its own backups are in its state (the Alibaba set and every ManualBackup); the failed sets hold none.
            assert.deepStrictEqual(Object.keys(held[t.key].set).sort(), t.service === "alicloudRds" ? days(20, 22) : [], `${CLASHING} ${t.key}`);
            assert.ok(held[t.key].manual, `${CLASHING} ${t.key}: no ManualBackup id`);
            // Both pipelines' backups are all still there.
            const cloud = new Set(await cloudIds(t.service, t.instanceId));
            for (const s of STACKS) for (const id of [...Object.values(night2[s][t.key].set), night2[s][t.key].manual!]) assert.ok(cloud.has(id), `${s}'s backup ${id} (${t.key}) is gone`);
        }
        for (const s of STACKS) assert.deepStrictEqual(await holdings(s), night2[s], `${s}'s state changed`);
        assertDeletesOwnOnly();
    });

    it("destroy of the stacks at the same time leaves no manual backup of theirs on any instance", async () => {
        const stacks = [...STACKS, CLASHING];
        await together("destroy", stacks, "destroy", "--yes", "--skip-preview");
        for (const s of stacks) {
            const out = JSON.parse(expectOk(await ws.run(dirs[s], "stack", "output", "--json"), `stack output ${s}`).stdout);
            assert.deepStrictEqual(out, {}, `${s} still has outputs`);
        }
        assertDeletesOwnOnly();
        await admin.advanceClock({ hours: 1 }); // Huawei deletes asynchronously
        for (const t of TARGETS) assert.deepStrictEqual(await cloudIds(t.service, t.instanceId), [], `${t.key}: backups left`);
    });
});
