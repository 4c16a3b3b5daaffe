// The handbook's script: filters for the experiment log, and keyboard access to tables that scroll.
//
// Filters: The chosen filters live in the address (?model=…&outcome=…&page=…), so
// a reload or a shared link shows the same selection. Without JavaScript every experiment stays visible
// on the month pages and the filters stay hidden.
//
// - A month page filters the experiments it already holds.
// - The log index loads one JSON file (written at build time, only when the index is opened) and shows
//   the matching experiments a page at a time, so 10,000 experiments cost one download and 50 rows.
// Everything from the data is set as text (never as HTML).
(function () {
  "use strict";
  var PAGE_SIZE = 50;
  var NONE = "-"; // the option for experiments that name no model (or no owner)

  function readAddress(keys) {
    var query = new URLSearchParams(window.location.search);
    var state = {};
    keys.forEach(function (key) { state[key] = query.get(key) || ""; });
    state.page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
    return state;
  }

  function writeAddress(state) {
    var query = new URLSearchParams(window.location.search);
    Object.keys(state).forEach(function (key) {
      var value = key === "page" ? (state.page > 1 ? String(state.page) : "") : state[key];
      if (value) { query.set(key, value); } else { query.delete(key); }
    });
    var search = query.toString();
    var address = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    window.history.replaceState(window.history.state, "", address);
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function addOptions(select, options) {
    options.forEach(function (option) {
      var node = element("option", option.label);
      node.value = option.value;
      select.appendChild(node);
    });
  }

  function selectsOf(root) {
    var selects = {};
    root.querySelectorAll("select[data-filter]").forEach(function (select) { selects[select.dataset.filter] = select; });
    return selects;
  }

  function restore(selects, state) {
    Object.keys(selects).forEach(function (key) {
      var select = selects[key];
      var known = Array.prototype.some.call(select.options, function (option) { return option.value === state[key]; });
      select.value = known ? state[key] : "";
      state[key] = select.value;
    });
  }

  // ---- a month page: the experiments are on the page already -----------------------------------------
  function setUpMonth(root) {
    var selects = selectsOf(root);
    var keys = Object.keys(selects);
    var articles = document.querySelectorAll("article.mlops-experiment");
    var count = root.querySelector(".mlops-count");
    var state = readAddress(keys);
    function apply() {
      var shown = 0;
      articles.forEach(function (article) {
        var visible = keys.every(function (key) { return !state[key] || article.dataset[key] === state[key]; });
        article.hidden = !visible;
        if (visible) { shown += 1; }
      });
      if (count) { count.textContent = shown + " of " + articles.length + " experiments shown"; }
    }
    restore(selects, state);
    keys.forEach(function (key) {
      selects[key].addEventListener("change", function () {
        state[key] = selects[key].value;
        writeAddress(state);
        apply();
      });
    });
    root.hidden = false;
    apply();
  }

  // ---- the log index: every experiment, from the JSON file -------------------------------------------
  function setUpLog(log) {
    var root = log.querySelector(".mlops-filters");
    var selects = selectsOf(root);
    var keys = Object.keys(selects);
    var count = log.querySelector(".mlops-count");
    var results = log.querySelector(".mlops-results");
    var pager = log.querySelector(".mlops-pager");
    var source = new URL(log.dataset.source, window.location.href);
    count.textContent = "Loading the experiment log…";
    fetch(source.href)
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { showLog(data); })
      .catch(function (error) { count.textContent = "The experiment log could not be loaded (" + error.message + ")."; });

    function showLog(data) {
      var column = {};
      data.columns.forEach(function (name, index) { column[name] = index; });
      var rows = data.experiments;
      var value = {
        model: function (row) { return data.models[row[column.model]] || NONE; },
        owner: function (row) { return data.owners[row[column.owner]] || NONE; },
        outcome: function (row) { return data.outcomes[row[column.outcome]].key; },
        stage: function (row) { return data.stages[row[column.stage]]; },
      };
      function choices(names) {
        var sorted = names.filter(function (name) { return name; }).sort(function (a, b) { return a.localeCompare(b); });
        var list = sorted.map(function (name) { return { value: name, label: name }; });
        if (names.indexOf("") >= 0) { list.push({ value: NONE, label: "none" }); }
        return list;
      }
      if (selects.model) { addOptions(selects.model, choices(data.models)); }
      if (selects.owner) { addOptions(selects.owner, choices(data.owners)); }
      if (selects.outcome) {
        addOptions(selects.outcome, data.outcomes.map(function (o) { return { value: o.key, label: o.title }; }));
      }
      if (selects.stage) { addOptions(selects.stage, data.stages.map(function (s) { return { value: s, label: s }; })); }

      var state = readAddress(keys);
      restore(selects, state);

      function matching() {
        return rows.filter(function (row) {
          return keys.every(function (key) { return !state[key] || value[key](row) === state[key]; });
        });
      }

      function cell(row, content) {
        var td = element("td");
        if (content instanceof Node) { td.appendChild(content); } else { td.textContent = content; }
        row.appendChild(td);
      }

      function render() {
        var found = matching();
        var pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
        state.page = Math.min(state.page, pages);
        writeAddress(state);
        var first = (state.page - 1) * PAGE_SIZE;
        var shown = found.slice(first, first + PAGE_SIZE);
        count.textContent = found.length
          ? "Experiments " + (first + 1) + " to " + (first + shown.length) + " of " + found.length +
            (found.length < rows.length ? " matching (" + rows.length + " in all)" : "")
          : "No experiment matches these filters.";
        var wrapper = element("div", null, "mlops-scroll");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", "Experiments, page " + state.page + " of " + pages);
        wrapper.tabIndex = 0;
        var table = element("table", null, "mlops-table mlops-log-table");
        var head = element("tr");
        ["Experiment", "Model", "Owner", "Outcome", "Stage", "Opened", "Result"].forEach(function (title) {
          var th = element("th", title);
          th.scope = "col";
          head.appendChild(th);
        });
        table.appendChild(element("thead")).appendChild(head);
        var body = table.appendChild(element("tbody"));
        shown.forEach(function (row) {
          var repository = data.repositories[row[column.repository]];
          var month = data.months[row[column.month]];
          var tr = element("tr");
          var link = element("a", "#" + row[column.number] + " " + row[column.title]);
          link.href = new URL(month.href + "#" + repository.anchor + "-" + row[column.number], window.location.href).href;
          cell(tr, link);
          cell(tr, data.models[row[column.model]] || "");
          cell(tr, data.owners[row[column.owner]] || "");
          var outcome = data.outcomes[row[column.outcome]];
          cell(tr, element("span", outcome.title, "mlops-badge mlops-outcome-" + outcome.key));
          cell(tr, data.stages[row[column.stage]]);
          cell(tr, row[column.created]);
          var delta = row[column.baseline_delta];
          cell(tr, row[column.primary_metric] +
            (typeof delta === "number" ? " (" + (delta >= 0 ? "+" : "") + delta.toFixed(1) + "% vs baseline)" : ""));
          body.appendChild(tr);
        });
        wrapper.appendChild(table);
        results.replaceChildren(found.length ? wrapper : element("span"));
        pager.hidden = pages < 2;
        pager.querySelector(".mlops-page-of").textContent = "Page " + state.page + " of " + pages;
        pager.querySelector("[data-page=previous]").disabled = state.page <= 1;
        pager.querySelector("[data-page=next]").disabled = state.page >= pages;
      }

      keys.forEach(function (key) {
        selects[key].addEventListener("change", function () {
          state[key] = selects[key].value;
          state.page = 1;
          render();
        });
      });
      pager.querySelectorAll("button[data-page]").forEach(function (button) {
        button.addEventListener("click", function () {
          state.page += button.dataset.page === "next" ? 1 : -1;
          render();
          log.scrollIntoView({ block: "start" });
        });
      });
      root.hidden = false;
      render();
    }
  }

  // A table that scrolls sideways must be reachable from the keyboard (Material wraps Markdown tables).
  function focusableScrolling() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute("tabindex")) {
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", "Table (scrolls sideways)");
      }
    });
  }

  function setUp() {
    focusableScrolling();
    document.querySelectorAll(".mlops-log[data-source]").forEach(function (log) {
      if (!log.dataset.ready) { log.dataset.ready = "1"; setUpLog(log); }
    });
    document.querySelectorAll(".mlops-filters").forEach(function (root) {
      if (!root.closest(".mlops-log") && !root.dataset.ready) { root.dataset.ready = "1"; setUpMonth(root); }
    });
  }
  if (typeof document$ !== "undefined") { document$.subscribe(setUp); } else { setUp(); }
})();
