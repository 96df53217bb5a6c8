// sanlian: small enhancements; every page works without them.
(function () {
  "use strict";
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
})();
