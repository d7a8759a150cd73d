/**
 * Classification of failed answers, for every cloud: any 5xx and any answer
 * that could not be parsed is worth another attempt; a client error is not.
 */
import { strict as assert } from "assert";
import { httpStatusOf, isUnparsableAnswer, kindOfAnswer, summarizeBody } from "../../provider/core/errors";
import { isRetryable, retryCall } from "../../provider/core/retry";

describe("classifying failed answers", () => {
    it("treats any 5xx as a server error and an unparsable answer as transient, whatever its status", () => {
        assert.equal(kindOfAnswer(502, true), "server");
        assert.equal(kindOfAnswer(503, false), "server");
        assert.equal(kindOfAnswer(599, true), "server");
        assert.equal(kindOfAnswer(400, false), "transient");
        assert.equal(kindOfAnswer(undefined, false), "transient");
        assert.equal(kindOfAnswer(429, false), "throttling");
        assert.equal(kindOfAnswer(400, true), "client");
        assert.equal(kindOfAnswer(404, true), "client");
    });

    it("recognises JSON.parse's SyntaxError and json-bigint's plain { name: 'SyntaxError' } object (what pop-core throws on an HTML page)", () => {
        const bigint = { name: "SyntaxError", message: "Unexpected '<'", at: 1, text: "<html>" };
        assert.equal(isUnparsableAnswer(bigint), true);
        assert.equal(isUnparsableAnswer((() => { try { JSON.parse("<html>"); } catch (e) { return e; } })()), true);
        assert.equal(isUnparsableAnswer(new Error("boom")), false);
        assert.equal(isUnparsableAnswer(undefined), false);
    });

    it("retries errors no adapter classified when they are unparsable answers or carry a 5xx, not a 4xx", async () => {
        assert.equal(isRetryable({ name: "SyntaxError", message: "Unexpected '<'" }), true);
        assert.equal(isRetryable({ statusCode: 502 }), true);
        assert.equal(isRetryable({ status: 503 }), true);
        assert.equal(isRetryable({ statusCode: 400, code: "InvalidParameter" }), false);
        assert.equal(isRetryable(new Error("plain")), false);
        assert.equal(httpStatusOf({ statusCode: 502 }), 502);
        let calls = 0;
        const out = await retryCall(async () => {
            if (++calls < 3) throw { name: "SyntaxError", message: "Unexpected '<'" };
            return "ok";
        }, { sleep: async () => undefined });
        assert.deepEqual([out, calls], ["ok", 3]);
    });

    it("summarises an HTML page by its title and any other body by its first 80 characters", () => {
        assert.equal(summarizeBody("<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"), "502 Bad Gateway");
        assert.equal(summarizeBody("upstream connect error\nreset"), "upstream connect error reset");
        assert.equal(summarizeBody("x".repeat(200)).length, 80);
    });
});
