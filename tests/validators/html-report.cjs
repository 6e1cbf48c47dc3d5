#!/usr/bin/env node
// The HTML report as a real browser shows it: headless Chromium, driven by playwright-core,
// opens the file from disk with every network request refused, and prints one JSON document:
// the console errors and page errors it saw, every request that was not the file itself,
// each SVG chart's series with their point counts, the status banner, whether the collapsed
// timeline prints, the PDF's size, and (when asked) a screenshot. Exit 77 when playwright-core or Chromium is missing.
//
//   node html-report.cjs REPORT.html [SCREENSHOT.png]
// Environment: SENTINEL_PLAYWRIGHT (the playwright-core package folder), SENTINEL_CHROMIUM
// (the browser, default /usr/bin/chromium).
const fs = require("fs");
const path = require("path");

const MISSING = 77;
let playwright;
try {
  playwright = require(process.env.SENTINEL_PLAYWRIGHT || "playwright-core");
} catch (e) {
  console.error(`playwright-core is not installed (npm install playwright-core): ${e.message}`);
  process.exit(MISSING);
}
const browserPath = process.env.SENTINEL_CHROMIUM || "/usr/bin/chromium";
if (!fs.existsSync(browserPath)) {
  console.error(`Chromium is not installed at ${browserPath} (apt-get install chromium)`);
  process.exit(MISSING);
}

(async () => {
  const [file, screenshot] = process.argv.slice(2);
  const url = "file://" + path.resolve(file);
  const browser = await playwright.chromium.launch({
    executablePath: browserPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ offline: true });
  const page = await context.newPage();
  const consoleErrors = [];
  const requests = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      consoleErrors.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
  await page.route("**/*", (route) => {
    const wanted = route.request().url();
    if (wanted === url) return route.continue();
    requests.push(wanted);
    return route.abort();
  });
  await page.goto(url, { waitUntil: "load" });
  const seen = await page.evaluate(() => ({
    title: document.title,
    status: document.querySelector("#status")?.dataset.status,
    banner: document.querySelector("#status")?.textContent,
    charts: [...document.querySelectorAll("svg.chart")].map((svg) => {
      const box = svg.getBoundingClientRect();
      return {
        id: svg.id,
        width: box.width,
        height: box.height,
        series: [...svg.querySelectorAll("[data-series]")].map((g) => ({
          name: g.dataset.series,
          declared: Number(g.dataset.points),
          points: g.querySelectorAll(".point").length,
          values: [...g.querySelectorAll(".point")].map((p) => Number(p.dataset.value)),
        })),
      };
    }),
    comparison: [...document.querySelectorAll("#comparison tr")].map((tr) =>
      [...tr.children].map((cell) => cell.textContent.trim())),
    collapsed: [...document.querySelectorAll("details")].map((d) => ({ id: d.id, open: d.open })),
  }));
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  // Dark mode draws too.
  await page.emulateMedia({ colorScheme: "dark" });
  const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  // Printed, the collapsed sections are printed open, and it makes a PDF.
  await page.emulateMedia({ media: "print", colorScheme: "light" });
  const printedTimelineVisible = await page.evaluate(
    () => document.querySelector("#timeline table").getClientRects().length > 0);
  const pdfBytes = (await page.pdf({ format: "A4" })).length;
  await browser.close();
  console.log(JSON.stringify({ consoleErrors, requests, darkBackground, printedTimelineVisible, pdfBytes, ...seen }));
})().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
