import { strict as assert } from "assert";
import * as net from "net";
import { AlicloudRdsAdapter } from "../../provider/clouds/alicloud/rds";

describe("network error text", () => {
    it("Alibaba: an unreachable endpoint is named by host and cause, without pop-core's glued 'POST http://...' text", async () => {
        // A port that was free a moment ago: connecting to it is refused.
        const port = await new Promise<number>(resolve => {
            const srv = net.createServer().listen(0, "127.0.0.1", () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)); });
        });
        const adapter = new AlicloudRdsAdapter({ accessKeyId: "AKID", accessKeySecret: "secret", endpoint: `http://127.0.0.1:${port}` }, { retry: { maxAttempts: 1 } });
        const err = await adapter.findBackup("rm-x", "1").then(() => undefined, (e: Error) => e);
        assert.ok(err);
        assert.match(err.message, new RegExp(`NetworkError: could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
        assert.doesNotMatch(err.message, /\dPOST|failed\.$/);
    });
});
