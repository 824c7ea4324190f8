// The coverage choropleth: communes of one département coloured by the distance to the nearest
// place (from /api/v1/couverture), on the commune outlines. The table under the map carries the
// same figures per département for people who do not use the map.
(function () {
  "use strict";
  var container = document.getElementById("carte-couverture");
  var select = document.getElementById("couverture-departement");
  if (!container || !select || typeof L === "undefined" || !select.options.length) return;
  container.hidden = false;
  select.form.hidden = false;
  var legend = document.getElementById("legende-couverture");
  // The page's question (a service, a day): the map answers the same one.
  var filters = container.getAttribute("data-filtres") ? "&filtres=" + encodeURIComponent(container.getAttribute("data-filtres")) : "";

  var map = L.map(container, { minZoom: 5, maxZoom: 13 });
  map.attributionControl.setPrefix(false);
  // Leaflet's own buttons speak English: their names in French.
  [[".leaflet-control-zoom-in", "Zoomer"], [".leaflet-control-zoom-out", "Dézoomer"]].forEach(function (pair) {
    var button = container.querySelector(pair[0]);
    if (button) { button.title = pair[1]; button.setAttribute("aria-label", pair[1]); }
  });
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { attribution: document.body.getAttribute("data-tiles-attribution") || "" }).addTo(map);
  map.setView([46.6, 2.4], 6);

  // Colour-blind-safe sequential scale (light to dark), with a text legend.
  var classes = [
    { max: 2, colour: "#fff5eb", label: "moins de 2 km" },
    { max: 5, colour: "#fdd0a2", label: "2 à 5 km" },
    { max: 10, colour: "#fd8d3c", label: "5 à 10 km" },
    { max: 15, colour: "#d94801", label: "10 à 15 km" },
    { max: Infinity, colour: "#7f2704", label: "15 km et plus" }
  ];
  function colour(km) {
    if (km == null) return "#cccccc";
    for (var i = 0; i < classes.length; i++) if (km < classes[i].max) return classes[i].colour;
    return classes[classes.length - 1].colour;
  }
  legend.hidden = false;
  legend.innerHTML = classes.map(function (c) {
    return '<span><i class="pastille" data-couleur="' + c.colour + '"></i>' + c.label + "</span>";
  }).join("");
  legend.querySelectorAll("i").forEach(function (i) { i.style.background = i.getAttribute("data-couleur"); });

  var layer = null;
  var distances = null;
  function load(code) {
    Promise.all([
      fetch("/carte/contours/communes.geojson?departement=" + encodeURIComponent(code)).then(function (r) { return r.json(); }),
      distances ? Promise.resolve(distances) : fetch("/api/v1/couverture?niveau=commune&perimetre=hub" + filters).then(function (r) { return r.json(); })
    ]).then(function (results) {
      var outlines = results[0];
      distances = results[1];
      var byCode = {};
      (distances.lignes || []).forEach(function (line) {
        byCode[line.code] = line.lieu_le_plus_proche ? line.lieu_le_plus_proche.distance_km : null;
      });
      if (layer) map.removeLayer(layer);
      layer = L.geoJSON(outlines, {
        style: function (f) { return { color: "#4a4a4a", weight: 0.5, fillOpacity: 0.85, fillColor: colour(byCode[f.properties.code]) }; },
        onEachFeature: function (f, l) {
          var km = byCode[f.properties.code];
          l.bindTooltip(f.properties.nom + " : " + (km == null ? "distance inconnue" : (km < 0.05 ? "lieu dans la commune" : km.toFixed(1).replace(".", ",") + " km")));
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      container.setAttribute("data-etat", "pret");
    }).catch(function () { container.setAttribute("data-etat", "erreur"); });
  }
  select.addEventListener("change", function () { load(select.value); });
  load(select.value);
})();
