// The 三清 side of the platform in a browser: the office reads a unit's
// three lists and takes them away as a workbook, a unit admin records a
// project's progress, the office imports through the Excel page, and a
// cadre reads their own lists on a phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

// watch collects script errors of a page. A refused form comes back as a
// page with status 422 or 409, which Chromium logs: that is no error here.
function watch(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of (409|422) /.test(m.text())) errors.push(m.text());
  });
  return errors;
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// isZip tells whether bytes start as a zip (an .xlsx) does.
const isZip = (b) => b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

// number reads the whole number in a locator's text.
async function number(loc) {
  const t = (await loc.innerText()).trim();
  assert.match(t, /^\d+$/, `a number, got ${JSON.stringify(t)}`);
  return Number(t);
}

// listRows finds the lines of one of the lists' tables, the "none" row
// left out.
const listRows = (page, id) => page.locator(`table#${id} tbody tr:not(:has(td.empty))`);

test("the office opens a unit's three lists and exports them to Excel", async () => {
  const page = await browser.newPage();
  const errors = watch(page);
  await login(page, server.url, "office");

  // From the menu: the county's lists, too long to show whole.
  await page.click("nav.menu details.sec:has(a[href='/lists']) > summary");
  await Promise.all([page.waitForURL((u) => u.pathname === "/lists"), page.click("nav.menu a[href='/lists']")]);
  assert.equal(await page.locator("nav.menu a[aria-current=page]").textContent(), "三个清单总览");
  assert.match(await page.locator("h1").innerText(), /^全县“三个清单”/);
  const countyProblems = await number(page.locator("#count-problems .total"));
  assert.ok(countyProblems > 100, `the demo county has hundreds of problems, saw ${countyProblems}`);
  assert.match(await page.locator("p.note").innerText(), /每类只显示前 100 条/);
  assert.equal(await listRows(page, "lists-problems").count(), 100, "the page shows the first 100 problems");

  // A unit with work on all three lists: the township government of the
  // first township's service project.
  await page.goto(server.url + "/projects");
  const first = page.locator("table#projects tbody tr")
    .filter({ has: page.locator("td:nth-child(2)", { hasText: /[镇乡]人民政府$/ }) })
    .first().locator("td").first().locator("a").first();
  const title = (await first.innerText()).trim();
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), first.click()]);
  const unitName = (await page.locator("#project-facts dd").first().innerText()).trim();
  const unitLink = await page.locator("p.tabs a", { hasText: "本单位项目" }).getAttribute("href");
  const unitID = new URL(unitLink, server.url).searchParams.get("unit_id");
  assert.match(unitID, /^\d+$/);

  // Its unit page leads to its lists.
  await page.goto(`${server.url}/units/${unitID}`);
  assert.equal((await page.locator("h1").innerText()).split(/\s/)[0], unitName);
  await Promise.all([page.waitForURL((u) => u.pathname === "/lists" && u.searchParams.get("unit") === unitID),
    page.click("a.button:has-text('三个清单')")]);
  assert.match(await page.locator("h1").innerText(), new RegExp(`^${unitName}“三个清单”`));
  assert.equal(await page.locator("p.note").count(), 0, "a unit's lists are shown whole");

  // Three tables, each as long as its count says.
  const totals = {};
  for (const [card, table] of [["count-problems", "lists-problems"], ["count-projects", "lists-projects"],
    ["count-responsibilities", "lists-responsibilities"]]) {
    const total = await number(page.locator(`#${card} .total`));
    const open = await number(page.locator(`#${card} .open`));
    const done = await number(page.locator(`#${card} .done`));
    assert.ok(open + done <= total, `${card}: open ${open} + done ${done} within total ${total}`);
    assert.equal(await listRows(page, table).count(), total, `${table} lists all ${total} lines`);
    if (total === 0) {
      assert.equal(await page.locator(`table#${table} td.empty`).count(), 1, `${table} says it is empty`);
    }
    totals[table] = total;
  }
  for (const [table, total] of Object.entries(totals)) {
    assert.ok(total >= 1, `a township government has lines on ${table}`);
  }
  // Every problem is the unit's own, or one it co-handles (marked 配合
  // beside the lead unit).
  // textContent, not innerText: a list of more than 30 lines is folded.
  for (const t of await listRows(page, "lists-problems").locator("td:nth-child(6)").allTextContents()) {
    assert.ok(t.trim() === unitName || / 配合$/.test(t.trim()), `every problem is the unit's or co-handled: ${t}`);
  }
  const projects = listRows(page, "lists-projects");
  assert.ok((await projects.allTextContents()).some((t) => t.includes(title)), `the project list holds ${title}`);
  for (const t of await projects.locator("td:nth-child(3)").allTextContents()) {
    assert.equal(t.trim(), unitName, "every project is the unit's");
  }
  // A unit's project is a line of its responsibility list.
  assert.ok(totals["lists-responsibilities"] >= totals["lists-projects"]);
  assert.ok((await listRows(page, "lists-responsibilities").allTextContents()).some((t) => t.includes(title)),
    "the project is on the responsibility list");

  // The responsibility list page agrees with the lists.
  await Promise.all([page.waitForURL((u) => u.pathname === "/responsibilities" && u.searchParams.get("unit_id") === unitID),
    page.click("a:has-text('查看全部责任事项')")]);
  const resps = page.locator("table#responsibilities tbody tr:not(:has(td.empty))");
  assert.equal(await resps.count(), totals["lists-responsibilities"], "the responsibility list shows the same lines");
  await page.goBack();

  // The export link downloads the unit's workbook.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("a[href^='/lists.xlsx']")]);
  const name = download.suggestedFilename();
  assert.match(name, new RegExp(`^${unitName}三个清单-\\d{4}-\\d{2}-\\d{2}\\.xlsx$`));
  const bytes = readFileSync(await download.path());
  assert.ok(bytes.length > 1000 && isZip(bytes), `an .xlsx of ${bytes.length} bytes`);
  // Fetched with the page's session: the type of a workbook.
  const res = await page.request.get(`${server.url}/lists.xlsx?unit=${unitID}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()["content-type"], xlsxType);
  assert.ok(isZip(await res.body()));

  assert.deepEqual(errors, [], "no script errors");
  await page.close();
});

test("a unit admin records a project's progress; a bad or stale form comes back as typed", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, server.url, "unitadmin", undefined, "/projects");

  // An ongoing project of the unit with a target and no sub-projects.
  const row = page.locator("table#projects tbody tr")
    .filter({ hasText: "实施中" }).filter({ hasNotText: "子项目" })
    .filter({ has: page.locator("td:nth-child(3)", { hasText: /\d/ }) }).first();
  assert.equal(await row.count(), 1, "the unit has an ongoing project with a target");
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), row.locator("a").first().click()]);
  const projectURL = page.url();
  assert.match(await page.locator("#project-facts dd").first().innerText(), /^县民政局/);

  const doneOf = async (p) => Number((await p.locator("#project-done").innerText()).match(/^\d+/)[0]);
  const progressOf = async (p) => Number(await p.locator("#project-progress progress").getAttribute("value"));
  const entriesOf = async (p) => Number((await p.locator("#progress h2 small").innerText()).match(/\d+/)[0]);
  const target = Number((await page.locator("#project-facts dt:has-text('目标') + dd").innerText()).match(/^\d+/)[0]);
  const done0 = await doneOf(page), progress0 = await progressOf(page), entries0 = await entriesOf(page);
  assert.ok(progress0 < 100, `an unfinished project, at ${progress0}%`);

  // A second tab opened now goes stale with the first entry.
  const stale = await ctx.newPage();
  await stale.goto(projectURL);

  const form = page.locator("#progress-form");
  if (!(await form.isVisible())) await page.click("#progress details.actions > summary");
  const today = await form.locator("input[name=date]").inputValue();
  assert.match(today, /^\d{4}-\d{2}-\d{2}$/, "the date starts at today");
  const d = new Date(today + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() - 1);
  const yesterday = d.toISOString().slice(0, 10);
  const start = await form.locator("input[name=date]").getAttribute("min");
  const date = yesterday >= start ? yesterday : today;
  const qty = Math.max(1, Math.ceil(target / 10));

  // A note of blanks passes the browser but not the server.
  await form.locator("input[name=date]").fill(date);
  await form.locator("input[name=quantity]").fill(String(qty));
  await form.locator("textarea[name=note]").fill("   ");
  await Promise.all([page.waitForURL(/\/progress$/), form.locator("button[type=submit]").click()]);
  assert.match(await page.locator("#progress .error[role=alert]").innerText(), /提交的内容有误/);
  assert.equal(await form.locator("textarea[name=note] + .field-error").innerText(), "请填写进展情况");
  assert.ok(await form.isVisible(), "the form stays open");
  assert.equal(await form.locator("input[name=date]").inputValue(), date, "the date is kept");
  assert.equal(await form.locator("input[name=quantity]").inputValue(), String(qty), "the quantity is kept");
  assert.equal(await entriesOf(page), entries0, "nothing recorded");

  // Corrected, it is recorded.
  const note = `浏览器测试：本周上门服务 ${qty} 人次`;
  await form.locator("textarea[name=note]").fill(note);
  await Promise.all([page.waitForURL(/\/projects\/\d+\?ok=/), form.locator("button[type=submit]").click()]);
  assert.equal(await page.locator(".flash").innerText(), "已记录进展");
  assert.equal(await entriesOf(page), entries0 + 1);
  const entry = page.locator("#entries > li", { hasText: note });
  assert.equal(await entry.count(), 1, "the new entry is listed");
  assert.match(await entry.locator("time").innerText(), new RegExp(`^${date}$`));
  assert.match(await entry.innerText(), new RegExp(`完成 ${qty} `));
  assert.match(await entry.innerText(), /县民政局管理员 填报于/);
  assert.equal(await doneOf(page), done0 + qty);
  const progress1 = await progressOf(page);
  assert.equal(progress1, Math.min(100, Math.floor((done0 + qty) * 100 / target)));
  assert.ok(progress1 > progress0, `the bar moved from ${progress0} to ${progress1}`);

  // The stale tab's entry is refused, kept, and goes through when sent again.
  const sform = stale.locator("#progress-form");
  if (!(await sform.isVisible())) await stale.click("#progress details.actions > summary");
  await sform.locator("input[name=quantity]").fill("1");
  await sform.locator("textarea[name=note]").fill("另一处的进展：补录 1 人次");
  await Promise.all([stale.waitForURL(/\/progress$/), sform.locator("button[type=submit]").click()]);
  assert.match(await stale.locator("#progress .error[role=alert]").innerText(), /已被他人修改/);
  assert.equal(await sform.locator("textarea[name=note]").inputValue(), "另一处的进展：补录 1 人次");
  assert.equal(await sform.locator("input[name=quantity]").inputValue(), "1");
  assert.equal(await entriesOf(stale), entries0 + 1, "the refused entry is not recorded");
  await Promise.all([stale.waitForURL(/\/projects\/\d+\?ok=/), sform.locator("button[type=submit]").click()]);
  assert.equal(await entriesOf(stale), entries0 + 2);
  assert.equal(await doneOf(stale), done0 + qty + 1);

  assert.deepEqual(errors, [], "no script errors");
  await ctx.close();
});

test("the office imports through the Excel page: a wrong file and the template itself are refused with reasons", async () => {
  const page = await browser.newPage();
  const errors = watch(page);
  await login(page, server.url, "office");
  await page.click("nav.menu details.sec:has(a[href='/imports']) > summary");
  await Promise.all([page.waitForURL((u) => u.pathname === "/imports"), page.click("nav.menu a[href='/imports']")]);
  const named = async (q) => (await (await page.request.get(`${server.url}/api/v1/households?q=${encodeURIComponent(q)}&limit=200`)).json()).items.length;
  const zhangSan = await named("张三");

  // The households template is a workbook.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("a[href='/imports/households/template.xlsx']")]);
  assert.equal(download.suggestedFilename(), "农户导入模板.xlsx");
  const template = await download.path();
  assert.ok(isZip(readFileSync(template)), "the template is an .xlsx");

  // A text file named like a workbook: refused, saying what it is.
  await page.selectOption("select[name=kind]", "households");
  await page.setInputFiles("input[name=file]", { name: "农户.xlsx", mimeType: xlsxType, buffer: Buffer.from("户主姓名,身份证号\n张三,430923198001010017\n") });
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/imports"),
    page.click("form[action='/imports'] button[type=submit]")]);
  assert.match(await page.locator("#import-error").innerText(), /不是 Excel 工作簿/);
  assert.equal(await page.locator("#import-report").count(), 0);
  assert.equal(await page.locator(".flash").count(), 0, "nothing imported");
  assert.equal(await page.locator("select[name=kind]").inputValue(), "households", "the kind is kept");

  // The template as downloaded: its example row names 东坪镇酉州村, a
  // village the demo county does not have, so the row is refused.
  await page.setInputFiles("input[name=file]", template);
  // The page before has an error box too but no report: wait for the
  // report, which only the answer to this submission has.
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/imports"),
    page.click("form[action='/imports'] button[type=submit]")]);
  assert.equal(await page.locator("#import-report h2").innerText(), "农户：读取 1 行，发现 1 处错误");
  assert.equal(await page.locator("#import-error strong").innerText(), "导入未完成：有 1 处错误，所有数据均未导入。请改正后重新导入整个文件。");
  const cells = await page.locator("#import-report tbody tr").first().locator("td").allInnerTexts();
  assert.equal(await page.locator("#import-report tbody tr").count(), 1);
  assert.deepEqual(cells.slice(0, 2), ["3", "村(社区)"], "row 3 (under the title and header), column 村(社区)");
  assert.match(cells[2], /^找不到村\(社区\)“东坪镇酉州村”/);
  assert.equal(await named("张三"), zhangSan, "no household was added");

  assert.deepEqual(errors, [], "no script errors");
  await page.close();
});

test("a cadre reads their own three lists on a phone", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, server.url, "cadre", undefined, "/lists");
  assert.equal(new URL(page.url()).pathname, "/lists");
  const me = await page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  const h1 = await page.locator("h1").innerText();
  assert.ok(h1.startsWith(me.display_name + "“三个清单”"), `the cadre's own lists: ${h1}`);
  assert.match(h1, /县民政局/);
  assert.equal(await page.locator("table.list").count(), 3);
  assert.equal(await page.locator("a[href^='/lists.xlsx?person=']").count(), 1, "the export names the person");

  const fit = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(fit.scroll <= fit.inner + 1, `the page fits a phone: scroll width ${fit.scroll}, window ${fit.inner}`);
  // The lists are cards on a phone: every column of a row is there, under its name.
  const tables = await page.locator("table.list").evaluateAll((ts) => ts.map((t) => {
    const r = t.getBoundingClientRect();
    return { id: t.id, left: r.left, right: r.right, scroll: t.scrollWidth, client: t.clientWidth };
  }));
  for (const t of tables) {
    assert.ok(t.left >= 0 && t.right <= fit.inner + 1, `table ${t.id} within the screen: ${JSON.stringify(t)}`);
  }
  const cells = await page.locator("table.list tbody td:not(.empty)").evaluateAll((tds) => tds.map((td) =>
    ({ label: td.dataset.label || (td.classList.contains("lead") ? "lead" : ""), shown: getComputedStyle(td).display !== "none" && td.getBoundingClientRect().width > 0 })));
  assert.ok(cells.length > 0, "the cadre has lines on the lists");
  assert.deepEqual(cells.filter((c) => !c.label || !c.shown), [], "every cell shown with its column's name");
  assert.deepEqual(errors, [], "no script errors");
  await ctx.close();
});
