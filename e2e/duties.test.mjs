// The separation of duties in a browser: the system administrator
// creates an office account, which cannot log in until the security
// administrator approves it on the grants page; the account and grants
// pages fit a phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, login } from "./lib.mjs";

let server, browser;

before(async () => {
  server = await startServer({ households: 1000 });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function canLogin(username, password) {
  const res = await fetch(server.url + "/api/v1/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password }),
  });
  return res.status;
}

async function page(user, width = 1366, height = 768) {
  const ctx = await browser.newContext({ viewport: { width, height }, locale: "zh-CN" });
  const p = await ctx.newPage();
  await login(p, server.url, user, undefined, "/");
  return { ctx, p };
}

async function noSidewaysScroll(p, what) {
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${what}: scrolls sideways by ${overflow}px`);
}

test("an office account made by the system administrator waits for the security administrator", async () => {
  const sys = await page("sysadmin");
  await sys.p.goto(server.url + "/users");
  await sys.p.fill("input[name=username]", "boss");
  await sys.p.fill("input[name=display_name]", "新任主任");
  await sys.p.selectOption("select[name=role]", "office");
  await sys.p.fill("input[name=password]", "a-good-password-1");
  await Promise.all([sys.p.waitForURL(/\/users\?ok=/), sys.p.click("form[action='/users'] button[type=submit]")]);
  assert.match(await sys.p.locator(".flash").innerText(), /须经安全管理员/);
  assert.equal(await canLogin("boss", "a-good-password-1"), 401, "a pending account logs in");

  const sec = await page("secadmin");
  const pending = Number(await sec.p.locator("#count-grants-pending").getAttribute("data-count"));
  assert.ok(pending >= 2, `secadmin home: ${pending} pending (the demo's and boss's)`);
  await sec.p.goto(server.url + "/grants");
  const row = sec.p.locator("#grants-pending tr", { hasText: "boss" });
  await row.locator("form[action$='/approve'] input[name=reason]").fill("核实为县办新任主任");
  await Promise.all([sec.p.waitForURL(/\/grants\?ok=/), row.locator("form[action$='/approve'] button").click()]);
  assert.match(await sec.p.locator(".flash").innerText(), /已批准并生效/);
  assert.equal(await canLogin("boss", "a-good-password-1"), 200, "the approved account cannot log in");

  // The system administrator cannot approve the demo's request it made itself.
  await sys.p.goto(server.url + "/grants");
  const demoRow = sys.p.locator("#grants-pending tr", { hasText: "newcadre" });
  assert.equal(await demoRow.locator("form[action$='/approve']").count(), 0, "sysadmin is offered its own request to approve");
  await sys.ctx.close();
  await sec.ctx.close();
});

test("the account and grants pages fit a phone", async () => {
  const sys = await page("sysadmin", 390, 844);
  for (const path of ["/users", "/users/1", "/grants"]) {
    const res = await sys.p.goto(server.url + path);
    assert.equal(res.status(), 200, path);
    await noSidewaysScroll(sys.p, path);
  }
  await sys.ctx.close();
});
