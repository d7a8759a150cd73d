/**
 * A gateway 404 is not a deleted backup. Per service, only the cloud's
 * documented "this backup does not exist" codes count as deleted; a 404 of
 * the API gateway (a wrong project id), a 404 without a code (an HTML page)
 * and any other undocumented 404 are `unconfirmed`, and every other error
 * fails, each naming the code, the HTTP status and the request id.
 */
import { strict as assert } from "assert";
import { alicloudDeleteOutcome, ALICLOUD_NOT_FOUND_CODES } from "../../provider/clouds/alicloud/rds";
import { geminidbDeleteOutcome, GEMINIDB_NOT_FOUND_CODES } from "../../provider/clouds/huaweicloud/geminidb";
import { rdsDeleteOutcome, RDS_NOT_FOUND_CODES } from "../../provider/clouds/huaweicloud/rds";
import { batchResultOutcome, nextStepFor, UNCONFIRMED_HINT } from "../../provider/clouds/delete-outcome";
import { errorFromResponse } from "../../provider/clouds/huaweicloud/http";
import { CloudError, hintFor } from "../../provider/core/errors";
import type { DeleteOutcome } from "../../provider/clouds/adapter";

const ID = "0123456789abcdef0123456789abcdefbr01";

function cloudError(httpStatus: number, code: string, requestId = "req-7f3a"): CloudError {
    return new CloudError({ service: "svc", operation: "DELETE /v3/{project_id}/backups/{backup_id}", code, cloudMessage: `message of ${code}`, httpStatus, requestId, kind: "client" });
}

/** A Huawei error answer as the HTTP client parses it. */
function huaweiAnswer(status: number, text: string, requestId: string | null = "hdr-req-1"): CloudError {
    return errorFromResponse("Huawei Cloud GeminiDB", "DELETE /v3/{project_id}/backups/{backup_id}", status, text, { get: (n: string) => (n === "x-request-id" ? requestId : null) }, []);
}

const SERVICES: Array<{ title: string; classify: (id: string, err: unknown) => DeleteOutcome; documented: Array<[number, string]>; otherNotFound: [number, string]; blocked: [number, string] }> = [
    {
        title: "Alibaba Cloud RDS", classify: alicloudDeleteOutcome,
        documented: [[404, "InvalidBackupSetID.NotFound"]],
        otherNotFound: [404, "InvalidDBInstanceName.NotFound"], blocked: [403, "OperationDenied.BackupSetDeleteNotSupport"],
    },
    {
        title: "Huawei Cloud RDS", classify: rdsDeleteOutcome,
        documented: [[404, "DBS.201010"], [400, "DBS.201203"], [400, "RDS.3026"], [400, "DBS.280214"], [400, "RDS.3016"]],
        otherNotFound: [404, "DBS.200002"], blocked: [400, "DBS.200054"],
    },
    {
        title: "Huawei Cloud GeminiDB", classify: geminidbDeleteOutcome,
        documented: [[400, "DBS.201214"], [400, "DBS.201204"]],
        otherNotFound: [404, "DBS.200002"], blocked: [400, "DBS.201319"],
    },
];

for (const s of SERVICES) {
    describe(`Delete outcomes on ${s.title}`, () => {
        for (const [status, code] of s.documented) {
            it(`counts the documented ${code} (HTTP ${status}) as deleted`, () => {
                const o = s.classify(ID, cloudError(status, code));
                assert.deepEqual([o.result, o.code], ["deleted", code]);
            });
        }

        for (const code of ["APIGW.0101", "APIG.0101"]) {
            it(`keeps the backup on the API gateway's 404 ${code} (a wrong project id or path), naming the code, status and request id`, () => {
                const o = s.classify(ID, cloudError(404, code, "gw-req-42"));
                assert.equal(o.result, "unconfirmed");
                assert.equal(o.code, code);
                assert.match(o.message ?? "", /HTTP 404, request gw-req-42/);
                assert.match(nextStepFor(o), /huaweicloud:project_id/);
            });
        }

        it("keeps the backup on a 404 without a cloud code (an HTML page: HTTP404)", () => {
            const o = s.classify(ID, cloudError(404, "HTTP404", "lb-req-9"));
            assert.deepEqual([o.result, o.code], ["unconfirmed", "HTTP404"]);
            assert.match(o.message ?? "", /request lb-req-9/);
            assert.match(nextStepFor(o), /dbbackups:endpoints/);
        });

        it(`keeps the backup on another 404 of the service (${s.otherNotFound[1]}: not "this backup does not exist")`, () => {
            const o = s.classify(ID, cloudError(...s.otherNotFound));
            assert.equal(o.result, "unconfirmed");
        });

        it("keeps the backup on an unknown 404 code, with the general hint", () => {
            const o = s.classify(ID, cloudError(404, "Some.NewNotFound"));
            assert.equal(o.result, "unconfirmed");
            assert.equal(nextStepFor(o), UNCONFIRMED_HINT);
        });

        it("fails (never deletes) on every other gateway code and error status", () => {
            for (const [status, code] of [[401, "APIGW.0301"], [429, "APIGW.0308"], [403, "APIG.0201"], [400, "HTTP400"], [500, "HTTP500"], [503, "ServiceUnavailable"]] as const) {
                const o = s.classify(ID, cloudError(status, code));
                assert.equal(o.result, "failed", `${status} ${code}`);
                assert.match(o.message ?? "", new RegExp(`HTTP ${status}, request req-7f3a`));
            }
            assert.equal(s.classify(ID, new Error("boom")).result, "failed");
        });

        it(`reports the blocked ${s.blocked[1]} as blocked, not deleted`, () => {
            assert.equal(s.classify(ID, cloudError(...s.blocked)).result, "blocked");
        });
    });
}

describe("Delete outcomes from Huawei answers as the HTTP client parses them", () => {
    it("the gateway's wrong-project answer (404 APIGW.0101 with request_id in the body) is unconfirmed on RDS and GeminiDB", () => {
        const text = JSON.stringify({ error_code: "APIGW.0101", error_msg: "The API does not exist or has not been published in the environment", request_id: "body-req-5" });
        const err = huaweiAnswer(404, text, null);
        for (const classify of [rdsDeleteOutcome, geminidbDeleteOutcome]) {
            const o = classify(ID, err);
            assert.deepEqual([o.result, o.code], ["unconfirmed", "APIGW.0101"]);
            assert.match(o.message ?? "", /HTTP 404, request body-req-5/);
        }
    });

    it("an HTML 404 page is HTTP404, unconfirmed", () => {
        const err = huaweiAnswer(404, "<html><head><title>404 Not Found</title></head><body>nginx</body></html>");
        assert.equal(err.code, "HTTP404");
        assert.equal(geminidbDeleteOutcome(ID, err).result, "unconfirmed");
        assert.equal(rdsDeleteOutcome(ID, err).result, "unconfirmed");
    });

    it("the documented not-found answers still count as deleted", () => {
        assert.equal(geminidbDeleteOutcome(ID, huaweiAnswer(400, '{"error_code":"DBS.201214","error_msg":"backup file does not exist"}')).result, "deleted");
        assert.equal(rdsDeleteOutcome(ID, huaweiAnswer(404, '{"error_code":"DBS.201010","error_msg":"backup information does not exist"}')).result, "deleted");
    });
});

describe("Per-id results of the Huawei RDS batch delete", () => {
    const codes = { gone: RDS_NOT_FOUND_CODES, blocked: ["DBS.200054"] };
    it("deletes on 0 and the documented not-found codes only", () => {
        assert.equal(batchResultOutcome(ID, "0", "Success", codes).result, "deleted");
        for (const code of RDS_NOT_FOUND_CODES) assert.equal(batchResultOutcome(ID, code, "x", codes).result, "deleted", code);
        assert.equal(batchResultOutcome(ID, "DBS.200054", "in use", codes).result, "blocked");
        for (const code of ["APIGW.0101", "DBS.200002", "", "DBS.999999"]) assert.equal(batchResultOutcome(ID, code, "x", codes).result, "failed", code);
    });
});

describe("The documented not-found codes", () => {
    it("are exactly those of the api reference, per service", () => {
        assert.deepEqual([...ALICLOUD_NOT_FOUND_CODES], ["InvalidBackupSetID.NotFound"]);
        assert.deepEqual([...RDS_NOT_FOUND_CODES].sort(), ["DBS.201010", "DBS.201203", "DBS.280214", "RDS.3016", "RDS.3026"]);
        assert.deepEqual([...GEMINIDB_NOT_FOUND_CODES].sort(), ["DBS.201204", "DBS.201214"]);
    });

    it("hints name the project id for the gateway's 404 and the endpoint for a bare 404", () => {
        assert.match(hintFor("APIGW.0101"), /huaweicloud:project_id/);
        assert.match(hintFor("InvalidAction.NotFound"), /dbbackups:endpoints/);
        assert.match(hintFor("APIGW.0301"), /check the access key/, "authentication keeps its own hint");
        assert.match(hintFor("APIGW.0308"), /throttling/, "throttling keeps its own hint");
    });
});
