/*
 * The extra layers of a dataset's map, over the map map.js made (window.civiclabMap.map).
 *
 * Markup (templates/geo/partials/map_layers.html):
 *   <script id="map-layers" type="application/json">{
 *     boundaries: [{name, label, url}],   // the city's attached boundaries, drawn underneath
 *     base_layers: [{name, url}],         // datasets the city marked as base layers (streets,
 *                                         // parcels): thin grey, under everything, per view
 *     hexagons: "API URL" or "",          // the H3 density layer, fetched for the view
 *     hexagon_colours: [...], hotspots: FeatureCollection or null, spot_colours: {hot, cold},
 *     spot_marks: {hot: "▲", cold: "▼"},  // hot and cold told apart without colour too
 *     texts: {...}                        // translated legend texts
 *   }</script>
 *   <input type="checkbox" id="layer-hexagons">, <input type="checkbox" id="layer-hotspots">
 *
 * Boundaries are fetched once (their own GeoJSON, at most 20,000 shapes) and labelled at the
 * centre of each area. Hexagons are fetched again after each move, like the data. The
 * hotspots come with the page (the table beside the map lists the same cells).
 * The choropleth page (templates/geo/choropleth.html) uses the same file: a <div
 * id="choropleth"> and <script id="choropleth-data"> {url, label, colours, values:
 * {area label: {value, class}}, no_value}; the areas are coloured by class (see choropleth()).
 */
(function () {
  "use strict";

  function escape(text) {
    var span = document.createElement("span");
    span.textContent = text === null || text === undefined ? "—" : String(text);
    return span.innerHTML;
  }

  // --- The choropleth page: areas coloured by an indicator's latest values ------------------
  function choropleth(element, data) {
    var map = L.map(element, { preferCanvas: true }).setView([20, 0], 2);
    window.civiclabMap = { map: map };
    window.civiclabBaseMap(map, element);
    var lang = document.documentElement.lang || undefined;
    var url = new URL(data.url, window.location.href);
    url.searchParams.set("limit", "20000");
    url.searchParams.set("zoom", "14");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        var drawn = L.geoJSON(collection, {
          style: function (feature) {
            var found = data.values[String(feature.properties[data.label])];
            var fill = found && found.class !== null ? data.colours[found.class] : "#ffffff";
            return { color: "#5b6670", weight: 1, fillColor: fill, fillOpacity: found ? 0.8 : 0.2 };
          },
          onEachFeature: function (feature, layer) {
            var label = feature.properties[data.label];
            var found = data.values[String(label)];
            var value = found && found.value !== null ? Number(found.value).toLocaleString(lang) : data.no_value;
            layer.bindTooltip("<strong>" + escape(label) + "</strong><br>" + escape(value), { sticky: true });
          },
        }).addTo(map);
        if (drawn.getBounds().isValid()) {
          map.fitBounds(drawn.getBounds(), { padding: [10, 10] });
        }
        element.dataset.drawn = "true";
      })
      .catch(function () {
        element.dataset.drawn = "failed";
      });
  }

  var areas = document.getElementById("choropleth");
  if (areas && window.L) {
    choropleth(areas, JSON.parse(document.getElementById("choropleth-data").textContent));
    return;
  }

  var element = document.getElementById("map");
  var config = document.getElementById("map-layers");
  if (!element || !config || !window.L || !window.civiclabMap) {
    return;
  }
  var map = window.civiclabMap.map;
  var layers = JSON.parse(config.textContent);
  var texts = layers.texts;
  var lang = document.documentElement.lang || undefined;

  map.createPane("baselayers").style.zIndex = 330; // streets and parcels, under everything
  map.createPane("boundaries").style.zIndex = 340; // under the data (400) and map.js's base
  map.createPane("labels").style.zIndex = 620; // over the data, under popups (700)
  map.getPane("labels").style.pointerEvents = "none";
  map.createPane("analysis").style.zIndex = 390; // hexagons and hotspots, under the rows

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      });
  }

  // --- Boundaries, labelled ---------------------------------------------------------------
  var boundaryLayer = L.layerGroup().addTo(map);
  // Each named area's extent, for "Zoom to it" in the table of hot spots by area (map_panel.js).
  var areaBounds = {};
  window.civiclabMap.areaBounds = areaBounds;
  function drawBoundary(boundary) {
    var url = new URL(boundary.url, window.location.href);
    url.searchParams.set("limit", "20000");
    url.searchParams.set("zoom", String(Math.max(map.getZoom(), 12)));
    return fetchJson(url).then(function (collection) {
      if (collection.summary.clustered) {
        return;
      }
      var largest = {}; // area name → its largest shape's size and centre
      L.geoJSON(collection, {
        pane: "boundaries",
        interactive: false,
        style: function () {
          return { color: "#5b6670", weight: 1.5, fill: false, dashArray: "4 3" };
        },
        onEachFeature: function (feature, drawn) {
          var label = feature.properties[boundary.label];
          if (label === null || label === undefined || !drawn.getBounds) {
            return;
          }
          var key = String(label);
          var shape = drawn.getBounds();
          var size = Math.abs((shape.getNorth() - shape.getSouth()) * (shape.getEast() - shape.getWest()));
          if (areaBounds[key]) {
            areaBounds[key].extend(shape);
          } else {
            areaBounds[key] = L.latLngBounds(shape.getSouthWest(), shape.getNorthEast());
          }
          // One label per area name, on its largest shape: parcels of one neighbourhood (or
          // a ward in several pieces) are not labelled hundreds of times.
          if (!largest[key] || size > largest[key].size) {
            largest[key] = { size: size, centre: shape.getCenter() };
          }
        },
      }).addTo(boundaryLayer);
      Object.keys(largest).forEach(function (key) {
        boundaryLayer.addLayer(
          L.marker(largest[key].centre, {
            pane: "labels",
            interactive: false,
            keyboard: false,
            icon: L.divIcon({ className: "map-area-label", html: "<span>" + escape(key) + "</span>", iconSize: null }),
          })
        );
      });
    }).catch(function () {});
  }
  // One request at a time, after the data's first draw: the data come first, and the server
  // is not asked for everything at once.
  function drawBoundaries() {
    return layers.boundaries.reduce(function (previous, boundary) {
      return previous.then(function () {
        return drawBoundary(boundary);
      });
    }, Promise.resolve()).then(function () {
      if (layers.boundaries.length) {
        element.dataset.boundaries = "drawn";
      }
    });
  }

  // --- Base layers: the city's streets, parcels… thin and grey, fetched for the view ---------
  var BASE_GREY = "#8a949e";
  var baseLayers = (layers.base_layers || []).map(function (base) {
    return { base: base, group: L.layerGroup().addTo(map), request: null, tooMany: false };
  });
  function loadBaseLayer(entry) {
    if (entry.request) {
      entry.request.abort();
    }
    entry.request = new AbortController();
    var view = map.getBounds().pad(0.1);
    var url = new URL(entry.base.url, window.location.href);
    url.searchParams.set("bbox", [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()]
      .map(function (v) { return v.toFixed(6); }).join(","));
    url.searchParams.set("zoom", String(map.getZoom()));
    url.searchParams.set("limit", "20000");
    return fetch(url, { signal: entry.request.signal, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        entry.group.clearLayers();
        entry.tooMany = Boolean(collection.summary && collection.summary.clustered);
        if (!entry.tooMany) {
          L.geoJSON(collection, {
            pane: "baselayers",
            interactive: false,
            style: function () {
              return { color: BASE_GREY, weight: 0.8, fillColor: BASE_GREY, fillOpacity: 0.06 };
            },
            pointToLayer: function (feature, latlng) {
              return L.circleMarker(latlng, { pane: "baselayers", radius: 1.5, color: BASE_GREY, weight: 1 });
            },
          }).addTo(entry.group);
        }
        element.dataset.baseLayers = "drawn";
        legend.update();
      })
      .catch(function () {});
  }
  function loadBaseLayers() {
    baseLayers.forEach(loadBaseLayer);
  }

  // --- Legend of the extra layers -----------------------------------------------------------
  var legend = L.control({ position: "bottomleft" });
  var hexagonSummary = null;
  legend.onAdd = function () {
    this.box = L.DomUtil.create("div", "map-key"); // styled like map.js's .map-legend
    this.box.setAttribute("aria-live", "polite");
    return this.box;
  };
  legend.update = function () {
    var parts = [];
    baseLayers.forEach(function (entry) {
      parts.push("<span class=\"swatch shape\" style=\"border:1px solid " + BASE_GREY + ";background:" + BASE_GREY + "22\"></span>" +
        escape(texts.base_layers) + ": " + escape(entry.base.name) + (entry.tooMany ? " (" + escape(texts.base_zoom_in) + ")" : ""));
    });
    if (layers.boundaries.length) {
      parts.push("<span class=\"swatch shape\" style=\"border:2px dashed #5b6670\"></span>" +
        escape(texts.boundaries) + ": " + escape(layers.boundaries.map(function (b) { return b.name; }).join(", ")));
    }
    if (hexagonSummary && map.hasLayer(hexagonLayer)) {
      parts.push("<strong>" + escape(texts.hexagons) + "</strong> (" +
        escape(texts.resolution.replace("%(resolution)s", hexagonSummary.resolution)) + ")");
      var low = 1;
      hexagonSummary.breaks.forEach(function (high, i) {
        var range = low === high ? high.toLocaleString(lang) : low.toLocaleString(lang) + "–" + high.toLocaleString(lang);
        parts.push("<span class=\"swatch shape\" style=\"background:" + layers.hexagon_colours[i] + "\"></span>" + escape(range));
        low = high + 1;
      });
    }
    if (layers.hotspots) {
      parts.push("<span class=\"swatch shape spot\" style=\"background:" + layers.spot_colours.hot + "b3;border:2px solid #000\">" +
        escape(layers.spot_marks.hot) + "</span>" + escape(texts.hot));
      parts.push("<span class=\"swatch shape spot\" style=\"background:" + layers.spot_colours.cold + "b3;border:2px dashed #000\">" +
        escape(layers.spot_marks.cold) + "</span>" + escape(texts.cold));
    }
    this.box.innerHTML = parts.join("<br>");
    this.box.style.display = parts.length ? "" : "none";
  };
  legend.addTo(map);
  legend.update();

  // --- H3 density ---------------------------------------------------------------------------
  var hexagonLayer = L.layerGroup();
  var hexagonRequest = null;
  function colourOf(count) {
    var breaks = hexagonSummary.breaks;
    for (var i = 0; i < breaks.length; i += 1) {
      if (count <= breaks[i]) {
        return layers.hexagon_colours[i];
      }
    }
    return layers.hexagon_colours[layers.hexagon_colours.length - 1];
  }
  function loadHexagons() {
    if (!layers.hexagons || !map.hasLayer(hexagonLayer)) {
      return;
    }
    if (hexagonRequest) {
      hexagonRequest.abort();
    }
    hexagonRequest = new AbortController();
    var view = map.getBounds().pad(0.1);
    var url = new URL(layers.hexagons, window.location.href);
    url.searchParams.set("bbox", [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()]
      .map(function (v) { return v.toFixed(6); }).join(","));
    url.searchParams.set("zoom", String(map.getZoom()));
    fetch(url, { signal: hexagonRequest.signal, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        hexagonSummary = collection.summary;
        hexagonLayer.clearLayers();
        L.geoJSON(collection, {
          pane: "analysis",
          style: function (feature) {
            return { color: "#fff", weight: 0.5, fillColor: colourOf(feature.properties.count), fillOpacity: 0.75 };
          },
          onEachFeature: function (feature, drawn) {
            drawn.bindTooltip(escape(texts.rows) + ": " + feature.properties.count.toLocaleString(lang));
          },
        }).addTo(hexagonLayer);
        element.dataset.hexagons = "drawn";
        legend.update();
      })
      .catch(function () {});
  }
  var hexagonToggle = document.getElementById("layer-hexagons");
  function showHexagons(on) {
    if (on) {
      if (!layers.hexagons) {
        // The page was made without the layer: ask for it (the form keeps the filters).
        hexagonToggle.form.requestSubmit();
        return;
      }
      hexagonLayer.addTo(map);
      loadHexagons();
    } else {
      map.removeLayer(hexagonLayer);
    }
    legend.update();
  }
  if (hexagonToggle) {
    hexagonToggle.addEventListener("change", function () {
      showHexagons(hexagonToggle.checked);
    });
  }
  var hexagonTimer = null;
  window.civiclabMap.ready.then(function () {
    loadBaseLayers();
    return drawBoundaries();
  }).then(function () {
    if (layers.hexagons) {
      showHexagons(true);
    }
    map.on("moveend", function () {
      clearTimeout(hexagonTimer);
      hexagonTimer = setTimeout(function () {
        loadHexagons();
        loadBaseLayers();
      }, 250); // after map.js's own fetch has started
    });
  });

  // --- Hotspots -----------------------------------------------------------------------------
  var hotspotToggle = document.getElementById("layer-hotspots");
  if (hotspotToggle) {
    hotspotToggle.addEventListener("change", function () {
      hotspotToggle.form.requestSubmit(); // the table beside the map is made by the server
    });
  }
  if (layers.hotspots) {
    var MARKED = 400; // ▲/▼ on at most this many cells: enough for a city, light for the page
    L.geoJSON(layers.hotspots, {
      pane: "analysis",
      style: function (feature) {
        var hot = feature.properties.kind === "hot";
        // Told apart without colour: hot solid, cold dashed (and ▲/▼ on each cell).
        return {
          color: "#000", weight: hot ? 2 : 1.5, dashArray: hot ? null : "4 3",
          fillColor: layers.spot_colours[feature.properties.kind], fillOpacity: 0.6,
        };
      },
      onEachFeature: function (feature, drawn) {
        var p = feature.properties;
        drawn.bindTooltip(escape(p.kind === "hot" ? texts.hot : texts.cold) + "<br>" +
          escape(texts.rows) + ": " + p.count.toLocaleString(lang) + " · z = " + p.z.toFixed(2));
      },
    }).addTo(map);
    layers.hotspots.features.slice(0, MARKED).forEach(function (feature) {
      var p = feature.properties;
      L.marker([p.centre[0], p.centre[1]], {
        pane: "labels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: "map-spot-mark " + p.kind,
          html: "<span>" + escape(layers.spot_marks[p.kind]) + "</span>",
          iconSize: null,
        }),
      }).addTo(map);
    });
    element.dataset.hotspots = String(layers.hotspots.features.length);
  }
})();
