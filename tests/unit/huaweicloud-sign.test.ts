import { strict as assert } from "assert";
import {
    canonicalQuery, canonicalRequest, canonicalUri, formatSdkDate, parseAuthorization, parseSdkDate, payloadHash,
    signRequest, strictEncode, verifyRequest, EMPTY_BODY_SHA256, type ReceivedRequest,
} from "../../provider/clouds/huaweicloud/sign";

// A known-answer vector. Every intermediate value below was computed outside
// this code with coreutils and openssl, from the canonical request written out
// by hand:
//   printf '%s' "$BODY" | sha256sum                       -> BODY_HASH
//   printf '<CANONICAL_REQUEST>' | sha256sum              -> CANONICAL_HASH
//   printf 'SDK-HMAC-SHA256\n<date>\n<CANONICAL_HASH>' | openssl dgst -sha256 -hmac "$SK"  -> SIGNATURE
const AK = "HPUAEXAMPLEAK0000001";
const SK = "example-secret-key-0123456789";
const PROJECT = "0549b4a43100d4f32f51c01c2fe4a4a3";
const DATE = new Date("2024-01-02T03:04:05Z");
const URL_ = `https://rds.cn-north-4.myhuaweicloud.com/v3/${PROJECT}/backups?b=2&a=x%20y`;
const BODY = '{"instance_id":"i1","name":"nightly-1"}';
const BODY_HASH = "d3b089f3093010ae26577d043c2abd382872f987771569ee5fcbe8162e138c55";
const CANONICAL_REQUEST = [
    "POST",
    `/v3/${PROJECT}/backups/`,
    "a=x%20y&b=2",
    "content-type:application/json;charset=UTF-8",
    "host:rds.cn-north-4.myhuaweicloud.com",
    `x-project-id:${PROJECT}`,
    "x-sdk-date:20240102T030405Z",
    "",
    "content-type;host;x-project-id;x-sdk-date",
    BODY_HASH,
].join("\n");
const SIGNATURE = "74046c7965a8fa46a9e9c18b694c9d66110f2fec283fec464e1004ba339dcb82";
const AUTHORIZATION = `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=${SIGNATURE}`;

function signed() {
    return signRequest({ method: "POST", url: URL_, headers: { "Content-Type": "application/json;charset=UTF-8" }, body: BODY },
        { accessKey: AK, secretKey: SK, projectId: PROJECT }, DATE);
}

/** The request as a server would receive it from the signed headers. */
function received(overrides: Partial<ReceivedRequest> = {}, headerPatch: Record<string, string> = {}): ReceivedRequest {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...signed(), ...headerPatch })) headers[k.toLowerCase()] = v;
    return { method: "POST", url: `/v3/${PROJECT}/backups?b=2&a=x%20y`, headers, body: Buffer.from(BODY), ...overrides };
}

const secretFor = (ak: string) => (ak === AK ? SK : undefined);

describe("Huawei SDK-HMAC-SHA256 signing", () => {
    it("produces the hand-computed Authorization for a known request", () => {
        const h = signed();
        assert.equal(h["X-Sdk-Date"], "20240102T030405Z");
        assert.equal(h["Host"], "rds.cn-north-4.myhuaweicloud.com");
        assert.equal(h["X-Project-Id"], PROJECT);
        assert.equal(h["Authorization"], AUTHORIZATION);
    });

    it("builds each intermediate value exactly as written out by hand", () => {
        assert.equal(payloadHash(BODY), BODY_HASH);
        assert.equal(payloadHash(undefined), EMPTY_BODY_SHA256);
        const url = new URL(URL_);
        const headers = { "Content-Type": "application/json;charset=UTF-8", Host: url.host, "X-Project-Id": PROJECT, "X-Sdk-Date": "20240102T030405Z" };
        assert.equal(canonicalRequest("POST", url.pathname, url.searchParams, headers,
            ["content-type", "host", "x-project-id", "x-sdk-date"], BODY_HASH), CANONICAL_REQUEST);
    });

    it("appends a trailing slash to the canonical URI and encodes segments strictly", () => {
        assert.equal(canonicalUri("/v3/p/backups"), "/v3/p/backups/");
        assert.equal(canonicalUri("/v3/p/backups/"), "/v3/p/backups/");
        assert.equal(canonicalUri("/v3/a b/x*y"), "/v3/a%20b/x%2Ay/");
        assert.equal(canonicalUri("/v3/a%20b"), "/v3/a%20b/", "an encoded path signs like the raw one");
    });

    it("sorts query keys and repeated values and keeps only unreserved characters literal", () => {
        assert.equal(canonicalQuery([["limit", "100"], ["b", "2"], ["b", "1"], ["a", "x y!'()*~._-"]]),
            "a=x%20y%21%27%28%29%2A~._-&b=1&b=2&limit=100");
        assert.equal(strictEncode("é"), "%C3%A9");
    });

    it("formats and parses X-Sdk-Date", () => {
        assert.equal(formatSdkDate(DATE), "20240102T030405Z");
        assert.equal(parseSdkDate("20240102T030405Z")?.toISOString(), "2024-01-02T03:04:05.000Z");
        assert.equal(parseSdkDate("2024-01-02T03:04:05Z"), undefined);
    });

    it("signs X-Security-Token for temporary credentials", () => {
        const h = signRequest({ method: "GET", url: URL_ }, { accessKey: AK, secretKey: SK, securityToken: "tok-123" }, DATE);
        assert.equal(h["X-Security-Token"], "tok-123");
        assert.match(h["Authorization"], /SignedHeaders=host;x-sdk-date;x-security-token,/);
        assert.deepEqual(parseAuthorization(h["Authorization"])?.signedHeaders, ["host", "x-sdk-date", "x-security-token"]);
    });

    describe("verification", () => {
        it("accepts the untouched request", () => {
            assert.deepEqual(verifyRequest(received(), secretFor, DATE), { ok: true, accessKey: AK });
        });

        it("ignores headers added after signing", () => {
            assert.equal(verifyRequest(received({}, { "user-agent": "node-fetch", connection: "keep-alive" }), secretFor, DATE).ok, true);
        });

        const tampered: Array<[string, () => ReceivedRequest]> = [
            ["a byte of the path", () => received({ url: `/v3/${PROJECT}/backupz?b=2&a=x%20y` })],
            ["a byte of the query", () => received({ url: `/v3/${PROJECT}/backups?b=3&a=x%20y` })],
            ["the method", () => received({ method: "PUT" })],
            ["a signed header", () => received({}, { "x-project-id": PROJECT.replace("0549", "0548") })],
            ["the body", () => received({ body: Buffer.from(BODY.replace("nightly-1", "nightly-2")) })],
        ];
        for (const [what, make] of tampered) {
            it(`rejects a change to ${what}`, () => {
                assert.deepEqual(verifyRequest(make(), secretFor, DATE), { ok: false, reason: "bad-signature", accessKey: AK });
            });
        }

        it("rejects a wrong secret as a bad signature", () => {
            assert.equal((verifyRequest(received(), () => "another-secret", DATE) as { reason: string }).reason, "bad-signature");
        });

        it("tells missing, malformed, unknown-key and stale-date apart", () => {
            const noAuth = received();
            delete noAuth.headers["authorization"];
            assert.equal((verifyRequest(noAuth, secretFor, DATE) as { reason: string }).reason, "missing");
            assert.equal((verifyRequest(received({}, { authorization: "SDK-HMAC-SHA256 Access=x" }), secretFor, DATE) as { reason: string }).reason, "malformed");
            assert.equal((verifyRequest(received({}, { "x-sdk-date": "yesterday" }), secretFor, DATE) as { reason: string }).reason, "malformed");
            assert.equal((verifyRequest(received(), () => undefined, DATE) as { reason: string }).reason, "unknown-key");
            const later = new Date(DATE.getTime() + 16 * 60_000);
            assert.equal((verifyRequest(received(), secretFor, later) as { reason: string }).reason, "stale-date");
            const withinSkew = new Date(DATE.getTime() + 14 * 60_000);
            assert.equal(verifyRequest(received(), secretFor, withinSkew).ok, true);
        });
    });
});
