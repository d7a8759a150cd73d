/**
 * Entry of the provider plugin `pulumi-resource-dbbackups` (started by the
 * launcher beside it in `plugin/`): serves the ResourceProvider protocol on a
 * free local port and prints the port, as the Pulumi engine expects. The
 * engine's address (the first argument) is not needed: progress lines go to
 * stdout, which the engine shows.
 */
import { serve } from "./server";

serve().then(({ port }) => {
    process.stdout.write(`${port}\n`);
}, err => {
    process.stderr.write(`pulumi-resource-dbbackups: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
