// Dashboard charts (ECharts, served locally). A click on a bar or slice opens the people behind it.
(function () {
  var palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#0dcaf0", "#ffc107", "#6c757d", "#d63384"];

  function option(d) {
    var narrow = window.innerWidth < 576;
    if (d.kind === "pie") {
      return {
        color: palette,
        tooltip: {trigger: "item", formatter: "{b}：{c} 人（{d}%）"},
        legend: {bottom: 0, type: "scroll"},
        series: [{type: "pie", radius: narrow ? ["30%", "58%"] : ["35%", "65%"], center: ["50%", "45%"],
          label: {formatter: "{b}\n{c}"},
          data: d.labels.map(function (l, i) { return {name: l, value: d.values[i]}; })}]
      };
    }
    if (d.kind === "hbar") {
      return {
        color: palette,
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        grid: {left: 8, right: 40, top: 8, bottom: 8, containLabel: true},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: d.labels, inverse: true, axisLabel: {fontSize: 11,
          formatter: function (v) { return v.length > 12 ? v.slice(0, 12) + "…" : v; }}},
        series: [{type: "bar", name: "人数", data: d.values, barMaxWidth: 22, label: {show: true, position: "right"}}]
      };
    }
    var trend = d.kind === "trend";
    var many = d.labels.length > 8 || (narrow && d.labels.length > 4);
    var o = {
      color: palette,
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 8, right: 16, top: trend ? 36 : 16, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: d.labels, axisLabel: {interval: 0, rotate: many ? 40 : 0, fontSize: 11,
        formatter: function (v) { return v.length > 8 ? v.slice(0, 8) + "…" : v; }}},
      yAxis: {type: "value", minInterval: 1},
      series: [{type: "bar", name: trend ? "当月" : "人数", data: d.values, barMaxWidth: 36,
        label: {show: !many, position: "top"}}]
    };
    if (trend) {
      o.legend = {top: 0};
      o.yAxis = [{type: "value", minInterval: 1, name: "当月"}, {type: "value", minInterval: 1, name: "累计"}];
      o.series.push({type: "line", name: "累计", yAxisIndex: 1, data: d.extra, smooth: true, symbolSize: 4});
    }
    return o;
  }

  function draw() {
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var charts = [];
    data.forEach(function (d) {
      var el = document.getElementById("chart-" + d.key);
      if (!el || el.dataset.empty || !window.echarts) return;
      var chart = echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(option(d));
      chart.on("click", function (p) {
        if (p.seriesType === "line") return;
        var link = d.links[p.dataIndex];
        if (link) window.location.href = link;
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-view]");
    if (!button) return;
    var key = button.dataset.target, table = button.dataset.view === "table";
    document.getElementById("chart-" + key).classList.toggle("d-none", table);
    document.getElementById("table-" + key).classList.toggle("d-none", !table);
    button.parentElement.querySelectorAll("[data-view]").forEach(function (b) { b.classList.toggle("active", b === button); });
    if (!table && window.echarts) {
      var c = echarts.getInstanceByDom(document.getElementById("chart-" + key));
      if (c) c.resize();
    }
  });

  document.addEventListener("DOMContentLoaded", draw);
})();
