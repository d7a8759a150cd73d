import { strict as assert } from "assert";
import { errorFromResponse, parseRetryAfter } from "../../provider/clouds/huaweicloud/http";

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] ?? null });

describe("Huawei error answers become CloudErrors", () => {
    it("keeps the gateway's request_id from the body when no X-Request-Id header came", () => {
        const err = errorFromResponse("Huawei Cloud RDS", "GET /v3/{project_id}/backups", 429,
            JSON.stringify({ error_code: "APIG.0308", error_msg: "The throttling threshold has been reached", request_id: "0b1c2d3e4f" }), headers({}), []);
        assert.deepEqual([err.code, err.kind, err.requestId], ["APIG.0308", "throttling", "0b1c2d3e4f"]);
        assert.match(err.message, /request 0b1c2d3e4f/);
    });

    it("prefers the X-Request-Id header when both are present", () => {
        const err = errorFromResponse("Huawei Cloud RDS", "op", 401, JSON.stringify({ error_code: "APIGW.0301", error_msg: "x", request_id: "body-id" }),
            headers({ "x-request-id": "header-id" }), []);
        assert.equal(err.requestId, "header-id");
    });

    it("an HTML or empty 5xx is transient with code HTTP<status>; a non-JSON 4xx stays a client error", () => {
        const html = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503</h1></center></body></html>";
        const e503 = errorFromResponse("Huawei Cloud GeminiDB", "op", 503, html, headers({ "x-request-id": "abc", "retry-after": "3" }), []);
        assert.deepEqual([e503.code, e503.httpStatus, e503.kind, e503.requestId, e503.retryAfterSeconds], ["HTTP503", 503, "transient", "abc", 3]);
        assert.match(e503.cloudMessage, /HTML page "503 Service Temporarily Unavailable"/);
        const empty = errorFromResponse("Huawei Cloud GeminiDB", "op", 504, "", headers({}), []);
        assert.deepEqual([empty.code, empty.kind], ["HTTP504", "transient"]);
        assert.match(empty.cloudMessage, /with no body/);
        const notJson = errorFromResponse("Huawei Cloud GeminiDB", "op", 403, "forbidden", headers({}), []);
        assert.deepEqual([notJson.code, notJson.kind], ["HTTP403", "client"]);
    });

    it("a JSON 5xx from the service keeps the service's code", () => {
        const err = errorFromResponse("Huawei Cloud RDS", "op", 500, JSON.stringify({ error_code: "DBS.200005", error_msg: "server failure" }), headers({}), []);
        assert.deepEqual([err.code, err.kind, err.cloudMessage], ["DBS.200005", "server", "server failure"]);
    });
});

describe("Huawei error bodies", () => {
    const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] ?? null });

    it("reads {error_code, error_msg}, {errCode, externalMessage} and {error:{code,message}}", () => {
        const a = errorFromResponse("Huawei Cloud RDS", "GET /x", 404, '{"error_code":"DBS.200002","error_msg":"gone"}', headers({ "x-request-id": "r1" }), []);
        assert.equal(a.code, "DBS.200002");
        assert.equal(a.kind, "client");
        assert.equal(a.requestId, "r1");
        assert.equal(errorFromResponse("s", "o", 400, '{"errCode":"DBS.1","externalMessage":"m"}', headers({}), []).code, "DBS.1");
        assert.equal(errorFromResponse("s", "o", 500, '{"error":{"code":"E","message":"m"}}', headers({}), []).kind, "server");
        const plain = errorFromResponse("s", "o", 502, "<html>bad gateway</html>", headers({}), []);
        assert.equal(plain.code, "HTTP502");
        assert.equal(plain.retryable, true);
    });

    it("classifies 429 as throttling and honours Retry-After", () => {
        const e = errorFromResponse("s", "o", 429, '{"error_code":"APIGW.0308","error_msg":"slow down"}', headers({ "retry-after": "3" }), []);
        assert.equal(e.kind, "throttling");
        assert.equal(e.retryAfterSeconds, 3);
        assert.equal(parseRetryAfter(new Date(Date.now() + 5000).toUTCString()) !== undefined, true);
        assert.equal(parseRetryAfter("soon"), undefined);
    });

    it("redacts secrets the service echoes back", () => {
        const e = errorFromResponse("s", "o", 401, '{"error_code":"APIGW.0301","error_msg":"bad sk super-secret-value"}', headers({}), ["super-secret-value"]);
        assert.doesNotMatch(e.message, /super-secret-value/);
    });
});
