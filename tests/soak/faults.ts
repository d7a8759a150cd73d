/**
 * The soak's fault mix, queued through the emulator's admin API before each
 * command and counted after it.
 */
import fetch from "node-fetch";
import { AlicloudRdsAdapter } from "../../provider/clouds/alicloud/rds";
import type { ServiceKey } from "../../emulator/core/types";
import type { World } from "../support/world";
import { SERVICES } from "./services";

/** Share of calls answered by each fault kind (overall, not conditional). */
export const FAULT_MIX = { throttle: 0.30, serverError: 0.10, resetBefore: 0.03, lostAnswer: 0.05 } as const;
export type FaultKind = keyof typeof FAULT_MIX;

/** What to change in, or spare from, the mix. */
export interface FaultChoices {
    /** Overall share of calls per fault kind (default {@link FAULT_MIX}). */
    mix?: Partial<Record<FaultKind, number>>;
    /** Services whose create calls get no 5xx (the other calls still do). */
    no5xxOnCreate?: ServiceKey[];
}

export interface CommandFaults { kinds: Array<{ kind: FaultKind | "gatewayHtml"; service: ServiceKey; times: number }> }

/** Queues one command's faults on every service: each kind rolls its own seeded dice for every call. */
export async function injectFaults(w: World, rnd: () => number, htmlOn: Set<ServiceKey>, resetOn: Set<ServiceKey>, opts: FaultChoices): Promise<CommandFaults> {
    const mix = { ...FAULT_MIX, ...opts.mix };
    const TIMES = 100_000;
    const kinds: CommandFaults["kinds"] = [];
    const seed = () => Math.floor(rnd() * 2 ** 31);
    for (const svc of SERVICES) {
        const add = async (kind: CommandFaults["kinds"][number]["kind"], fault: Record<string, unknown>) => {
            await w.admin.fault({ service: svc.key, times: TIMES, seed: seed(), ...fault });
            kinds.push({ kind, service: svc.key, times: TIMES });
        };
        // Each queued fault rolls only for the calls the earlier ones spared: conditional rates give the overall mix.
        let spared = 1;
        const rate = (overall: number) => { const r = Math.min(1, overall / spared); spared -= overall; return r; };
        if (resetOn.has(svc.key)) {
            // A lost answer: the service acted (created or deleted), the caller hears nothing. Only where it matters.
            for (const action of svc.mutating) await add("lostAnswer", { action, reset: "after", rate: mix.lostAnswer });
            await add("resetBefore", { action: "*", reset: "before", rate: rate(mix.resetBefore) });
        }
        const server = rate(mix.serverError);
        const actions = opts.no5xxOnCreate?.includes(svc.key) ? svc.others : ["*"];
        for (const action of actions) {
            if (htmlOn.has(svc.key)) {
                await add("gatewayHtml", { action, status: rnd() < 0.5 ? 502 : 503, code: "GatewayError", html: true, rate: server / 2 });
                await add("serverError", { action, ...svc.serverError, rate: server / 2 / (1 - server / 2) });
            } else await add("serverError", { action, ...svc.serverError, rate: server });
        }
        await add("throttle", { action: "*", ...svc.throttle, rate: rate(mix.throttle) });
    }
    return { kinds };
}

/** Counts what each queued fault answered, then clears the queue. */
export async function collectFaults(w: World, injected: CommandFaults, into: Record<string, number>): Promise<void> {
    const left = (await (await fetch(`${w.emulator.admin}/faults`)).json()).faults as Array<{ remaining: number }>;
    injected.kinds.forEach((k, i) => { into[k.kind] += k.times - (left[i]?.remaining ?? 0); });
    await fetch(`${w.emulator.admin}/faults`, { method: "DELETE" });
}

/**
 * Which fault shapes a service's emulator serves: a gateway HTML page and a
 * dropped connection are asked once; a service that answers them as a plain
 * JSON error does not get them in the mix (the report says so).
 */
export async function probeFaultSupport(w: World): Promise<{ html: Set<ServiceKey>; reset: Set<ServiceKey> }> {
    const html = new Set<ServiceKey>();
    const reset = new Set<ServiceKey>();
    const key = w.emulator.accessKeys[0];
    const adapter = new AlicloudRdsAdapter({ endpoint: w.emulator.endpoints.alicloudRds, accessKeyId: key.id, accessKeySecret: key.secret, region: "cn-hangzhou" },
        { retry: { maxAttempts: 1 } });
    const probe = async (fault: Record<string, unknown>): Promise<string> => {
        await w.admin.fault({ service: "alicloudRds", action: "DescribeBackups", times: 1, ...fault });
        try { await adapter.listBackups(SERVICES[0].instances[0]); return "answered"; } catch (e) { return (e as Error).message; }
    };
    if (/HTTP503/.test(await probe({ status: 503, code: "GatewayError", html: true }))) html.add("alicloudRds");
    if (/NetworkError|ECONNRESET|socket hang up|could not reach/.test(await probe({ reset: "before" }))) reset.add("alicloudRds");
    await fetch(`${w.emulator.admin}/faults`, { method: "DELETE" });
    // The Huawei services serve both (tests/emulator cover them).
    for (const k of ["huaweicloudRds", "huaweicloudGeminidb"] as ServiceKey[]) { html.add(k); reset.add(k); }
    return { html, reset };
}
