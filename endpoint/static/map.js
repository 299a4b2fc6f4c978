/* The map on /map: Leaflet with marker clusters (/map.geojson, the page's filters) and the
   municipality boundaries (/map/boundaries.geojson). Tiles come from the tile_url setting;
   when none can load, the markers and boundaries are drawn all the same on a plain
   background. Without JavaScript the page is the list below the map. */
(function () {
  "use strict";
  var configElement = document.getElementById("map-config");
  var element = document.getElementById("map");
  if (!configElement || !element || typeof L === "undefined") return;
  var config = JSON.parse(configElement.textContent);
  var strings = config.strings || {};
  var status = null; // a box on the map (see below) for loading and tile messages

  function say(text) {
    if (!status) return;
    status.textContent = text || "";
    status.hidden = !text;
  }

  /* a link to an entity's page: only paths of this server, in the page's language */
  function pageLink(href, text, lang) {
    var node;
    if (typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/") {
      node = document.createElement("a");
      node.href = href + "?lang=" + encodeURIComponent(config.lang);
    } else {
      node = document.createElement("span");
    }
    node.textContent = text;
    if (lang && lang !== config.lang) node.lang = lang;
    return node;
  }

  /* a tooltip's content: a node holding the label as text (Leaflet inserts a string as
     HTML, so a name with markup in it would become markup) */
  function textBox(text, lang) {
    var node = document.createElement("span");
    node.textContent = text;
    if (lang && lang !== config.lang) node.lang = lang;
    return node;
  }

  function popup(feature) {
    var p = feature.properties || {};
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("strong");
    title.appendChild(pageLink(p.href, p.label || feature.id, p.lang));
    box.appendChild(title);
    var details = (p.kinds || []).slice();
    if (p.municipality) details.push(p.municipality);
    if (details.length) {
      var line = document.createElement("div");
      line.className = "muted";
      line.textContent = details.join(" · ");
      box.appendChild(line);
    }
    return box;
  }

  element.hidden = false;
  L.Icon.Default.imagePath = "/static/lib/leaflet/images/";
  var map = L.map(element, { zoomSnap: 0.5 }).setView([50.8466, 4.3528], 12);
  window.kgMap = map;

  var Status = L.Control.extend({
    onAdd: function () {
      var box = L.DomUtil.create("div", "map-status leaflet-bar");
      box.setAttribute("role", "status");
      box.hidden = true;
      return box;
    }
  });
  var statusControl = new Status({ position: "bottomleft" });
  statusControl.addTo(map);
  status = statusControl.getContainer();

  var tiles = L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution });
  var tileErrors = 0;
  var tileLoads = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileLoads === 0) {
      element.classList.add("no-tiles");
      say(strings.tilesFailed);
    }
  });
  tiles.on("tileload", function () {
    tileLoads += 1;
    element.classList.remove("no-tiles");
    if (tileErrors) say("");
  });
  tiles.addTo(map);

  var boundaries = L.geoJSON(null, {
    style: function () {
      return { color: "#3a5fa0", weight: 1.5, opacity: 0.9, fillColor: "#3a5fa0", fillOpacity: 0.04 };
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties || {};
      layer.bindTooltip(textBox(p.label || "", p.lang), { sticky: true });
      layer.bindPopup(function () {
        var box = document.createElement("div");
        var title = document.createElement("strong");
        title.appendChild(pageLink(p.href, p.label || feature.id, p.lang));
        box.appendChild(title);
        return box;
      });
    }
  }).addTo(map);
  window.kgBoundaries = boundaries;

  var places = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  map.addLayer(places);
  window.kgPlaces = places;

  var overlays = {};
  overlays[strings.places || "Places"] = places;
  overlays[strings.boundaries || "Municipalities"] = boundaries;
  overlays[strings.tiles || "Background map"] = tiles;
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(
      function (response) {
        if (!response.ok) throw new Error(url + ": HTTP " + response.status);
        return response.json();
      }
    );
  }

  say(strings.loading);
  var boundariesLoaded = getJSON(config.boundaries).then(function (data) {
    boundaries.addData(data);
    boundaries.bringToBack();
    return boundaries.getBounds();
  });
  var placesLoaded = getJSON(config.geojson).then(function (data) {
    var markers = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        return L.marker(latlng, { title: (feature.properties || {}).label || "" });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return popup(feature); });
      }
    });
    places.addLayers(markers.getLayers());
    element.dataset.places = String(data.features.length);
    return data.features.length ? markers.getBounds() : null;
  });

  Promise.all([boundariesLoaded, placesLoaded]).then(
    function (bounds) {
      var region = bounds[0], found = bounds[1];
      var target = config.filtered && found ? found : region && region.isValid() ? region : found;
      if (target && target.isValid()) map.fitBounds(target, { padding: [12, 12], maxZoom: 16 });
      if (!found) say(strings.none);
      else if (status.textContent === strings.loading) say("");
      element.dataset.ready = "true";
    },
    function (error) {
      say(String(error && error.message ? error.message : error));
      element.dataset.ready = "error";
    }
  );
})();
