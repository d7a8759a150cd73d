/**
 * Tests of the host driver and the small engine, with a self-contained
 * dynamic provider defined here (no dependency on the package's provider).
 * The provider writes a journal file of every call it gets, so the tests see
 * what ran inside the host process, and reads flag files to misbehave on cue.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HostDriver, ResourceInitFailedError } from "../support/host-driver";
import { Engine, EngineOptions, formatPlan, formatResult, Program } from "../support/engine";
import { makeProjectDir, removeProjectDir } from "../support/workspace";

interface CounterArgs { key: string; size: number; note?: pulumi.Input<string>; delayMs?: number; dbr?: boolean; dep?: pulumi.Input<unknown> }

/** A provider of "counters": ids from a counter file, behaviour switched by flag files in `dir`. */
function counterProvider(dir: string): pulumi.dynamic.ResourceProvider & Record<string, any> {
    const fs = () => require("fs");
    const journal = (entry: object) => fs().appendFileSync(`${dir}/journal.jsonl`, JSON.stringify(entry) + "\n");
    const flag = (name: string) => fs().existsSync(`${dir}/${name}`);
    // The host cannot encode `undefined` in a Struct ("Unexpected struct type."), so outputs drop such keys.
    const clean = (o: object) => JSON.parse(JSON.stringify(o));
    const initFailure = (id: string, properties: object) =>
        Object.assign(new Error(`counter ${id} did not become ready`), { id, properties, reasons: ["still warming up"] });
    return {
        async configure(this: any, req: any) {
            this.greeting = req.config.get("counter:greeting");
            journal({ op: "configure", greeting: this.greeting, token: req.config.get("counter:token") });
            console.log(`counter: configured greeting=${this.greeting}`);
        },
        async check(olds: any, news: any) {
            journal({ op: "check", key: news.key });
            const failures = news.size < 0 ? [{ property: "size", reason: "must not be negative" }] : [];
            return { inputs: news, failures };
        },
        async diff(id: string, olds: any, news: any) {
            journal({ op: "diff", id });
            const replaces = olds.key !== news.key ? ["key"] : [];
            const changes = replaces.length > 0 || olds.size !== news.size || olds.note !== news.note;
            return { changes, replaces, deleteBeforeReplace: !!news.dbr };
        },
        async create(this: any, inputs: any) {
            journal({ op: "create:start", key: inputs.key });
            await new Promise((r) => setTimeout(r, inputs.delayMs ?? 0));
            const counterFile = `${dir}/counter`;
            const n = fs().existsSync(counterFile) ? Number(fs().readFileSync(counterFile, "utf8")) + 1 : 1;
            fs().writeFileSync(counterFile, String(n));
            const id = `c${n}`;
            const outs = clean({ key: inputs.key, size: inputs.size, note: inputs.note, dbr: inputs.dbr, greeting: this.greeting, serial: n });
            journal({ op: "create", id, key: inputs.key });
            console.log(`counter: created ${id}`);
            if (flag(`not-ready-${inputs.key}`)) throw initFailure(id, outs);
            if (flag(`explode-${inputs.key}`)) throw new Error(`counter ${id} exploded`);
            return { id, outs };
        },
        async read(id: string, props: any) {
            journal({ op: "read", id });
            if (flag(`gone-${id}`)) return {};
            return { id, props: { ...props, readCount: (props.readCount ?? 0) + 1 } };
        },
        async update(this: any, id: string, olds: any, news: any) {
            journal({ op: "update", id, key: news.key });
            const outs = clean({ ...olds, size: news.size, note: news.note, dbr: news.dbr, greeting: this.greeting });
            if (flag(`not-ready-${news.key}`)) throw initFailure(id, outs);
            return { outs };
        },
        async delete(id: string) {
            journal({ op: "delete", id });
            if (flag(`undeletable-${id}`)) throw new Error(`counter ${id} is still in use`);
        },
    };
}

class Counter extends pulumi.dynamic.Resource {
    declare readonly serial: pulumi.Output<number>;
    declare readonly greeting: pulumi.Output<string | undefined>;
    constructor(name: string, args: CounterArgs, provider: pulumi.dynamic.ResourceProvider, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { serial: undefined, greeting: undefined, ...args }, opts, "test", "Counter");
    }
}

const TYPE = "pulumi-nodejs:dynamic/test:Counter";
const urnOf = (name: string) => `urn:pulumi:dev::dbbackups-test::${TYPE}::${name}`;

describe("dynamic-provider host driver and engine", function () {
    let dir: string;
    let provider: ReturnType<typeof counterProvider>;
    let logs: string[];
    let engine: Engine;

    const entries = (): Array<Record<string, any>> => fs.existsSync(path.join(dir, "journal.jsonl"))
        ? fs.readFileSync(path.join(dir, "journal.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
    const ops = () => entries().map((e) => e.op);
    const clearJournal = () => fs.rmSync(path.join(dir, "journal.jsonl"), { force: true });
    const setFlag = (name: string) => fs.writeFileSync(path.join(dir, name), "");
    const clearFlag = (name: string) => fs.rmSync(path.join(dir, name));
    const newEngine = (opts: Partial<EngineOptions> = {}) =>
        new Engine({ cwd: dir, onLog: (l) => logs.push(l), config: { "counter:greeting": "hello" }, ...opts });
    const ids = () => Object.fromEntries(engine.state.resources.map((r) => [r.name, r.id]));
    /** A program declaring one counter per entry. */
    const counters = (specs: Record<string, CounterArgs>): Program => () => {
        for (const [name, args] of Object.entries(specs)) new Counter(name, args, provider);
    };

    beforeEach(function () {
        dir = makeProjectDir();
        provider = counterProvider(dir);
        logs = [];
        // One host for all operations keeps these tests fast; the default (a fresh host per operation) is tested below.
        engine = newEngine({ reuseHost: true });
    });
    afterEach(async function () {
        await engine.close();
        removeProjectDir(dir);
    });

    it("driver: speaks the host's protocol, including init failures and provider errors", async function () {
        const driver = await HostDriver.start({ cwd: dir, onLog: (l) => logs.push(l) });
        try {
            // The same serialization dynamic.Resource applies to its provider.
            const text = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
            await driver.configure({ "counter:greeting": "hi", "counter:token": "s3" }, ["counter:token"]);
            const urn = urnOf("d");
            const bad = await driver.check(urn, {}, { __provider: text, key: "k", size: -1 });
            assert.deepStrictEqual(bad.failures, [{ property: "size", reason: "must not be negative" }]);
            const created = await driver.create(urn, { __provider: text, key: "k", size: 1 });
            assert.strictEqual(created.id, "c1");
            assert.strictEqual(created.properties.greeting, "hi");
            assert.strictEqual(created.properties.__provider, text);
            assert.deepStrictEqual(entries()[0], { op: "configure", greeting: "hi", token: "s3" });
            const diff = await driver.diff("c1", urn, created.properties, { __provider: text, key: "k2", size: 1, dbr: true });
            assert.deepStrictEqual(diff, { changes: true, replaces: ["key"], deleteBeforeReplace: true });

            setFlag("not-ready-k3");
            const err = await driver.create(urn, { __provider: text, key: "k3", size: 2 }).catch((e) => e);
            assert.ok(err instanceof ResourceInitFailedError, String(err));
            assert.strictEqual(err.id, "c2");
            assert.strictEqual(err.properties.serial, 2);
            assert.deepStrictEqual(err.reasons, ["still warming up"]);
            assert.strictEqual(err.message, "counter c2 did not become ready");

            setFlag("undeletable-c1");
            await assert.rejects(driver.delete("c1", urn, created.properties), { message: "counter c1 is still in use" });
            setFlag("gone-c1");
            assert.strictEqual((await driver.read("c1", urn, created.properties)).id, "");
            assert.ok(logs.includes("counter: configured greeting=hi"), logs.join("\n"));
            assert.ok(logs.includes("counter: created c1"), logs.join("\n"));
        } finally {
            await driver.stop();
        }
    });

    it("preview calls only Check and Diff, and shows creates, updates, replaces and deletes", async function () {
        await engine.close();
        engine = newEngine(); // the default: a fresh host per operation
        const plan = await engine.preview(counters({ a: { key: "ka", size: 1 }, b: { key: "kb", size: 1 } }));
        assert.ok(plan.ok, plan.errors.join("\n"));
        assert.deepStrictEqual(plan.steps.map((s) => [s.op, s.urn]), [["create", urnOf("a")], ["create", urnOf("b")]]);
        assert.deepStrictEqual([...new Set(ops())].sort(), ["check", "configure"]);
        assert.deepStrictEqual(engine.state.resources, []);

        assert.ok((await engine.up(counters({ a: { key: "ka", size: 1 }, b: { key: "kb", size: 1 }, c: { key: "kc", size: 1 } }))).ok);
        const before = JSON.stringify(engine.state);
        clearJournal();
        const next = await engine.preview(counters({ a: { key: "ka", size: 2 }, b: { key: "kb2", size: 1 } }));
        assert.deepStrictEqual(next.steps.map((s) => [s.op, s.name, s.changedKeys]),
            [["update", "a", ["size"]], ["replace", "b", ["key"]], ["delete", "c", undefined]]);
        assert.deepStrictEqual([...new Set(ops())].sort(), ["check", "configure", "diff"]);
        assert.strictEqual(JSON.stringify(engine.state), before);
        const text = formatPlan(next);
        assert.match(text, /~ +update .* a {2}\[diff: size\]/);
        assert.match(text, /\+- replace .* b {2}\[diff: key\]/);
        assert.match(text, /- +delete .* c/);
    });

    it("up creates, updates, replaces (create before delete) and deletes in Pulumi's order", async function () {
        assert.ok((await engine.up(counters({ a: { key: "ka", size: 1 }, b: { key: "kb", size: 1 }, c: { key: "kc", size: 1 } }))).ok);
        const first = ids();
        clearJournal();
        const result = await engine.up(counters({ a: { key: "ka", size: 2 }, b: { key: "kb2", size: 1 }, d: { key: "kd", size: 1 } }));
        assert.ok(result.ok, result.errors.join("\n"));
        const mutations = entries().filter((e) => ["create", "update", "delete"].includes(e.op)).map((e) => `${e.op} ${e.id}`);
        const newB = ids().b;
        assert.notStrictEqual(newB, first.b);
        assert.strictEqual(ids().a, first.a);
        assert.deepStrictEqual(mutations.slice(-2), [`delete ${first.b}`, `delete ${first.c}`]);
        assert.deepStrictEqual(mutations.slice(0, 3).sort(), [`create ${newB}`, `create ${ids().d}`, `update ${first.a}`].sort());
        assert.deepStrictEqual(engine.state.resources.map((r) => r.name).sort(), ["a", "b", "d"]);
        assert.deepStrictEqual(result.steps.map((s) => [s.op, s.name, s.status]),
            [["update", "a", "done"], ["replace", "b", "done"], ["create", "d", "done"], ["delete", "b", "done"], ["delete", "c", "done"]]);
        assert.match(formatResult(result), /\+- replace .* b {2}\[diff: key\] +replaced \(id: c\d\)/);

        clearJournal();
        assert.ok((await engine.up(counters({ a: { key: "ka", size: 2 }, b: { key: "kb3", size: 1, dbr: true }, d: { key: "kd", size: 1 } }))).ok);
        const order = entries().filter((e) => e.op === "create" || e.op === "delete").map((e) => e.op);
        assert.deepStrictEqual(order, ["delete", "create"], "delete-before-replace deletes first");
    });

    it("runs independent resources concurrently and returns real stack outputs", async function () {
        const result = await engine.up(() => {
            const made = ["a", "b", "c"].map((n) => new Counter(n, { key: `k${n}`, size: 1, delayMs: 400 }, provider));
            return { serials: pulumi.all(made.map((m) => m.serial)), firstId: made[0].id, greeting: made[0].greeting };
        });
        assert.ok(result.ok, result.errors.join("\n"));
        const creates = ops().filter((o) => o.startsWith("create"));
        assert.deepStrictEqual(creates.slice(0, 3), ["create:start", "create:start", "create:start"], creates.join(","));
        assert.deepStrictEqual([...(result.outputs.serials as number[])].sort(), [1, 2, 3]);
        assert.strictEqual(result.outputs.firstId, ids().a);
        assert.strictEqual(result.outputs.greeting, "hello");
        // What reached the mocks as `__provider` is the SDK's own serialization of the provider, kept in state.
        const text = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
        assert.ok(engine.state.resources.every((r) => r.inputs.__provider === text && r.outputs.__provider === text));
    });

    it("refresh drops a resource the provider no longer finds and updates the others", async function () {
        await engine.up(counters({ a: { key: "ka", size: 1 }, b: { key: "kb", size: 1 } }));
        setFlag(`gone-${ids().a}`);
        const result = await engine.refresh();
        assert.ok(result.ok, result.errors.join("\n"));
        assert.deepStrictEqual(result.steps.map((s) => [s.op, s.name]), [["delete", "a"], ["update", "b"]]);
        assert.deepStrictEqual(engine.state.resources.map((r) => [r.name, r.outputs.readCount]), [["b", 1]]);
    });

    it("a Check failure stops up before any change", async function () {
        await engine.up(counters({ a: { key: "ka", size: 1 } }));
        const before = JSON.stringify(engine.state);
        clearJournal();
        const result = await engine.up(counters({ a: { key: "ka", size: 5 }, bad: { key: "kbad", size: -1 } }));
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(result.errors, [`${urnOf("bad")}: size: must not be negative`]);
        assert.deepStrictEqual(ops().filter((o) => !["configure", "check", "diff"].includes(o)), []);
        assert.strictEqual(JSON.stringify(engine.state), before);
    });

    it("records an init failure with its id and properties, skips dependents, and updates it on the next up", async function () {
        setFlag("not-ready-ka");
        const program: Program = () => {
            const a = new Counter("a", { key: "ka", size: 1 }, provider);
            new Counter("b", { key: "kb", size: 1 }, provider);
            new Counter("c", { key: "kc", size: 1, dep: a.serial }, provider);
        };
        const first = await engine.up(program);
        assert.strictEqual(first.ok, false);
        assert.deepStrictEqual(first.errors, [`${urnOf("a")}: counter c1 did not become ready`]);
        const a = engine.state.resources.find((r) => r.name === "a")!;
        assert.deepStrictEqual([a.id, a.outputs.serial, a.initErrors], ["c1", 1, ["still warming up"]]);
        assert.deepStrictEqual(first.steps.map((s) => [s.name, s.status]), [["a", "failed"], ["b", "done"], ["c", "skipped"]]);
        assert.deepStrictEqual(engine.state.resources.map((r) => r.name).sort(), ["a", "b"]);

        clearFlag("not-ready-ka");
        clearJournal();
        const second = await engine.up(program);
        assert.ok(second.ok, second.errors.join("\n"));
        assert.deepStrictEqual(entries().filter((e) => e.op === "update").map((e) => e.id), ["c1"]);
        assert.deepStrictEqual(entries().filter((e) => e.op === "create").map((e) => e.key), ["kc"]);
        assert.strictEqual(engine.state.resources.find((r) => r.name === "a")!.initErrors, undefined);
    });

    it("keeps the old resource of a replacement that failed to initialize and deletes it first on the next up", async function () {
        await engine.up(counters({ a: { key: "ka", size: 1 } }));
        setFlag("not-ready-kb");
        assert.strictEqual((await engine.up(counters({ a: { key: "kb", size: 1 } }))).ok, false);
        const rows = () => engine.state.resources.map((r) => [r.id, r.delete ?? false, r.initErrors ?? []]);
        assert.deepStrictEqual(rows(), [["c1", true, []], ["c2", false, ["still warming up"]]]);
        clearFlag("not-ready-kb");
        clearJournal();
        assert.ok((await engine.up(counters({ a: { key: "kb", size: 1 } }))).ok);
        assert.deepStrictEqual(entries().filter((e) => ["create", "update", "delete"].includes(e.op)).map((e) => `${e.op} ${e.id}`),
            ["delete c1", "update c2"]);
        assert.deepStrictEqual(rows(), [["c2", false, []]]);
    });

    it("a create that fails outright leaves no state, skips its dependents and keeps going", async function () {
        setFlag("explode-ka");
        const result = await engine.up(() => {
            const a = new Counter("a", { key: "ka", size: 1 }, provider);
            new Counter("b", { key: "kb", size: 1 }, provider);
            const c = new Counter("c", { key: "kc", size: 1, dep: a.serial }, provider);
            return { aSerial: a.serial, cId: c.id };
        });
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(result.errors, [`${urnOf("a")}: counter c1 exploded`]);
        assert.deepStrictEqual(result.steps.map((s) => [s.name, s.status]), [["a", "failed"], ["b", "done"], ["c", "skipped"]]);
        assert.deepStrictEqual(entries().filter((e) => e.op === "create").map((e) => e.key).sort(), ["ka", "kb"]);
        assert.deepStrictEqual(engine.state.resources.map((r) => r.name), ["b"]);
        assert.deepStrictEqual(result.outputs, { aSerial: undefined, cId: undefined });
        assert.match(formatResult(result), /c +skipped \(a dependency failed\)/);
    });

    it("sends the stack config to configure on a fresh host per operation and keeps secrets out of state", async function () {
        await engine.close();
        engine = newEngine();
        engine.config["counter:token"] = "t0ps3cret-token";
        engine.secretKeys.push("counter:token");
        const result = await engine.up(() => {
            const a = new Counter("a", { key: "ka", size: 1, note: pulumi.secret("hunter2-note") }, provider);
            return { greeting: a.greeting };
        });
        assert.ok(result.ok, result.errors.join("\n"));
        assert.strictEqual(result.outputs.greeting, "hello");
        const configures = entries().filter((e) => e.op === "configure");
        assert.deepStrictEqual(configures, [{ op: "configure", greeting: "hello", token: "t0ps3cret-token" }]);
        assert.ok(logs.includes("counter: configured greeting=hello"), logs.join("\n"));
        assert.ok(logs.includes(`counter: created ${ids().a}`), logs.join("\n"));
        const state = JSON.stringify(engine.state);
        assert.ok(!state.includes("t0ps3cret") && !state.includes("hunter2"), state);
        await engine.refresh();
        assert.strictEqual(entries().filter((e) => e.op === "configure").length, 2, "refresh ran in a new host");
    });

    it("destroy deletes independent resources together, dependents before their dependencies, and keeps a resource whose delete failed", async function () {
        await engine.up(() => {
            const a = new Counter("a", { key: "ka", size: 1 }, provider);
            new Counter("b", { key: "kb", size: 1 }, provider);
            new Counter("c", { key: "kc", size: 1 }, provider, { dependsOn: [a] });
        });
        const before = ids();
        setFlag(`undeletable-${before.b}`);
        clearJournal();
        const result = await engine.destroy();
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(result.errors, [`${urnOf("b")}: counter ${before.b} is still in use`]);
        const deletes = entries().filter((e) => e.op === "delete").map((e) => e.id);
        assert.deepStrictEqual([...deletes].sort(), [before.a, before.b, before.c].sort());
        assert.ok(deletes.indexOf(before.c) < deletes.indexOf(before.a), "c depends on a, so c goes first");
        assert.deepStrictEqual(engine.state.resources.map((r) => r.name), ["b"]);
    });
});
