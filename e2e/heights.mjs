// Page heights for the long pages, as the office sees them at 1366×768.
// Not a test: run it by hand against a demo server:
//   node e2e/heights.mjs http://127.0.0.1:8080 /coverage /lists ...
import { launch, login } from "./lib.mjs";

const [base, ...paths] = process.argv.slice(2);
const user = process.env.AS || "office";
const browser = await launch();
const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: "zh-CN" });
const page = await ctx.newPage();
await login(page, base, user);
for (const p of paths) {
  await page.goto(base + p);
  const h = await page.evaluate(() => document.documentElement.scrollHeight);
  console.log(`${user} ${p} ${h}px`);
}
await browser.close();
