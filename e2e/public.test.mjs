// The people's side on a phone in WeChat's browser: a resident submits a
// problem with a photo (the proof of work solves in the page), follows it
// by the tracking code, the office and the unit resolve it, and the
// resident rates it with the phone's last four digits.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, api as libApi, apiToken } from "./lib.mjs";

let server, browser;

before(async () => {
  // A light proof of work: the journey tests the page, not the phone's speed.
  server = await startServer({ args: ["--pow-bits", "12"] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// A 1×1 PNG.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

const api = (method, path, token, body) => libApi(server.url, method, path, token, body);
const token = (username) => apiToken(server.url, username);

// fitsWidth tells whether a page needs no sideways scrolling.
const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

test("a resident submits on a phone, follows by code and rates after the office resolves it", async () => {
  const ctx = await browser.newContext({
    viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN",
    userAgent: "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47",
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  // From WeChat's entry link.
  await page.goto(`${server.url}/submit?via=wechat`);
  assert.equal(await page.locator("h1").innerText(), "我要反映问题");
  assert.ok(await fitsWidth(page), "the form fits a 375-pixel screen");
  assert.equal(await page.locator("input[name=via]").inputValue(), "wechat");
  const hp = await page.locator("#website").boundingBox();
  assert.ok(!hp || hp.x + hp.width <= 0, "the honeypot is out of sight");

  // Township first: the village picker then offers only its villages.
  const towns = await page.locator("#township option:not([value=''])").all();
  const town = await towns[0].getAttribute("value");
  await page.selectOption("#township", town);
  const groups = await page.locator("#village optgroup").evaluateAll((gs) => gs.map((g) => g.dataset.township));
  assert.deepEqual(groups, [town], "only the chosen township's villages are offered");
  const village = await page.locator("#village option:not([value=''])").first().getAttribute("value");
  await page.selectOption("#village", village);
  // 政策落实: the demo's routing rules leave it to the office to assign.
  await page.selectOption("#category", "policy");
  await page.fill("#description", "村口的路灯坏了半个月，晚上<b>看不见路</b>，老人出门不方便");
  await page.fill("#reporter_name", "周阿姨");
  await page.fill("#reporter_phone", "13700004321");
  await page.check("input[name=consent]");
  await page.setInputFiles("#photos", { name: "路灯.png", mimeType: "image/png", buffer: png });

  // A person takes longer than the least fill time; the page then does
  // the proof of work and says so.
  await page.waitForTimeout(3200);
  await Promise.all([page.waitForURL((u) => u.pathname === "/submit"), page.click("button[type=submit]")]);
  await page.locator("#tracking-code").waitFor();
  assert.equal(await page.locator("h1").innerText(), "提交成功");
  const shown = (await page.locator("#tracking-code").innerText()).trim();
  assert.match(shown, /^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
  assert.match(await page.locator("main").innerText(), /含 1 张照片/);
  assert.ok(await fitsWidth(page));

  // Follow it: through the link, then by typing the code as people do.
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith("/track/")), page.click("a.pbig")]);
  assert.match(await page.locator("#state").innerText(), /待受理|已提交|已登记/);
  assert.equal(await page.locator("#description").innerText(), "村口的路灯坏了半个月，晚上<b>看不见路</b>，老人出门不方便");
  assert.doesNotMatch(await page.content(), /13700004321|4321|周阿姨/);
  await page.goto(`${server.url}/track`);
  await page.fill("#code", " " + shown.toLowerCase());
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith("/track/")), page.click("button[type=submit]")]);
  const code = new URL(page.url()).pathname.split("/").pop();
  assert.equal(code, shown.replace("-", ""));
  assert.equal(await page.locator("form[action$='/rate']").count(), 0, "no rating before resolution");

  // The office assigns it to the county's civil affairs bureau, whose
  // admin accepts and resolves it.
  const office = await token("office"), unit = await token("unitadmin");
  const me = await api("GET", "/api/v1/me", unit);
  const number = (await page.locator(".ptable td").first().innerText()).trim();
  const list = await api("GET", "/api/v1/problems?source=wechat&limit=200", office);
  const p = list.items.find((x) => x.number === number);
  assert.ok(p, `problem ${number} listed for the office`);
  assert.equal(p.source, "wechat");
  let q = await api("POST", `/api/v1/problems/${p.id}/assign`, office, { version: p.version, unit_id: me.unit_id });
  q = await api("POST", `/api/v1/problems/${p.id}/accept`, unit, { version: q.version });
  await api("POST", `/api/v1/problems/${p.id}/resolve`, unit, { version: q.version, measures: "更换路灯灯泡和线路", result: "路灯已修好，晚上亮了" });

  // Rate it on the tracking page: a wrong last four is refused without
  // saying whether the code exists; the right one is the callback.
  await page.reload();
  assert.match(await page.locator("#result").innerText(), /路灯已修好/);
  await page.fill("#phone_last4", "0000");
  await page.check("input[name=solved][value=yes]");
  await page.check("input[name=satisfaction][value=satisfied]");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action$='/rate'] button[type=submit]")]);
  assert.match(await page.locator("main").innerText(), /没有找到这个查询码对应的问题/);
  await page.goto(`${server.url}/track/${code}`);
  await page.fill("#phone_last4", "4321");
  await page.check("input[name=solved][value=yes]");
  await page.check("input[name=satisfaction][value=satisfied]");
  await page.fill("#comment", "修得很快，谢谢");
  await Promise.all([page.waitForURL((u) => u.search === "?rated=1"), page.click("form[action$='/rate'] button[type=submit]")]);
  assert.match(await page.locator("main").innerText(), /感谢您的评价/);
  assert.match(await page.locator("#rating").innerText(), /已解决 · 满意/);
  assert.ok(await fitsWidth(page));
  const after = await api("GET", `/api/v1/problems/${p.id}`, office);
  assert.equal(after.callback_solved, "yes", "the rating counts as the callback");

  // The results page, on the phone too.
  await page.goto(`${server.url}/results`);
  assert.equal(await page.locator("h1").innerText(), "成效公示");
  await page.locator("#results-chart canvas").waitFor();
  assert.ok(await fitsWidth(page));
  assert.doesNotMatch(await page.content(), /13700004321|周阿姨/);

  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a page served without Web Crypto (plain HTTP) still solves the proof of work in script", async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 720 }, isMobile: true, hasTouch: true });
  await ctx.addInitScript(() => Object.defineProperty(Crypto.prototype, "subtle", { get: () => undefined }));
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/submit`);
  assert.equal(await page.evaluate(() => typeof crypto.subtle), "undefined");
  assert.equal(await page.locator("input[name=via]").inputValue(), "portal");
  const town = await page.locator("#township option:not([value=''])").nth(1).getAttribute("value");
  await page.selectOption("#township", town);
  await page.selectOption("#village", { index: 1 });
  await page.selectOption("#category", { index: 2 });
  await page.fill("#description", "组里的水井水质发浑，想请人来检测一下");
  await page.waitForTimeout(3200);
  await Promise.all([page.waitForURL((u) => u.pathname === "/submit"), page.click("button[type=submit]")]);
  await page.locator("#tracking-code").waitFor();
  assert.equal(await page.locator("h1").innerText(), "提交成功");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a resident who lost the code asks for one by phone: the page solves the proof of work and answers the same for any phone", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url + "/track");
  // A landline is refused on the page, with the error announced.
  await page.fill("#lookup-phone", "0737-7221234");
  await page.click("#lookup-form button[type=submit]");
  await page.waitForSelector("#lookup-phone[aria-invalid=true]");
  assert.match(await page.textContent("#lookup-phone-error"), /手机号/);
  // A mobile number: the code is said to be sent, whatever the phone.
  await page.fill("#lookup-phone", "13900001234");
  await page.click("#lookup-form button[type=submit]");
  await page.waitForSelector("#lookup-sent");
  assert.match(await page.textContent("#lookup-sent"), /验证码/);
  // A wrong code is refused with the attempts left, and nothing is listed.
  await page.fill("#lookup-code", "000000");
  await page.click("form[action='/track/lookup/verify'] button[type=submit]");
  await page.waitForSelector("#lookup-code-error");
  assert.equal(await page.locator("#lookup-items").count(), 0);
  assert.ok(await fitsWidth(page), "the lookup pages scroll sideways");
  assert.deepEqual(errors, []);
  await ctx.close();
});
