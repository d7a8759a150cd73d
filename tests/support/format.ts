/**
 * Text renderings of engine plans and results in the manner of the Pulumi
 * CLI's output, for the demo script and for readable test failures.
 */
import type { Op, OpResult, Plan, Step, UpResult } from "./engine";

const SYMBOL: Record<Op, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " ", read: ">" };
const PAST: Record<Op, string> = { create: "created", update: "updated", replace: "replaced", delete: "deleted", same: "unchanged", read: "read" };
const FUTURE: Record<Op, string> = { create: "to create", update: "to update", replace: "to replace", delete: "to delete", same: "unchanged", read: "to read" };

function stepLine(s: Step, width: number): string {
    const keys = s.changedKeys?.length ? s.changedKeys : s.replaces;
    const diff = (s.op === "update" || s.op === "replace") && keys?.length ? `  [diff: ${keys.join(", ")}]` : "";
    const dbr = s.deleteBeforeReplace ? " (delete before replace)" : "";
    return ` ${SYMBOL[s.op].padEnd(2)} ${s.op.padEnd(8)} ${s.type.padEnd(width)}  ${s.name}${diff}${dbr}`;
}

function summary(steps: Step[], words: Record<Op, string>): string[] {
    const counts = new Map<Op, number>();
    for (const s of steps) if (s.status !== "failed" && s.status !== "skipped") counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
    const order: Op[] = ["create", "update", "replace", "delete", "read", "same"];
    const lines = order.filter((op) => counts.get(op)).map((op) =>
        op === "same" ? `    ${counts.get(op)} ${words[op]}` : `    ${SYMBOL[op]} ${counts.get(op)} ${words[op]}`);
    return ["Resources:", ...(lines.length ? lines : ["    no changes"])];
}

function typeWidth(steps: Step[]): number {
    return Math.max(4, ...steps.map((s) => s.type.length));
}

/** Renders a preview: one line per change (unchanged resources are counted only), then totals. */
export function formatPlan(plan: Plan): string {
    const w = typeWidth(plan.steps);
    const lines = ["Previewing update (dev):"];
    for (const s of plan.steps) {
        if (s.op !== "same") lines.push(stepLine(s, w));
        for (const f of s.failures ?? []) lines.push(`    error: ${s.name}: ${f.property}: ${f.reason}`);
    }
    lines.push("", ...summary(plan.steps, FUTURE));
    if (!plan.ok) lines.push("", "Errors:", ...plan.errors.map((e) => `    ${e}`));
    return lines.join("\n");
}

/** Renders an executed operation (up, refresh, destroy) with each step's outcome, outputs and errors. */
export function formatResult(result: UpResult | OpResult, title = "Updating (dev):"): string {
    const w = typeWidth(result.steps);
    const lines = [title];
    for (const s of result.steps) {
        if (s.op === "same" && !s.status?.match(/failed|skipped/)) continue;
        const outcome = s.status === "failed" ? `failed: ${s.error}` : s.status === "skipped" ? "skipped (a dependency failed)"
            : `${PAST[s.op]}${s.id ? ` (id: ${s.id})` : ""}`;
        lines.push(`${stepLine(s, w)}  ${outcome}`);
    }
    const outputs = "outputs" in result ? Object.entries(result.outputs) : [];
    if (outputs.length) lines.push("", "Outputs:", ...outputs.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`));
    lines.push("", ...summary(result.steps, PAST));
    if (!result.ok) lines.push("", "Errors:", ...result.errors.map((e) => `    ${e}`));
    return lines.join("\n");
}
