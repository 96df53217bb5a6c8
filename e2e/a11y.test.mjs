// Accessibility of the people's pages and of the cadre's phone pages:
// axe-core (WCAG 2.0 and 2.1, levels A and AA) runs on each page, in the
// standard mode and in 长辈版 (large type) for the people's pages, and any
// violation of impact serious or critical fails the journey. Each page
// prints one line: its violations by impact. The people's pages also fit
// 320 px and 683 px (1366 px at 200 % zoom) without sideways scrolling,
// and 长辈版 gives large type and large targets from the first paint.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { startServer, launch, login, api, apiToken } from "./lib.mjs";

// axe's source, evaluated in the page rather than added as a script tag,
// which the pages' Content-Security-Policy refuses (as it should).
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const impacts = ["critical", "serious", "moderate", "minor"];

let server, browser;

before(async () => {
  server = await startServer({ args: ["--pow-bits", "12"] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// audit runs axe on the page as it is, prints its violations by impact
// and returns the serious and critical ones, described.
async function audit(page, label) {
  if (!await page.evaluate(() => !!window.axe)) await page.evaluate(axeSource);
  const found = await page.evaluate((tags) => window.axe.run(document, {
    runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
  }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " — " + n.failureSummary.split("\n").slice(1, 2).join("").trim()) }))), tags);
  const by = Object.fromEntries(impacts.map((i) => [i, 0]));
  for (const v of found) by[v.impact] = (by[v.impact] || 0) + 1;
  console.log(`${label}: ${impacts.map((i) => `${i} ${by[i]}`).join(", ")}${found.length ? " (" + found.map((v) => v.id).join(" ") + ")" : ""}`);
  return found.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${label}: ${v.id} (${v.impact}) ${v.help}\n    ${v.nodes.join("\n    ")}`);
}

// elderChecks lists what 长辈版 misses on the page: the class on <html>,
// body type of at least 18 px, and targets of at least 44×44 px.
function elderChecks() {
  const faults = [];
  if (!document.documentElement.classList.contains("elder")) faults.push("no elder class on <html>");
  const fs = parseFloat(getComputedStyle(document.body).fontSize);
  if (fs < 18) faults.push(`body type ${fs}px`);
  for (const el of document.querySelectorAll("main a, main button, main input:not([type=hidden]), main select, main textarea, header a")) {
    if (el.closest(".hp, [hidden]") || el.getClientRects().length === 0) continue;
    const target = el.closest("label") && (el.type === "radio" || el.type === "checkbox") ? el.closest("label") : el;
    const r = target.getBoundingClientRect();
    const inline = getComputedStyle(target).display === "inline" && target.closest("p, li, td, dd");
    if (!inline && (r.width < 44 || r.height < 44)) faults.push(`small target ${target.tagName.toLowerCase()}${target.id ? "#" + target.id : ""} "${(target.textContent || target.name || "").trim().slice(0, 12)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return faults;
}

// sideways is how far the page scrolls sideways, in pixels.
const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

// submitProblem fills the submission form and sends it; it resolves once
// the receipt is shown.
async function submitProblem(page, description) {
  const town = await page.locator("#township option:not([value=''])").first().getAttribute("value");
  await page.selectOption("#township", town);
  await page.selectOption("#village", { index: 1 });
  await page.selectOption("#category", "policy");
  await page.fill("#description", description);
  await page.fill("#reporter_phone", "13700004321");
  await page.check("input[name=consent]");
  await page.check("#notify_sms");
  await page.waitForTimeout(3200); // the least fill time
  await Promise.all([page.waitForURL((u) => u.pathname === "/submit"), page.click("button[type=submit]")]);
  await page.locator("#tracking-code").waitFor({ timeout: 15000 }).catch(async (e) => {
    throw new Error(`no receipt: ${(await page.locator("main").innerText()).slice(0, 300)}`, { cause: e });
  });
}

// resolve has the office assign the problem on the tracking page to the
// unit admin's unit, which accepts and resolves it.
async function resolve(page) {
  const number = (await page.locator(".ptable td").first().innerText()).trim();
  const office = await apiToken(server.url, "office"), unit = await apiToken(server.url, "unitadmin");
  const me = await api(server.url, "GET", "/api/v1/me", unit);
  const list = await api(server.url, "GET", "/api/v1/problems?source=portal&limit=200", office);
  const p = list.items.find((x) => x.number === number);
  assert.ok(p, `problem ${number} listed for the office`);
  let q = p;
  if (q.state === "submitted") q = await api(server.url, "POST", `/api/v1/problems/${p.id}/assign`, office, { version: q.version, unit_id: me.unit_id });
  q = await api(server.url, "POST", `/api/v1/problems/${p.id}/accept`, unit, { version: q.version });
  await api(server.url, "POST", `/api/v1/problems/${p.id}/resolve`, unit, { version: q.version, measures: "更换路灯", result: "路灯已修好" });
}

// postTooLarge sends a rating larger than the form allows, which answers
// the people's error page.
async function postTooLarge(page, code) {
  await Promise.all([page.waitForLoadState("load"), page.evaluate((code) => {
    const f = document.createElement("form");
    f.method = "post";
    f.action = `/track/${code}/rate`;
    const t = document.createElement("input");
    t.type = "hidden";
    t.name = "comment";
    t.value = "长".repeat(70000);
    f.appendChild(t);
    document.body.appendChild(f);
    f.submit();
  }, code)]);
  await page.locator("main .perror").waitFor();
}

test("the people's pages: no serious or critical violation, in both modes; 长辈版 is large", async () => {
  const bad = [];
  for (const mode of ["standard", "elder"]) {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
    const page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const check = async (name) => {
      bad.push(...await audit(page, `public ${name} × ${mode}`));
      assert.equal(await sideways(page), 0, `${name} × ${mode} scrolls sideways at 390 px`);
      if (mode === "elder") assert.deepEqual(await page.evaluate(elderChecks), [], `${name} in 长辈版`);
      else assert.equal(await page.locator("html.elder").count(), 0, `${name} is standard`);
    };

    await page.goto(`${server.url}/submit${mode === "elder" ? "?elder=1" : ""}`);
    assert.equal(await page.locator("#elder-switch a[data-elder='1']").getAttribute("aria-pressed"), mode === "elder" ? "true" : "false");
    assert.equal(await page.locator("#elder-switch a[data-elder='0']").getAttribute("aria-pressed"), mode === "elder" ? "false" : "true");
    await check("submit");

    // The form sent back with its errors: each field says so.
    await page.evaluate(() => {
      const f = document.getElementById("public-form");
      f.querySelector("input[name=nonce]").value = "0";
      f.submit();
    });
    await page.locator("#form-error[role=alert]").waitFor();
    assert.equal(await page.locator("#category[aria-invalid=true]").getAttribute("aria-describedby"), "category-error");
    await check("submit with errors");

    await page.goto(`${server.url}/submit`);
    await submitProblem(page, `村口路灯坏了，${mode} 模式下提交的问题`);
    await check("receipt");
    const code = (await page.locator("#tracking-code").innerText()).trim().replace("-", "");

    await page.goto(`${server.url}/track`);
    await check("track form");
    await page.goto(`${server.url}/track?code=ZZZ`);
    await check("track form, code not found");
    // Tracking by phone: the code is asked for, then a wrong one is typed
    // (a phone of its own per mode: a phone gets one code a minute).
    await page.goto(`${server.url}/track`);
    await page.fill("#lookup-phone", mode === "elder" ? "13700008765" : "13700004321");
    await page.click("#lookup-form button[type=submit]");
    await page.locator("#lookup-sent").waitFor({ timeout: 15000 });
    await check("lookup, code sent");
    await page.fill("#lookup-code", "000000");
    await Promise.all([page.waitForLoadState("load"), page.click("form[action='/track/lookup/verify'] button[type=submit]")]);
    await page.locator("#lookup-code-error").waitFor();
    await check("lookup, wrong code");
    await page.goto(`${server.url}/track/${code}`);
    await check("tracked problem");
    // Resolved, the page asks for a rating; one sent without choices
    // comes back with each field's error.
    await resolve(page);
    await page.goto(`${server.url}/track/${code}`);
    await check("resolved problem with its rating form");
    await page.fill("#phone_last4", "4321");
    await Promise.all([page.waitForLoadState("load"), page.click("form[action$='/rate'] button[type=submit]")]);
    await page.locator("main .field-error").first().waitFor();
    assert.equal(await page.locator("fieldset[aria-describedby=solved-error] input[aria-invalid=true]").count(), 3, "the unanswered choice says so");
    await check("rating with errors");
    await page.goto(`${server.url}/results`);
    await page.locator("#results-chart canvas").waitFor();
    await check("results");
    await postTooLarge(page, code);
    await check("error");
    assert.deepEqual(errors, [], mode);
    await ctx.close();
  }
  assert.deepEqual(bad, [], "serious or critical accessibility violations");
});

test("the people's pages fit 320 px and 683 px (200 % zoom) in both modes", async () => {
  for (const width of [320, 683]) {
    for (const elder of ["0", "1"]) {
      const ctx = await browser.newContext({ viewport: { width, height: 800 }, locale: "zh-CN" });
      const page = await ctx.newPage();
      await page.goto(`${server.url}/track?elder=${elder}`);
      for (const path of ["/submit", "/track", "/results", "/track?code=ZZZ"]) {
        await page.goto(server.url + path);
        assert.equal(await sideways(page), 0, `${path} at ${width} px, elder=${elder}`);
        assert.equal(await page.locator("html.elder").count(), Number(elder), `${path}: the cookie keeps the mode`);
      }
      await ctx.close();
    }
  }
});

test("the 长辈版 switch works without script, and with script it keeps what was typed", async () => {
  const on = (page) => page.getByRole("button", { name: "长辈版" });
  const off = (page) => page.getByRole("button", { name: "标准版" });
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${server.url}/track?code=ZZZ`);
  assert.equal(await on(page).getAttribute("aria-pressed"), "false");
  await Promise.all([page.waitForURL((u) => u.search.includes("elder=1")), on(page).click()]);
  assert.equal(await page.locator("html.elder").count(), 1, "the button turns it on");
  assert.equal(await on(page).getAttribute("aria-pressed"), "true");
  assert.equal(await page.inputValue("#code"), "ZZZ", "on the same page");
  await page.goto(`${server.url}/results`);
  assert.equal(await page.locator("html.elder").count(), 1, "remembered on the device");
  await Promise.all([page.waitForURL((u) => u.search.includes("elder=0")), off(page).click()]);
  assert.equal(await page.locator("html.elder").count(), 0, "and turned off again");
  await page.goto(`${server.url}/submit`);
  assert.equal(await page.locator("html.elder").count(), 0, "off is remembered too");
  await ctx.close();

  const js = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const p2 = await js.newPage();
  await p2.goto(`${server.url}/submit`);
  await p2.fill("#description", "还没写完的描述");
  await on(p2).click();
  assert.equal(await p2.locator("html.elder").count(), 1);
  assert.equal(await on(p2).getAttribute("aria-pressed"), "true");
  assert.equal(await off(p2).getAttribute("aria-pressed"), "false");
  assert.equal(await p2.inputValue("#description"), "还没写完的描述", "switching keeps what was typed");
  assert.equal(new URL(p2.url()).search, "", "no page load");
  await p2.goto(`${server.url}/track`);
  assert.equal(await p2.locator("html.elder").count(), 1, "the script's switch is remembered too");
  await off(p2).click();
  await p2.goto(`${server.url}/track`);
  assert.equal(await p2.locator("html.elder").count(), 0);
  await js.close();
});

test("the cadre's phone pages: no serious or critical violation", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
  await ctx.route(/echarts\.min\.js/, (r) => r.abort());
  const page = await ctx.newPage();
  const bad = [];
  await login(page, server.url, "cadre");
  const pages = ["/", "/visits/new", "/visits", "/problems/new", "/problems?mine=1&open=1"];
  await page.goto(`${server.url}/visits`);
  const first = (sel) => page.$$eval(sel, (as) => as.map((a) => a.getAttribute("href"))).then((hs) => hs[0]);
  const visit = await first("main a[href^='/visits/']:not([href$='/new'])");
  if (visit) pages.push(visit);
  await page.goto(`${server.url}/`);
  const household = await first("main a[href^='/households/']");
  if (household) pages.push(household);
  const problems = await page.evaluate(() => fetch("/api/v1/problems?limit=1").then((r) => r.json()));
  if (problems.items?.length) pages.push(`/problems/${problems.items[0].id}`);
  assert.ok(pages.length >= 8, `a visit, a household and a problem to check: ${pages}`);
  for (const path of pages) {
    const res = await page.goto(server.url + path);
    assert.ok(res.ok(), `${path}: ${res.status()}`);
    bad.push(...await audit(page, `cadre ${path} × standard`));
  }
  await ctx.close();
  assert.deepEqual(bad, [], "serious or critical accessibility violations");
});
