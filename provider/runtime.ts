/**
 * What the resource providers share inside one dynamic-provider host
 * process: settings from the stack config, the adapters built from them, and
 * the user-facing log. `configure` replaces the settings; nothing is captured
 * into the serialized provider.
 */
import * as path from "path";
import type { BackupAdapter } from "./clouds/adapter";
import { AdapterFactory, Target } from "./clouds";
import { ConfigSource, durationSetting, MissingSettingError, Settings } from "./config";
import { ProfileFileError } from "./alicloud-profile";
import { CloudError, hintFor, redact } from "./core/errors";
import type { OpsOptions } from "./backup-ops";
import { coordinatorFor, DELETE_WAIT_DEFAULT_MS, InstanceCoordinator } from "./instance";
import { CheckFailure, huaweiRdsDatabasesRefusal } from "./schema";
import { setMaxListeners } from "events";
import { parseDuration, WaitOptions } from "./core/wait";

/** How long a Check waits for the instance's engine before leaving the judgement to the create. */
const CHECK_ENGINE_WAIT_MS = 5_000;

export class ProviderRuntime {
    private settings = new Settings();
    private factory = new AdapterFactory(this.settings);
    /** Poll timing, from `dbbackups:pollInterval` (default 2s, growing to 15 times that, at most 30s); a progress line at most every 25 intervals (10s). */
    waitOptions: Partial<WaitOptions> = {};
    /** Fired by `cancel`: every wait of this process ends at once. */
    private readonly cancelled = new AbortController();

    private engine?: EngineLog | null;

    /**
     * `logLine` prints a line for the user (the host passes console output
     * through); `engineAddress` is where the engine's `Log` service listens
     * (default: the address the CLI gave the dynamic-provider host).
     */
    constructor(private readonly logLine: (line: string) => void = line => console.log(line),
        private readonly engineAddress: string | undefined = hostEngineAddress()) {
        // Every wait of the process listens to it while it sleeps: hundreds at once are expected, not a leak.
        setMaxListeners(0, this.cancelled.signal);
    }

    /** The stack config the settings were built from, as text (see `configFingerprint`). */
    private configured?: string;

    /**
     * Called by the host with the stack config before any other method. The
     * host configures each resource kind's provider, both with the same stack
     * config: the second call then keeps the adapters, so both kinds share one
     * coordinator per instance (one create queue, one listing, one engine read).
     */
    configure(config: ConfigSource): void {
        const fingerprint = configFingerprint(config);
        if (fingerprint !== undefined && fingerprint === this.configured) return;
        this.configured = undefined;
        this.settings = new Settings(config);
        this.settings.retryPacing(); // a bad dbbackups:retryDelay fails here, before any call
        this.factory = new AdapterFactory(this.settings);
        const poll = config.get("dbbackups:pollInterval");
        const min = poll ? durationSetting("pollInterval", poll) : 2000;
        this.waitOptions = { minDelayMs: min, maxDelayMs: Math.min(30_000, min * 15), progressEveryMs: Math.min(10_000, min * 25) };
        this.configured = fingerprint;
    }

    /**
     * The engine's Cancel (only the provider plugin receives it; the
     * dynamic-provider host ignores it): every wait of this process, now and
     * later, ends at once. A backup the cloud accepted is then reported as an
     * init failure carrying its id, so the engine records it.
     */
    cancel(): void {
        this.cancelled.abort();
    }

    /** Whether `cancel` was called. */
    get isCancelled(): boolean {
        return this.cancelled.signal.aborted;
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

    /**
     * Rules that need the instance itself: Huawei RDS takes `databases` only
     * on some engines, so the instance's engine is read (one call per
     * instance and process, shared by concurrent Checks). At Check the read
     * is waited for at most a few seconds, and a read that fails or is late
     * judges nothing: the create asks again (`"create"`) and refuses with the
     * same message before the cloud is called. Never throws.
     */
    async instanceFailures(inputs: Target & { instanceId: string; databases?: string[] }, when: "check" | "create"): Promise<CheckFailure[]> {
        if (inputs.cloud !== "huaweicloud" || (inputs.service ?? "rds") !== "rds" || !inputs.databases?.length) return [];
        let engine: string | undefined;
        try {
            engine = await this.instance(inputs).engine(when === "check" ? { withinMs: CHECK_ENGINE_WAIT_MS } : { again: true });
        } catch {
            return []; // settings missing: reported on their own
        }
        const reason = engine === undefined ? undefined : huaweiRdsDatabasesRefusal(engine, inputs.instanceId);
        return reason ? [{ property: "databases", reason }] : [];
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
            polling: { ...this.waitOptions, signal: this.cancelled.signal },
        };
    }

    /**
     * Timing of one delete (a destroy, a replaced backup, a set's removed
     * labels, a failed backup cleaned up): every wait in it, for a busy
     * instance or for a job whose backup must be known before it can be
     * deleted, ends `deleteTimeout` (default 30 minutes) after `since`.
     * Pass the same `since` to every wait of one delete.
     */
    opsForDelete(inputs: { deleteTimeout?: string }, label: string, since: number): OpsOptions {
        const limitMs = inputs.deleteTimeout === undefined ? DELETE_WAIT_DEFAULT_MS : parseDuration(inputs.deleteTimeout) ?? DELETE_WAIT_DEFAULT_MS;
        return {
            timeoutMs: Math.max(1, since + limitMs - Date.now()),
            wait: true,
            label,
            log: line => this.log(line),
            polling: this.waitOptions,
        };
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

/**
 * The stack config as stable text, when the config object shows its key/value
 * map (the dynamic-provider host's `Config` keeps it as `rawConfig`);
 * undefined otherwise, and then every `configure` builds new settings.
 */
function configFingerprint(config: ConfigSource): string | undefined {
    const raw = (config as { rawConfig?: unknown }).rawConfig;
    if (!raw || typeof raw !== "object") return undefined;
    return JSON.stringify(Object.entries(raw as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
