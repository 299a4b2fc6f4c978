/* Network drawings with Cytoscape.js: every element with class "network-graph" (or id
   "neighbourhood") and a data-src attribute naming a JSON answer of /network.json or
   /network/neighbourhood.json ({nodes, edges, truncated, ...} as Cytoscape elements).
   Optional attributes give the interface text: data-open, data-explore, data-loading,
   data-empty, data-truncated, data-lang. A form with data-network-form="<the drawing's id>"
   (the neighbourhood section of entity pages) redraws it with the form's parameters (hops,
   relation types) as they change, and a link with data-network-link="<id>" follows them.
   Without JavaScript the page shows its table, and such a form is a GET to /network. */
(function () {
  "use strict";
  if (typeof cytoscape === "undefined") return;

  var KIND_COLOURS = {
    organisation: "#3a5fa0",
    person: "#b0572c",
    project: "#2e8b57",
    event: "#8e44ad",
    publication: "#b8860b",
    place: "#c0392b",
    other: "#7f8c8d"
  };
  var RELATION_COLOURS = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#8cd17d", "#499894", "#f1ce63",
    "#a0cbe8", "#ffbe7d", "#bab0ac", "#d4a6c8"
  ];
  var SMALL = 150; // nodes up to which a force-directed layout is used

  // fCoSE (npm cytoscape-fcose, registered by its script) places nodes with their labels'
  // boxes counted as part of them, so labels neither overlap nor sit on other nodes; the
  // built-in cose is the fallback where its script did not load
  function smallLayout() {
    var fcose = typeof cytoscapeFcose !== "undefined";
    return {
      name: fcose ? "fcose" : "cose", animate: false, padding: 20,
      nodeDimensionsIncludeLabels: true, idealEdgeLength: function () { return 90; },
      nodeRepulsion: function () { return 9000; }, nodeSeparation: 60, packComponents: true,
      quality: "default", randomize: true
    };
  }

  // fCoSE starts from random positions: with Math.random seeded while it runs, the same
  // data gives the same drawing at every visit (and a test sees the drawing people see)
  function seeded(run) {
    var original = Math.random;
    var state = 20261207;
    Math.random = function () {  // mulberry32
      state = (state + 0x6D2B79F5) | 0;
      var t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    try { run(); } finally { Math.random = original; }
  }

  function text(container, name, fallback) {
    return container.getAttribute("data-" + name) || fallback;
  }

  function localPath(href) {
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/";
  }

  /* the legend or status line under a drawing: made once, found again on a redraw */
  function after(container, className) {
    var next = container.nextElementSibling;
    while (next && (next.classList.contains("network-legend") || next.classList.contains("network-status"))) {
      if (next.classList.contains(className)) return next;
      next = next.nextElementSibling;
    }
    var created = document.createElement(className === "network-legend" ? "ul" : "p");
    created.className = className;
    container.parentNode.insertBefore(created, container.nextSibling);
    return created;
  }

  function legend(container, cy, relationColour) {
    var kindNames = {};
    try {
      kindNames = JSON.parse(container.getAttribute("data-kind-names") || "{}");
    } catch (error) {
      kindNames = {};
    }
    var list = after(container, "network-legend");
    list.textContent = "";
    var kinds = {};
    cy.nodes().forEach(function (n) { kinds[n.data("kind")] = true; });
    Object.keys(KIND_COLOURS).forEach(function (kind) {
      if (!kinds[kind]) return;
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = KIND_COLOURS[kind];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(kindNames[kind] || kind));
      list.appendChild(item);
    });
    var seen = {};
    cy.edges().forEach(function (e) {
      var type = e.data("type");
      if (seen[type]) return;
      seen[type] = true;
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = relationColour(type);
      swatch.style.borderRadius = "0";
      swatch.style.height = "0.25rem";
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(e.data("label")));
      list.appendChild(item);
    });
  }

  function info(container, node) {
    var box = container.querySelector(".network-info");
    if (!box) {
      box = document.createElement("div");
      box.className = "network-info";
      container.appendChild(box);
    }
    box.textContent = "";
    if (!node) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    var lang = text(container, "lang", document.documentElement.lang || "fr");
    var title = document.createElement("strong");
    title.textContent = node.data("label");
    if (node.data("lang") && node.data("lang") !== lang) title.lang = node.data("lang");
    box.appendChild(title);
    var kinds = node.data("kinds") || [];
    if (kinds.length) {
      var line = document.createElement("span");
      line.className = "muted";
      line.textContent = kinds.join(", ");
      box.appendChild(line);
    }
    var href = node.data("href");
    if (localPath(href)) {
      var open = document.createElement("a");
      open.href = href + "?lang=" + encodeURIComponent(lang);
      open.textContent = text(container, "open", "Open the page");
      box.appendChild(open);
    }
    var explore = document.createElement("a");
    explore.href =
      "/network?iri=" + encodeURIComponent(node.id()) + "&lang=" + encodeURIComponent(lang);
    explore.textContent = text(container, "explore", "Its neighbourhood");
    box.appendChild(explore);
  }

  /* Large graphs: rings filled like a disk (ring k holds about 6k nodes), the most connected
     in the middle, so that nodes keep a visible size once the drawing fits the box. */
  function packByDegree(nodes) {
    var order = nodes.slice().sort(function (a, b) {
      return (b.data.degree || 0) - (a.data.degree || 0);
    });
    var ring = 0, room = 1, used = 0;
    var rings = [];
    order.forEach(function (node) {
      if (used >= room) { ring += 1; room = 6 * ring; used = 0; }
      rings.push([node, ring]);
      used += 1;
    });
    rings.forEach(function (pair) { pair[0].data.ring = ring - pair[1]; });
  }

  var drawings = 0;

  /* forget the drawing a container holds (before it is drawn again) */
  function clear(container) {
    var old = container.kgCy;
    if (!old) return;
    container.kgCy = null;
    window.cyGraphs = (window.cyGraphs || []).filter(function (g) { return g !== old; });
    if (window.cy === old) window.cy = null;
    info(container, null);
    old.destroy();
  }

  function draw(container) {
    var src = container.getAttribute("data-src");
    if (!localPath(src)) return;
    drawings += 1;
    var drawing = drawings;
    container.kgDrawing = drawing;
    container.dataset.ready = "loading";
    container.hidden = false;
    container.classList.add("network-graph");
    var status = after(container, "network-status");
    status.className = "network-status muted";
    status.textContent = text(container, "loading", "Loading…");
    status.hidden = false;

    fetch(src, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(src + ": HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (container.kgDrawing !== drawing) return; // a newer drawing was asked for
        clear(container);
        if (!data.nodes || !data.nodes.length) {
          after(container, "network-legend").textContent = "";
          container.hidden = true;
          status.textContent = text(container, "empty", "No relations.");
          container.dataset.ready = "empty";
          return;
        }
        var count = data.nodes.length;
        var small = count <= SMALL;
        var neighbourhood = typeof data.center === "string";
        var colours = {};
        var used = 0;
        function relationColour(type) {
          if (!(type in colours)) colours[type] = RELATION_COLOURS[used++ % RELATION_COLOURS.length];
          return colours[type];
        }
        data.edges.forEach(function (e) { relationColour(e.data.type); });

        if (!small && !neighbourhood) packByDegree(data.nodes);
        var layout = small
          ? smallLayout()
          : { name: "concentric", animate: false, padding: 10, minNodeSpacing: 3,
              concentric: neighbourhood
                ? function (n) { return 10 - (n.data("distance") || 0); }
                : function (n) { return n.data("ring"); },
              levelWidth: function () { return 1; } };

        var cy = cytoscape({
          container: container,
          elements: { nodes: data.nodes, edges: data.edges },
          layout: { name: "preset" },
          minZoom: 0.05,
          maxZoom: 4,
          style: [
            { selector: "node", style: {
              "background-color": function (n) { return KIND_COLOURS[n.data("kind")] || KIND_COLOURS.other; },
              "label": "data(label)",
              "font-size": small ? 10 : 8,
              "min-zoomed-font-size": small ? 0 : 7,
              "text-valign": "bottom",
              "text-margin-y": 2,
              "text-wrap": "ellipsis",
              "text-max-width": "150px",
              "color": "#222",
              "text-outline-color": "#fff",
              "text-outline-width": 1.5,
              "width": function (n) { return Math.min(40, 10 + 3 * Math.sqrt(n.degree())); },
              "height": function (n) { return Math.min(40, 10 + 3 * Math.sqrt(n.degree())); }
            } },
            { selector: "node[distance = 0]", style: {
              "border-width": 3, "border-color": "#111", "font-weight": "bold", "font-size": 12
            } },
            { selector: "node.context", style: { "opacity": 0.45 } },
            { selector: "edge", style: {
              "width": small ? 1.6 : 0.8,
              "line-color": function (e) { return relationColour(e.data("type")); },
              "target-arrow-color": function (e) { return relationColour(e.data("type")); },
              "target-arrow-shape": function (e) { return e.data("symmetric") ? "none" : "triangle"; },
              "arrow-scale": 0.7,
              "curve-style": small ? "bezier" : "haystack",
              "opacity": small ? 0.9 : 0.3
            } },
            { selector: "edge.labelled", style: {
              "label": "data(label)", "font-size": 8, "color": "#555",
              "text-rotation": "autorotate", "text-background-color": "#fff",
              "text-background-opacity": 0.8, "text-background-padding": 1
            } },
            { selector: ".faded", style: { "opacity": 0.12 } },
            { selector: "node:selected", style: { "border-width": 3, "border-color": "#f0a500" } }
          ]
        });
        cy.nodes().filter(function (n) { return n.data("match") === false; }).addClass("context");
        if (data.edges.length <= 20) cy.edges().addClass("labelled");
        // laid out once the classes that change how nodes look are set
        seeded(function () { cy.layout(layout).run(); });

        cy.on("tap", "node", function (event) {
          var node = event.target;
          cy.elements().addClass("faded");
          node.closedNeighborhood().removeClass("faded");
          info(container, node);
        });
        cy.on("tap", function (event) {
          if (event.target === cy) {
            cy.elements().removeClass("faded");
            info(container, null);
          }
        });

        legend(container, cy, relationColour);
        var note = "";
        if (data.truncated && container.hasAttribute("data-truncated")) {
          note = text(container, "truncated", "Only part of the network is drawn (limit {n}).")
            .replace("{n}", String(data.max_nodes));
        }
        status.textContent = note;
        status.hidden = !note;
        container.kgCy = cy;
        window.cyGraphs = (window.cyGraphs || []).concat([cy]);
        if (!window.cy) window.cy = cy;
        container.dataset.ready = "true";
      })
      .catch(function (error) {
        if (container.kgDrawing !== drawing) return;
        status.hidden = false;
        status.textContent = String(error && error.message ? error.message : error);
        container.dataset.ready = "error";
      });
  }

  /* a form that sets a drawing's parameters: the drawing's JSON, and the link to the
     /network page, take the form's fields (iri, hops, rel, lang) */
  function follow(form) {
    var id = form.getAttribute("data-network-form");
    var container = document.getElementById(id);
    if (!container || !localPath(container.getAttribute("data-src"))) return;
    var path = container.getAttribute("data-src").split("?")[0];
    var link = document.querySelector('a[data-network-link="' + id + '"]');
    function update(event) {
      if (event) event.preventDefault();
      var query = new URLSearchParams(new FormData(form)).toString();
      container.setAttribute("data-src", path + "?" + query);
      if (link) link.href = form.getAttribute("action") + "?" + query;
      draw(container);
    }
    form.addEventListener("submit", update);
    form.addEventListener("change", update);
  }

  var containers = document.querySelectorAll(".network-graph[data-src], #neighbourhood[data-src]");
  Array.prototype.forEach.call(containers, draw);
  Array.prototype.forEach.call(document.querySelectorAll("form[data-network-form]"), follow);
})();
