// Draws the chart of a saved query's page (/queries/NAME) from what the server put in
// <script id="chart-data"> (endpoint/querycharts.py), by its type:
//   bar, line, pie  Chart.js;
//   map             Leaflet: the rows' points as markers and polygons as outlines, over the
//                   municipalities' boundaries; tiles when they load, a plain background
//                   when they do not (the markers and outlines need none);
//   network         Cytoscape.js: one node per entity, one edge per row.
// Libraries are served from node_modules by this server. Without JavaScript, or without the
// library, the page keeps its table and the figure stays hidden.
(function () {
  "use strict";
  var data = document.getElementById("chart-data");
  if (!data) return;
  var spec = JSON.parse(data.textContent);
  var palette = ["#1f6feb", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f",
    "#f08a4b", "#2e4057", "#c0a36e", "#5c946e", "#a23b72", "#3b8ea5"];

  /* a link to an entity's page: only paths of this server, in the page's language */
  function pageLink(href, text, lang) {
    var node;
    if (typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/") {
      node = document.createElement("a");
      node.href = href + "?lang=" + encodeURIComponent(spec.lang || "fr");
    } else {
      node = document.createElement("span");
    }
    node.textContent = text;
    if (lang && lang !== spec.lang) node.lang = lang;
    return node;
  }

  function show(element) {
    var figure = element.closest("figure");
    if (figure) figure.hidden = false;
  }

  function drawChart() {
    var canvas = document.getElementById("chart");
    if (!canvas || typeof Chart === "undefined") return;
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
    show(canvas);
  }

  function drawMap() {
    var element = document.getElementById("query-map");
    if (!element || typeof L === "undefined") return;
    show(element);
    L.Icon.Default.imagePath = "/static/lib/leaflet/images/";
    var map = L.map(element, { zoomSnap: 0.5 }).setView(spec.centre, 12);
    window.kgQueryMap = map;
    if (spec.tiles) {
      var tiles = L.tileLayer(spec.tiles, { maxZoom: 19, attribution: spec.attribution });
      var loaded = 0;
      tiles.on("tileerror", function () { if (!loaded) element.classList.add("no-tiles"); });
      tiles.on("tileload", function () { loaded += 1; element.classList.remove("no-tiles"); });
      tiles.addTo(map);
    }
    var found = L.geoJSON(spec.geojson, {
      pointToLayer: function (feature, latlng) {
        return L.marker(latlng, { title: (feature.properties || {}).label || "" });
      },
      style: function () {
        return { color: "#d1495b", weight: 2, opacity: 0.9, fillColor: "#d1495b", fillOpacity: 0.15 };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        layer.bindPopup(function () {
          var box = document.createElement("strong");
          box.appendChild(pageLink(p.href, p.label || feature.id, p.lang));
          return box;
        });
      }
    }).addTo(map);
    var bounds = found.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 16 });
    element.dataset.features = String(spec.geojson.features.length);

    function ready() { element.dataset.ready = "true"; }
    if (!spec.boundaries) { ready(); return; }
    fetch(spec.boundaries, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (outlines) {
        if (outlines) {
          L.geoJSON(outlines, {
            interactive: false,
            style: function () {
              return { color: "#3a5fa0", weight: 1, opacity: 0.7, fillOpacity: 0.03,
                       className: "municipality-outline" };
            }
          }).addTo(map).bringToBack();
        }
        ready();
      }, ready);
  }

  function drawNetwork() {
    var element = document.getElementById("query-network");
    if (!element || typeof cytoscape === "undefined") return;
    show(element);
    var small = spec.elements.nodes.length <= 150;
    var cy = cytoscape({
      container: element,
      elements: spec.elements,
      layout: small
        ? { name: typeof cytoscapeFcose !== "undefined" ? "fcose" : "cose", animate: false,
            padding: 20, nodeDimensionsIncludeLabels: true, packComponents: true }
        : { name: "concentric", animate: false, padding: 10, minNodeSpacing: 3,
            concentric: function (n) { return n.degree(); },
            levelWidth: function () { return 2; } },
      minZoom: 0.05,
      maxZoom: 4,
      style: [
        { selector: "node", style: {
          "background-color": "#3a5fa0", "label": "data(label)", "font-size": 10,
          "text-valign": "bottom", "text-margin-y": 2, "text-wrap": "ellipsis",
          "text-max-width": "150px", "color": "#222", "text-outline-color": "#fff",
          "text-outline-width": 1.5,
          "width": function (n) { return Math.min(40, 10 + 3 * Math.sqrt(n.degree())); },
          "height": function (n) { return Math.min(40, 10 + 3 * Math.sqrt(n.degree())); }
        } },
        { selector: "edge", style: {
          "width": 1.4, "line-color": "#8d99ae", "target-arrow-color": "#8d99ae",
          "target-arrow-shape": "triangle", "arrow-scale": 0.7,
          "curve-style": small ? "bezier" : "haystack"
        } },
        { selector: "edge.labelled", style: {
          "label": "data(label)", "font-size": 8, "color": "#555",
          "text-rotation": "autorotate", "text-background-color": "#fff",
          "text-background-opacity": 0.8, "text-background-padding": 1
        } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#f0a500" } }
      ]
    });
    if (spec.elements.edges.length <= 30) cy.edges().addClass("labelled");
    // a node opens its entity's page
    cy.on("tap", "node", function (event) {
      var link = pageLink(event.target.data("href"), "");
      if (link.href) window.location.assign(link.href);
    });
    window.kgQueryNetwork = cy;
    element.dataset.ready = "true";
  }

  if (spec.type === "map") drawMap();
  else if (spec.type === "network") drawNetwork();
  else drawChart();
})();
