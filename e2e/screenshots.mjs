// Screenshots of the demo for docs/screenshots: each page as a role sees it,
// at 1366×768 and at 390×844. Not a test: run it by hand against a server
// started with `sanlian serve --demo`:
//   node e2e/screenshots.mjs http://127.0.0.1:8080 office:/routing-rules township:/problems/12
// An optional fourth field takes one size instead of the two and writes
// <name>.png, e.g. the cockpit's big screen:
//   node e2e/screenshots.mjs http://127.0.0.1:8080 'office:/cockpit?screen=1:cockpit-screen:1920x1080'
// The user "public" opens the people's pages without logging in, e.g. the
// submission form in 长辈版:
//   node e2e/screenshots.mjs http://127.0.0.1:8080 'public:/submit?elder=1:elder-submit'
import { launch, login } from "./lib.mjs";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "screenshots");
mkdirSync(out, { recursive: true });
const [base, ...shots] = process.argv.slice(2);
const browser = await launch();
for (const shot of shots) {
  const [user, path, name, size] = shot.split(":");
  const sizes = size ? [[...size.split("x").map(Number), ""]] : [[1366, 768, "desktop"], [390, 844, "phone"]];
  for (const [w, h, tag] of sizes) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: 1, locale: "zh-CN" });
    const page = await ctx.newPage();
    if (user !== "public") await login(page, base, user, "Sanlian@2021", path);
    await page.goto(base + path);
    const file = tag ? join(out, `${name || path.replace(/\W+/g, "-").replace(/^-|-$/g, "") || "home"}-${user}-${tag}.png`) : join(out, `${name}.png`);
    if (await page.locator("[data-chart], .chart").count()) await page.waitForTimeout(1500); // charts drawn, animations over
    await page.screenshot({ path: file, fullPage: false });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    console.log(file, overflow > 0 ? `scrolls sideways by ${overflow}px` : "");
    await ctx.close();
  }
}
await browser.close();
