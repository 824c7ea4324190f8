// The place form's enhancements: choosing a commune in the suggestions fills its postcode and
// INSEE code instead of sending the form, and centres the pin map; a touch on the map places
// the pin and fills latitude and longitude. Without JavaScript the fields are typed.
(function () {
  "use strict";
  var form = document.querySelector("form.formulaire-lieu");
  if (!form) return;
  function field(name) { return form.querySelector('[name="' + name + '"]'); }
  var map = null;
  var pin = null;

  function showPin(lat, lon) {
    if (!map) return;
    if (pin) pin.setLatLng([lat, lon]);
    else pin = L.circleMarker([lat, lon], { radius: 9, color: "#1d3a8a", weight: 3, fillColor: "#ffffff", fillOpacity: 1 }).addTo(map);
  }

  form.addEventListener("maillage:lieu-choisi", function (event) {
    var item = event.detail;
    event.preventDefault();
    if (!item.code) return;
    var postcode = field("code_postal");
    if (postcode && item.postcodes && item.postcodes.indexOf(postcode.value.trim()) < 0) postcode.value = item.postcodes[0] || "";
    var insee = field("code_insee");
    if (insee) insee.value = item.code;
    // The commune's centre is not the place: the pin waits for a touch on the map.
    if (map) map.setView([item.lat, item.lon], 14);
  });

  var container = document.getElementById("carte-epingle");
  if (!container || typeof L === "undefined") return;
  container.parentNode.hidden = false;
  map = L.map(container, { minZoom: 5, maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  // Leaflet's own buttons speak English: their names in French.
  [[".leaflet-control-zoom-in", "Zoomer"], [".leaflet-control-zoom-out", "Dézoomer"]].forEach(function (pair) {
    var button = container.querySelector(pair[0]);
    if (button) { button.title = pair[1]; button.setAttribute("aria-label", pair[1]); }
  });
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: document.body.getAttribute("data-tiles-attribution") || "" }).addTo(map);
  }
  fetch("/carte/contours/departements.geojson").then(function (r) { return r.ok ? r.json() : null; }).then(function (json) {
    if (json) L.geoJSON(json, { interactive: false, style: { color: "#5a6270", weight: 1, fill: false } }).addTo(map);
  }).catch(function () {});
  var lat = parseFloat(field("latitude").value);
  var lon = parseFloat(field("longitude").value);
  if (isFinite(lat) && isFinite(lon)) {
    map.setView([lat, lon], 15);
    showPin(lat, lon);
  } else {
    map.setView([46.6, 2.4], 5);
  }
  map.on("click", function (event) {
    field("latitude").value = event.latlng.lat.toFixed(5);
    field("longitude").value = event.latlng.lng.toFixed(5);
    showPin(event.latlng.lat, event.latlng.lng);
  });
})();
