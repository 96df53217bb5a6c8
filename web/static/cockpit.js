/* The leaders' cockpit: draws every [data-chart] of #cockpit with ECharts
   from the figures in data-cockpit (GET /api/v1/cockpit gives the same).
   On the big screen (data-screen) it fetches the figures every minute and
   updates the charts in place with setOption: no reload, no flicker. */
(function () {
  "use strict";
  var root = document.getElementById("cockpit");
  if (!root) { return; }
  var screen = root.dataset.screen === "1";
  var view = JSON.parse(root.dataset.cockpit || "{}");
  var charts = [];
  var geo = null; // the township boundaries, when uploaded
  var big = screen ? 1.6 : 1;
  var text = screen ? "#e6edf7" : "#1f2328";
  var palette = ["#b71c1c", "#1d4ed8", "#b54708", "#067647", "#7c3aed", "#0891b2"];

  function font(n) { return Math.round(n * big); }
  function base() {
    return {
      color: palette,
      backgroundColor: "transparent",
      textStyle: { fontSize: font(12), color: text },
      tooltip: { trigger: "axis", textStyle: { fontSize: font(12) } },
      animation: !screen
    };
  }
  function legend(extra) {
    var l = { top: 0, type: "scroll", textStyle: { fontSize: font(12), color: text }, itemWidth: font(14), itemHeight: font(10) };
    for (var k in extra) { l[k] = extra[k]; }
    return l;
  }
  function axisLabel(extra) {
    var a = { fontSize: font(11), color: text };
    for (var k in extra) { a[k] = extra[k]; }
    return a;
  }
  function shortMonths(v) { return (v.months || []).map(function (m) { return m.slice(5) + "月"; }); }
  function merge(a, b) { for (var k in b) { a[k] = b[k]; } return a; }

  var builders = {
    trend: function (v) {
      return merge(base(), {
        legend: legend({}),
        grid: { left: 8, right: 12, top: font(34), bottom: 8, containLabel: true },
        xAxis: { type: "category", data: shortMonths(v), axisLabel: axisLabel({}) },
        yAxis: { type: "value", minInterval: 1, axisLabel: axisLabel({}) },
        series: (v.series || []).map(function (s) {
          return { name: s.label, type: s.key === "received" ? "bar" : "line", data: s.values, symbolSize: font(6) };
        })
      });
    },
    channel: function (v) {
      return merge(base(), {
        legend: legend({}),
        grid: { left: 8, right: 12, top: font(34), bottom: 8, containLabel: true },
        xAxis: { type: "category", data: shortMonths(v), axisLabel: axisLabel({}) },
        yAxis: { type: "value", minInterval: 1, axisLabel: axisLabel({}) },
        series: (v.channels || []).map(function (c) { return { name: c.label, type: "bar", stack: "received", data: c.received }; })
      });
    },
    visits: function (v) {
      var vs = (v.visits || []).slice().reverse();
      return merge(base(), {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: { fontSize: font(12) } },
        grid: { left: 8, right: font(40), top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100, axisLabel: axisLabel({ formatter: "{value}%" }) },
        yAxis: { type: "category", data: vs.map(function (t) { return t.name; }), axisLabel: axisLabel({ interval: 0, fontSize: font(vs.length > 12 ? 9 : 11) }) },
        series: [{ name: "覆盖率", type: "bar", data: vs.map(function (t) { return t.percent === null ? 0 : t.percent; }),
          label: { show: vs.length <= 12, position: "right", formatter: "{c}%", fontSize: font(11), color: text }, itemStyle: { color: "#067647" } }]
      });
    },
    trends: function (v) {
      var ts = (v.trends || []).slice(0, 8).reverse();
      return merge(base(), {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: { fontSize: font(12) } },
        legend: legend({}),
        grid: { left: 8, right: 12, top: font(30), bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1, axisLabel: axisLabel({}) },
        yAxis: { type: "category", data: ts.map(function (t) { return t.name + (t.rising ? " ↑" : ""); }), axisLabel: axisLabel({ interval: 0 }) },
        series: [
          { name: "近30天", type: "bar", data: ts.map(function (t) { return t.last; }) },
          { name: "前30天", type: "bar", data: ts.map(function (t) { return t.before; }), itemStyle: { color: "#98a2b3" } }
        ]
      });
    },
    heat: function (v) {
      var h = v.heat || { townships: [], categories: [], cells: [], max: 0 };
      return merge(base(), {
        tooltip: { trigger: "item", textStyle: { fontSize: font(12) }, formatter: function (p) {
          return h.categories[p.value[1]] + " · " + h.townships[p.value[0]] + "：" + p.value[2] + " 件";
        } },
        grid: { left: 8, right: 8, top: 8, bottom: font(44), containLabel: true },
        xAxis: { type: "category", data: h.townships, splitArea: { show: true }, axisLabel: axisLabel({ interval: 0, rotate: 60, fontSize: font(h.townships.length > 12 ? 9 : 11) }) },
        yAxis: { type: "category", data: h.categories, inverse: true, splitArea: { show: true }, axisLabel: axisLabel({ interval: 0, fontSize: font(10) }) },
        visualMap: { min: 0, max: Math.max(1, h.max), calculable: false, orient: "horizontal", left: "center", bottom: 0,
          itemHeight: font(80), itemWidth: font(10), textStyle: { color: text, fontSize: font(10) }, inRange: { color: screen ? ["#1b2a4a", "#b54708", "#f5a623", "#ffe08a"] : ["#fff5f0", "#fcbba1", "#ef3b2c", "#99000d"] } },
        series: [{ name: "受理件数", type: "heatmap", data: h.cells, emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }]
      });
    },
    projects: function (v) {
      var p = v.projects || { labels: [], counts: [] };
      return merge(base(), {
        tooltip: { trigger: "item", textStyle: { fontSize: font(12) } },
        title: { text: "平均完成 " + p.progress, left: 0, top: 0, textStyle: { fontSize: font(13), color: text } },
        legend: legend({ orient: "vertical", left: 0, top: font(28) }),
        series: [{ name: "项目", type: "pie", radius: ["35%", "62%"], center: ["64%", "55%"],
          label: { formatter: "{b} {c}", fontSize: font(11), color: text },
          data: p.labels.map(function (l, i) { return { name: l, value: p.counts[i] }; }) }]
      });
    },
    activities: function (v) {
      var a = v.activities || [];
      return merge(base(), {
        legend: legend({}),
        grid: { left: 8, right: 12, top: font(30), bottom: 8, containLabel: true },
        xAxis: { type: "category", data: shortMonths(v), axisLabel: axisLabel({}) },
        yAxis: { type: "value", minInterval: 1, axisLabel: axisLabel({}) },
        series: [
          { name: "活动次数", type: "bar", data: a.map(function (m) { return m.activities; }) },
          { name: "参与人次", type: "line", data: a.map(function (m) { return m.volunteers; }) },
          { name: "服务群众", type: "line", data: a.map(function (m) { return m.served; }) }
        ]
      });
    },
    league: function (v) {
      var ls = (v.league || []).filter(function (r) { return r.rank !== "—"; }).slice(0, 12).reverse();
      return merge(base(), {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: { fontSize: font(12) } },
        grid: { left: 8, right: font(40), top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100, axisLabel: axisLabel({}) },
        yAxis: { type: "category", data: ls.map(function (r) { return r.rank + " " + r.name.replace("人民政府", ""); }), axisLabel: axisLabel({ interval: 0 }) },
        series: [{ name: "综合得分", type: "bar", data: ls.map(function (r) { return r.score === "—" ? 0 : Number(r.score); }),
          label: { show: true, position: "right", fontSize: font(11), color: text }, itemStyle: { color: "#1d4ed8" } }]
      });
    },
    map: function (v) {
      var ts = v.townships || [];
      var max = Math.max(1, Math.max.apply(null, ts.map(function (t) { return t.open; }).concat([0])));
      var vm = { min: 0, max: max, orient: "horizontal", left: "center", bottom: 0, itemHeight: font(80), itemWidth: font(10),
        textStyle: { color: text, fontSize: font(10) }, inRange: { color: screen ? ["#1b2a4a", "#b54708", "#f5a623", "#ffe08a"] : ["#fff5f0", "#fc9272", "#cb181d", "#67000d"] } };
      var tileLabel = { color: "#fff", textBorderColor: "#1f2328", textBorderWidth: 2 };
      if (geo) {
        return merge(base(), {
          tooltip: { trigger: "item", formatter: "{b}：在办 {c} 件", textStyle: { fontSize: font(12) } },
          visualMap: vm,
          series: [{ name: "在办问题", type: "map", map: "sanlian-townships", roam: false, top: 8, bottom: font(40),
            label: merge({ show: true, fontSize: font(10) }, tileLabel),
            data: ts.map(function (t) { return { name: t.name, value: t.open }; }) }]
        });
      }
      // The schematic: equal tiles on a grid, marked 示意图.
      var cols = Math.max(1, Math.ceil(Math.sqrt(ts.length * 1.6)));
      var rows = Math.max(1, Math.ceil(ts.length / cols));
      var xs = [], ys = [];
      for (var i = 0; i < cols; i++) { xs.push(String(i)); }
      for (var j = 0; j < rows; j++) { ys.push(String(j)); }
      return merge(base(), {
        title: { text: "示意图", right: 4, top: 0, textStyle: { fontSize: font(13), color: "#b54708" } },
        tooltip: { trigger: "item", textStyle: { fontSize: font(12) }, formatter: function (p) { return ts[p.dataIndex].name + "：在办 " + ts[p.dataIndex].open + " 件"; } },
        grid: { left: 4, right: 4, top: font(24), bottom: font(40) },
        xAxis: { type: "category", data: xs, show: false },
        yAxis: { type: "category", data: ys, show: false, inverse: true },
        visualMap: vm,
        series: [{ name: "在办问题", type: "heatmap", data: ts.map(function (t, i) { return [i % cols, Math.floor(i / cols), t.open]; }),
          itemStyle: { borderColor: screen ? "#0b1426" : "#fff", borderWidth: 3 },
          label: merge({ show: true, fontSize: font(ts.length > 16 ? 8.5 : 12), formatter: function (p) {
            return ts[p.dataIndex].name + "\n" + ts[p.dataIndex].open; } }, tileLabel) }]
      });
    }
  };

  // labels give the big screen's charts whose aria-label carries figures
  // the same label from fresh figures (as cockpit_screen.html words it).
  var labels = {
    league: function (v) {
      return (v.league_label || "") + "乡镇综合得分排名条形图：" + (v.league || []).slice(0, 10).map(function (r) {
        return r.rank + " " + r.name + " " + r.score + "分；"; }).join("");
    },
    trends: function (v) {
      return "受理最多的问题类别近30天与前30天件数对比：" + (v.trends || []).slice(0, 8).map(function (t) {
        return t.name + " " + t.last + " 件（" + t.growth + "）；"; }).join("");
    },
    visits: function (v) {
      return "本月各乡镇三必访户走访覆盖率：" + (v.visits || []).map(function (t) { return t.name + " " + t.rate + "；"; }).join("");
    },
    projects: function (v) {
      var p = v.projects || { labels: [], counts: [] };
      return "服务群众项目按状态：" + p.labels.map(function (l, i) { return l + " " + p.counts[i] + " 个；"; }).join("") + "平均完成 " + p.progress;
    }
  };

  function draw() {
    var els = root.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i], b = builders[el.dataset.chart];
      if (!b) { continue; }
      var c = window.echarts.getInstanceByDom(el) || window.echarts.init(el, screen ? "dark" : null);
      c.setOption(b(view), true);
      if (charts.indexOf(c) < 0) { charts.push(c); }
      el.setAttribute("data-drawn", "1");
    }
  }

  function refresh() {
    var url = "/api/v1/cockpit" + (root.dataset.scope === "county" ? "?scope=county" : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (v) {
      if (!v) { return; }
      view = v;
      var figs = document.querySelectorAll("[data-fig]");
      for (var i = 0; i < figs.length; i++) {
        var f = v.figures[Number(figs[i].dataset.fig)];
        if (f) { figs[i].textContent = f.value; }
      }
      var at = document.getElementById("at");
      if (at) { at.textContent = v.at; }
      draw();
      // The charts' spoken summaries follow the figures.
      var els = root.querySelectorAll("[data-chart]");
      for (var j = 0; j < els.length; j++) {
        var say = labels[els[j].dataset.chart];
        if (say) { els[j].setAttribute("aria-label", say(v)); }
      }
    }).catch(function () { /* the next minute tries again */ });
  }

  function start() {
    var url = root.dataset.map;
    var go = function () {
      draw();
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
      if (screen) { setInterval(refresh, 60000); }
    };
    if (!url) { go(); return; }
    fetch(url, { credentials: "same-origin" }).then(function (res) { return res.ok ? res.json() : null; }).then(function (g) {
      if (g && g.features) {
        // Only the townships of this cockpit's scope: a feature of another
        // county, or of a township the leader does not look at, would
        // shrink the ones that matter.
        var names = {};
        (view.townships || []).forEach(function (t) { names[t.name] = true; });
        var mine = g.features.filter(function (f) {
          f.properties = f.properties || {};
          if (!f.properties.name && f.properties.NAME) { f.properties.name = f.properties.NAME; }
          return names[f.properties.name];
        });
        if (mine.length) {
          window.echarts.registerMap("sanlian-townships", { type: "FeatureCollection", features: mine });
          geo = mine;
        }
      }
      go();
    }).catch(go);
  }

  if (window.echarts) { start(); return; }
  var s = document.createElement("script");
  s.src = root.dataset.echarts || "/static/echarts.min.js";
  s.onload = start;
  document.head.appendChild(s);
})();
