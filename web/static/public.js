// The people's side: the township → village pickers, the photo limits and
// the proof of work of the submission form, and the results chart. No
// outside script: SHA-256 comes from the browser's Web Crypto.
(function () {
  "use strict";

  // Villages of the chosen township only.
  function pickers(form) {
    var town = form.querySelector("#township"), village = form.querySelector("#village");
    if (!town || !village) { return; }
    var groups = Array.prototype.slice.call(village.querySelectorAll("optgroup"));
    var all = groups.map(function (g) { return { code: g.dataset.township, node: g }; });
    function apply() {
      var t = town.value;
      all.forEach(function (g) {
        if (!t || g.code === t) {
          if (!g.node.parentNode) { village.appendChild(g.node); }
        } else if (g.node.parentNode) {
          if (g.node.contains(village.selectedOptions[0])) { village.value = ""; }
          g.node.parentNode.removeChild(g.node);
        }
      });
    }
    town.addEventListener("change", function () { village.value = ""; apply(); });
    village.addEventListener("change", function () {
      var opt = village.selectedOptions[0], g = opt && opt.parentNode;
      if (g && g.dataset && g.dataset.township && !town.value) { town.value = g.dataset.township; apply(); }
    });
    apply();
  }

  function leadingZeroBits(buf) {
    var b = new Uint8Array(buf), n = 0;
    for (var i = 0; i < b.length; i++) {
      if (b[i] === 0) { n += 8; continue; }
      var c = b[i];
      while ((c & 0x80) === 0) { n++; c <<= 1; }
      break;
    }
    return n;
  }

  // solve finds a nonce such that SHA-256(challenge + ":" + nonce) starts
  // with bits zero bits, in batches so that the page stays responsive.
  function solve(challenge, bits, progress) {
    var enc = new TextEncoder(), nonce = 0, batch = 256;
    return new Promise(function (resolve, reject) {
      function step() {
        var tries = [];
        for (var i = 0; i < batch; i++) {
          tries.push(crypto.subtle.digest("SHA-256", enc.encode(challenge + ":" + (nonce + i))));
        }
        Promise.all(tries).then(function (sums) {
          for (var i = 0; i < sums.length; i++) {
            if (leadingZeroBits(sums[i]) >= bits) { resolve(String(nonce + i)); return; }
          }
          nonce += batch;
          progress(nonce);
          setTimeout(step, 0);
        }, reject);
      }
      step();
    });
  }

  function submission(form) {
    var status = form.querySelector("#pow-status"), button = form.querySelector("button[type=submit]");
    var photos = form.querySelector("#photos");
    var maxMB = Number(form.dataset.maxPhoto || 5), maxN = Number(form.dataset.maxPhotos || 3);
    function say(msg, bad) { status.textContent = msg; status.className = bad ? "perror" : "pstatus"; }
    function photosOK() {
      if (!photos || !photos.files) { return true; }
      if (photos.files.length > maxN) { say("最多上传 " + maxN + " 张照片，请重新选择。", true); return false; }
      for (var i = 0; i < photos.files.length; i++) {
        if (photos.files[i].size > maxMB * 1024 * 1024) {
          say("照片“" + photos.files[i].name + "”超过 " + maxMB + " MB，请换一张或压缩后再选。", true);
          return false;
        }
      }
      return true;
    }
    if (photos) { photos.addEventListener("change", function () { if (photosOK()) { say(""); } }); }
    form.addEventListener("submit", function (ev) {
      var nonce = form.querySelector("input[name=nonce]");
      if (nonce.value) { return; }
      ev.preventDefault();
      if (!photosOK()) { return; }
      if (!window.crypto || !crypto.subtle) {
        say("您的浏览器不支持安全验证，请换用系统浏览器打开本页。", true);
        return;
      }
      button.disabled = true;
      say("正在进行安全验证，请稍候（通常 1–3 秒）……");
      var challenge = form.querySelector("input[name=challenge]").value;
      solve(challenge, Number(form.dataset.bits), function () {}).then(function (n) {
        nonce.value = n;
        say("验证完成，正在提交……");
        form.submit();
      }, function () {
        button.disabled = false;
        say("安全验证失败，请刷新页面后重试。", true);
      });
    });
  }

  function chart() {
    var el = document.getElementById("results-chart");
    if (!el) { return; }
    function draw() {
      var d = JSON.parse(el.dataset.chart || "{}");
      var c = window.echarts.init(el);
      c.setOption({
        tooltip: { trigger: "axis" }, legend: { data: ["收集", "办结"] },
        grid: { left: 40, right: 10, bottom: 70, top: 30 },
        xAxis: { type: "category", data: d.names || [], axisLabel: { rotate: 45, interval: 0 } },
        yAxis: { type: "value" },
        series: [{ name: "收集", type: "bar", data: d.collected || [], itemStyle: { color: "#b71c1c" } },
                 { name: "办结", type: "bar", data: d.resolved || [], itemStyle: { color: "#067647" } }]
      });
      window.addEventListener("resize", function () { c.resize(); });
    }
    if (window.echarts) { draw(); return; }
    var s = document.createElement("script");
    s.src = el.dataset.echarts || "/static/echarts.min.js";
    s.onload = draw;
    document.head.appendChild(s);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("public-form");
    if (form) { pickers(form); submission(form); }
    chart();
  });
})();
