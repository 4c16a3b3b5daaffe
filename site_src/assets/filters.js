// Filters for the experiment log: show only the experiments with the chosen outcome and stage.
// Without JavaScript every experiment stays visible and the filters stay hidden.
(function () {
  function apply(root) {
    var chosen = {};
    root.querySelectorAll("select[data-filter]").forEach(function (select) {
      chosen[select.dataset.filter] = select.value;
    });
    document.querySelectorAll("article.mlops-experiment").forEach(function (article) {
      var visible = Object.keys(chosen).every(function (key) {
        return !chosen[key] || article.dataset[key] === chosen[key];
      });
      article.hidden = !visible;
    });
  }
  function setUp() {
    document.querySelectorAll(".mlops-filters").forEach(function (root) {
      root.hidden = false;
      root.querySelectorAll("select[data-filter]").forEach(function (select) {
        select.addEventListener("change", function () { apply(root); });
      });
    });
  }
  if (typeof document$ !== "undefined") { document$.subscribe(setUp); } else { setUp(); }
})();
