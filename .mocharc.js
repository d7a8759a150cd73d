/**
 * Mocha settings for `npm test`: every `tests/**` file ending in `.test.ts`,
 * in parallel (4 workers: most of the time goes to waiting on emulated jobs
 * and provider hosts, not to the CPU). The workers take files in the order
 * given, so the files that drive the dynamic-provider host (the slowest) are
 * handed out first and no worker is left starting a long file at the end.
 */
const fs = require("fs");
const path = require("path");

/** Folders (or files) whose tests run first, slowest first; anything else follows in name order. */
const FIRST = [
    "tests/lifecycle/",
    "tests/host/",
    "tests/report/",
    "tests/emulator/huaweicloud-cloud-made-backups.test.ts",
    "tests/soak/",
    "tests/docs/",
    "tests/plugin/",
    "tests/package/",
];

function testFiles(dir) {
    return fs.readdirSync(dir, { withFileTypes: true })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .flatMap(e => {
            const file = path.posix.join(dir, e.name);
            if (e.isDirectory()) return testFiles(file);
            return e.name.endsWith(".test.ts") ? [file] : [];
        });
}

const rank = file => {
    const i = FIRST.findIndex(prefix => file.startsWith(prefix));
    return i < 0 ? FIRST.length : i;
};

module.exports = {
    require: ["ts-node/register/transpile-only"],
    extension: ["ts"],
    // Array.prototype.sort is stable: name order within each rank.
    spec: testFiles("tests").sort((a, b) => rank(a) - rank(b)),
    timeout: 60000,
    exit: true,
    parallel: true,
    jobs: 4,
};
