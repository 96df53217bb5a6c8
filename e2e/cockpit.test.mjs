// The leaders' cockpit in the browser: as the office every chart draws (a
// canvas in each) without console errors at 1366×768 and 390×844 and
// without sideways scroll; the big screen fits 1920×1080 without any
// scroll; a cadre gets the Chinese refusal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, login } from "./lib.mjs";

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// open signs username in at a viewport and opens path, collecting console
// errors and page errors.
async function open(username, path, width, height) {
  const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, locale: "zh-CN" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await login(page, server.url, username, "Sanlian@2021", path);
  const res = await page.goto(server.url + path);
  return { ctx, page, errors, res };
}

// chartsDrawn waits until every [data-chart] holds a canvas and returns
// how many there are.
async function chartsDrawn(page) {
  await page.waitForFunction(() => {
    const els = [...document.querySelectorAll("[data-chart]")];
    return els.length > 0 && els.every((el) => el.querySelector("canvas"));
  }, null, { timeout: 20000 });
  return page.evaluate(() => {
    const els = [...document.querySelectorAll("[data-chart]")];
    return { charts: els.length, labelled: els.filter((el) => el.getAttribute("role") === "img" && el.getAttribute("aria-label")).length };
  });
}

for (const [width, height] of [[1366, 768], [390, 844]]) {
  test(`the office's cockpit at ${width}×${height}: every chart drawn, no errors, no sideways scroll`, async () => {
    const { ctx, page, errors, res } = await open("office", "/cockpit", width, height);
    assert.equal(res.status(), 200);
    const { charts, labelled } = await chartsDrawn(page);
    assert.ok(charts >= 8, `${charts} charts`);
    assert.equal(labelled, charts, "every chart has role=img and an aria-label");
    assert.ok(await page.locator("text=示意图").first().isVisible(), "the township map without boundaries is marked 示意图");
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(over <= 0, `scrolls sideways by ${over}px`);
    // The data tables for screen readers, opened, fit as well.
    const overOpen = await page.evaluate(() => {
      document.querySelectorAll("details").forEach((d) => { d.open = true; });
      return document.documentElement.scrollWidth - document.documentElement.clientWidth;
    });
    assert.ok(overOpen <= 0, `with the data tables open, scrolls sideways by ${overOpen}px`);
    assert.deepEqual(errors, []);
    await ctx.close();
  });
}

test("the big screen at 1920×1080: no scroll, no menu, every chart drawn", async () => {
  const { ctx, page, errors, res } = await open("office", "/cockpit?screen=1", 1920, 1080);
  assert.equal(res.status(), 200);
  const { charts } = await chartsDrawn(page);
  assert.ok(charts >= 8, `${charts} charts`);
  const size = await page.evaluate(() => ({ h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth }));
  assert.ok(size.h <= 1080 && size.w <= 1920, `scroll size ${size.w}×${size.h}`);
  assert.equal(await page.locator("nav.menu").count(), 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the big screen refreshes itself every minute from the API, without reloading", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: "zh-CN" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await login(page, server.url, "office", "Sanlian@2021", "/cockpit?screen=1");
  await page.clock.install();
  await page.goto(server.url + "/cockpit?screen=1");
  await chartsDrawn(page);
  await page.evaluate(() => { window.notReloaded = true; });
  const refreshed = page.waitForResponse((r) => r.url().includes("/api/v1/cockpit") && r.status() === 200);
  await page.clock.runFor(61000);
  await refreshed;
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.notReloaded), true, "the page was reloaded");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a cadre is refused the cockpit in Chinese", async () => {
  const { ctx, page, res } = await open("cadre", "/cockpit", 1366, 768);
  assert.equal(res.status(), 403);
  assert.match(await page.locator("main").innerText(), /无权/);
  await ctx.close();
});
