/**
 * What the resource providers share inside one dynamic-provider host
 * process: settings from the stack config, the adapters built from them, and
 * the user-facing log. `configure` replaces the settings; nothing is captured
 * into the serialized provider.
 */
import * as path from "path";
import type { BackupAdapter } from "./clouds/adapter";
import { AdapterFactory, Target } from "./clouds";
import { ConfigSource, MissingSettingError, Settings } from "./config";
import { ProfileFileError } from "./alicloud-profile";
import { CloudError, hintFor, redact } from "./errors";
import type { OpsOptions } from "./backup-ops";
import { coordinatorFor, InstanceCoordinator } from "./instance";
import { parseDuration, WaitOptions } from "./wait";

export class ProviderRuntime {
    private settings = new Settings();
    private factory = new AdapterFactory(this.settings);
    /** Poll timing, from `dbbackups:pollInterval` (default 2s, growing to 15 times that, at most 30s); a progress line at most every 25 intervals (10s). */
    waitOptions: Partial<WaitOptions> = {};

    private engine?: EngineLog | null;

    /**
     * `logLine` prints a line for the user (the host passes console output
     * through); `engineAddress` is where the engine's `Log` service listens
     * (default: the address the CLI gave the dynamic-provider host).
     */
    constructor(private readonly logLine: (line: string) => void = line => console.log(line),
        private readonly engineAddress: string | undefined = hostEngineAddress()) { }

    /** Called by the host with the stack config before any other method. */
    configure(config: ConfigSource): void {
        this.settings = new Settings(config);
        this.factory = new AdapterFactory(this.settings);
        const poll = config.get("dbbackups:pollInterval");
        const minDelayMs = poll ? parseDuration(poll) : undefined;
        if (poll && minDelayMs === undefined) throw new Error(`config dbbackups:pollInterval must be a duration like "2s" or "500ms"; got ${poll}`);
        const min = minDelayMs ?? 2000;
        this.waitOptions = { minDelayMs: min, maxDelayMs: Math.min(30_000, min * 15), progressEveryMs: Math.min(10_000, min * 25) };
    }

    adapter(target: Target): BackupAdapter {
        return this.factory.get({ cloud: target.cloud, service: target.service ?? "rds", region: target.region });
    }

    /** The coordinator of the instance a resource targets: the only way the resources reach the cloud. */
    instance(target: Target & { instanceId: string }): InstanceCoordinator {
        return coordinatorFor(this.adapter(target), target.instanceId);
    }

    /** A sentence saying which credential or setting is missing for this target, or undefined. */
    missingSettings(target: Target): string | undefined {
        try {
            this.adapter(target);
            return undefined;
        } catch (err) {
            if (err instanceof MissingSettingError || err instanceof ProfileFileError) return `${err.message} (needed for ${target.cloud} ${target.service ?? "rds"})`;
            throw err;
        }
    }

    /** A progress or warning line for the user; the host passes console output through. */
    log(line: string): void {
        this.logLine(`[dbbackups] ${this.scrub(line)}`);
    }

    /**
     * A line about one resource for the user, attached to that resource: sent
     * to the engine as a diagnostic of `urn`, so `pulumi preview` prints it
     * under the resource on stdout and `preview --json` carries it with the
     * URN. Without an engine or a URN (or when the engine does not answer) it
     * is printed like {@link log}, which the CLI shows under the stack.
     */
    async report(urn: string | undefined, line: string, severity: "info" | "warning" = "info"): Promise<void> {
        const text = `[dbbackups] ${this.scrub(line)}`;
        if (urn && await this.engineLog(urn, text, severity)) return;
        this.logLine(text);
    }

    private async engineLog(urn: string, message: string, severity: "info" | "warning"): Promise<boolean> {
        if (this.engine === undefined) this.engine = this.engineAddress ? connectEngine(this.engineAddress) : null;
        if (!this.engine) return false;
        try {
            await this.engine.log(urn, message, severity);
            return true;
        } catch {
            this.engine = null; // not an engine that answers: print from now on
            return false;
        }
    }

    /** Timing and reporting of one create/wait, from a resource's inputs; `label` prefixes progress lines. */
    opsFor(inputs: { waitTimeout?: string; waitForCompletion?: boolean }, label: string): OpsOptions {
        return {
            timeoutMs: parseDuration(inputs.waitTimeout ?? "30m") ?? 30 * 60_000,
            wait: inputs.waitForCompletion !== false,
            label,
            log: line => this.log(line),
            polling: this.waitOptions,
        };
    }

    /**
     * Options for waiting on a job whose backup must be known before it can
     * be deleted (a destroy or prune of a backup still being made): at least
     * 30 minutes whatever `waitTimeout` says, since giving up would leave the
     * backup behind or fail the delete.
     */
    opsForResolving(inputs: { waitTimeout?: string }, label: string): OpsOptions {
        const opts = this.opsFor(inputs, label);
        return { ...opts, wait: true, timeoutMs: Math.max(opts.timeoutMs, 30 * 60_000) };
    }

    /** An error for the user: what failed, the cause scrubbed of secrets, and what to do next for a cloud error. */
    describe(what: string, err: unknown): Error {
        const hint = err instanceof CloudError ? hintFor(err.code) : "";
        return new Error(`${what}: ${this.message(err)}${hint ? `. Next: ${hint}` : ""}`);
    }

    /** The text of any thrown value, scrubbed of secrets. */
    message(err: unknown): string {
        return this.scrub(err instanceof Error ? err.message : String(err));
    }

    /** Removes configured secrets and credential-looking pairs from text. */
    scrub(text: string): string {
        return redact(text, this.settings.secrets());
    }
}

/** The engine's `Log` call, as the dynamic-provider host can reach it. */
interface EngineLog { log(urn: string, message: string, severity: "info" | "warning"): Promise<void> }

/**
 * The engine address the CLI passes to a provider plugin as its first
 * argument; the dynamic-provider host receives it but does not use it.
 */
function hostEngineAddress(): string | undefined {
    const [, script, address] = process.argv;
    return script && /dynamic-provider/.test(script) && address && /^[\w.\[\]:-]+:\d+$/.test(address) ? address : undefined;
}

/** A client of the engine's `Log` service, from the gRPC modules of the `@pulumi/pulumi` beside this package; null when they cannot be loaded. */
function connectEngine(address: string): EngineLog | null {
    try {
        // grpc-js is a dependency of @pulumi/pulumi (the peer dependency), not of this package.
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] }));
        const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
        const engproto = require("@pulumi/pulumi/proto/engine_pb");
        const client = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
        return {
            log: (urn, message, severity) => new Promise<void>((resolve, reject) => {
                const req = new engproto.LogRequest();
                req.setSeverity(severity === "warning" ? engproto.LogSeverity.WARNING : engproto.LogSeverity.INFO);
                req.setMessage(message);
                req.setUrn(urn);
                client.log(req, { deadline: Date.now() + 5000 }, (err: Error | null) => err ? reject(err) : resolve());
            }),
        };
    } catch {
        return null;
    }
}
