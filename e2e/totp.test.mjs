// The auditor, whose role must have a second factor, enrols TOTP by the QR
// page's secret, keeps the recovery codes, then logs in again with a code
// computed here by RFC 6238, and finds both logins in the login log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, launch, login } from "./lib.mjs";

let server, browser;

before(async () => {
  server = await startServer({ households: 1500, args: ["--require-2fa", "auditor,sysadmin"] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// base32 decodes RFC 4648 base32 without padding.
function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

// totp is RFC 6238 with SHA-1, 6 digits and 30-second steps, at time ms.
function totp(secret, ms = Date.now()) {
  const step = Math.floor(ms / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1e6).padStart(6, "0");
}

test("RFC 6238 test vector", () => {
  // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits), 287082 in 6.
  assert.equal(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59000), "287082");
});

test("the auditor enrols TOTP and logs in with a code", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  // Not enrolled: the login lands on the enrolment page, and nothing else opens.
  await login(page, server.url, "auditor", undefined, "/audit");
  assert.equal(new URL(page.url()).pathname, "/me/2fa");
  await page.goto(`${server.url}/audit`);
  assert.equal(new URL(page.url()).pathname, "/me/2fa");
  const qr = await page.locator("#totp-qr").getAttribute("src");
  assert.match(qr, /^data:image\/png;base64,/);
  const secret = (await page.locator("#totp-secret").textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);

  // A wrong first code is refused with its reason; the right one enables it.
  await page.fill("#code", "000000");
  await Promise.all([page.waitForLoadState(), page.click("button.primary")]);
  assert.match(await page.locator(".field-error").textContent(), /动态验证码不正确/);
  await page.fill("#code", totp(secret));
  await Promise.all([page.waitForLoadState(), page.click("button.primary")]);
  const codes = await page.locator("#recovery-codes li").allTextContents();
  assert.equal(codes.length, 10);
  await page.goto(`${server.url}/audit`);
  assert.equal(new URL(page.url()).pathname, "/audit");

  // Log out and in again: the password, then the code (the next step's,
  // since this step's code was just spent).
  await Promise.all([page.waitForURL(/\/login/), page.click("form.who button[type=submit]")]);
  await page.goto(`${server.url}/login?next=${encodeURIComponent("/audit/logins")}`);
  await page.fill("#username", "auditor");
  await page.fill("#password", "Sanlian@2021");
  await Promise.all([page.waitForURL(/\/login\/2fa/), page.click("button[type=submit]")]);
  await page.fill("#code", totp(secret, Date.now() + 30000));
  await Promise.all([page.waitForURL((u) => u.pathname === "/audit/logins"), page.click("button.primary")]);

  // The login log shows the logins, the logout and the password step awaiting its code.
  const log = await page.locator("#logins").textContent();
  assert.match(log, /登录成功/);
  assert.match(log, /退出/);
  assert.match(log, /待输入动态码/);
  assert.deepEqual(errors, []);
  await ctx.close();
});
