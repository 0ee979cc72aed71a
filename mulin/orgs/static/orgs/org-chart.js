// The org chart as an ECharts tree, on top of the HTML lists (which stay the accessible
// version). Without ECharts or JavaScript the "Show as a diagram" switch never appears.
(function () {
  "use strict";
  function leaves(node) {
    if (!node.children || node.children.length === 0) return 1;
    return node.children.reduce(function (sum, child) { return sum + leaves(child); }, 0);
  }
  function draw(holder, canvas, data) {
    var count = leaves(data);
    canvas.style.height = Math.max(320, count * 26 + 40) + "px";
    var chart = window.echarts.init(canvas);
    chart.setOption({
      tooltip: { trigger: "item", triggerOn: "mousemove" },
      series: [{
        type: "tree",
        data: [data],
        top: 10, bottom: 10, left: 10, right: "28%",
        orient: "LR",
        symbolSize: 8,
        initialTreeDepth: -1,
        expandAndCollapse: true,
        label: {
          position: "right", verticalAlign: "middle", fontSize: 13,
          backgroundColor: "rgba(255, 255, 255, 0.85)", padding: [1, 3]
        },
        leaves: { label: { position: "right", verticalAlign: "middle" } },
        emphasis: { focus: "descendant" },
        animationDuration: 300
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function start() {
    var holder = document.getElementById("chart-diagram");
    var canvas = document.getElementById("chart-canvas");
    var source = document.getElementById("chart-data");
    if (!holder || !canvas || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    if (!data.children || data.children.length === 0) return;
    data.name = document.querySelector("h1") ? document.querySelector("h1").textContent : "";
    holder.hidden = false;
    var chart = null;
    holder.addEventListener("toggle", function () {
      if (holder.open && !chart) chart = draw(holder, canvas, data);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
