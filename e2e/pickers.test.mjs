// Pickers instead of codes, in the browser: the office opens a bulletin by
// year, month and half; finds a problem for a supervision notice by the
// number people see, with suggestions; and filters the coverage report by
// a cadre's name chosen from suggestions.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, login, api as libApi, apiToken } from "./lib.mjs";

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function asOffice(path) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await login(page, server.url, "office", "Sanlian@2021", path);
  await page.goto(server.url + path);
  return { ctx, page, errors };
}

// suggestions waits for the datalist of field to hold options and returns
// them as {value, id}.
async function suggestions(page, list) {
  await page.waitForFunction((sel) => document.querySelectorAll(sel + " option").length > 0, list, { timeout: 10000 });
  return page.$$eval(list + " option", (os) => os.map((o) => ({ value: o.value, id: o.dataset.id })));
}

test("a bulletin's half-month is picked, not typed", async () => {
  const { ctx, page, errors } = await asOffice("/bulletins");
  const form = page.locator("#open-period");
  const year = await form.locator("select[name=period_year] option").first().getAttribute("value");
  await form.locator("select[name=period_month]").selectOption("1");
  await form.locator("select[name=period_part]").selectOption("H2");
  await Promise.all([page.waitForURL(/\/bulletins\/\d{4}-01-H2$/), form.locator("button[type=submit]").click()]);
  assert.ok(page.url().endsWith(`/bulletins/${year}-01-H2`), page.url());
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a supervision notice finds its problem by number", async () => {
  const tok = await apiToken(server.url, "office");
  const list = await libApi(server.url, "GET", "/api/v1/problems?state=assigned&limit=1", tok);
  const p = list.items[0];
  assert.ok(p?.number, "an assigned problem");
  const { ctx, page, errors } = await asOffice("/supervisions");
  const field = page.locator("input[name=target]");
  await field.fill("");
  await field.pressSequentially(p.number.replace(/^[^-]+-/, "")); // 2026-000123, without the county
  const opts = await suggestions(page, "#target-suggestions");
  assert.equal(opts.length, 1);
  assert.ok(opts[0].value.startsWith(p.number + " "), opts[0].value);
  await field.fill(opts[0].value);
  await field.dispatchEvent("input");
  assert.equal(await page.locator("input[name=target_id]").inputValue(), String(p.id));
  await page.locator("textarea[name=text]").fill("请于三日内报告办理进展");
  const due = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  await page.locator("input[name=reply_due]").fill(due);
  await Promise.all([page.waitForURL(/\/supervisions\/\d+/), page.locator("#notice-form button[type=submit]").click()]);
  assert.match(await page.locator("h1").innerText(), new RegExp(p.number));
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the coverage report's cadre is chosen by name", async () => {
  const { ctx, page, errors } = await asOffice("/coverage/visits");
  const field = page.locator("input[name=cadre]");
  await field.pressSequentially("刘");
  const opts = await suggestions(page, "#cadre-suggestions");
  assert.ok(opts.every((o) => /（.+）$/.test(o.value)), "each suggestion names the cadre's unit");
  assert.ok(opts.every((o) => !/\d{3}/.test(o.value)), "no phone in suggestions");
  await field.fill(opts[0].value);
  await field.dispatchEvent("input");
  await Promise.all([page.waitForURL(/cadre_id=/), page.locator("form.filters button[type=submit]").first().click()]);
  assert.ok(new URL(page.url()).searchParams.get("cadre_id") === opts[0].id, page.url());
  assert.match(await page.locator("h1").innerText(), new RegExp(opts[0].value.replace(/[（）()]/g, ".")));
  assert.deepEqual(errors, []);
  await ctx.close();
});
