// The people's side: the township → village pickers, the photo limits and
// the proof of work of the submission form, and the results chart. No
// outside script: SHA-256 comes from the browser's Web Crypto, or, where a
// page served over plain HTTP has none, from sha256 below.
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
    var b = buf instanceof Uint8Array ? buf : new Uint8Array(buf), n = 0;
    for (var i = 0; i < b.length; i++) {
      if (b[i] === 0) { n += 8; continue; }
      var c = b[i];
      while ((c & 0x80) === 0) { n++; c <<= 1; }
      break;
    }
    return n;
  }

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];

  // sha256 hashes bytes (a Uint8Array) in script, for pages without Web
  // Crypto (it needs HTTPS, or localhost). Returns the digest's bytes.
  function sha256(msg) {
    var len = msg.length, nblk = ((len + 9 + 63) >> 6) << 6;
    var buf = new Uint8Array(nblk);
    buf.set(msg);
    buf[len] = 0x80;
    var bits = len * 8;
    buf[nblk - 4] = (bits >>> 24) & 0xff; buf[nblk - 3] = (bits >>> 16) & 0xff;
    buf[nblk - 2] = (bits >>> 8) & 0xff; buf[nblk - 1] = bits & 0xff;
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Int32Array(64);
    for (var off = 0; off < nblk; off += 64) {
      for (var i = 0; i < 16; i++) {
        var j = off + i * 4;
        w[i] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var x = w[i - 15], y = w[i - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    var out = new Uint8Array(32);
    for (i = 0; i < 8; i++) {
      out[i * 4] = h[i] >>> 24; out[i * 4 + 1] = (h[i] >>> 16) & 0xff; out[i * 4 + 2] = (h[i] >>> 8) & 0xff; out[i * 4 + 3] = h[i] & 0xff;
    }
    return out;
  }

  // solve finds a nonce such that SHA-256(challenge + ":" + nonce) starts
  // with bits zero bits, in batches so that the page stays responsive;
  // progress hears how many tries were made.
  function solve(challenge, bits, progress) {
    if (!window.crypto || !crypto.subtle) { return solveInScript(challenge, bits, progress); }
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

  // solveInScript is solve with sha256 above.
  function solveInScript(challenge, bits, progress) {
    var enc = new TextEncoder(), nonce = 0;
    return new Promise(function (resolve) {
      function step() {
        for (var end = nonce + 4096; nonce < end; nonce++) {
          if (leadingZeroBits(sha256(enc.encode(challenge + ":" + nonce))) >= bits) { resolve(String(nonce)); return; }
        }
        progress(nonce);
        setTimeout(step, 0);
      }
      step();
    });
  }

  // meter shows the proof of work's progress in a role=progressbar, for
  // eyes and for screen readers: the chance that a nonce has been found
  // after tries tries, which the expected 2^bits tries bring to about 63 %,
  // held below 100 until it is.
  function meter(bar, bits) {
    var fill = bar.querySelector("span"), last = -1;
    function set(pct, text) {
      if (pct === last) { return; }
      last = pct;
      bar.setAttribute("aria-valuenow", String(pct));
      bar.setAttribute("aria-valuetext", text || ("安全验证已完成约 " + pct + "%"));
      if (fill) { fill.style.width = pct + "%"; }
    }
    return {
      start: function () { bar.hidden = false; set(0); },
      tries: function (n) { set(Math.min(95, Math.round(100 * (1 - Math.exp(-n / Math.pow(2, bits)))))); },
      done: function () { set(100, "安全验证完成"); },
      stop: function () { bar.hidden = true; last = -1; }
    };
  }

  function submission(form) {
    // The server refuses an answer sooner than 3 s (web.DefaultMinFill)
    // after its challenge was issued, i.e. after this page loaded: a
    // resident who corrects a phone number at once waits that out here.
    var loaded = Date.now(), minFill = 3300;
    var status = form.querySelector("#pow-status"), button = form.querySelector("button[type=submit]");
    var bar = form.querySelector("#pow-progress"), bits = Number(form.dataset.bits);
    var m = bar ? meter(bar, bits) : { start: function () {}, tries: function () {}, done: function () {}, stop: function () {} };
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
      if (!window.TextEncoder || !window.Promise) {
        say("您的浏览器版本过旧，无法完成安全验证，请换用系统浏览器打开本页。", true);
        return;
      }
      button.disabled = true;
      say("正在进行安全验证，请稍候（通常 1–3 秒）……");
      m.start();
      var challenge = form.querySelector("input[name=challenge]").value;
      solve(challenge, bits, m.tries).then(function (n) {
        nonce.value = n;
        m.done();
        say("验证完成，正在提交……");
        setTimeout(function () { form.submit(); }, Math.max(0, minFill - (Date.now() - loaded)));
      }, function () {
        button.disabled = false;
        m.stop();
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

  // The 长辈版 switch: without script its links ask for ?elder=1 or
  // ?elder=0 and the server remembers it; with script the page changes in
  // place and keeps what was typed, remembered in the same cookie. The
  // links are toggle buttons to assistive technology, so Space works too.
  function elderSwitch() {
    var sw = document.getElementById("elder-switch");
    if (!sw) { return; }
    var links = sw.querySelectorAll("a[data-elder]");
    function set(on) {
      document.cookie = on ? "elder=1; path=/; max-age=31536000; samesite=lax" + (location.protocol === "https:" ? "; secure" : "")
        : "elder=; path=/; max-age=0; samesite=lax";
      document.documentElement.classList.toggle("elder", on);
      Array.prototype.forEach.call(links, function (a) {
        a.setAttribute("aria-pressed", String((a.dataset.elder === "1") === on));
      });
      window.dispatchEvent(new Event("resize")); // the chart fits the new type
    }
    Array.prototype.forEach.call(links, function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); set(a.dataset.elder === "1"); });
      a.addEventListener("keydown", function (ev) {
        if (ev.key === " ") { ev.preventDefault(); set(a.dataset.elder === "1"); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    elderSwitch();
    var form = document.getElementById("public-form");
    if (form) { pickers(form); submission(form); }
    var lookup = document.getElementById("lookup-form");
    if (lookup) { submission(lookup); }
    chart();
  });
})();
