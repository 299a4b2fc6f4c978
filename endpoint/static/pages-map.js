// The small map of an entity page. Progressive: the coordinates are printed on the page;
// this only adds a Leaflet map when Leaflet has loaded. Tiles come from the configured
// tile server (data-tiles); the marker or outline shows even when no tile loads.
(function () {
  "use strict";
  var el = document.getElementById("entity-map");
  if (!el || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var lat = parseFloat(el.getAttribute("data-lat"));
  var lon = parseFloat(el.getAttribute("data-lon"));
  if (!isFinite(lat) || !isFinite(lon)) {
    return;
  }
  var rings = [];
  try {
    rings = JSON.parse(el.getAttribute("data-rings") || "[]");
  } catch (err) {
    rings = [];
  }
  el.hidden = false;
  var map = L.map(el, { scrollWheelZoom: false, attributionControl: true });
  var tiles = el.getAttribute("data-tiles");
  if (tiles) {
    var attribution = tiles.indexOf("openstreetmap.org") >= 0
      ? '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
      : "";
    L.tileLayer(tiles, { maxZoom: 19, attribution: attribution }).addTo(map);
  }
  var label = el.getAttribute("data-label") || "";
  if (rings.length) {
    var outline = L.polygon(rings, { weight: 2, color: "#2b5d9b", fillOpacity: 0.12 }).addTo(map);
    map.fitBounds(outline.getBounds(), { padding: [10, 10] });
  } else {
    L.marker([lat, lon], { title: label, alt: label, keyboard: false }).addTo(map);
    map.setView([lat, lon], 16);
  }
})();
