// Every role's workbench (GET /) in a browser, at 1366×768 and 390×844:
// the page never scrolls sideways on a phone, no table header cell is
// hidden or clipped out of reach, and the unit admin's figures are its own
// unit's counts as the API gives them. The office's and the leader's
// homes are checked only for what any home page must be.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, login, api, apiToken } from "./lib.mjs";

let server, browser;

before(async () => {
  server = await startServer({ households: 1000 });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const roles = ["office", "leader", "unitadmin", "township", "cadre", "sysadmin", "secadmin", "auditor"];
const sizes = [[1366, 768, "desktop"], [390, 844, "phone"]];

// hiddenHeaders lists the table header cells of rendered tables that a
// reader cannot see: not rendered, invisible, of no width, or lying
// outside the box that clips them with no way to scroll there.
function hiddenHeaders() {
  const out = [];
  const clipper = (el) => {
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox !== "visible") return { box: p, scrolls: ox === "auto" || ox === "scroll" };
    }
    return null;
  };
  for (const table of document.querySelectorAll("table")) {
    if (!table.checkVisibility()) continue;
    table.querySelectorAll("th").forEach((th, i) => {
      const name = `${table.id || table.className || "table"} th#${i + 1} ${JSON.stringify(th.innerText.trim())}`;
      const st = getComputedStyle(th);
      const r = th.getBoundingClientRect();
      if (!th.checkVisibility() || st.display === "none") return out.push(name + ": not displayed");
      if (st.visibility === "hidden" || st.visibility === "collapse") return out.push(name + ": invisible");
      if (r.width < 1 || r.height < 1) return out.push(name + ": no size");
      const c = clipper(th);
      if (c) {
        const b = c.box.getBoundingClientRect();
        const outside = r.right > b.right + 1 || r.left < b.left - 1;
        if (outside && !(c.scrolls && c.box.scrollWidth > c.box.clientWidth)) out.push(name + ": clipped, no scroll");
      } else if (r.right > document.documentElement.clientWidth + 1 || r.left < -1) {
        out.push(name + ": off the page");
      }
    });
  }
  return out;
}

test("every role's home fits a phone and shows every table header", async () => {
  for (const user of roles) {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN" });
    const page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await login(page, server.url, user, "Sanlian@2021", "/");
    for (const [width, height, tag] of sizes) {
      await page.setViewportSize({ width, height });
      const res = await page.goto(server.url + "/");
      assert.equal(res.status(), 200, `${user} ${tag}: status`);
      assert.equal(new URL(page.url()).pathname, "/", `${user} ${tag}: GET / stays on the home page`);
      assert.ok(await page.locator("h1").count(), `${user} ${tag}: no heading`);
      if (tag === "phone") {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${user} phone: the page scrolls sideways by ${overflow}px`);
      }
      assert.deepEqual(await page.evaluate(hiddenHeaders), [], `${user} ${tag}: hidden table headers`);
    }
    assert.deepEqual(errors, [], `${user}: script errors`);
    await ctx.close();
  }
});

// apiCount counts every item of an API list, following its cursor.
async function apiCount(path, token) {
  let n = 0;
  let next = path + (path.includes("?") ? "&" : "?") + "limit=500";
  while (next) {
    const out = await api(server.url, "GET", next, token);
    n += out.items.length;
    next = out.next_cursor ? path + (path.includes("?") ? "&" : "?") + "limit=500&cursor=" + encodeURIComponent(out.next_cursor) : "";
  }
  return n;
}

test("the unit admin's figures are its own unit's counts", async () => {
  const token = await apiToken(server.url, "unitadmin");
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
  const page = await ctx.newPage();
  await login(page, server.url, "unitadmin", "Sanlian@2021", "/");
  const figures = await page.locator(".wb-cards a.card[data-count]").evaluateAll((as) =>
    as.map((a) => ({ id: a.id, count: Number(a.dataset.count), shown: a.querySelector("b").innerText.trim(), href: a.getAttribute("href") })));
  const ids = figures.map((f) => f.id);
  for (const id of ["count-assigned", "count-accepted", "count-overdue", "count-due-soon", "count-co-owed"]) {
    assert.ok(ids.includes(id), `figure ${id} missing (${ids})`);
  }
  // The unit's own problems: the API's list with the panel's filters, and
  // never more than the unit's problems as the unit_id filter gives them.
  const me = await api(server.url, "GET", "/api/v1/units?limit=500", token);
  const unitIDs = me.items.map((u) => u.id);
  for (const f of figures) {
    assert.equal(String(f.count), f.shown, `${f.id}: shown ${f.shown}, data-count ${f.count}`);
    const url = new URL(f.href, server.url);
    assert.equal(url.pathname, "/problems", `${f.id} links to ${f.href}`);
    const query = url.search;
    assert.equal(await apiCount("/api/v1/problems" + query, token), f.count, `${f.id}: API count for ${query}`);
    if (f.id === "count-co-owed") continue;
    // Summed over the unit and its sub-units by unit_id, the same filter
    // without own=1 gives the same number: nothing of another unit.
    const q = new URLSearchParams(url.search);
    q.delete("own");
    let byUnit = 0;
    for (const id of unitIDs) {
      q.set("unit_id", String(id));
      byUnit += await apiCount("/api/v1/problems?" + q.toString(), token);
    }
    assert.equal(byUnit, f.count, `${f.id}: counts by the unit's own ids`);
  }
  // Every problem listed in the panels belongs to the unit or its sub-units
  // (the co-handling panel apart).
  for (const panel of ["panel-overdue", "panel-due-soon", "panel-assigned"]) {
    const links = await page.locator(`#${panel} .duelist a[href^="/problems/"]`).evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const href of links) {
      const p = await api(server.url, "GET", "/api/v1" + href, token);
      assert.ok(unitIDs.includes(p.unit_id), `${panel}: ${p.number} is unit ${p.unit_id}'s`);
    }
  }
  await ctx.close();
});
