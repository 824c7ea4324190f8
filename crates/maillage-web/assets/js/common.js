// Shared enhancements of every page: commune autocomplete (ARIA combobox), "autour de moi"
// (browser geolocation), print and copy buttons. Everything here is optional: each page
// works without it.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // Sets (creating if needed) a hidden field of a form.
  function setHidden(form, name, value) {
    var input = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (value === null) {
      if (input) input.parentNode.removeChild(input);
      return;
    }
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  var geocoder = document.body.getAttribute("data-geocoder") || "";

  function fetchSuggestions(text) {
    var requests = [
      fetch("/api/v1/communes?limite=6&q=" + encodeURIComponent(text))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) {
          return list.filter(function (c) { return c.latitude != null; }).map(function (c) {
            return { label: c.nom + (c.codes_postaux.length ? " (" + c.codes_postaux[0] + ")" : ""), value: c.nom, lat: c.latitude, lon: c.longitude, code: c.code, postcodes: c.codes_postaux };
          });
        })
    ];
    // Street addresses only through the national address API, when the hub configured it.
    if (geocoder && /\d/.test(text) && text.length > 5) {
      requests.push(
        fetch(geocoder + (geocoder.indexOf("?") < 0 ? "?" : "&") + "limit=4&q=" + encodeURIComponent(text))
          .then(function (r) { return r.ok ? r.json() : { features: [] }; })
          .then(function (json) {
            return (json.features || []).map(function (f) {
              return { label: f.properties.label, value: f.properties.label, lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] };
            });
          })
          .catch(function () { return []; })
      );
    }
    return Promise.all(requests).then(function (lists) { return [].concat.apply([], lists); });
  }

  function setupAutocomplete(input, index) {
    var form = input.form;
    var wrapper = document.createElement("div");
    wrapper.className = "autocompletion";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    var list = document.createElement("ul");
    var listId = "suggestions-" + index;
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions de communes");
    list.hidden = true;
    wrapper.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    var items = [];
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function choose(item) {
      input.value = item.value;
      close();
      if (form) {
        setHidden(form, "lat", String(item.lat));
        setHidden(form, "lon", String(item.lon));
        var event = new CustomEvent("maillage:lieu-choisi", { detail: item, bubbles: true, cancelable: true });
        if (input.dispatchEvent(event)) form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    }
    function highlight(i) {
      var options = list.querySelectorAll("li");
      options.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (options[i]) input.setAttribute("aria-activedescendant", options[i].id);
    }
    var update = debounce(function () {
      var text = input.value.trim();
      if (text.length < 2) { close(); return; }
      fetchSuggestions(text).then(function (found) {
        items = found;
        list.innerHTML = "";
        found.forEach(function (item, i) {
          var li = document.createElement("li");
          li.id = listId + "-" + i;
          li.setAttribute("role", "option");
          li.textContent = item.label;
          li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
          list.appendChild(li);
        });
        list.hidden = found.length === 0;
        input.setAttribute("aria-expanded", found.length ? "true" : "false");
        active = -1;
      }).catch(close);
    }, 200);

    input.addEventListener("input", function () {
      // Typing again forgets the point chosen before: the text is the search now.
      if (form) { setHidden(form, "lat", null); setHidden(form, "lon", null); }
      update();
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll('input[data-autocomplete="communes"]').forEach(setupAutocomplete);

  // "Autour de moi": the browser's position becomes the search point.
  if ("geolocation" in navigator) {
    document.querySelectorAll('[data-action="autour-de-moi"]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var form = button.form || button.closest("form");
        button.disabled = true;
        button.textContent = "Recherche de votre position…";
        navigator.geolocation.getCurrentPosition(function (position) {
          setHidden(form, "lat", position.coords.latitude.toFixed(5));
          setHidden(form, "lon", position.coords.longitude.toFixed(5));
          var q = form.querySelector('input[name="q"]');
          if (q) q.value = "";
          form.requestSubmit ? form.requestSubmit() : form.submit();
        }, function () {
          button.disabled = false;
          button.textContent = "Position indisponible : saisissez une commune";
        }, { timeout: 10000, maximumAge: 60000 });
      });
    });
  }

  document.querySelectorAll('[data-action="imprimer"]').forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll('[data-action="copier"]').forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.querySelector('[data-testid="' + button.getAttribute("data-cible") + '"]');
      navigator.clipboard.writeText(source.textContent.trim()).then(function () { button.textContent = "Code copié"; });
    });
  });

  document.querySelectorAll(".js-seul").forEach(function (el) {
    if (!el.hasAttribute("data-action")) el.hidden = false;
  });

  window.Maillage = { setHidden: setHidden, debounce: debounce };
})();
