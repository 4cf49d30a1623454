// pijplijn: render every chart on the page from its JSON spec, with vega-embed served by
// the app itself. A chart with data-drill navigates to the drill-down of the clicked stage.
"use strict";
var DUTCH = { decimal: ",", thousands: ".", grouping: [3], currency: ["€ ", ""] };
var locale = document.documentElement.lang === "nl" ? DUTCH : undefined;

function renderCharts(root) {
  root.querySelectorAll(".chart[data-spec]").forEach(function (el) {
    var source = document.getElementById(el.dataset.spec);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    // ast: true makes Vega interpret expressions instead of compiling them with new Function,
    // so the strict CSP (no unsafe-eval) holds.
    vegaEmbed(el, spec, { renderer: "svg", actions: false, defaultStyle: false, ast: true,
                          formatLocale: locale })
      .then(function (result) {
        el.dataset.rendered = "true";
        if (el.dataset.drill) {
          result.view.addEventListener("click", function (event, item) {
            var key = el.dataset.drill;
            if (item && item.datum && item.datum[key]) {
              var url = new URL(window.location.href);
              url.searchParams.set(key, item.datum[key]);
              url.hash = "drill";
              window.location.assign(url.toString());
            }
          });
        }
      })
      .catch(function (error) { el.textContent = "Grafiek niet beschikbaar: " + error; });
  });
}
window.pijplijnRenderCharts = renderCharts;
renderCharts(document);

// The iframe code of an embed ("Insluitcode") names the embed with this site's address, so
// a partner can paste it as it is.
document.querySelectorAll("textarea[data-embed]").forEach(function (area) {
  var absolute = new URL(area.dataset.embed, window.location.href).toString();
  area.value = area.value.replace('src="' + area.dataset.embed + '"', 'src="' + absolute + '"');
});
