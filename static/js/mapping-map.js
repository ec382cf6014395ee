/* The committee map: choropleth of areas, entity clusters that give way to points, filters, table.
 * Configuration comes from data- attributes of the element wrapping the django-leaflet map:
 *   data-area-shapes-url   GeoJSON of the country's areas (shapes only)
 *   data-stats-url         per-area figures (JSON) for the current filters
 *   data-entities-url      entity layer (clusters / points) for a view: ?zoom=&bbox=
 *   data-filter-form       id of the filter form whose values apply to every layer (optional)
 *   data-table             id of the per-area table kept in step with the map
 *   data-measure           entities | members | women_share | change
 *   data-local-language    language of the country's local names (lang= of the names in popups and table)
 *   data-entity-url        an entity's page, the nil UUID standing for its id: a link in each popup (optional)
 * Every layer is drawn from the platform's own endpoints: no external tiles or scripts. */
(function () {
  "use strict";
  var PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
  var DIVERGING = { down: "#d6604d", up: "#4393c3", none: "#f7f7f7" };
  var EMPTY = "#f2f2f2";
  var NIL_UUID = "00000000-0000-0000-0000-000000000000";
  // Words shown on the map, translated by the page (templates/mapping/_map_labels.html); English if absent.
  var LABELS = {
    entities: "Entities", members: "Members", women_share: "Women members", change: "Change since edition",
    more: "more", no_change: "no change", fewer: "fewer", none: "none", no_data: "no data", entities_lower: "entities",
    members_lower: "members", women_lower: "women", load_error: "Map data could not be loaded:", open_entity: "Details",
    entities_layer: "Entities on the map (groups and points)"
  };
  var labelsElement = document.getElementById("map-labels");
  if (labelsElement) { LABELS = Object.assign(LABELS, JSON.parse(labelsElement.textContent)); }
  // Features carry English family and legal-form names and status codes; the page gives the reader's words.
  var vocabularyElement = document.getElementById("map-vocabulary");
  var VOCABULARY = vocabularyElement ? JSON.parse(vocabularyElement.textContent) : {};
  function inWords(kind, value) {
    var words = VOCABULARY[kind] || {};
    return Object.prototype.hasOwnProperty.call(words, value) ? words[value] : value;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function formatValue(value, measure) {
    if (value == null) { return "–"; }
    if (measure === "women_share") { return Math.round(value * 100) + "%"; }
    if (measure === "change") { return (value > 0 ? "+" : "") + value.toLocaleString(); }
    return Number(value).toLocaleString();
  }

  function areaValue(area, measure) {
    if (measure === "members") { return area.members; }
    if (measure === "women_share") { return area.women_share; }
    if (measure === "change") { return area.change || 0; }
    return area.entities;
  }

  // No entities or no members is "none"; but a share of 0% women is a figure, in the lowest class: only an
  // area where no entity reports its women members has no share ("no data").
  function isEmpty(value, measure) {
    return value == null || (value === 0 && measure !== "women_share");
  }

  function colourFor(value, breaks, measure) {
    if (measure === "change") { return value > 0 ? DIVERGING.up : value < 0 ? DIVERGING.down : DIVERGING.none; }
    if (isEmpty(value, measure) || !breaks.length) { return EMPTY; }
    for (var i = 0; i < breaks.length; i++) {
      if (value <= breaks[i]) { return PALETTE[Math.min(i, PALETTE.length - 1)]; }
    }
    return PALETTE[PALETTE.length - 1];
  }

  function filterQuery(form) {
    if (!form) { return ""; }
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "" && key !== "csrfmiddlewaretoken" && key !== "title") { params.append(key, value); }
    });
    return params.toString();
  }

  function withQuery(url, query) {
    if (!query) { return url; }
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + query;
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.error || ("HTTP " + response.status)); }
        return body;
      });
    });
  }

  function langAttribute(language) {
    return " lang='" + escapeHtml(language || "") + "'";
  }

  function popupHtml(props, localLanguage, url) {
    var local = props.name_local ? "<br><span" + langAttribute(localLanguage) + ">" + escapeHtml(props.name_local) + "</span>" : "";
    var members = props.members != null ? "<br>" + escapeHtml(LABELS.members) + ": " + escapeHtml(props.members) +
      (props.women != null ? " (" + escapeHtml(LABELS.women_lower) + ": " + escapeHtml(props.women) + ")" : "") : "";
    return "<strong>" + escapeHtml(props.name) + "</strong>" + local +
      "<br><span class='muted'>" + escapeHtml(props.registry_number) + " · " + escapeHtml(inWords("families", props.family)) +
      (props.legal_form ? " · " + escapeHtml(inWords("legal_forms", props.legal_form)) : "") + " · " +
      escapeHtml(inWords("statuses", props.status)) + "</span>" + members +
      (url ? "<br><a href='" + escapeHtml(url) + "'>" + escapeHtml(LABELS.open_entity) + "</a>" : "");
  }

  function clusterIcon(count) {
    // Modest sizes: at country zoom one cluster per province must not hide the choropleth beneath.
    var size = Math.round(Math.min(48, 18 + Math.log10(count + 1) * 9));
    return L.divIcon({
      className: "map-cluster",
      html: "<span>" + (count >= 10000 ? Math.round(count / 1000) + "k" : count.toLocaleString()) + "</span>",
      iconSize: [size, size]
    });
  }

  window.sseCommitteeMap = function (map) {
    var frame = map.getContainer().closest("[data-stats-url]");
    var form = frame.dataset.filterForm ? document.getElementById(frame.dataset.filterForm) : null;
    var table = document.getElementById(frame.dataset.table);
    var measure = frame.dataset.measure || "entities";
    var localLanguage = frame.dataset.localLanguage; // of the country's local names, e.g. "km"
    var entityUrl = frame.dataset.entityUrl; // an entity's page, with the nil UUID for its id (optional)
    var shapes = null;
    var stats = null;
    // Quarter zoom steps when fitting the country: with whole steps a tall country (Thailand, Viet Nam) fitted
    // at the level below, a third of the map's height. The server is asked for whole levels (Math.floor).
    map.options.zoomSnap = 0.25;
    var entityLayer = L.layerGroup().addTo(map);
    // The groups of entities can be switched off, so that the areas' colours can be read on their own.
    var overlays = {};
    overlays[escapeHtml(LABELS.entities_layer)] = entityLayer;
    L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
    map.on("overlayadd overlayremove", function (event) { if (event.layer === entityLayer) { loadEntities(); } });
    var requestNumber = 0;
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () { this._div = L.DomUtil.create("div", "legend"); return this._div; };
    legend.addTo(map);

    function currentMeasure() {
      var select = form && form.elements.measure;
      return select ? select.value : measure;
    }

    function drawLegend() {
      var m = currentMeasure();
      var title = m === "change" ? LABELS.change + " " + (stats.previous || "") : LABELS[m] || LABELS.entities;
      var html = "<strong>" + escapeHtml(title) + "</strong><br>";
      if (m === "change") {
        html += "<i style='background:" + DIVERGING.up + "'></i>" + escapeHtml(LABELS.more) + "<br><i style='background:" + DIVERGING.none +
          "'></i>" + escapeHtml(LABELS.no_change) + "<br><i style='background:" + DIVERGING.down + "'></i>" + escapeHtml(LABELS.fewer);
      } else {
        var share = m === "women_share";
        html += "<i style='background:" + EMPTY + "'></i>" + escapeHtml(share ? LABELS.no_data : LABELS.none) + "<br>";
        // Classes hold values up to their bound (colourFor), so each one starts just above the previous
        // bound: "1 – 3, 4 – 9" for counts, one percentage point up for shares (breaks have two decimals),
        // as the printed pack's legend reads. A count of zero is "none" above; a share starts at 0%.
        var step = share ? 0.01 : 1;
        var lower = share ? 0 : step;
        stats.breaks.forEach(function (bound, i) {
          var label = lower >= bound ? formatValue(bound, m) : formatValue(lower, m) + " – " + formatValue(bound, m);
          html += "<i style='background:" + PALETTE[Math.min(i, PALETTE.length - 1)] + "'></i>" + label + "<br>";
          lower = Math.round((bound + step) * 100) / 100;
        });
      }
      legend._div.innerHTML = html;
    }

    function drawTable() {
      if (!table) { return; }
      var m = currentMeasure();
      var rows = stats.areas.map(function (area) {
        var change = area.change != null ? "<td class='num'>" + formatValue(area.change, "change") + "</td>" : "";
        // One cell for both names (as the page draws it): the table keeps to half the page beside the map.
        var local = area.name_local && area.name_local !== area.name ?
          "<span class='local'" + langAttribute(localLanguage) + ">" + escapeHtml(area.name_local) + "</span>" : "";
        return "<tr data-area-id='" + area.id + "'><td>" + escapeHtml(area.name) + local +
          "</td><td class='num'>" + formatValue(area.entities, "entities") + "</td><td class='num'>" + formatValue(area.members, "members") +
          "</td><td class='num'>" + (area.women_percent != null ? area.women_percent + "%" : "–") + "</td>" + change + "</tr>";
      });
      table.tBodies[0].innerHTML = rows.join("");
      var total = table.querySelector("[data-total]");
      if (total) { total.textContent = stats.total.toLocaleString(); total.dataset.total = stats.total; }
      var unplaced = table.querySelector("[data-unplaced]");
      if (unplaced) { unplaced.textContent = stats.unplaced.toLocaleString(); }
      frame.dataset.measure = m;
    }

    function styleShapes() {
      if (!shapes || !stats) { return; }
      var m = currentMeasure();
      var byId = {};
      stats.areas.forEach(function (area) { byId[area.id] = area; });
      shapes.eachLayer(function (layer) {
        var area = byId[layer.feature.id];
        var value = area ? areaValue(area, m) : null;
        layer.setStyle({ color: "#ffffff", weight: 1, fillOpacity: 0.75, fillColor: colourFor(value, stats.breaks, m) });
        var p = layer.feature.properties;
        layer.bindTooltip("<strong>" + escapeHtml(p.name) + "</strong>" + (p.name_local ? " · " + escapeHtml(p.name_local) : "") +
          "<br>" + (area ? formatValue(area.entities, "entities") + " " + escapeHtml(LABELS.entities_lower) + ", " +
            formatValue(area.members, "members") + " " + escapeHtml(LABELS.members_lower) : ""), { sticky: true });
      });
      drawLegend();
      frame.dataset.choropleth = String(stats.areas.length);
    }

    function loadStats() {
      var query = filterQuery(form);
      return getJson(withQuery(frame.dataset.statsUrl, query)).then(function (body) {
        stats = body;
        frame.dataset.total = String(body.total);
        document.querySelectorAll("[data-total-lead]").forEach(function (element) { element.textContent = body.total.toLocaleString(); });
        if (body.filters_described) {
          document.querySelectorAll("[data-filters-described]").forEach(function (element) { element.textContent = body.filters_described; });
        }
        styleShapes();
        drawTable();
      });
    }

    var latestEntities = null;

    function loadEntities() {
      var number = ++requestNumber;
      if (!map.hasLayer(entityLayer)) {  // switched off: nothing to fetch
        frame.dataset.mode = "hidden";
        latestEntities = Promise.resolve();
        return latestEntities;
      }
      var b = map.getBounds();
      var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
      var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
      var query = "zoom=" + Math.floor(map.getZoom()) + "&bbox=" + [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(",");
      var filters = filterQuery(form);
      var request = getJson(withQuery(frame.dataset.entitiesUrl, query + (filters ? "&" + filters : ""))).then(function (body) {
        // A newer request (the map moved, the filters changed) draws instead: wait for it, so that
        // whoever waits on this one (refresh(), then data-loaded) sees the layer as drawn.
        if (number !== requestNumber) { return latestEntities; }
        entityLayer.clearLayers();
        body.features.forEach(function (feature) {
          var latlng = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
          if (body.mode === "points") {
            L.circleMarker(latlng, { radius: 6, color: "#1d2733", weight: 1, fillColor: "#f2b705", fillOpacity: 0.95 })
              .bindPopup(popupHtml(feature.properties, localLanguage,
                entityUrl && feature.id ? entityUrl.replace(NIL_UUID, encodeURIComponent(feature.id)) : null)).addTo(entityLayer);
          } else {
            L.marker(latlng, { icon: clusterIcon(feature.properties.count), keyboard: false, title: feature.properties.count + " " + LABELS.entities_lower })
              .on("click", function () { map.setView(latlng, Math.min(map.getZoom() + 2, 18)); })
              .addTo(entityLayer);
          }
        });
        frame.dataset.mode = body.mode;
        frame.dataset.features = String(body.features.length);
        frame.dataset.viewTotal = String(body.total);
      }).catch(showError);
      latestEntities = request;
      return request;
    }

    function showError(error) {
      var box = frame.querySelector(".map-error") || frame.appendChild(document.createElement("p"));
      box.className = "message error map-error";
      box.textContent = LABELS.load_error + " " + error.message;
    }

    function refresh() {
      frame.removeAttribute("data-loaded");
      return Promise.all([loadStats(), loadEntities()]).then(function () {
        frame.dataset.loaded = "true";
      }).catch(showError);
    }

    getJson(frame.dataset.areaShapesUrl).then(function (collection) {
      shapes = L.geoJSON(collection, {
        onEachFeature: function (feature, layer) {
          layer.on("click", function () {
            var row = table && table.querySelector("[data-area-id='" + feature.id + "']");
            if (row) {
              table.querySelectorAll("tr.highlight").forEach(function (r) { r.classList.remove("highlight"); });
              row.classList.add("highlight");
              row.scrollIntoView({ block: "nearest" });
            }
          });
        }
      }).addTo(map);
      if (shapes.getBounds().isValid()) { map.fitBounds(shapes.getBounds(), { padding: [8, 8] }); }
      map.on("moveend", loadEntities);
      return refresh();
    }).catch(showError);

    function keepQuery() {
      var query = filterQuery(form);
      window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
      document.querySelectorAll("[data-keeps-filters]").forEach(function (element) {
        element.value = query;
      });
      // The download link takes the filters too: the file holds the entities the map counts.
      document.querySelectorAll("[data-download-base]").forEach(function (link) {
        link.href = link.getAttribute("data-download-base") + (query ? "&" + query : "") + "#download";
      });
    }

    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        keepQuery();
        refresh();
      });
      if (form.elements.measure) {
        // Class breaks belong to a measure and are computed by the platform: fetch the figures again.
        form.elements.measure.addEventListener("change", function () {
          keepQuery();
          frame.removeAttribute("data-loaded");
          loadStats().then(function () { frame.dataset.loaded = "true"; }).catch(showError);
        });
      }
    }
  };
})();
