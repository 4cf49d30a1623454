// Scenario's: moving a slider recomputes on the server (the same page, server-rendered) and
// swaps in the new results; without JavaScript the form's "Bereken" button does the same.
"use strict";
(function () {
  var form = document.getElementById("scenario-form");
  if (!form) { return; }
  var timer = null;
  var latest = 0;

  function query() {
    var params = new URLSearchParams();
    form.querySelectorAll("input[type=range]").forEach(function (input) {
      if (input.value !== "0") { params.set(input.name, input.value); }
    });
    return params.toString();
  }

  function recompute() {
    var q = query();
    var ticket = ++latest;
    var results = document.getElementById("scenario-results");
    results.setAttribute("aria-busy", "true");
    fetch("/scenarios?" + q, { headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        if (ticket !== latest) { return; }  // a newer position is on its way
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .getElementById("scenario-results");
        results.replaceWith(fresh);
        window.pijplijnRenderCharts(fresh);
        history.replaceState(null, "", "/scenarios" + (q ? "?" + q : ""));
      })
      .catch(function (error) {
        results.setAttribute("aria-busy", "false");
        results.insertAdjacentHTML("afterbegin", "<p class=\"note\"></p>");
        results.firstChild.textContent = "Herberekenen mislukt: " + error.message;
      });
  }

  form.querySelectorAll("input[type=range]").forEach(function (input) {
    input.addEventListener("input", function () {
      document.getElementById("out-" + input.name).textContent = "+" + input.value + "%";
      clearTimeout(timer);
      timer = setTimeout(recompute, 150);
    });
  });
  document.getElementById("preset-agenda").addEventListener("click", function () {
    form.querySelectorAll("input[type=range]").forEach(function (input) {
      input.value = input.dataset.default;
      document.getElementById("out-" + input.name).textContent = "+" + input.value + "%";
    });
    recompute();
  });
})();
