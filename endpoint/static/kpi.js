// The KPI dashboard's trend charts (Chart.js, served from node_modules).
// The data is the JSON in <script id="kpi-data">: for each KPI, the dates of the snapshots
// and today, and one series per measure or per row. Without JavaScript the page shows the
// same numbers as tables; with it, each KPI's <figure class="trend"> is shown and drawn,
// and its values over the past years (kpi.past: one point a year, from the dates the
// sources give) in a second figure.
(function () {
  "use strict";
  var node = document.getElementById("kpi-data");
  if (!node || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(node.textContent);
  var palette = [
    "#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df",
    "#0598bc", "#bf3989", "#57606a"
  ];
  var locale = { fr: "fr-BE", nl: "nl-BE", en: "en-GB" }[data.lang] || "fr-BE";

  function format(value, percent) {
    if (value === null || value === undefined) {
      return "";
    }
    if (percent) {
      return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 })
        .format(value);
    }
    return new Intl.NumberFormat(locale, { maximumSignificantDigits: 4 }).format(value);
  }

  // one line chart on `canvas`: `labels` along the axis, `trend.series` drawn (gaps left
  // open when `gaps` is true: a year without a value is not known, not zero)
  function draw(canvas, trend, labels, gaps) {
    var figure = canvas.closest("figure");
    if (figure) {
      figure.hidden = false;
    }
    var percentAxis = { y: false, y1: false };
    trend.series.forEach(function (s) {
      percentAxis[s.axis] = percentAxis[s.axis] || s.percent;
    });
    var scales = {
      x: { ticks: { autoSkip: true, maxRotation: 0 } },
      y: {
        type: trend.scale === "logarithmic" ? "logarithmic" : "linear",
        position: "left",
        beginAtZero: trend.scale !== "logarithmic",
        ticks: { callback: function (v) { return format(v, percentAxis.y); } }
      }
    };
    if (trend.series.some(function (s) { return s.axis === "y1"; })) {
      scales.y1 = {
        position: "right",
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        ticks: { callback: function (v) { return format(v, percentAxis.y1); } }
      };
    }
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: trend.series.map(function (s, i) {
          var colour = palette[i % palette.length];
          return {
            label: s.label,
            data: s.data,
            yAxisID: s.axis,
            borderColor: colour,
            backgroundColor: colour,
            pointRadius: 3,
            tension: 0.15,
            spanGaps: !gaps,
            percent: s.percent
          };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + format(item.raw, item.dataset.percent);
              }
            }
          }
        },
        scales: scales
      }
    });
  }

  window.kpiCharts = {};
  window.kpiPastCharts = {};
  data.kpis.forEach(function (kpi) {
    var trend = kpi.trend;
    var canvas = document.querySelector('canvas[data-kpi="' + kpi.kpi + '"]');
    if (trend && trend.series.length && canvas) {
      var labels = trend.labels.slice();
      labels[labels.length - 1] = data.today;
      window.kpiCharts[kpi.kpi] = draw(canvas, trend, labels, false);
    }
    // the values of past years, from the dates the sources give
    var past = kpi.past;
    var pastCanvas = document.querySelector('canvas[data-kpi-past="' + kpi.kpi + '"]');
    if (past && past.series.length && pastCanvas) {
      window.kpiPastCharts[kpi.kpi] = draw(pastCanvas, past, past.label_texts, true);
    }
  });
})();
