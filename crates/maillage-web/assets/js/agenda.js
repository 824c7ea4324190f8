// The registration form's organisation field: suggests places of the registry as one types
// (a plain text field without this script), and keeps the chosen place's id beside the name.
(function () {
  "use strict";
  var input = document.querySelector('input[data-autocomplete="lieux"]');
  if (!input || !window.fetch) return;
  var hidden = input.form.querySelector('[data-role="organisation-lieu"]');
  var list = document.createElement("datalist");
  list.id = "organisations-proposees";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);
  var found = {};
  var timer = null;
  input.addEventListener("input", function () {
    var text = input.value.trim();
    if (hidden) hidden.value = found[input.value] || "";
    clearTimeout(timer);
    if (text.length < 3) return;
    timer = setTimeout(function () {
      fetch("/api/v1/lieux?tri=nom&limite=8&q=" + encodeURIComponent(text))
        .then(function (r) { return r.ok ? r.json() : { lieux: [] }; })
        .then(function (page) {
          list.textContent = "";
          (page.lieux || []).forEach(function (lieu) {
            var label = lieu.nom + (lieu.commune ? " (" + lieu.commune + ")" : "");
            found[label] = lieu.id;
            var option = document.createElement("option");
            option.value = label;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 250);
  });
})();
