// A cadre records visits on a phone: one online, with two topics and a
// problem; one while the signal is lost, kept on the device and sent when
// the network is back — each arrives exactly once.
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

// api calls the JSON API as username, with a bearer token.
async function apiAs(username) {
  const res = await fetch(`${server.url}/api/v1/login`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password: "Sanlian@2021" }),
  });
  assert.equal(res.status, 200, `login ${username}`);
  const { token } = await res.json();
  return async (method, path, body) => {
    const r = await fetch(server.url + path, {
      method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  };
}

test("a cadre records a visit online and one offline; both arrive once", async () => {
  const office = await apiAs("office");
  // The demo county may have no topic bank yet.
  const active = await office("GET", "/api/v1/topics?active=true");
  assert.equal(active.status, 200);
  if (active.body.items.length < 2) {
    const made = await office("POST", "/api/v1/topics", [
      { category: "employment", question: "家里有没有劳动力外出务工？就业有什么困难？" },
      { category: "social_health", question: "医保报销顺不顺利？看病远不远？" },
    ]);
    assert.equal(made.status, 201, JSON.stringify(made.body));
  }

  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  await login(page, server.url, "cadre", undefined, "/visits/new");
  assert.equal(new URL(page.url()).pathname, "/visits/new");
  const me = await page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  assert.ok(me.cadre_id > 0, "the cadre account is linked to a cadre");

  // Built for a phone: no sideways scrolling, big targets.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `form fits a phone, scroll width ${width}`);
  const choices = page.locator("label.choice");
  assert.ok(await choices.count() >= 2, "the cadre's linked households are listed");
  for (const sel of ["label.choice", "#visit-form button[type=submit]", "details.topic-group summary", "textarea[name=findings]"]) {
    const box = await page.locator(sel).first().boundingBox();
    assert.ok(box && box.height >= 44, `${sel} is at least 44 px high (${box && box.height})`);
  }
  assert.equal(await page.locator("#visit-queue").isVisible(), false, "nothing waits on a fresh phone");

  // The demo county already holds this cadre's earlier visits: count from here.
  const earlier = await office("GET", `/api/v1/visits?cadre_id=${me.cadre_id}&limit=1`);
  const before = earlier.body.items.length ? earlier.body.items[0].id : 0;

  // Visit 1: a household, two topics, findings, one problem.
  await choices.nth(0).tap();
  const ticked = [];
  const groups = page.locator("details.topic-group");
  for (let g = 0; g < await groups.count() && ticked.length < 2; g++) {
    await groups.nth(g).locator("summary").tap();
    const boxes = groups.nth(g).locator("label.check");
    for (let i = 0; i < await boxes.count() && ticked.length < 2; i++) {
      await boxes.nth(i).tap();
      ticked.push(await boxes.nth(i).locator("input").getAttribute("value"));
    }
  }
  assert.equal(ticked.length, 2, "two topics ticked");
  await page.fill("textarea[name=findings]", "儿子在广东务工，老人腿脚不便，医保报销材料不清楚");
  const block = page.locator("[data-problem]").first();
  await block.locator("select[name$=_category]").selectOption({ index: 1 });
  await block.locator("textarea[name$=_description]").fill("组里的路一下雨就走不了，老人看病出不了门");
  await block.locator("label.check").tap(); // urgent
  await Promise.all([page.waitForURL(/\/visits\/\d+\?/), page.locator("#visit-form button[type=submit]").tap()]);
  const firstURL = new URL(page.url());
  assert.match(await page.locator(".flash").innerText(), /已登记走访，当场登记问题 1 个/);
  assert.match(await page.locator("#visit-findings").innerText(), /儿子在广东务工/);
  assert.equal(await page.locator("#visit-topics li").count(), 2);
  assert.equal(await page.locator("#visit-problems a[href^='/problems/']").count(), 1);
  const drafts = () => page.evaluate(() => JSON.parse(localStorage.getItem("sanlian.visitDrafts.v1") || "[]"));
  assert.deepEqual(await drafts(), [], "a sent draft is not kept");

  // Visit 2, with no signal: kept on the device.
  await page.goto(server.url + "/visits/new");
  await ctx.setOffline(true);
  await choices.nth(1).tap();
  await page.fill("textarea[name=findings]", "离线登记：房屋漏雨，已联系村委");
  await page.locator("#visit-form button[type=submit]").tap();
  await page.waitForFunction(() => /已保存在本机/.test(document.getElementById("visit-status").textContent));
  assert.equal(await page.locator("#visit-status").innerText(), "已保存在本机，联网后自动提交（1 条待提交）");
  assert.match(await page.locator("#visit-queue").innerText(), /本机有 1 条待提交/);
  assert.equal(new URL(page.url()).pathname, "/visits/new", "the page stays for the next visit");
  assert.equal(await page.inputValue("textarea[name=findings]"), "", "the form is cleared for the next visit");
  const kept = await drafts();
  assert.equal(kept.length, 1);
  assert.ok(kept[0].key && kept[0].body.findings.startsWith("离线登记"), "the draft carries its key and body");

  // Back online: the draft goes by itself, once.
  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForFunction(() => /已自动提交 1 条/.test(document.getElementById("visit-status").textContent), null, { timeout: 15000 });
  assert.deepEqual(await drafts(), [], "the sent draft is removed");
  assert.equal(await page.locator("#visit-queue").isVisible(), false);

  // Another page load re-sends nothing: the queue is empty.
  await page.reload();
  await page.waitForLoadState("networkidle");

  // Through the API: exactly two visits by this cadre; the first with one problem.
  const list = await office("GET", `/api/v1/visits?cadre_id=${me.cadre_id}`);
  assert.equal(list.status, 200);
  const vs = list.body.items.filter((v) => v.id > before);
  assert.equal(vs.length, 2, `two visits, got ${JSON.stringify(vs.map((v) => v.findings))}`);
  const [second, first] = vs; // newest first
  assert.equal(`/visits/${first.id}`, firstURL.pathname);
  assert.equal(first.problems.length, 1);
  assert.deepEqual(first.topics.map(String).sort(), ticked.slice().sort());
  assert.equal(second.problems.length, 0);
  assert.match(second.findings, /^离线登记/);
  const pr = await office("GET", `/api/v1/problems/${first.problems[0]}`);
  assert.equal(pr.body.source, "visit");
  assert.equal(pr.body.urgency, "urgent");

  assert.deepEqual(errors, [], "no script errors");
  await ctx.close();
});

test("a refused draft is shown and kept for editing, not retried", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await login(page, server.url, "cadre", undefined, "/visits/new");
  await page.locator("label.choice").first().tap();
  // Nothing heard, no topic, no problem: an empty visit.
  await page.locator("#visit-form button[type=submit]").tap();
  await page.waitForFunction(() => !document.getElementById("visit-error").hidden);
  assert.match(await page.locator("#visit-error").innerText(), /请填写走访了解到的情况/);
  assert.match(await page.locator("#visit-queue").innerText(), /未能提交/);
  // Corrected and sent again: the same draft goes through.
  await page.fill("textarea[name=findings]", "补填：了解到孩子上学路远");
  await Promise.all([page.waitForURL(/\/visits\/\d+\?/), page.locator("#visit-form button[type=submit]").tap()]);
  const left = await page.evaluate(() => JSON.parse(localStorage.getItem("sanlian.visitDrafts.v1") || "[]"));
  assert.deepEqual(left, [], "the corrected draft replaced the refused one");
  assert.deepEqual(errors, []);
  await ctx.close();
});
