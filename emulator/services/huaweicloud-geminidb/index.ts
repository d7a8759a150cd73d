// Placeholder until the huaweicloud-geminidb service lands: answers 501 to every request.
import type { EmulatedService, ServiceContext } from "../../core/types";

export function createHuaweicloudGeminidbService(_ctx: ServiceContext): EmulatedService {
    return {
        key: "huaweicloudGeminidb",
        async handle(_req, _body, res) { res.writeHead(501, { "content-type": "application/json" }); res.end('{"error_code":"DBS.000501","error_msg":"not implemented"}'); },
        addInstance() { /* placeholder */ },
        updateInstance() { /* placeholder */ },
        addBackup() { throw new Error("not implemented"); },
        removeBackup() { return false; },
        setBackupInUse() { return false; },
        snapshot() { return { instances: [], backups: [] }; },
        restore() { /* placeholder */ },
    };
}
