/// <reference lib="dom" />
/**
 * The report's HTML page in a real browser: Debian's Chromium, driven by
 * playwright-core (which downloads no browser of its own). The timelines must
 * be drawn and readable: one mark per backup, coloured as the legend says for
 * its owner, a tooltip and a label per mark, labels inside the picture and
 * not on top of each other.
 *
 * Run with `npm run test:browser`; `CHROMIUM` names another browser binary.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, type Browser, type Page } from "playwright-core";
import { BackupRetentionSet, ManualBackup } from "../../sdk";
import { startWorld, World } from "../support/world";
import { capture, reportEnv, writeExport } from "../support/report-env";
import { runReport, type Report } from "../../report";
import { ownerGroup } from "../../report/model";

const EXECUTABLE = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

const ALI = "rm-browser0000000a";
const HW = "aaaa0000000000000000000browser01in04";
const GM = "bbbb0000000000000000000browser02in06";

interface Mark { id: string; owner: string; kind: string; fill: string; title: string; label: string; rect: Box; labelBox: Box; svg: Box }
interface Box { x: number; y: number; width: number; height: number }

describe("report page in Chromium", function () {
    this.timeout(300_000);
    let w: World;
    let dir: string;
    let browser: Browser;
    let page: Page;
    let report: Report;
    let marks: Mark[];
    let legend: Map<string, string>;

    before(async () => {
        assert.ok(fs.existsSync(EXECUTABLE), `no browser at ${EXECUTABLE}: install Debian's chromium package (apt-get install -y chromium)`);
        w = await startWorld([
            { cloud: "alicloud", id: ALI, engine: "MySQL", engineVersion: "8.0", category: "HighAvailability", minDeleteAgeDays: 0 },
            { cloud: "huaweicloud", service: "rds", id: HW, engine: "SQLServer", engineVersion: "2019_SE" },
            { cloud: "huaweicloud", service: "geminidb", id: GM, engine: "cassandra", engineVersion: "3.11" },
        ]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbbackups-browser-"));
        const journal = path.join(dir, "journal");
        const prod = w.newEngine({ project: "shop", stack: "prod", env: { DBBACKUPS_JOURNAL_DIR: journal } });
        const old = w.newEngine({ project: "shop", stack: "old", env: { DBBACKUPS_JOURNAL_DIR: journal } });
        const ups = await Promise.all([
            prod.up(() => {
                new ManualBackup("pre-migration", { cloud: "alicloud", instanceId: ALI });
                new BackupRetentionSet("nightly", { cloud: "huaweicloud", instanceId: HW, labels: ["2026-11-19", "2026-11-20", "2026-11-21"] });
                new ManualBackup("pre-upgrade", { cloud: "huaweicloud", service: "geminidb", instanceId: GM });
            }),
            old.up(() => { new ManualBackup("old-gm", { cloud: "huaweicloud", service: "geminidb", instanceId: GM }); }),
        ]);
        for (const up of ups) assert.ok(up.ok, up.errors.join("\n"));
        for (const [service, instanceId, mode, ageDays] of [["alicloudRds", ALI, "Manual", 4], ["alicloudRds", ALI, "Automated", 1], ["huaweicloudRds", HW, "Automated", 2],
            ["huaweicloudRds", HW, "Manual", 6], ["huaweicloudGeminidb", GM, "Automated", 3]] as const) {
            await w.admin.addBackup(service, { instanceId, mode, ageDays, name: mode === "Manual" ? `by-hand-${ageDays}` : undefined });
        }
        // The old stack was removed without destroying it: its backup is left behind.
        const stackFile = writeExport(dir, "prod", prod.state.resources);
        const html = path.join(dir, "report.html");
        const c = capture(reportEnv(w, journal));
        c.io.onReport = r => { report = r; };
        assert.equal(await runReport(["--stack-file", stackFile, "--html", html], c.io), 0, c.stderr);
        assert.ok(report.findings.leftBehind.length === 1, "the old stack's backup is left behind");

        browser = await chromium.launch({ executablePath: EXECUTABLE, args: FLAGS, headless: true });
        page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        await page.goto(`file://${html}`);
        await page.screenshot({ path: path.join(dir, "report.png"), fullPage: true });
        marks = await page.$$eval("svg.timeline g.mark", gs => gs.map(g => {
            const rect = g.querySelector("rect") as SVGRectElement;
            const label = g.querySelector("text.label") as SVGTextElement;
            const svg = (g as SVGGElement).ownerSVGElement!.getBoundingClientRect();
            const box = (e: Element) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
            return {
                id: g.getAttribute("data-backup-id") ?? "", owner: g.getAttribute("data-owner") ?? "", kind: g.getAttribute("data-kind") ?? "",
                fill: getComputedStyle(rect).fill, title: g.querySelector(":scope > title")?.textContent ?? "", label: label?.textContent ?? "",
                rect: box(rect), labelBox: box(label), svg: { x: svg.x, y: svg.y, width: svg.width, height: svg.height },
            };
        }));
        legend = new Map(await page.$$eval(".legend .owner", els => els.map(e => [e.getAttribute("data-owner") ?? "", getComputedStyle(e.querySelector(".swatch")!).backgroundColor] as [string, string])));
    });
    after(async () => {
        await browser?.close();
        await w?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("draws one mark per backup on the timeline of its instance", async () => {
        assert.equal(marks.length, report.backups.length);
        assert.deepEqual(marks.map(m => m.id).sort(), report.backups.map(b => b.backupId).sort());
        const perInstance = await page.$$eval("svg.timeline", svgs => svgs.map(s => [s.getAttribute("data-instance"), s.querySelectorAll("g.mark").length]));
        for (const [instance, count] of perInstance) assert.equal(count, report.backups.filter(b => b.instance === instance).length, String(instance));
        for (const m of marks) {
            assert.ok(m.rect.width >= 5 && m.rect.height >= 10, `mark of ${m.id} is drawn (${JSON.stringify(m.rect)})`);
            assert.ok(m.rect.x >= m.svg.x && m.rect.x + m.rect.width <= m.svg.x + m.svg.width + 0.5, `mark of ${m.id} lies inside its timeline`);
        }
    });

    it("colours each mark as the legend colours its owner, one colour per owner (a set's members share theirs)", () => {
        const owners = new Set(report.backups.map(ownerGroup));
        assert.ok(owners.has("shop/prod nightly") && owners.has("automated") && owners.has("not ours"), [...owners].join(", "));
        assert.deepEqual([...legend.keys()].sort(), [...owners].sort());
        for (const m of marks) assert.equal(m.fill, legend.get(m.owner), `${m.id} (${m.owner})`);
        assert.equal(new Set(legend.values()).size, legend.size, "owners have distinct colours");
        for (const b of report.backups) assert.equal(marks.find(m => m.id === b.backupId)!.owner, ownerGroup(b));
    });

    it("gives each mark a tooltip naming the backup, its owner and times, and a readable label", () => {
        for (const m of marks) {
            const b = report.backups.find(x => x.backupId === m.id)!;
            assert.ok(m.title.includes(m.id) && m.title.includes(`owner: ${b.owner.name}`) && m.title.includes(`started ${b.startedAt}`), m.title);
            assert.ok(m.label.length > 0, `label of ${m.id}`);
            assert.ok(m.labelBox.width > 0 && m.labelBox.x >= m.svg.x - 0.5 && m.labelBox.x + m.labelBox.width <= m.svg.x + m.svg.width + 0.5, `label of ${m.id} is inside its timeline`);
        }
        // Set members are labelled with their retention label.
        const members = report.backups.filter(b => b.owner.label !== undefined);
        assert.equal(members.length, 3);
        for (const b of members) assert.equal(marks.find(m => m.id === b.backupId)!.label, b.owner.label);
    });

    it("no label covers another on the same timeline", () => {
        const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        for (const a of marks) {
            for (const b of marks) {
                if (a === b || a.svg.y !== b.svg.y) continue;
                assert.ok(!overlap(a.labelBox, b.labelBox), `labels of ${a.id} (${a.label}) and ${b.id} (${b.label}) overlap`);
            }
        }
    });

    it("marks the left-behind backup with a dashed red outline", async () => {
        const [left] = report.findings.leftBehind;
        const stroke = await page.$eval(`g.mark[data-backup-id="${left.backupId}"] rect`, r => [getComputedStyle(r).stroke, getComputedStyle(r).strokeDasharray]);
        assert.deepEqual(stroke, ["rgb(204, 0, 0)", "4px, 2px"]);
    });
});
