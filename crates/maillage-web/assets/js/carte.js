// The map of /carte and /embed: places from the JSON API (the same search as the server-rendered
// list, in the container's data-api-query), clustered; at low zoom, one bubble per région then
// per département with its count; département outlines; a list synced with the visible part of
// the map, nearest first from the search point; the map's view kept in the URL so it can be
// shared. Without tiles configured the map still draws places and outlines.
(function () {
  "use strict";
  // On a small screen the open filter panel pushes the results a screen or more down: once
  // filters are applied (the page is their result), close it, unless it reports an error.
  var panel = document.querySelector("details.tous-filtres");
  if (panel && panel.open && window.matchMedia("(max-width: 39.99rem)").matches &&
      !panel.closest("form").querySelector(".erreurs, .erreur-champ")) {
    panel.open = false;
  }

  var container = document.getElementById("carte");
  if (!container || typeof L === "undefined") return;
  container.hidden = false;

  var apiQuery = container.getAttribute("data-api-query") || "";
  var params = new URLSearchParams(apiQuery);
  var origin = params.has("lat") && params.has("lon") ? L.latLng(+params.get("lat"), +params.get("lon")) : null;
  var pageParams = new URLSearchParams(window.location.search);
  var embed = document.body.classList.contains("embed");

  var map = L.map(container, { zoomControl: true, preferCanvas: false, minZoom: 4, maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  // The background tiles, when the hub has them (the IGN's Plan IGN by default). When the tile
  // server fails (offline, blocked), the layer is dropped: the outlines and places stay, on
  // the plain background, rather than a grid of broken images.
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles) {
    var tileFailures = 0;
    var tileLayer = L.tileLayer(tiles, { maxZoom: 19, attribution: document.body.getAttribute("data-tiles-attribution") || "" });
    tileLayer.on("tileerror", function () {
      tileFailures += 1;
      if (tileFailures === 4 && map.hasLayer(tileLayer)) {
        map.removeLayer(tileLayer);
        container.setAttribute("data-tuiles", "indisponibles");
      }
    });
    tileLayer.on("tileload", function () { container.setAttribute("data-tuiles", "chargees"); });
    tileLayer.addTo(map);
  }
  // Leaflet's own buttons speak English: their names in French.
  var zoomIn = container.querySelector(".leaflet-control-zoom-in");
  var zoomOut = container.querySelector(".leaflet-control-zoom-out");
  if (zoomIn) { zoomIn.title = "Zoomer"; zoomIn.setAttribute("aria-label", "Zoomer"); }
  if (zoomOut) { zoomOut.title = "Dézoomer"; zoomOut.setAttribute("aria-label", "Dézoomer"); }

  // Initial view: from the URL (shared link), else the search point, else the territory
  // searched (the box of its places, from the server), else France.
  var z = parseInt(pageParams.get("z"), 10);
  var c = (pageParams.get("c") || "").split(",").map(Number);
  var box = (container.getAttribute("data-bounds") || "").split(",").map(Number);
  if (z >= 4 && z <= 18 && c.length === 2 && isFinite(c[0]) && isFinite(c[1])) {
    map.setView([c[0], c[1]], z);
  } else if (!origin && box.length === 4 && box.every(isFinite)) {
    map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: [16, 16], maxZoom: 13 });
  } else if (origin) {
    map.setView(origin, params.has("rayon_km") ? 11 : 12);
  } else {
    map.setView([46.6, 2.4], 6);
  }

  // Département outlines, thin, under everything.
  fetch("/carte/contours/departements.geojson").then(function (r) { return r.ok ? r.json() : null; }).then(function (json) {
    if (!json) return;
    L.geoJSON(json, { interactive: false, style: { color: "#4a4a4a", weight: 1, opacity: 0.7 } }).addTo(map);
  }).catch(function () {});

  if (origin) {
    L.circleMarker(origin, { radius: 7, color: "#1e1e1e", weight: 3, fillColor: "#ffbf47", fillOpacity: 1 })
      .bindTooltip("Point de recherche").addTo(map);
  }

  var icon = L.divIcon({ className: "marqueur-lieu", iconSize: [16, 16] });
  // A cluster says what it is to screen readers ("12 lieux regroupés…"), not a bare number.
  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true,
    iconCreateFunction: function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      return L.divIcon({
        html: '<div><span aria-hidden="true">' + n + '</span><span class="visuellement-cache">' + n +
          " lieux regroupés : activer pour agrandir la carte sur eux</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: L.point(40, 40)
      });
    }
  });
  var bubbles = L.layerGroup();
  var features = [];
  var services = [];
  var heading = document.querySelector('[data-testid="nombre-resultats"]');
  var list = document.getElementById("liste-lieux");

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }
  function formatKm(km) {
    if (km < 1) return Math.round(km * 100) * 10 + " m";
    if (km < 10) return km.toFixed(1).replace(".", ",") + " km";
    return Math.round(km) + " km";
  }
  function link(id) {
    return "/lieux/" + encodeURIComponent(id);
  }

  // A marker's popup: name, then address, phone and "open now" read from the place's API
  // answer when it opens (the map's collection stays compact), and the link to its page.
  function popupHtml(f, place) {
    var html = '<div class="popup-lieu"><p class="popup-nom"><strong>' + escapeHtml(f.properties.nom) + "</strong></p>";
    if (place) {
      var l = place.lieu || {};
      html += "<p>" + escapeHtml([l.adresse, [l.code_postal, l.commune].join(" ")].filter(Boolean).join(", ")) + "</p>";
      if (l.telephone) html += '<p><a href="tel:' + escapeHtml(l.telephone) + '">' + escapeHtml(phoneText(l.telephone)) + "</a></p>";
      if (place.ouvert_maintenant === true) html += '<p class="etat etat-ouvert">Ouvert maintenant</p>';
      else if (place.ouvert_maintenant === false) html += '<p class="etat etat-ferme">Fermé maintenant</p>';
    } else {
      html += '<p class="discret">Chargement…</p>';
    }
    return html + '<p><a href="' + link(f.id) + '"' + (embed ? ' target="_blank" rel="noopener"' : "") +
      ">Voir la fiche du lieu</a></p></div>";
  }
  // +33248640475 as people read it: 02 48 64 04 75.
  function phoneText(phone) {
    var m = /^\+33(\d{9})$/.exec(phone);
    return m ? ("0" + m[1]).replace(/(\d{2})(?=\d)/g, "$1 ") : phone;
  }
  function fillPopup(marker, f) {
    if (f.details) { marker.setPopupContent(popupHtml(f, f.details)); return; }
    fetch("/api/v1/lieux/" + encodeURIComponent(f.id)).then(function (r) { return r.ok ? r.json() : null; }).then(function (json) {
      if (!json) return;
      f.details = json;
      marker.setPopupContent(popupHtml(f, json));
    }).catch(function () {});
  }

  function buildMarkers() {
    var markers = features.map(function (f) {
      var latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
      var marker = L.marker(latlng, { icon: icon, title: f.properties.nom, alt: f.properties.nom, keyboard: true });
      marker.bindPopup(function () { return popupHtml(f, null); });
      marker.on("popupopen", function () { fillPopup(marker, f); });
      f.latlng = latlng;
      return marker;
    });
    clusters.clearLayers();
    clusters.addLayers(markers);
  }

  // Bubbles per région (zoom < 6) or département (6–7), from the API's counts.
  var bubbleLevel = null;
  function showBubbles(level) {
    if (bubbleLevel === level) return;
    bubbleLevel = level;
    bubbles.clearLayers();
    var q = new URLSearchParams(apiQuery);
    q.set("niveau", level);
    fetch("/api/v1/regroupements?" + q.toString()).then(function (r) { return r.ok ? r.json() : null; }).then(function (json) {
      if (!json || bubbleLevel !== level) return;
      json.regroupements.forEach(function (b) {
        var size = Math.min(64, 28 + Math.round(Math.log(b.lieux + 1) * 6));
        var marker = L.marker([b.latitude, b.longitude], {
          icon: L.divIcon({ className: "bulle-territoire", html: String(b.lieux), iconSize: [size, size] }),
          title: b.nom + " : " + b.lieux + " lieu" + (b.lieux > 1 ? "x" : ""),
          alt: b.nom + " : " + b.lieux + " lieux",
          keyboard: true
        });
        marker.on("click keypress", function () { map.setView([b.latitude, b.longitude], level === "region" ? 7 : 9); });
        bubbles.addLayer(marker);
      });
    }).catch(function () {});
  }

  function updateLayers() {
    var zoom = map.getZoom();
    if (zoom < 6) {
      if (map.hasLayer(clusters)) map.removeLayer(clusters);
      showBubbles("region");
      if (!map.hasLayer(bubbles)) map.addLayer(bubbles);
    } else if (zoom < 8) {
      if (map.hasLayer(clusters)) map.removeLayer(clusters);
      showBubbles("departement");
      if (!map.hasLayer(bubbles)) map.addLayer(bubbles);
    } else {
      if (map.hasLayer(bubbles)) map.removeLayer(bubbles);
      if (!map.hasLayer(clusters)) map.addLayer(clusters);
    }
  }

  // The list shows the places in view, nearest first from the search point (else the map's
  // centre). It replaces the server's page once the map is ready. When the view holds none of
  // the matching places, it lists the nearest ones instead, and on the first display the map
  // widens to show them with the search point: a search never ends on an empty map while
  // places match. A distance is written only from a point the person chose (a commune, an
  // address, their position): the map's centre is nowhere a person is.
  var NEAREST = 5;
  var widened = false;
  function itemHtml(f) {
    var names = (f.properties.s || []).map(function (i) { return services[i]; }).join(" · ");
    return '<li class="lieu" data-id="' + escapeHtml(f.id) + '"><h3><a href="' + link(f.id) + '"' +
      (embed ? ' target="_blank" rel="noopener"' : "") + ">" + escapeHtml(f.properties.nom) + "</a></h3>" +
      (origin ? "<p>à " + formatKm(f.km) + " du point de recherche</p>" : "") +
      (names ? '<p class="services-courts">' + escapeHtml(names) + "</p>" : "") + "</li>";
  }
  function updateList() {
    if (!list || !features.length) return;
    var bounds = map.getBounds();
    var from = origin || map.getCenter();
    var visible = features.filter(function (f) { return bounds.contains(f.latlng); });
    var nearest = !visible.length;
    var candidates = nearest ? features : visible;
    candidates.forEach(function (f) { f.km = from.distanceTo(f.latlng) / 1000; });
    candidates.sort(function (a, b) { return a.km - b.km; });
    var shown = candidates.slice(0, nearest ? NEAREST : 50);
    list.innerHTML = shown.map(itemHtml).join("");
    if (heading) {
      heading.textContent = nearest
        ? "Aucun lieu dans la partie visible de la carte : " +
          (origin
            ? (shown.length > 1 ? "les " + shown.length + " lieux les plus proches" : "le lieu le plus proche") + " du point de recherche"
            : (shown.length > 1 ? "les " + shown.length + " lieux correspondants les plus proches, montrés sur la carte" : "le lieu correspondant le plus proche, montré sur la carte"))
        : visible.length + " lieu" + (visible.length > 1 ? "x" : "") + " dans la partie visible de la carte" +
          (visible.length > shown.length ? " (les 50 plus proches ci-dessous)" : "");
    }
    var pagination = document.querySelector('[data-testid="pagination"]');
    if (pagination) pagination.hidden = true;
    if (nearest && !widened) {
      widened = true;
      var around = L.latLngBounds(shown.map(function (f) { return f.latlng; }));
      if (origin) around.extend(origin);
      map.fitBounds(around, { padding: [24, 24], maxZoom: 14 });
    }
    // Only the first display widens: a person who pans away from the places stays there.
    widened = true;
  }

  // The view in the URL, so a shared link opens the same map.
  function saveView() {
    var url = new URL(window.location.href);
    var center = map.getCenter();
    url.searchParams.set("z", String(map.getZoom()));
    url.searchParams.set("c", center.lat.toFixed(4) + "," + center.lng.toFixed(4));
    url.searchParams.delete("page");
    history.replaceState(null, "", url.toString());
  }

  map.on("zoomend", updateLayers);
  map.on("moveend", window.Maillage ? window.Maillage.debounce(function () { updateList(); saveView(); }, 150) : function () { updateList(); saveView(); });

  // The map needs every matching place, in no particular order: the search point is sent only
  // when it bounds the search (a radius), which spares the server a sort.
  var geoParams = new URLSearchParams(apiQuery);
  if (!geoParams.has("rayon_km")) { geoParams.delete("lat"); geoParams.delete("lon"); }
  fetch("/api/v1/lieux.geojson?" + geoParams.toString()).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); }).then(function (json) {
    services = json.services || [];
    features = json.features || [];
    buildMarkers();
    updateLayers();
    updateList();
    container.setAttribute("data-etat", "pret");
    container.setAttribute("data-lieux", String(features.length));
  }).catch(function () {
    container.setAttribute("data-etat", "erreur");
  });
})();
