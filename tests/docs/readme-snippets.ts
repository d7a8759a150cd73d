/** The TypeScript snippets of the README, in order, so tests can run each one as written. */
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../support/workspace";

/** One fenced ```ts block and the heading it stands under. */
export interface Snippet { heading: string; code: string }

/** Every ```ts block of README.md. */
export function readmeSnippets(readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8")): Snippet[] {
    const snippets: Snippet[] = [];
    let heading = "";
    let code: string[] | undefined;
    for (const line of readme.split("\n")) {
        if (code) {
            if (line.startsWith("```")) {
                snippets.push({ heading, code: code.join("\n") + "\n" });
                code = undefined;
            } else {
                code.push(line);
            }
        } else if (/^#+ /.test(line)) {
            heading = line.replace(/^#+ /, "");
        } else if (/^```ts\s*$/.test(line)) {
            code = [];
        }
    }
    return snippets;
}
