/**
 * `npm run retention-picture`: writes docs/retention-gfs.svg, the docs'
 * picture of a GFS policy over 120 nights, drawn from the provider's own
 * tier code (tests/docs checks the file is what this script writes).
 */
import * as fs from "fs";
import * as path from "path";
import { docsPicture } from "../cli/retention-picture";

const file = path.join(__dirname, "..", "docs", "retention-gfs.svg");
fs.writeFileSync(file, docsPicture());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
