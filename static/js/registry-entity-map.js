/* The entity page's small map: one marker at the point given by the map
 * container's data-lon / data-lat (no inline configuration, no external tiles). */
(function () {
  "use strict";
  window.sseEntityMap = function (map) {
    var frame = map.getContainer().closest("[data-lon]");
    var lat = parseFloat(frame.dataset.lat), lon = parseFloat(frame.dataset.lon);
    if (isNaN(lat) || isNaN(lon)) { return; }
    L.marker([lat, lon], { title: frame.dataset.label || "" }).addTo(map);
    L.circle([lat, lon], { radius: 20000, weight: 1, fillOpacity: 0.05 }).addTo(map);
    map.setView([lat, lon], 9);
  };
})();
