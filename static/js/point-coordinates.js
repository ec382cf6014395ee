/* The entity form's latitude and longitude boxes, in step with the point picker's map.
 *
 * Researchers often have coordinates from a survey or a GPS rather than a place to click: typing
 * them places the point (the map's GeoJSON field, the one the server reads, is written as if the
 * point had been clicked), and clicking, dragging or deleting the point updates the boxes.
 * Listens to django-leaflet's "map:init" (before the form field exists) and then "map:loadfield",
 * which hands over the field with its layer and store. Used inside an element with data-coordinates
 * holding [data-latitude], [data-longitude] and a hidden [data-coordinates-error] message per case. */
(function () {
  "use strict";

  // Thai (๐-๙) and Khmer (០-៩) digits, as the importer and the form's date read them (registry/digits.py).
  var LOCAL_ZEROS = [0x0E50, 0x17E0];

  function asciiDigits(text) {
    return text.replace(/[\u0E50-\u0E59\u17E0-\u17E9]/g, function (digit) {
      var code = digit.charCodeAt(0);
      for (var i = 0; i < LOCAL_ZEROS.length; i += 1) {
        if (code >= LOCAL_ZEROS[i] && code <= LOCAL_ZEROS[i] + 9) { return String(code - LOCAL_ZEROS[i]); }
      }
      return digit;
    });
  }

  function number(text) {
    var cleaned = asciiDigits(String(text).trim()).replace(",", ".");
    return /^[-+]?\d+(\.\d+)?$/.test(cleaned) ? parseFloat(cleaned) : NaN;
  }

  window.addEventListener("map:init", function (event) {
    var map = event.detail.map;
    var holder = map.getContainer().closest("[data-coordinates]");
    if (!holder) { return; }
    var latitude = holder.querySelector("[data-latitude]");
    var longitude = holder.querySelector("[data-longitude]");
    var errors = holder.querySelectorAll("[data-coordinates-error]");

    // data-example-points: the id of a JSON script of {ISO3: [lat, lon]}, the capital of each country
    // offered; the boxes' placeholders follow the country chosen in the form.
    var examples = holder.dataset.examplePoints ? document.getElementById(holder.dataset.examplePoints) : null;
    var countrySelect = holder.dataset.fitCountry ? document.querySelector(holder.dataset.fitCountry) : null;
    if (examples && countrySelect) {
      var points = JSON.parse(examples.textContent);
      countrySelect.addEventListener("change", function () {
        var point = points[countrySelect.value];
        if (!point) { return; }
        latitude.placeholder = point[0].toFixed(6);
        longitude.placeholder = point[1].toFixed(6);
      });
    }

    function showError(kind) {
      errors.forEach(function (element) { element.hidden = element.dataset.coordinatesError !== kind; });
    }

    map.on("map:loadfield", function (loaded) {
      var field = loaded.field;

      function showPoint() {
        var layers = field.drawnItems.getLayers();
        var point = layers.length && layers[0].getLatLng ? layers[0].getLatLng() : null;
        latitude.value = point ? point.lat.toFixed(6) : "";
        longitude.value = point ? point.lng.toFixed(6) : "";
        showError(null);
      }

      function placeTyped() {
        var latitudeEmpty = latitude.value.trim() === "", longitudeEmpty = longitude.value.trim() === "";
        if (latitudeEmpty && longitudeEmpty) { showError(null); return; }
        if (latitudeEmpty || longitudeEmpty) { showError("number"); return; }  // one of the two is not a point
        var lat = number(latitude.value), lon = number(longitude.value);
        if (isNaN(lat) || isNaN(lon)) { showError("number"); return; }
        if (Math.abs(lat) > 90 && Math.abs(lon) <= 90) { showError("swapped"); return; }
        if (Math.abs(lat) > 90 || Math.abs(lon) > 180) { showError("range"); return; }
        showError(null);
        field.drawnItems.clearLayers();
        field.drawnItems.addLayer(L.marker([lat, lon]));
        field.store.save(field.drawnItems);
        map.setView([lat, lon], Math.max(map.getZoom(), 9));
      }

      showPoint();
      map.on("draw:created draw:edited draw:deleted", function () { setTimeout(showPoint, 0); });
      latitude.addEventListener("change", placeTyped);
      longitude.addEventListener("change", placeTyped);
      // While the boxes hold coordinates that could not be placed, the map still holds the previous point
      // (or none): saving then would store a point the researcher did not type. The form is not sent; the
      // message beside the boxes says why, and everything typed stays.
      var form = holder.closest("form");
      if (form) {
        form.addEventListener("submit", function (submitted) {
          placeTyped();
          var refused = Array.prototype.some.call(errors, function (element) { return !element.hidden; });
          if (refused) {
            submitted.preventDefault();
            latitude.focus();
          }
        });
      }
      holder.dataset.coordinatesReady = "true";  // the boxes answer from now on (end-to-end tests wait for it)
    });
  });
})();
