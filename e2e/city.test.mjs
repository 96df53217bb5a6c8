// A city of two counties on one PostgreSQL: the city office reads its
// counties' figures, rankings and published bulletins at a desk and on a
// phone, and a resident reaches a county's submission form through the
// shared host's /c/<code>/ address and follows the problem there.
// Needs PostgreSQL: SANLIAN_TEST_PG names a database on the server (the
// suite's), beside which this journey makes its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./lib.mjs";

const pg = process.env.SANLIAN_TEST_PG;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let dir, dbURL, admin, proc, port, browser;

before(async () => {
  if (!pg) return;
  dir = mkdtempSync(join(tmpdir(), "sanlian-city-"));
  let bin = process.env.SANLIAN_BIN;
  if (!bin) {
    bin = join(dir, "sanlian");
    execFileSync("go", ["build", "-o", bin, "./cmd/sanlian"], { cwd: root, stdio: "inherit" });
  }
  const u = new URL(pg);
  const name = u.pathname.slice(1) + "_city" + process.pid;
  admin = pg;
  const quiet = { env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" } };
  execFileSync("psql", ["-q", admin, "-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, "-c", `CREATE DATABASE ${name}`], quiet);
  u.pathname = "/" + name;
  dbURL = u.toString();
  const files = join(dir, "files");
  execFileSync(bin, ["demo", "--counties", "2", "--households", "300", "--problems", "60", "--visits", "0", "--activities", "0",
    "--db", dbURL, "--blobs", files], { cwd: dir, stdio: "ignore" });
  proc = spawn(bin, ["serve", "--db", dbURL, "--blobs", files, "--base-host", "localhost", "--city-name", "益阳市",
    "--addr", "127.0.0.1:0", "--pow-bits", "12"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => { log += d; });
  port = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start:\n" + out + log)), 60000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/多县部署已启动：http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}${log}`)); });
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (proc) {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
  }
  if (dbURL) {
    const name = new URL(dbURL).pathname.slice(1);
    try {
      execFileSync("psql", ["-q", admin, "-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`],
        { env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" } });
    } catch { /* the suite drops it too */ }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
const city = () => `http://city.localhost:${port}`;

test("the city office reads its counties' figures, ranking and bulletins", { skip: !pg && "SANLIAN_TEST_PG is not set" }, async () => {
  for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
    const ctx = await browser.newContext({ viewport, locale: "zh-CN" });
    const page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });

    await page.goto(city() + "/");
    assert.equal(new URL(page.url()).pathname, "/login");
    await page.fill("#username", "city");
    await page.fill("#password", "Sanlian@2021");
    await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.click("button[type=submit]")]);
    assert.equal(await page.locator("#city-cockpit tbody tr").count(), 2);
    assert.match(await page.locator("#elapsed").innerText(), /^用时 \d+ 毫秒/);
    assert.ok(await fitsWidth(page), `the cockpit fits ${viewport.width} pixels`);

    await Promise.all([page.waitForURL((u) => u.pathname === "/ranking"), page.click("nav.menu >> text=各县排名")]);
    assert.equal(await page.locator("#city-ranking tbody tr").count(), 2);
    assert.ok(await fitsWidth(page), `the ranking fits ${viewport.width} pixels`);

    await Promise.all([page.waitForURL((u) => u.pathname === "/bulletins"), page.click("nav.menu >> text=各县通报")]);
    assert.equal(await page.locator("#city-bulletins tbody tr").count(), 2);
    assert.ok(await fitsWidth(page), `the bulletins fit ${viewport.width} pixels`);
    // The demo counties published their bulletins up to the last half-month.
    const link = page.locator("#city-bulletins a[href^='/bulletins/']").first();
    assert.ok(await link.count() > 0, "a county's published bulletin is listed");
    await Promise.all([page.waitForURL((u) => /^\/bulletins\/\d{6}\/\d{4}-\d{2}-H[12]$/.test(u.pathname)), link.click()]);
    assert.match(await page.locator("h1").innerText(), /半月督查情况的通报$/);
    assert.ok(await page.locator("#bulletin-units tbody tr").count() > 0);
    assert.ok(await fitsWidth(page), `a bulletin fits ${viewport.width} pixels`);
    // Nothing about a person or a problem's wording.
    assert.doesNotMatch(await page.locator("main").innerText(), /1[3-9]\d{9}|\d{17}[\dX]/);

    assert.deepEqual(errors, []);
    await ctx.close();
  }
});

test("a resident submits to a county through the shared host's /c/<code>/ address", { skip: !pg && "SANLIAN_TEST_PG is not set" }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  const base = `http://localhost:${port}`;

  await page.goto(`${base}/c/430903/`);
  assert.equal(new URL(page.url()).pathname, "/c/430903/submit");
  assert.equal(await page.locator("h1").innerText(), "我要反映问题");
  // Both stylesheets load through the prefix (a failed one has no sheet, and its 404 is in errors).
  assert.equal(await page.evaluate(() => [...document.querySelectorAll("link[rel=stylesheet]")].filter((l) => l.sheet).length), 2);
  assert.ok(await fitsWidth(page));
  const town = await page.locator("#township option:not([value=''])").first().getAttribute("value");
  await page.selectOption("#township", town);
  const village = await page.locator("#village option:not([value=''])").first().getAttribute("value");
  await page.selectOption("#village", village);
  await page.selectOption("#category", "policy");
  await page.fill("#description", "小区门口的排水沟堵了，下雨就漫到路上");
  await page.waitForTimeout(3200);
  await Promise.all([page.waitForURL((u) => u.pathname === "/c/430903/submit"), page.click("button[type=submit]")]);
  await page.locator("#tracking-code").waitFor();
  assert.equal(await page.locator("h1").innerText(), "提交成功");

  await Promise.all([page.waitForURL((u) => u.pathname.startsWith("/c/430903/track/")), page.click("a.pbig")]);
  assert.equal(await page.locator("#description").innerText(), "小区门口的排水沟堵了，下雨就漫到路上");
  // The 长辈版 switch and the menu stay under the prefix.
  assert.match(await page.locator("#elder-switch a[data-elder='1']").getAttribute("href"), /^\/c\/430903\/track\/\w+\?elder=1$/);
  await page.click("#elder-switch a[data-elder='1']");
  assert.ok(await page.evaluate(() => document.documentElement.classList.contains("elder")));
  await Promise.all([page.waitForURL((u) => u.pathname === "/c/430903/results"), page.click("nav.pnav >> text=成效公示")]);
  assert.deepEqual(errors, []);
  await ctx.close();
});
