/* Draws administrative areas on a django-leaflet map.
 * The map's container sits inside an element carrying data-areas-url (a GeoJSON
 * endpoint of the platform); data-link-to="country" makes a click open the
 * country's page. No external tiles: boundaries are the base map. */
(function () {
  "use strict";
  var COUNTRY_COLOURS = { KHM: "#1f77b4", KGZ: "#d62728", MNG: "#2ca02c", THA: "#9467bd", VNM: "#ff7f0e" };

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function label(props) {
    var local = props.name_local && props.name_local !== props.name ? "<br><span>" + escapeHtml(props.name_local) + "</span>" : "";
    return "<strong>" + escapeHtml(props.name) + "</strong> (" + escapeHtml(props.code) + ")" + local;
  }

  window.sseAreasMap = function (map) {
    var frame = map.getContainer().closest("[data-areas-url]");
    var linkToCountry = frame.dataset.linkTo === "country";
    fetch(frame.dataset.areasUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (collection) {
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            var colour = COUNTRY_COLOURS[feature.properties.country] || "#555";
            // Thin borders: at country zoom a province is a few pixels wide and a thick
            // white outline would hide its fill.
            return { color: "#ffffff", weight: 0.6, opacity: 0.9, fillColor: colour, fillOpacity: 0.7 };
          },
          onEachFeature: function (feature, featureLayer) {
            featureLayer.bindTooltip(label(feature.properties), { sticky: true });
            featureLayer.on("mouseover", function () { featureLayer.setStyle({ weight: 2.5, color: "#1d2733" }); });
            featureLayer.on("mouseout", function () { layer.resetStyle(featureLayer); });
            if (linkToCountry) {
              featureLayer.on("click", function () { window.location.href = "/countries/" + feature.properties.country + "/"; });
            } else {
              featureLayer.on("click", function () {
                var row = document.querySelector("[data-area-id='" + feature.id + "']");
                if (row) { row.scrollIntoView({ block: "center" }); row.classList.add("highlight"); }
              });
            }
          }
        }).addTo(map);
        // Quarter zoom steps: with whole ones a tall country (Thailand, Viet Nam) was fitted a level too far out.
        map.options.zoomSnap = 0.25;
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
        frame.dataset.loaded = String(collection.features.length);
      })
      .catch(function (error) {
        // The page gives the words in the reader's language (data-load-error); English if absent.
        var words = frame.dataset.loadError || "Map data could not be loaded:";
        frame.insertAdjacentHTML("beforeend", "<p class='message error'>" + escapeHtml(words) + " " + escapeHtml(error.message) + "</p>");
      });
  };
})();
