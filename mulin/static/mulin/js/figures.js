// Charts of the request figures (tickets/figures/*.html), drawn with ECharts over the same
// numbers the tables under them carry. The tables are the accessible version: the chart boxes
// are aria-hidden, and without JavaScript or ECharts they simply stay empty and hidden.
//
// Markup: <script type="application/json" id="figures-data"> with {months, <chart>: {kind,
// stack, unit, max, series: [{name, data, bold, muted}]}} and one <div data-figures-chart="<chart>">
// per chart. Colour is never the only cue: bars carry patterns (decals), lines differ in dash and
// marker shape, and the legend names every series.
(function () {
  "use strict";

  var COLOURS = [
    "#1f4e8c", "#c2571a", "#2f7d4f", "#7b3fa0", "#a4161a", "#0e7c86", "#b08800", "#5c6b7a"
  ];
  var MUTED = "#9aa3ad"; // "Other": the categories not drawn on their own
  var SYMBOLS = ["circle", "rect", "triangle", "diamond", "roundRect", "pin", "arrow"];
  var DASHES = ["solid", "dashed", "dotted", [8, 3, 2, 3]];

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function elder() {
    return document.documentElement.classList.contains("elder");
  }

  function option(data, spec) {
    var big = elder();
    var font = big ? 16 : 12;
    var unit = spec.unit || "";
    var series = spec.series.map(function (s, i) {
      var one = {
        name: s.name,
        type: spec.kind,
        data: s.data,
        connectNulls: false,
        itemStyle: { color: s.muted ? MUTED : COLOURS[i % COLOURS.length] },
        emphasis: { focus: "series" }
      };
      if (spec.kind === "bar") {
        one.stack = spec.stack ? "total" : undefined;
        one.barMaxWidth = 36;
      } else {
        one.symbol = SYMBOLS[i % SYMBOLS.length];
        one.symbolSize = big ? 10 : 7;
        one.lineStyle = {
          width: s.bold ? 4 : 2,
          type: s.bold ? "solid" : DASHES[i % DASHES.length]
        };
      }
      return one;
    });
    var yAxis = {
      type: "value",
      minInterval: spec.kind === "bar" ? 1 : 0,
      axisLabel: { fontSize: font, formatter: unit ? "{value}" + unit : "{value}" }
    };
    if (spec.max) {
      yAxis.max = spec.max;
      yAxis.min = 0;
    }
    return {
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      // The decals (patterns on bars) need ARIA on; the box itself stays aria-hidden.
      aria: { enabled: true, decal: { show: spec.kind === "bar" } },
      textStyle: { fontSize: font },
      grid: { left: 8, right: 16, top: big ? 64 : 48, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, type: "scroll", textStyle: { fontSize: font }, itemGap: 14 },
      tooltip: {
        trigger: "axis",
        textStyle: { fontSize: font },
        formatter: function (items) {
          var lines = [escape(data.months[items[0].dataIndex])];
          items.forEach(function (item) {
            var value = item.value === null || item.value === undefined ? "—" : item.value + unit;
            lines.push(item.marker + escape(item.seriesName) + " <b>" + escape(String(value)) + "</b>");
          });
          return lines.join("<br>");
        }
      },
      xAxis: {
        type: "category",
        data: data.axis,
        axisLabel: { fontSize: font, hideOverlap: true }
      },
      yAxis: yAxis,
      series: series
    };
  }

  function draw(box, data) {
    var spec = data[box.getAttribute("data-figures-chart")];
    if (!spec || !spec.series || spec.series.length === 0) return null;
    box.hidden = false;
    // Room for the legend below the plot: more lines of legend on a phone.
    var base = elder() ? 400 : 340;
    box.style.height = (window.innerWidth < 576 ? base - 20 : base) + "px";
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option(data, spec));
    return chart;
  }

  function start() {
    var source = document.getElementById("figures-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-figures-chart]").forEach(function (box) {
      var chart = draw(box, data);
      if (chart) charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.resize(); });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
