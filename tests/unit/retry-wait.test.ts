import { strict as assert } from "assert";
import { CloudError, hintFor, redact } from "../../provider/core/errors";
import { backoffDelay, retryCall } from "../../provider/core/retry";
import { parseDuration, pollDelay, waitFor, WaitAbortedError, WaitTimeoutError } from "../../provider/core/wait";
import { alicloudErrorKind } from "../../provider/clouds/alicloud/rds";

const cloudError = (code: string, kind: CloudError["kind"], status = 400) =>
    new CloudError({ service: "Test", operation: "Op", code, cloudMessage: "m", httpStatus: status, kind });

describe("retrying one call", () => {
    it("retries throttling with exponential backoff and full jitter, then succeeds", async () => {
        const sleeps: number[] = [];
        let calls = 0;
        const out = await retryCall(async () => {
            calls++;
            if (calls < 4) throw cloudError("Throttling.User", "throttling");
            return "ok";
        }, { sleep: async ms => { sleeps.push(ms); }, random: () => 1, baseDelayMs: 100 });
        assert.equal(out, "ok");
        assert.equal(calls, 4);
        assert.deepEqual(sleeps, [100, 200, 400]);
    });

    it("does not retry client errors and gives up after maxAttempts", async () => {
        let calls = 0;
        await assert.rejects(retryCall(async () => { calls++; throw cloudError("SignatureDoesNotMatch", "client"); }, { sleep: async () => undefined }), /SignatureDoesNotMatch/);
        assert.equal(calls, 1);
        calls = 0;
        await assert.rejects(retryCall(async () => { calls++; throw cloudError("ServiceUnavailable", "server", 503); }, { maxAttempts: 3, sleep: async () => undefined }));
        assert.equal(calls, 3);
    });

    it("lets a non-idempotent call retry only what the cloud surely rejected", async () => {
        let calls = 0;
        const onlyThrottling = (e: unknown) => e instanceof CloudError && e.kind === "throttling";
        await assert.rejects(retryCall(async () => { calls++; throw cloudError("InternalError", "server", 500); },
            { retryable: onlyThrottling, sleep: async () => undefined }), /InternalError/);
        assert.equal(calls, 1, "a server error on create is not retried: the job may have started");
        calls = 0;
        const out = await retryCall(async () => { if (++calls < 3) throw cloudError("Throttling", "throttling"); return calls; },
            { retryable: onlyThrottling, sleep: async () => undefined });
        assert.equal(out, 3);
    });

    it("starts no attempt past its deadline: a backoff that would end after it ends the retries", async () => {
        let t = 0;
        let calls = 0;
        const sleeps: number[] = [];
        await assert.rejects(retryCall(async () => { calls++; throw cloudError("ServiceUnavailable", "server", 503); }, {
            random: () => 1, baseDelayMs: 1000, now: () => t, sleep: async ms => { sleeps.push(ms); t += ms; }, deadlineMs: 5000,
        }), /ServiceUnavailable/);
        // 1 s and 2 s end before 5 s; the next 4 s would end at 7 s.
        assert.deepEqual([calls, sleeps], [3, [1000, 2000]]);
    });

    it("honours Retry-After and caps the ceiling", () => {
        assert.equal(backoffDelay(1, { random: () => 0 }, 3), 3000);
        assert.equal(backoffDelay(10, { random: () => 1, baseDelayMs: 500, maxDelayMs: 2000 }), 2000);
    });

    it("classifies Alibaba codes", () => {
        assert.equal(alicloudErrorKind("Throttling.User", 400), "throttling");
        assert.equal(alicloudErrorKind("ServiceUnavailable", 503), "server");
        assert.equal(alicloudErrorKind("BackupJobExists", 400), "client");
    });
});

describe("waiting for a state", () => {
    it("polls with doubling delays until accepted", async () => {
        let t = 0;
        const sleeps: number[] = [];
        let polls = 0;
        const v = await waitFor("thing", async () => (++polls === 4 ? { done: true, value: 42 } : { done: false, note: "Uploading" }),
            { timeoutMs: 60_000, minDelayMs: 100, maxDelayMs: 300, now: () => t, sleep: async ms => { sleeps.push(ms); t += ms; } });
        assert.equal(v, 42);
        assert.deepEqual(sleeps, [100, 200, 300]);
    });

    it("times out with the last note and reports progress", async () => {
        let t = 0;
        const progress: string[] = [];
        await assert.rejects(waitFor("job 7", async () => ({ done: false, note: "Checking" }), {
            timeoutMs: 1000, minDelayMs: 200, maxDelayMs: 200, progressEveryMs: 400, now: () => t,
            sleep: async ms => { t += ms; }, onProgress: (n, e) => progress.push(`${n}@${e}`),
        }), (err: unknown) => err instanceof WaitTimeoutError && /job 7.*last seen: Checking/.test(err.message));
        assert.deepEqual(progress, ["Checking@400", "Checking@800"]);
        assert.equal(pollDelay(5, { minDelayMs: 1, maxDelayMs: 10 }), 10);
    });

    it("ends a long sleep at once when its signal fires, and polls no more", async () => {
        const abort = new AbortController();
        let polls = 0;
        const started = Date.now();
        setTimeout(() => abort.abort(), 50);
        await assert.rejects(waitFor("backup 9", async () => { polls++; return { done: false, note: "Running" }; },
            { timeoutMs: 600_000, minDelayMs: 60_000, maxDelayMs: 60_000, signal: abort.signal }),
        (err: unknown) => err instanceof WaitAbortedError && /backup 9.*cancelled.*last seen: Running/.test(err.message));
        assert.equal(polls, 1);
        assert.ok(Date.now() - started < 5_000, "the 60 s sleep was not cut short");
        // Already aborted: not even one poll.
        await assert.rejects(waitFor("x", async () => { polls++; return { done: true, value: 1 }; }, { timeoutMs: 1000, signal: abort.signal }), WaitAbortedError);
        assert.equal(polls, 1);
    });

    it("parses durations", () => {
        assert.equal(parseDuration("30m"), 1_800_000);
        assert.equal(parseDuration("1h30m"), 5_400_000);
        assert.equal(parseDuration("250ms"), 250);
        assert.equal(parseDuration("10"), undefined);
    });
});

describe("error text", () => {
    it("tells what to do next for the codes users meet", () => {
        assert.match(hintFor("SignatureDoesNotMatch"), /check the access key/);
        assert.match(hintFor("APIGW.0301"), /check the access key/);
        assert.match(hintFor("APIGW.0308"), /throttling requests/, "the gateway's throttling code is not an authentication failure");
        assert.match(hintFor("InvalidDBInstanceName.NotFound"), /check instanceId/);
        assert.match(hintFor("Exceeded.BackupTimes"), /20 backups today/);
        assert.match(hintFor("DBS.201201"), /already exists/);
        assert.match(hintFor("OperationDenied.BackupSetDeleteNotSupport"), /onDeleteBlocked: "forget"/);
        assert.equal(hintFor("SomethingElse"), "");
    });

    it("redacts the user-info of any URL it prints", () => {
        const text = redact("POST https://deploy:s3cret-pw@rds.example.com/ failed; also http://tok3n@10.0.0.1:8080/x", []);
        assert.ok(!text.includes("s3cret-pw") && !text.includes("tok3n"), text);
        assert.match(text, /https:\/\/\*\*\*@rds\.example\.com\//);
        assert.match(text, /http:\/\/\*\*\*@10\.0\.0\.1:8080/);
    });

    it("redacts secrets and credential pairs", () => {
        const text = redact("failed, URL: http://x/?AccessKeyId=AKID123&Signature=abc%3D&Foo=1 secret=s3cr3tvalue", ["s3cr3tvalue"]);
        assert.ok(!text.includes("AKID123") && !text.includes("abc%3D") && !text.includes("s3cr3tvalue"), text);
        assert.match(text, /Foo=1/);
    });
});
