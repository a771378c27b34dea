// Long code tables (民族, 国家, 行政区划, 行业…) become searchable: type a few characters to filter.
(function () {
  function searchable(root) {
    if (!window.TomSelect) return;
    root.querySelectorAll("select").forEach(function (el) {
      if (el.tomselect || el.options.length < 16 || el.closest("template")) return;
      // refreshThrottle 0: filter on each keystroke. The default 300 ms delay reopened the full list
      // over the fields below when someone tapped a match within 300 ms of typing.
      new TomSelect(el, {maxOptions: null, allowEmptyOption: true, create: false, refreshThrottle: 0,
        render: {no_results: function () { return '<div class="no-results">没有匹配的选项</div>'; }}});
    });
  }
  window.registrySearchable = searchable;
  document.addEventListener("DOMContentLoaded", function () { searchable(document); });
  document.addEventListener("htmx:afterSwap", function (e) { searchable(e.target); });
})();

// A link to /people/<uid>/#tab-credit opens that tab.
document.addEventListener("DOMContentLoaded", function () {
  if (!location.hash.startsWith("#tab-") || !window.bootstrap) return;
  const button = document.querySelector('[data-bs-target="' + location.hash + '"]');
  if (button) bootstrap.Tab.getOrCreateInstance(button).show();
});
