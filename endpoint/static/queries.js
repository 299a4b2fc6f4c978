// Draws the chart of a saved query's page (/queries/NAME) with Chart.js, from the series
// the server put in <script id="chart-data">. Without JavaScript, or without Chart.js,
// the page keeps its table and the figure stays hidden.
(function () {
  "use strict";
  var data = document.getElementById("chart-data");
  var canvas = document.getElementById("chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var spec = JSON.parse(data.textContent);
  var palette = ["#1f6feb", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f",
    "#f08a4b", "#2e4057", "#c0a36e", "#5c946e", "#a23b72", "#3b8ea5"];
  var pie = spec.type === "pie";
  var datasets = spec.datasets.map(function (set, index) {
    var colour = palette[index % palette.length];
    return {
      label: set.label,
      data: set.data,
      backgroundColor: pie ? spec.labels.map(function (_, i) { return palette[i % palette.length]; }) : colour,
      borderColor: pie ? "#fff" : colour,
      fill: false
    };
  });
  new Chart(canvas, {
    type: spec.type,
    data: { labels: spec.labels, datasets: datasets },
    options: {
      animation: false,
      responsive: true,
      plugins: { legend: { display: pie || datasets.length > 1 } },
      scales: pie ? {} : { y: { beginAtZero: true } }
    }
  });
  canvas.closest("figure").hidden = false;
})();
