/** The fenced blocks of the README and the pages under docs/, in order, so tests can run each one as written. */
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../support/workspace";

/** One fenced block, the file it is in and the heading it stands under. */
export interface Snippet { file: string; heading: string; lang: string; code: string }

/** The README and every page of docs/, relative to the repository root. */
export function documentationFiles(): string[] {
    const pages = fs.readdirSync(path.join(REPO_ROOT, "docs")).filter(f => f.endsWith(".md")).sort().map(f => `docs/${f}`);
    return ["README.md", ...pages];
}

/** Every fenced block of one Markdown text (```ts, ```sh, ...). */
export function fencedBlocks(text: string, file = "README.md"): Snippet[] {
    const snippets: Snippet[] = [];
    let heading = "";
    let code: string[] | undefined;
    let lang = "";
    for (const line of text.split("\n")) {
        if (code) {
            if (line.startsWith("```")) {
                snippets.push({ file, heading, lang, code: code.join("\n") + "\n" });
                code = undefined;
            } else {
                code.push(line);
            }
        } else if (/^#+ /.test(line)) {
            heading = line.replace(/^#+ /, "");
        } else if (/^```\w*\s*$/.test(line)) {
            lang = line.slice(3).trim();
            code = [];
        }
    }
    return snippets;
}

/** Every ```ts block of the README and docs/. */
export function documentationSnippets(): Snippet[] {
    return documentationFiles().flatMap(f => fencedBlocks(fs.readFileSync(path.join(REPO_ROOT, f), "utf8"), f)).filter(s => s.lang === "ts");
}
