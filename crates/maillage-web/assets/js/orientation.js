// The orientation's live count: as choices change in a step, the number of matching places is
// asked from the JSON API (the same filters the server applies when the step is sent). The
// steps themselves, the undo link and the results work without this script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-orientation-step]");
  var count = document.querySelector('[data-testid="orientation-compte"]');
  if (!form) return;
  if (!count) {
    count = document.createElement("p");
    count.className = "compte";
    count.setAttribute("aria-live", "polite");
    count.setAttribute("data-testid", "orientation-compte");
    form.parentNode.insertBefore(count, form);
  }

  function apiQuery() {
    var data = new FormData(form);
    var filters = [];
    var q = new URLSearchParams();
    var need = form.querySelector('input[name="besoin"]:checked');
    var service = need ? need.getAttribute("data-service") : form.getAttribute("data-service");
    if (service) filters.push("service=" + service);
    data.getAll("accueil").forEach(function (value) { if (value && value !== "aucun") filters.push("prise_en_charge=" + value); });
    var when = data.get("quand");
    if (when === "maintenant") q.set("ouvert", "maintenant");
    if (when === "jour" && data.get("jour")) filters.push("jour=" + data.get("jour"));
    if (filters.length) q.set("filtres", filters.join(";"));
    if (data.get("lat") && data.get("lon")) {
      q.set("lat", data.get("lat"));
      q.set("lon", data.get("lon"));
      if (data.get("rayon")) q.set("rayon_km", data.get("rayon"));
    }
    q.set("limite", "1");
    return q.toString();
  }

  var refresh = (window.Maillage ? window.Maillage.debounce : function (f) { return f; })(function () {
    fetch("/api/v1/lieux?" + apiQuery()).then(function (r) { return r.ok ? r.json() : null; }).then(function (json) {
      if (!json) return;
      var n = json.total;
      count.innerHTML = "";
      var strong = document.createElement("strong");
      strong.setAttribute("data-role", "compte");
      strong.textContent = String(n);
      count.appendChild(strong);
      count.appendChild(document.createTextNode(n > 1 ? " lieux correspondent à ces choix." : n === 1 ? " lieu correspond à ces choix." :
        " lieu ne correspond à ces choix : élargissez la distance ou enlevez un critère."));
    }).catch(function () {});
  }, 200);

  form.addEventListener("change", refresh);
  form.addEventListener("maillage:lieu-choisi", function (event) {
    // In step 2 the distance is chosen after the commune: do not send the form yet.
    event.preventDefault();
    refresh();
  });
})();
