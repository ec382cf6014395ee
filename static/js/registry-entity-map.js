/* The entity page's small map: one marker at the point given by the map
 * container's data-lon / data-lat (no inline configuration, no external tiles).
 * A point that stands for a village, a district or a province centre (data-precision) gets a circle of
 * about that size, so that nobody reads it as the entity's doorstep; an exact point gets none. */
(function () {
  "use strict";
  var UNCERTAINTY_METRES = { exact: 0, village: 2000, district: 15000, province: 60000 };
  window.sseEntityMap = function (map) {
    var frame = map.getContainer().closest("[data-lon]");
    var lat = parseFloat(frame.dataset.lat), lon = parseFloat(frame.dataset.lon);
    if (isNaN(lat) || isNaN(lon)) { return; }
    L.marker([lat, lon], { title: frame.dataset.label || "" }).addTo(map);
    var radius = UNCERTAINTY_METRES[frame.dataset.precision] || 0;
    if (radius) {
      var circle = L.circle([lat, lon], { radius: radius, weight: 1, fillOpacity: 0.08 }).addTo(map);
      // No closer than zoom 8: without a tile layer, the province outlines around are the only context.
      map.fitBounds(circle.getBounds(), { padding: [20, 20], maxZoom: 8 });
    } else {
      map.setView([lat, lon], 8);
    }
    frame.dataset.circleMetres = String(radius);
  };
})();
