/**
 * Runs one program file with `up` then `destroy` through the test engine and
 * prints the outcome as one JSON line. Copied with the engine into a fresh
 * program folder by `installed-package.test.ts`, so that the program's
 * `pulumi-db-backups`, the engine's `@pulumi/pulumi` and the dynamic-provider
 * host all come from that folder's `node_modules`, as in a user's program.
 *
 *   STACK_CONFIG='{"dbbackups:pollInterval":"20ms"}' node -r ts-node/register/transpile-only run-snippet.ts <program.ts>
 */
import * as path from "path";
import { Engine } from "./engine";

async function main() {
    const file = path.resolve(process.argv[2]);
    const program = () => {
        delete require.cache[file];
        return { ...require(file) };
    };
    const config = JSON.parse(process.env.STACK_CONFIG ?? "{}") as Record<string, string>;
    const engine = new Engine({ cwd: path.dirname(file), config, onLog: line => process.stderr.write(`${line}\n`) });
    try {
        const up = await engine.up(program);
        // As the SDK's classes show it: each component's first step with what its wait step reported.
        const state = engine.view.resources.map(r => ({ type: r.type, name: r.name, id: r.id, status: r.outputs.status, providerBytes: String(r.outputs.__provider ?? "").length }));
        const destroyed = await engine.destroy();
        process.stdout.write(`${JSON.stringify({ up: { ok: up.ok, errors: up.errors, outputs: up.outputs }, state, destroy: { ok: destroyed.ok, errors: destroyed.errors } })}\n`);
    } finally {
        await engine.close();
    }
}

main().catch(err => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
});
