import { strict as assert } from "assert";
import { formatOffsetTime, formatUtcSpaceTime, kilobytesToBytes, parseHuaweiTime } from "../../provider/clouds/huaweicloud/time";
import { errorFromResponse, parseRetryAfter } from "../../provider/clouds/huaweicloud/http";

describe("Huawei time and size parsing", () => {
    it("reads RDS times with +0800-style offsets", () => {
        assert.equal(parseHuaweiTime("2018-08-06T12:41:14+0800"), "2018-08-06T04:41:14.000Z");
        assert.equal(parseHuaweiTime("2018-08-06T12:41:14-0130"), "2018-08-06T14:11:14.000Z");
    });

    it("reads GeminiDB v3 `yyyy-mm-dd hh:mm:ss` as UTC", () => {
        assert.equal(parseHuaweiTime("2018-08-06 12:41:14"), "2018-08-06T12:41:14.000Z");
    });

    it("reads job times with +0000, ISO Z, +08:00 and fractions", () => {
        assert.equal(parseHuaweiTime("2023-09-12T06:44:01+0000"), "2023-09-12T06:44:01.000Z");
        assert.equal(parseHuaweiTime("2023-09-12T06:44:01Z"), "2023-09-12T06:44:01.000Z");
        assert.equal(parseHuaweiTime("2023-09-12T14:44:01+08:00"), "2023-09-12T06:44:01.000Z");
        assert.equal(parseHuaweiTime("2023-09-12T06:44:01.25Z"), "2023-09-12T06:44:01.250Z");
        assert.equal(parseHuaweiTime("2016-09-12T01:17:05"), "2016-09-12T01:17:05.000Z", "no offset = UTC");
    });

    it("returns undefined for empty or unreadable times instead of throwing", () => {
        for (const v of [undefined, null, "", "yesterday", "2018-13-45T99:00:00Z"]) assert.equal(parseHuaweiTime(v), undefined, String(v));
    });

    it("converts kB to bytes with 1024 and tolerates strings and gaps", () => {
        assert.equal(kilobytesToBytes(2), 2048);
        assert.equal(kilobytesToBytes("1.5"), 1536);
        assert.equal(kilobytesToBytes(0), 0);
        assert.equal(kilobytesToBytes(undefined), undefined);
        assert.equal(kilobytesToBytes("n/a"), undefined);
    });

    it("formats times the way the APIs write them, and reads them back", () => {
        const ms = Date.parse("2018-08-06T04:41:14Z");
        assert.equal(formatOffsetTime(ms, 480), "2018-08-06T12:41:14+0800");
        assert.equal(formatOffsetTime(ms, 0), "2018-08-06T04:41:14+0000");
        assert.equal(formatUtcSpaceTime(ms), "2018-08-06 04:41:14");
        assert.equal(parseHuaweiTime(formatOffsetTime(ms, 480)), new Date(ms).toISOString());
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
