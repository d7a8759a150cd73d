/**
 * `pulumi-db-backups summarize`: reads what `pulumi preview --json` printed
 * (the preview digest, or the engine events it streams when
 * PULUMI_ENABLE_STREAMING_JSON_PREVIEW is set) and writes a Markdown summary
 * for a pull-request comment: per resource of this package, the backups that
 * will be created (labels), deleted (label, backup id, age, size) and
 * replaced, and any deletion-budget refusal.
 */
import { ageText, sizeText, type DescribedBackup } from "../provider/describe";
import { labelsOf, RetentionSetInputs } from "../provider/schema";
import { desiredOf, Member } from "../provider/retention-set";

/** One resource step of a preview, from either JSON form. */
interface PreviewStep { op: string; urn: string; type: string; old?: Props; oldInputs?: Props; new?: Props }
interface PreviewDiagnostic { urn?: string; message: string; severity: string }
type Props = Record<string, any>;

/** What a preview does to the backups of one resource. */
export interface ResourceSummary {
    urn: string;
    name: string;
    kind: "BackupRetentionSet" | "ManualBackup";
    op: string;
    created: string[];
    deleted: Array<{ label?: string; backupId: string; age?: string; size?: string }>;
    refusals: string[];
}

/** The input is not something `pulumi preview --json` prints. */
export class UnreadablePreview extends Error { }

const KINDS = /(?:^|:)(?:dynamic\/)?dbbackups:(?:index:)?(BackupRetentionSet|ManualBackup)$/;
/** Replacement steps the engine emits for one resource; one of them carries the whole story. */
const REPLACING = new Set(["replace", "create-replacement", "delete-replaced"]);

/** The steps and diagnostics of a preview, from the digest (one JSON document) or the streamed events (one JSON object a line). */
export function parsePreview(text: string): { steps: PreviewStep[]; diagnostics: PreviewDiagnostic[] } {
    const trimmed = text.trim();
    if (!trimmed) throw new UnreadablePreview("the input is empty: pipe `pulumi preview --json` into this command, or name a file it was saved in");
    let doc: any;
    try {
        doc = JSON.parse(trimmed);
    } catch {
        return parseEvents(trimmed);
    }
    if (!doc || typeof doc !== "object" || (!Array.isArray(doc.steps) && !Array.isArray(doc.diagnostics) && !doc.changeSummary)) {
        throw new UnreadablePreview("the input is JSON but not the output of `pulumi preview --json` (no steps, diagnostics or changeSummary)");
    }
    const steps = (doc.steps ?? []).map((s: any): PreviewStep => ({
        op: String(s.op), urn: String(s.urn), type: String(s.newState?.type ?? s.oldState?.type ?? typeOfUrn(s.urn)),
        old: s.oldState?.outputs, oldInputs: s.oldState?.inputs, new: s.newState?.inputs,
    }));
    const diagnostics = (doc.diagnostics ?? []).map((d: any) => ({ urn: d.urn, message: String(d.message ?? ""), severity: String(d.severity ?? "") }));
    return { steps, diagnostics };
}

function parseEvents(text: string): { steps: PreviewStep[]; diagnostics: PreviewDiagnostic[] } {
    const steps: PreviewStep[] = [];
    const diagnostics: PreviewDiagnostic[] = [];
    let events = 0;
    for (const [i, line] of text.split("\n").entries()) {
        if (!line.trim()) continue;
        let e: any;
        try {
            e = JSON.parse(line);
        } catch {
            throw new UnreadablePreview(`line ${i + 1} is not JSON: the input must be what \`pulumi preview --json\` printed`);
        }
        if (!e || typeof e !== "object" || !("sequence" in e || "timestamp" in e)) {
            throw new UnreadablePreview(`line ${i + 1} is JSON but not an engine event of \`pulumi preview --json\``);
        }
        events++;
        const m = e.resourcePreEvent?.metadata;
        if (m) {
            steps.push({ op: String(m.op), urn: String(m.urn), type: String(m.type ?? typeOfUrn(m.urn)), old: m.old?.outputs, oldInputs: m.old?.inputs, new: m.new?.inputs });
        }
        const d = e.diagnosticEvent;
        if (d && d.severity !== "debug" && !d.ephemeral) diagnostics.push({ urn: d.urn, message: String(d.prefix ?? "") + String(d.message ?? ""), severity: String(d.severity ?? "") });
    }
    if (events === 0) throw new UnreadablePreview("the input holds no engine events");
    return { steps, diagnostics };
}

const typeOfUrn = (urn: string) => String(urn).split("::")[2]?.split("$").pop() ?? "";
const nameOfUrn = (urn: string) => String(urn).split("::").pop() ?? urn;

/** What each resource of this package does to backups in the preview. */
export function summarizePreview(text: string, now = Date.now()): ResourceSummary[] {
    const { steps, diagnostics } = parsePreview(text);
    const byUrn = new Map<string, ResourceSummary>();
    const summaryOf = (urn: string, kind: ResourceSummary["kind"], op: string) => {
        let s = byUrn.get(urn);
        if (!s) byUrn.set(urn, s = { urn, name: nameOfUrn(urn), kind, op, created: [], deleted: [], refusals: [] });
        return s;
    };
    for (const step of steps) {
        const kind = KINDS.exec(step.type)?.[1] as ResourceSummary["kind"] | undefined;
        if (!kind) continue;
        const replacing = REPLACING.has(step.op);
        if (!["create", "update", "delete"].includes(step.op) && !replacing) continue;
        const s = summaryOf(step.urn, kind, replacing ? "replace" : step.op);
        if (replacing && s.created.length + s.deleted.length > 0) continue; // the other steps of the same replacement
        const creates = step.op !== "delete" && step.op !== "delete-replaced";
        const deletes = step.op !== "create";
        if (kind === "ManualBackup") {
            if (creates && (step.op !== "update")) s.created.push(String(step.new?.name ?? "(one backup)"));
            if (deletes && step.op !== "update" && step.old?.backupId) s.deleted.push(row(undefined, step.old, now));
            continue;
        }
        const members: Record<string, Props> = step.old?.backups ?? {};
        // With retention tiers the labels are the provider's plan: the tiers' backups at the set's now.
        const wanted = new Set(!step.new ? [] : step.new.retention ? desiredOf(step.new as RetentionSetInputs, members as Record<string, Member>).keys : labelsOf(step.new));
        if (step.op === "create" || replacing) s.created.push(...wanted);
        else if (step.op === "update") s.created.push(...[...wanted].filter(l => !members[l]));
        for (const [label, m] of Object.entries(members)) {
            if (!m?.backupId) continue;
            if (step.op === "update" && wanted.has(label) && !m.pendingDelete) continue;
            if (deletes) s.deleted.push(row(label, m, now));
        }
    }
    for (const d of diagnostics) {
        if (!/deletion budget:/.test(d.message)) continue;
        const urn = d.urn && byUrn.has(d.urn) ? d.urn : d.urn ?? [...byUrn.keys()].find(u => d.message.includes(nameOfUrn(u))) ?? "";
        const s = byUrn.get(urn) ?? summaryOf(urn, "BackupRetentionSet", "refused");
        s.refusals.push(d.message.replace(/^.*?deletion budget:\s*/s, "").trim());
    }
    return [...byUrn.values()];
}

function row(label: string | undefined, m: DescribedBackup, now: number) {
    return { label, backupId: String(m.backupId), age: ageText(m, now), size: sizeText(m.sizeBytes) };
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const cell = (s: string | undefined) => (s ?? "–").replace(/\|/g, "\\|");

/** The Markdown summary of a preview's backup changes. */
export function summarize(text: string, now = Date.now()): string {
    const resources = summarizePreview(text, now);
    const lines = ["### Database backups in this preview", ""];
    const active = resources.filter(r => r.created.length || r.deleted.length || r.refusals.length);
    if (active.length === 0) {
        lines.push("No backup is created or deleted.");
        return lines.join("\n") + "\n";
    }
    for (const r of active) {
        lines.push(`#### ${r.name} (${r.kind}, ${r.op})`, "");
        for (const why of r.refusals) lines.push(`> **Refused by the deletion budget:** ${why}`, ">", "> Nothing is created or deleted for this resource until the change is corrected or `maxDeletesPerUpdate` is raised.", "");
        if (r.refusals.length) {
            lines.push("");
            continue;
        }
        if (r.op === "replace") lines.push("Replaced: the new backups are created first, then the old ones are deleted.", "");
        if (r.created.length) lines.push(`Created (${r.created.length}): ${r.created.map(code).join(", ")}`, "");
        if (r.deleted.length) {
            lines.push(`Deleted (${r.deleted.length}):`, "", "| label | backup id | age | size |", "|---|---|---|---|");
            for (const d of r.deleted) lines.push(`| ${cell(d.label)} | ${code(d.backupId)} | ${cell(d.age)} | ${cell(d.size)} |`);
            lines.push("");
        }
    }
    return lines.join("\n").replace(/\n+$/, "\n");
}
