// The office logs in and works the household list.
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

test("office logs in and opens the household list", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  await login(page, server.url, "office", undefined, "/households");
  assert.equal(new URL(page.url()).pathname, "/households");
  assert.match(await page.title(), /农户/);

  const rows = page.locator("table#households tbody tr");
  assert.equal(await rows.count(), 50, "first page holds 50 households");
  const first = await rows.first().innerText();
  assert.match(first, /430923\*{8}[0-9X]{4}/, "ID numbers are masked");

  // Pick a township: htmx fills the village picker; filter by it.
  await page.selectOption("select[name=township]", { label: "东坪镇" });
  await page.waitForFunction(() => document.querySelectorAll("#village-select option").length > 1);
  await Promise.all([page.waitForURL(/township=/), page.click("form.filters button[type=submit]")]);
  const count = await rows.count();
  assert.ok(count > 0, "Dongping has households");
  for (const text of await rows.allInnerTexts()) {
    assert.match(text, /东坪镇/);
  }

  // Open a household and reveal its numbers: the answer arrives by htmx.
  await Promise.all([page.waitForURL(/\/households\/\d+$/), rows.first().locator("a").first().click()]);
  await page.click("#reveal-button");
  await page.waitForSelector("#reveal dl.revealed");
  assert.match(await page.locator("#id-number").innerText(), /^430923\d{11}[0-9X]$|未登记/);

  // The office's home is its workbench: every figure links to its list.
  await page.goto(server.url + "/");
  await page.waitForSelector("#cards-panel a.fig");
  assert.match(await page.locator("#due-panel").innerText(), /已超期/);

  assert.deepEqual(errors, [], "no script errors");
});

test("a cadre on a phone sees only their own households", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await login(page, server.url, "cadre", undefined, "/households");
  const rows = page.locator("table#households tbody tr");
  const n = await rows.count();
  assert.ok(n > 0 && n < 50, `a cadre sees a few linked households, saw ${n}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 420, `page fits a phone, scroll width ${width}`);
  await ctx.close();
});
