// The ledger's flow in the browser: a resident's portal problem is assigned
// on entry by the demo's routing rule to the township government, which
// sends it back (退单); the office assigns it again to a county department
// with the township as co-handling unit; the township records its part and
// the lead department resolves it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, login, api as libApi, apiToken } from "./lib.mjs";

let server, browser;

before(async () => {
  server = await startServer({ args: ["--pow-bits", "12"] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const api = (method, path, token, body) => libApi(server.url, method, path, token, body);
const token = (username) => apiToken(server.url, username);

// asUser opens a desktop page signed in as username.
async function asUser(username, path) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await login(page, server.url, username, "Sanlian@2021", path);
  await page.goto(server.url + path);
  return { ctx, page, errors };
}

// act opens the action's <details> on the problem page, fills it and
// submits, and waits for the page after it.
async function act(page, action, fill) {
  const form = page.locator(`form[action$='/${action}']`);
  const details = form.locator("xpath=ancestor::details");
  if (await details.count()) {
    const open = await details.getAttribute("open");
    if (open === null) await details.locator("summary").click();
  }
  await fill(form);
  await Promise.all([page.waitForLoadState("load"), form.locator("button[type=submit]").click()]);
  await page.waitForURL((u) => u.searchParams.has("ok"), { timeout: 10000 });
}

test("a portal problem routed by rule, returned, reassigned with a co-unit, and resolved by the lead", async () => {
  const office = await token("office");
  const township = await api("GET", "/api/v1/me", await token("township"));
  const lead = await api("GET", "/api/v1/me", await token("unitadmin"));
  const regions = await api("GET", "/api/v1/regions?kind=village&limit=500", office);
  const town = (await api("GET", `/api/v1/units/${township.unit_id}`, office)).township_code;
  const village = regions.items.find((r) => r.parent_code === town && r.name.endsWith("村"));
  assert.ok(village, "a village of the township");

  // The resident submits on the portal: 乡村振兴 in a village is the
  // township government's, by the demo's rules.
  const pub = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN", isMobile: true, hasTouch: true });
  const pp = await pub.newPage();
  await pp.goto(`${server.url}/submit`);
  await pp.selectOption("#township", town);
  await pp.selectOption("#village", village.code);
  await pp.selectOption("#category", "rural");
  const text = "村里危房改造和低保申请没人指导，老人不知道找谁办" + Date.now();
  await pp.fill("#description", text);
  await pp.waitForTimeout(3200);
  await Promise.all([pp.waitForURL((u) => u.pathname === "/submit"), pp.click("button[type=submit]")]);
  await pp.locator("#tracking-code").waitFor();
  await pub.close();

  const list = await api("GET", "/api/v1/problems?source=portal&limit=50", office);
  const p = list.items.find((x) => x.description === text);
  assert.ok(p, "the submission is on the ledger");
  assert.equal(p.state, "assigned", "assigned on entry by a rule");
  assert.equal(p.unit_id, township.unit_id);
  assert.ok(p.rule_id > 0);
  const path = `/problems/${p.id}`;

  // The township sees the rule's assignment and sends it back.
  const t = await asUser("township", path);
  assert.match(await t.page.locator("#timeline").innerText(), /按派单规则 #\d+ 自动交办/);
  assert.match(await t.page.locator("#timeline").innerText(), /系统/);
  await act(t.page, "return", async (f) => { await f.locator("input[name=reason]").fill("危房改造和低保审核属县民政局职责，请改派"); });
  // Back with the office, the problem has left the township's list.
  assert.match(await t.page.locator(".flash").first().innerText(), /已退单/);
  assert.deepEqual(t.errors, []);

  // The office sees it back in its queue, on its clock, and assigns it to
  // the civil affairs bureau with the township co-handling.
  const o = await asUser("office", "/");
  assert.match(await o.page.locator("#intake-panel").innerText(), /待受理/);
  await o.page.goto(server.url + path);
  assert.match(await o.page.locator("main").innerText(), /派单期限/);
  assert.match(await o.page.locator("#timeline").innerText(), /退单/);
  await act(o.page, "assign", async (f) => {
    await f.locator("select[name=unit_id]").selectOption(String(lead.unit_id));
    await f.locator("select[name=co_unit_ids]").selectOption([String(township.unit_id)]);
  });
  assert.match(await o.page.locator("#co-units").innerText(), /未记录配合情况/);
  const rules = await (await o.page.goto(server.url + "/routing-rules")).text();
  assert.match(rules, /派单规则/);
  assert.deepEqual(o.errors, []);

  // The township records its part as co-unit.
  await t.page.goto(server.url + path);
  await act(t.page, "part", async (f) => { await f.locator("textarea[name=note]").fill("镇民政办已上门核实两户老人情况，协助准备申请材料"); });
  assert.match(await t.page.locator("#co-units").innerText(), /已记录配合情况/);

  // The lead accepts and resolves; no co-unit's part is missing.
  const l = await asUser("unitadmin", path);
  await Promise.all([l.page.waitForURL((u) => u.searchParams.has("ok")), l.page.locator("form[action$='/accept'] button").click()]);
  assert.equal(await l.page.locator("#pending-parts").count(), 0);
  await act(l.page, "resolve", async (f) => {
    await f.locator("textarea[name=measures]").fill("县民政局会同东坪镇上门指导，受理危房改造和低保申请");
    await f.locator("textarea[name=result]").fill("两户已纳入危房改造计划，一户低保已审批");
  });
  assert.match(await l.page.locator("h1").innerText(), /已办结/);
  const timeline = await l.page.locator("#timeline").innerText();
  for (const step of ["交办", "退单", "配合办理", "签收", "办结"]) assert.match(timeline, new RegExp(step));
  assert.deepEqual(l.errors, []);
  for (const x of [t, o, l]) await x.ctx.close();
});
