/* Draws the provinces in force as a light, non-interactive underlay on every
 * map inside an element with data-boundaries-url, so a point picker or a small
 * entity map shows where it is without any external tiles. Listens to
 * django-leaflet's "map:init" event, so it works for widgets and map tags alike. */
(function () {
  "use strict";
  var cache = {};

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
    }
    return cache[url];
  }

  window.addEventListener("map:init", function (event) {
    var map = event.detail.map;
    var holder = map.getContainer().closest("[data-boundaries-url]");
    if (!holder) { return; }
    load(holder.dataset.boundariesUrl).then(function (collection) {
      var underlay = L.geoJSON(collection, {
        interactive: false,
        style: { color: "#7d8b99", weight: 0.6, fillColor: "#f3efe4", fillOpacity: 0.9 }
      }).addTo(map);
      underlay.bringToBack();
      function hasPoint() {
        var field = holder.querySelector("textarea");
        return field && field.value.trim();
      }
      // data-fit-country: a <select> of ISO3 codes (the entity form's country); the map shows the
      // chosen country's areas rather than all five countries, until a point is placed.
      var countrySelect = holder.dataset.fitCountry ? document.querySelector(holder.dataset.fitCountry) : null;
      function fit() {
        if (hasPoint()) { return; }
        var bounds = underlay.getBounds();
        if (countrySelect && countrySelect.value) {
          var chosen = L.latLngBounds([]);
          underlay.eachLayer(function (layer) {
            if (layer.feature.properties.country === countrySelect.value) { chosen.extend(layer.getBounds()); }
          });
          if (chosen.isValid()) { bounds = chosen; }
        }
        if (holder.dataset.fit === "boundaries" && bounds.isValid()) { map.fitBounds(bounds); }
      }
      fit();
      if (countrySelect) { countrySelect.addEventListener("change", fit); }
    }).catch(function () { /* the map still works without its underlay */ });
  });
})();
