// Search boxes (input[data-autocomplete]) suggest entities as one types, from
// /api/autocomplete, as a list of links under the box: arrow keys move through it, Enter
// opens, Escape closes. On the search page, ticking a facet submits the form.
// Without JavaScript the box is a plain GET form and the facets have a Filter button.
(function () {
  "use strict";
  if (window.kgSearchEnhanced) return; // the script may be included twice on a page
  window.kgSearchEnhanced = true;

  var DELAY_MS = 120;
  var counter = 0;

  function enhance(input) {
    var lang = document.documentElement.lang || "";
    var list = document.createElement("ul");
    var anchor = document.createElement("span");
    counter += 1;
    list.id = "autocomplete-" + counter;
    list.className = "autocomplete";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    anchor.className = "autocomplete-anchor";
    input.parentNode.insertBefore(anchor, input);
    anchor.appendChild(input);
    anchor.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    var timer = null;
    var controller = null;
    var shown = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function render(items) {
      list.replaceChildren();
      items.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        li.setAttribute("role", "option");
        link.href = item.href;
        link.textContent = item.label; // text, never HTML
        if (item.label_lang && item.label_lang !== lang) link.lang = item.label_lang;
        if (item.matched) {
          var matched = document.createElement("span");
          matched.className = "matched";
          matched.textContent = " (" + item.matched + ")";
          link.appendChild(matched);
        }
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = item.kind;
        link.appendChild(kind);
        li.appendChild(link);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(!list.hidden));
    }

    function suggest() {
      var q = input.value.trim();
      if (q === shown) return;
      shown = q;
      if (controller) controller.abort();
      if (!q) {
        close();
        return;
      }
      controller = new AbortController();
      var url = "/api/autocomplete?" + new URLSearchParams({ q: q, lang: lang });
      fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) { if (input.value.trim() === q) render(items); })
        .catch(function () { /* aborted or offline: the form still works */ });
    }

    function links() {
      return Array.prototype.slice.call(list.querySelectorAll("a"));
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && !list.hidden && links().length) {
        event.preventDefault();
        links()[0].focus();
      } else if (event.key === "Escape") {
        close();
      }
    });
    list.addEventListener("keydown", function (event) {
      var items = links();
      var i = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (i < items.length - 1) items[i + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (i > 0) items[i - 1].focus();
        else input.focus();
      } else if (event.key === "Escape") {
        close();
        input.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!anchor.contains(event.target)) close();
    });
  }

  function submitOnChange(form) {
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () { form.submit(); });
    });
  }

  function start() {
    document.querySelectorAll("input[data-autocomplete]").forEach(enhance);
    document.querySelectorAll("form[data-facets]").forEach(submitOnChange);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
