/** `inFlightLimit`: how many calls run at once, and that a waiting call gets the slot a finished (or failed) one frees. */
import * as assert from "assert";
import { inFlightLimit } from "../../provider/core/concurrency";

/** A call that ends when the test says so. */
function deferred(): { promise: Promise<string>; resolve: (v: string) => void; reject: (e: Error) => void } {
    let resolve!: (v: string) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<string>((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
}

/** Lets queued promise callbacks run. */
const turn = () => new Promise(r => setImmediate(r));

describe("inFlightLimit", () => {
    it("runs at most `limit` calls at once and starts waiting ones in the order they asked", async () => {
        const limit = inFlightLimit(2);
        const calls = Array.from({ length: 5 }, deferred);
        const started: number[] = [];
        let running = 0;
        let most = 0;
        const results = calls.map((d, i) => limit(async () => {
            started.push(i);
            most = Math.max(most, ++running);
            try {
                return await d.promise;
            } finally {
                running--;
            }
        }));
        const all = Promise.allSettled(results);
        await turn();
        assert.deepStrictEqual(started, [0, 1]);
        calls[1].resolve("b");
        await turn();
        assert.deepStrictEqual(started, [0, 1, 2]);
        calls[0].reject(new Error("refused"));
        await turn();
        assert.deepStrictEqual(started, [0, 1, 2, 3], "a failed call frees its slot too");
        calls[2].resolve("c");
        calls[3].resolve("d");
        calls[4].resolve("e");
        const settled = await all;
        assert.deepStrictEqual(settled.map(s => (s.status === "fulfilled" ? s.value : (s.reason as Error).message)), ["refused", "b", "c", "d", "e"]);
        assert.strictEqual(most, 2);
        assert.deepStrictEqual(started, [0, 1, 2, 3, 4]);
    });

    it("lets calls made through one limit nest, as long as a call does not wait inside its slot", async () => {
        const limit = inFlightLimit(1);
        const order: string[] = [];
        const outer = async (name: string): Promise<void> => {
            await limit(async () => { order.push(name); });
            if (name.length < 3) await Promise.all([outer(`${name}a`), outer(`${name}b`)]);
        };
        await outer("x");
        assert.deepStrictEqual(order, ["x", "xa", "xb", "xaa", "xab", "xba", "xbb"]);
    });
});
