// Dashboard charts (ECharts, served locally). Data comes from <script type="application/json"
// id="stats-chart-data"> written by json_script; no inline scripts (strict CSP).
document.addEventListener("DOMContentLoaded", () => {
  const holder = document.getElementById("stats-chart-data");
  if (!holder || !window.echarts) return;
  const data = JSON.parse(holder.textContent);
  const red = ["#8b1a1a", "#d9822b", "#2e7d9a", "#6b8e23", "#7b5ea7", "#999"];
  const pctAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  const charts = [];
  const make = (name, option) => {
    const el = document.querySelector(`[data-chart="${name}"]`);
    if (!el) return;
    const chart = window.echarts.init(el);
    chart.setOption(Object.assign({ color: red, animation: false }, option));
    charts.push(chart);
  };
  const trendEl = document.querySelector('[data-chart="trend"]');
  const drawTrend = (t) => make("trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    grid: { left: 40, right: 40, top: 40, bottom: 30 },
    xAxis: { type: "category", data: t.names, axisLabel: { fontSize: 10, interval: 0, overflow: "truncate", width: 90 } },
    yAxis: [{ type: "value", name: "件" }, pctAxis],
    series: [
      { name: "交办件次", type: "bar", data: t.assignments },
      { name: "应答复", type: "bar", data: t.replies_due },
      { name: "办复率", type: "line", yAxisIndex: 1, data: t.reply_rate },
      { name: "满意率", type: "line", yAxisIndex: 1, data: t.satisfaction_rate },
      { name: "按时答复率", type: "line", yAxisIndex: 1, data: t.on_time_reply_rate },
    ],
  });
  // The trend scans several sessions: it is fetched after the page is shown.
  if (trendEl && trendEl.dataset.url) {
    fetch(trendEl.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then(drawTrend)
      .catch(() => { trendEl.textContent = "趋势数据加载失败，请刷新页面重试。"; });
  }
  make("classes", {
    tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.classes, label: { formatter: "{b}\n{c}" } }],
  });
  make("methods", {
    tooltip: { trigger: "axis" },
    grid: { left: 70, right: 20, top: 10, bottom: 20 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: (data.methods || []).map((m) => m.name) },
    series: [{ type: "bar", data: (data.methods || []).map((m) => m.value) }],
  });
  const u = data.units || [];
  make("units", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 40, bottom: 70 },
    xAxis: { type: "category", data: u.map((x) => x.name), axisLabel: { rotate: 30, fontSize: 10 } },
    yAxis: pctAxis,
    series: [
      { name: "办复率", type: "bar", data: u.map((x) => x.reply_rate) },
      { name: "按时答复率", type: "bar", data: u.map((x) => x.on_time_reply_rate) },
      { name: "满意率", type: "bar", data: u.map((x) => x.satisfaction_rate) },
    ],
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
});
