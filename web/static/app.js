// sanlian: small enhancements; every page works without them.
(function () {
  "use strict";
  // The menu: on a phone one list behind the 菜单 button, every section
  // open; on a desktop the sections drop down one at a time, and close on
  // Escape or a click elsewhere. Without this script <details> still works.
  function menu() {
    var wrap = document.getElementById("menu-wrap");
    if (!wrap) { return; }
    var secs = Array.prototype.slice.call(wrap.querySelectorAll("details.sec"));
    var phone = window.matchMedia("(max-width: 640px)");
    var fit = function () {
      wrap.open = !phone.matches;
      secs.forEach(function (d) { d.open = phone.matches; });
    };
    fit();
    phone.addEventListener("change", fit);
    secs.forEach(function (d) {
      d.addEventListener("toggle", function () {
        if (phone.matches || !d.open) { return; }
        secs.forEach(function (o) { if (o !== d) { o.open = false; } });
      });
    });
    document.addEventListener("click", function (e) {
      if (phone.matches || e.target.closest("#main-menu details.sec")) { return; }
      secs.forEach(function (d) { d.open = false; });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") { return; }
      if (phone.matches) {
        if (wrap.open) { wrap.open = false; wrap.querySelector("summary").focus(); }
        return;
      }
      secs.forEach(function (d) {
        if (d.open) { d.open = false; d.querySelector("summary").focus(); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", menu);
  // Printing shows folded sections: open them for the print, fold them back after.
  var folded = [];
  window.addEventListener("beforeprint", function () {
    folded = Array.prototype.slice.call(document.querySelectorAll("main details.fold:not([open])"));
    folded.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    folded.forEach(function (d) { d.open = false; });
    folded = [];
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("[data-autosubmit]")) { t.form.submit(); }
    if (t.matches("[data-check-all]")) {
      var name = t.getAttribute("data-check-all");
      t.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = t.checked; });
    }
  });
  function charts() {
    var el = document.getElementById("township-chart");
    if (!el || el.dataset.drawn) { return; }
    var load = function () {
      var d = JSON.parse(el.dataset.chart || "{}");
      var c = window.echarts.init(el);
      c.setOption({
        grid: { left: 50, right: 10, top: 20, bottom: 70 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.names || [], axisLabel: { rotate: 45 } },
        yAxis: { type: "value", name: "户" },
        series: [{ type: "bar", data: d.households || [], itemStyle: { color: "#b71c1c" } }]
      });
      window.addEventListener("resize", function () { c.resize(); });
      el.dataset.drawn = "1";
    };
    if (window.echarts) { load(); return; }
    var s = document.createElement("script");
    s.src = el.dataset.echarts || "/static/echarts.min.js";
    s.onload = load;
    document.head.appendChild(s);
  }
  document.addEventListener("DOMContentLoaded", charts);
  // A unit's scorecard: score and the three rates over the half-months;
  // a missing value (null) leaves a gap.
  function scorecard() {
    var el = document.getElementById("scorecard-chart");
    if (!el || el.dataset.drawn) { return; }
    var load = function () {
      var d = JSON.parse(el.dataset.chart || "{}");
      var c = window.echarts.init(el);
      var line = function (name, data, color) { return { name: name, type: "line", data: data || [], connectNulls: false, itemStyle: { color: color } }; };
      c.setOption({
        grid: { left: 50, right: 10, top: 40, bottom: 70 },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        xAxis: { type: "category", data: d.periods || [], axisLabel: { rotate: 45 } },
        yAxis: { type: "value", min: 0, max: 100 },
        series: [line("得分", d.score, "#b71c1c"), line("响应率%", d.response, "#1565c0"),
          line("解决率%", d.resolution, "#2e7d32"), line("满意率%", d.satisfaction, "#ef6c00")]
      });
      window.addEventListener("resize", function () { c.resize(); });
      el.dataset.drawn = "1";
    };
    if (window.echarts) { load(); return; }
    var s = document.createElement("script");
    s.src = el.dataset.echarts || "/static/echarts.min.js";
    s.onload = load;
    document.head.appendChild(s);
  }
  document.addEventListener("DOMContentLoaded", scorecard);

  // Visits survive a lost signal. The visit form is sent as JSON to
  // /api/v1/visits, but each draft is first kept in localStorage under its
  // own Idempotency-Key and removed only once the server has it. Pending
  // drafts are sent again in order, with their original keys, on every page
  // load and when the phone comes back online: the server records each key
  // once, so nothing is sent twice. A refusal (4xx) is shown and the draft
  // kept for editing instead of being retried.
  var DRAFTS = "sanlian.visitDrafts.v1";
  function loadDrafts() {
    try { return JSON.parse(localStorage.getItem(DRAFTS) || "[]") || []; } catch (e) { return []; }
  }
  function saveDrafts(ds) {
    try { localStorage.setItem(DRAFTS, JSON.stringify(ds)); return true; } catch (e) { return false; }
  }
  function putDraft(d) {
    var ds = loadDrafts(), i = ds.findIndex(function (x) { return x.key === d.key; });
    if (i >= 0) { ds[i] = d; } else { ds.push(d); }
    return saveDrafts(ds);
  }
  function updateDraft(key, fn) {
    saveDrafts(loadDrafts().reduce(function (out, x) {
      if (x.key === key) { x = fn(x); }
      if (x) { out.push(x); }
      return out;
    }, []));
  }
  function mine(user) {
    return loadDrafts().filter(function (x) { return x.user === user; });
  }
  function pendingCount(user) {
    return mine(user).filter(function (x) { return !x.error; }).length;
  }
  function newKey() {
    var c = window.crypto, b = new Uint8Array(16);
    if (c && c.randomUUID) { return c.randomUUID(); }
    if (c && c.getRandomValues) { c.getRandomValues(b); } else { for (var i = 0; i < 16; i++) { b[i] = Math.random() * 256; } }
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function problemText(p) {
    var msg = (p && (p.detail || p.title)) || "提交失败，请稍后重试";
    var fs = p && p.errors ? Object.keys(p.errors).sort().map(function (k) { return p.errors[k]; }) : [];
    fs = fs.filter(function (m, i) { return fs.indexOf(m) === i && msg.indexOf(m) < 0; });
    return fs.length ? msg + "：" + fs.join("；") : msg;
  }
  // sendDraft answers {visit}, {error} (refused: do not retry) or {later}.
  async function sendDraft(d) {
    var res, data = null;
    try {
      res = await fetch("/api/v1/visits", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": d.key },
        body: JSON.stringify(d.body) });
    } catch (e) { return { later: true }; }
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.ok && data && data.id) { return { visit: data }; }
    if (res.status === 401) { return { later: true, login: true }; }
    if (res.ok || res.status >= 500 || res.status === 408 || res.status === 429) { return { later: true }; }
    return { error: problemText(data) };
  }
  var flushing = null, results = {};
  // flush sends the user's pending drafts one by one, oldest first, and
  // stops at the first that cannot reach the server. One run at a time.
  function flush(user) {
    var done = function (sent) { flushing = null; return sent; };
    if (!flushing) { flushing = sendAll(user).then(done, function () { return done([]); }); }
    return flushing;
  }
  async function sendAll(user) {
    var sent = [];
    for (;;) {
      if (navigator.onLine === false) { break; }
      var d = mine(user).find(function (x) { return !x.error; });
      if (!d) { break; }
      var r = await sendDraft(d);
      results[d.key] = r;
      if (r.later) { break; }
      if (r.visit) {
        sent.push(r.visit);
        updateDraft(d.key, function () { return null; });
      } else {
        updateDraft(d.key, function (x) { x.error = r.error; return x; });
      }
    }
    return sent;
  }
  // resume keeps sending whenever there is a chance: now, when the phone
  // is back online, and every half minute while drafts wait.
  function resume(user, after) {
    var go = function () {
      if (pendingCount(user) > 0) { flush(user).then(after); }
    };
    go();
    window.addEventListener("online", go);
    setInterval(go, 30000);
  }

  function visitForm(form) {
    var user = form.dataset.user, editing = null, busy = false;
    var queue = document.getElementById("visit-queue"), status = document.getElementById("visit-status");
    var errBox = document.getElementById("visit-error"), list = document.getElementById("visit-problems");
    var tpl = document.getElementById("problem-template"), addBtn = list.querySelector("[data-add-problem]");
    var next = Number(list.dataset.next) || 0;

    function say(el, text) {
      el.textContent = text;
      el.hidden = !text;
    }
    function renumber() {
      list.querySelectorAll("[data-problem] legend").forEach(function (l, i) { l.textContent = "问题 " + (i + 1); });
    }
    function addProblem(n) {
      var i = n === undefined ? next : Number(n);
      next = Math.max(next, i + 1);
      var box = document.createElement("div");
      box.innerHTML = tpl.innerHTML.replace(/__N__/g, String(i));
      var block = box.firstElementChild;
      block.querySelector("[data-remove-problem]").hidden = false;
      list.insertBefore(block, addBtn);
      renumber();
      return block;
    }
    addBtn.hidden = false;
    list.querySelectorAll("[data-remove-problem]").forEach(function (b) { b.hidden = false; });
    renumber();
    addBtn.addEventListener("click", function () {
      var block = addProblem();
      block.querySelector("select, textarea").focus();
    });
    list.addEventListener("click", function (e) {
      if (e.target.matches("[data-remove-problem]")) {
        e.target.closest("[data-problem]").remove();
        renumber();
      }
    });

    // The JSON body of POST /api/v1/visits, read as the server reads the
    // plain form (web/visit.go readVisitForm).
    function body() {
      var fd = new FormData(form), place = String(fd.get("place") || "").split(":");
      var b = { date: fd.get("date") || "", met: fd.get("met") || "", findings: fd.get("findings") || "",
        topics: fd.getAll("topic").map(Number), problems: [] };
      if (place[0] === "h" && place.length === 2) { b.kind = "household"; b.household_id = Number(place[1]); }
      if (place[0] === "v" && place.length === 3) { b.kind = "village"; b.unit_id = Number(place[1]); b.region = place[2]; }
      if (place[0] === "t" && place.length === 2) { b.kind = "township"; b.region = place[1]; }
      if (fd.get("visitor")) { b.visitors = [Number(fd.get("visitor"))]; }
      list.querySelectorAll("[data-problem]").forEach(function (el) {
        var p = "p" + el.dataset.problem + "_", c = fd.get(p + "category") || "", t = String(fd.get(p + "description") || "").trim();
        if (c || t) {
          b.problems.push({ category: c, description: t, village: fd.get(p + "village") || "", urgency: fd.get(p + "urgent") ? "urgent" : "normal" });
        }
      });
      return b;
    }
    function pairs() {
      var out = [];
      new FormData(form).forEach(function (v, k) { if (typeof v === "string" && k !== "idempotency_key") { out.push([k, v]); } });
      return out;
    }
    function placeLabel() {
      var el = form.querySelector("[name=place]:checked") || form.querySelector("select[name=place]");
      var label = el && (el.tagName === "SELECT" ? el.options[el.selectedIndex].text : el.closest("label").querySelector("b").textContent);
      return label || "";
    }
    function clear() {
      form.reset();
      list.querySelectorAll("[data-problem]").forEach(function (el, i) { if (i > 0) { el.remove(); } });
      renumber();
      form.elements.date.value = form.dataset.today;
    }
    function fill(d) {
      clear();
      list.querySelectorAll("[data-problem]").forEach(function (el) { el.remove(); });
      d.form.forEach(function (p) {
        var m = /^p(\d+)_/.exec(p[0]);
        if (m && !list.querySelector('[data-problem="' + m[1] + '"]')) { addProblem(m[1]); }
      });
      if (!list.querySelector("[data-problem]")) { addProblem(); }
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.name === "idempotency_key") { return; }
        var vals = d.form.filter(function (p) { return p[0] === el.name; }).map(function (p) { return p[1]; });
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = vals.indexOf(el.value) >= 0;
          if (el.checked && el.closest("details")) { el.closest("details").open = true; }
        } else if (vals.length) {
          el.value = vals[0];
        }
      });
    }
    function savedMessage() {
      return "已保存在本机，联网后自动提交（" + pendingCount(user) + " 条待提交）";
    }
    function render() {
      var ds = mine(user), n = pendingCount(user);
      queue.textContent = "";
      queue.hidden = ds.length === 0;
      if (!ds.length) { return; }
      var head = document.createElement("p");
      head.innerHTML = "<b></b> ";
      head.firstChild.textContent = "本机有 " + n + " 条待提交" + (ds.length > n ? "，" + (ds.length - n) + " 条未能提交需修改" : "");
      if (n) {
        var retry = document.createElement("button");
        retry.type = "button";
        retry.textContent = "立即提交";
        retry.addEventListener("click", function () { flush(user).then(after); });
        head.appendChild(retry);
      }
      queue.appendChild(head);
      var ul = document.createElement("ul");
      ds.forEach(function (d) {
        var li = document.createElement("li");
        li.textContent = (d.body.date || "") + " " + (d.label || "") + " — " + (d.error ? "未能提交：" + d.error : "待提交") + " ";
        if (d.error) {
          var edit = document.createElement("button");
          edit.type = "button";
          edit.textContent = "修改";
          edit.addEventListener("click", function () {
            fill(d);
            editing = d.key;
            say(errBox, d.error);
            form.scrollIntoView();
          });
          li.appendChild(edit);
        }
        var del = document.createElement("button");
        del.type = "button";
        del.textContent = "删除";
        del.addEventListener("click", function () {
          if (window.confirm("删除这条未提交的走访？删除后无法恢复。")) {
            updateDraft(d.key, function () { return null; });
            if (editing === d.key) { editing = null; }
            render();
          }
        });
        li.appendChild(del);
        ul.appendChild(li);
      });
      queue.appendChild(ul);
    }
    function after(sent) {
      if (sent && sent.length) { say(status, "网络已恢复，已自动提交 " + sent.length + " 条走访记录" + (pendingCount(user) ? "；" + savedMessage() : "")); }
      render();
    }
    async function uploadPhotos(id, files) {
      var fd = new FormData();
      files.forEach(function (f) { fd.append("file", f, f.name); });
      try {
        var res = await fetch("/api/v1/visits/" + id + "/photos", { method: "POST", credentials: "same-origin", body: fd });
        if (res.ok) { return "，照片 " + files.length + " 张"; }
        var p = null;
        try { p = await res.json(); } catch (e) { p = null; }
        return "；照片未上传：" + problemText(p) + "，请在本页补传";
      } catch (e) {
        return "；照片未上传（网络中断），请在本页补传";
      }
    }

    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      if (busy) { return; }
      var b = body(), input = form.querySelector("input[type=file]");
      var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
      if (!b.kind) { say(errBox, "请选择走访的农户、村或乡镇"); return; }
      var bad = files.find(function (f) { return !/^image\/(jpeg|png|gif|webp)$/.test(f.type); });
      if (bad) { say(errBox, "「" + bad.name + "」不是照片。走访照片只接收 JPEG、PNG、GIF、WebP 格式的图片"); return; }
      var d = { key: editing || newKey(), user: user, at: new Date().toISOString(), label: placeLabel(), body: b, form: pairs() };
      var kept = putDraft(d);
      busy = true;
      form.querySelector("[type=submit]").disabled = true;
      say(errBox, "");
      say(status, "正在提交……");
      delete results[d.key];
      var r = kept ? (await flush(user), results[d.key]) : await sendDraft(d);
      r = r || { later: true };
      busy = false;
      form.querySelector("[type=submit]").disabled = false;
      if (r.visit) {
        editing = null;
        var n = (r.visit.problems || []).length, msg = "已登记走访" + (n ? "，当场登记问题 " + n + " 个" : "");
        if (files.length) { say(status, "走访已登记，正在上传照片……"); msg += await uploadPhotos(r.visit.id, files); }
        window.location.href = "/visits/" + r.visit.id + "?ok=" + encodeURIComponent(msg);
        return;
      }
      if (r.error) {
        editing = kept ? d.key : null;
        say(status, "");
        say(errBox, r.error + (kept ? "（本条已保留在本机，修改后可再次提交）" : ""));
        render();
        return;
      }
      if (!kept) {
        say(status, "");
        say(errBox, "网络中断，且本机无法保存草稿（浏览器存储不可用），请联网后再提交");
        return;
      }
      editing = null;
      clear();
      say(status, savedMessage() + (files.length ? "。照片未能保存在本机，提交后请在走访记录页补传" : "") +
        (r.login ? "。登录已失效，请重新登录，登录后将自动提交" : ""));
      render();
      window.scrollTo(0, 0);
    });
    render();
    resume(user, after);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.fetch || !window.localStorage || !window.Promise) { return; } // the plain form posts
    var form = document.getElementById("visit-form");
    if (form) { visitForm(form); return; }
    // Any other page: send what waits, as the user logged in now.
    var waiting = loadDrafts().some(function (x) { return !x.error; });
    if (!waiting || !document.querySelector("form.who")) { return; }
    fetch("/api/v1/me", { credentials: "same-origin" }).then(function (res) { return res.ok ? res.json() : null; })
      .then(function (u) { if (u && u.username) { resume(u.username, function () {}); } })
      .catch(function () {});
  });
})();

/* pickers: a field with a <datalist> of suggestions puts the chosen
   option's id into its hidden field (data-id-field), and clears it when
   the text no longer matches an option, so that the server resolves the
   text instead. */
(function () {
  "use strict";
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (!el || !el.getAttribute || !el.getAttribute("data-id-field") || !el.form) { return; }
    var hidden = el.form.elements[el.getAttribute("data-id-field")];
    if (!hidden) { return; }
    var id = "";
    if (el.list) {
      for (var i = 0; i < el.list.options.length; i++) {
        if (el.list.options[i].value === el.value) { id = el.list.options[i].getAttribute("data-id") || ""; break; }
      }
    }
    hidden.value = id;
  });
})();

// A 打印 button (data-print) prints the page; its print layout leaves out
// the menu and the forms.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    if (e.target && e.target.closest && e.target.closest("[data-print]")) { window.print(); }
  });
})();
