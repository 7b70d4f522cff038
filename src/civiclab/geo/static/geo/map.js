/*
 * civiclab dataset maps, drawn with the vendored Leaflet (static/vendor/leaflet/).
 *
 * Markup (templates/geo/map.html):
 *   <div id="map" data-geojson="API URL?filter=…" data-base="API URL or empty"
 *        data-bounds="west,south,east,north" data-tiles="tile URL or empty"
 *        data-attribution="…"></div>
 *   <script id="map-text" type="application/json">{legend texts, translated}</script>
 *
 * After every move the layer for the part of the map in view is fetched again: the server
 * answers with clusters (a count per grid cell) when many rows are in view and with the rows
 * themselves otherwise, so the browser never holds more than a few thousand features.
 * Everything is drawn on one canvas (preferCanvas) except the cluster labels.
 *
 * With no tile URL the map has no base map: the data, and an optional boundary dataset
 * (data-base, drawn in grey underneath), are the map.
 *
 * window.civiclabMap.ready resolves after the first draw with the milliseconds since the
 * navigation started; the map element then has data-drawn="true" (the browser tests and
 * benchmarks/map_100k.py wait for it).
 */
(function () {
  "use strict";

  var element = document.getElementById("map");
  if (!element || !window.L) {
    return;
  }
  var texts = JSON.parse(document.getElementById("map-text").textContent);
  // The rows' colours come from the page (geo/views.py ROW_COLOURS), chosen apart from the
  // hot/cold spot and hexagon colours of map_layers.js so a row never looks like a hot spot.
  var COLOURS = texts.colours;
  var resolveReady;
  window.civiclabMap = {
    ready: new Promise(function (resolve) {
      resolveReady = resolve;
    }),
  };

  var map = L.map(element, { preferCanvas: true, worldCopyJump: false });
  window.civiclabMap.map = map;
  window.civiclabBaseMap(map, element); // tiles, when the operator configured a server
  map.createPane("base").style.zIndex = 350; // under the data's overlay pane (400)

  var dataLayer = L.layerGroup().addTo(map);
  var baseLayer = L.layerGroup().addTo(map);
  var latest = null; // the summary of the last layer drawn, for the legend
  var fetched = null; // {bounds, zoom} the last data layer was asked for
  var openPopups = []; // rows' popups open: redrawing the layer would close them
  var stale = false; // the view moved while a popup was open: reload when it closes
  var requests = {}; // the fetch in flight per layer, aborted when the map moves again

  // Fit the data: the server sent the bounds of every located row.
  var bounds = (element.dataset.bounds || "").split(",").map(Number);
  if (bounds.length === 4 && bounds.every(isFinite)) {
    var box = L.latLngBounds([bounds[1], bounds[0]], [bounds[3], bounds[2]]);
    if (box.getNorthEast().equals(box.getSouthWest())) {
      map.setView(box.getCenter(), 16);
    } else {
      map.fitBounds(box, { padding: [20, 20] });
    }
  } else {
    map.setView([20, 0], 2);
  }

  function escape(text) {
    var span = document.createElement("span");
    span.textContent = text === null || text === undefined ? "—" : String(text);
    return span.innerHTML;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) {
      return Number(values[name]).toLocaleString(document.documentElement.lang || undefined);
    });
  }

  // The part of the map asked for: the view, a little larger so short pans need no fetch.
  function paddedView() {
    return map.getBounds().pad(0.1);
  }

  // The URL for the part of the map in view (padded).
  function viewUrl(address, limit) {
    var view = paddedView();
    var url = new URL(address, window.location.href);
    url.searchParams.set(
      "bbox",
      [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()]
        .map(function (v) {
          return v.toFixed(6);
        })
        .join(",")
    );
    url.searchParams.set("zoom", String(map.getZoom()));
    if (limit) {
      url.searchParams.set("limit", String(limit));
    }
    return url;
  }

  function load(name, address, limit) {
    if (requests[name]) {
      requests[name].abort();
    }
    var controller = new AbortController();
    requests[name] = controller;
    return fetch(viewUrl(address, limit), {
      signal: controller.signal,
      credentials: "same-origin",
      headers: { Accept: "application/geo+json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    });
  }

  function popup(properties) {
    var rows = Object.keys(properties).map(function (name) {
      return "<tr><th scope=\"row\">" + escape(name) + "</th><td>" + escape(properties[name]) + "</td></tr>";
    });
    return "<div class=\"map-popup\"><table>" + rows.join("") + "</table></div>";
  }

  // A cluster: a circle sized by its count, with the count on it; a click zooms in.
  function clusterMarker(feature, latlng) {
    var count = feature.properties.count;
    var size = Math.round(22 + 8 * Math.log10(count));
    var marker = L.marker(latlng, {
      icon: L.divIcon({
        className: "",
        html:
          "<div class=\"map-cluster\" style=\"width:" + size + "px;height:" + size + "px;" +
          "border-radius:50%;background:" + COLOURS.cluster + "cc;\">" +
          count.toLocaleString(document.documentElement.lang || undefined) + "</div>",
        iconSize: [size, size],
      }),
      keyboard: false,
    });
    marker.on("click", function () {
      map.setView(latlng, Math.min(map.getZoom() + 2, 19));
    });
    return marker;
  }

  function drawData(collection) {
    var layer = L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        if (feature.properties && feature.properties.cluster) {
          return clusterMarker(feature, latlng);
        }
        return L.circleMarker(latlng, {
          radius: 5, color: "#fff", weight: 1, fillColor: COLOURS.point, fillOpacity: 0.85,
        });
      },
      style: function () {
        return { color: COLOURS.shape, weight: 1.5, fillOpacity: 0.25 };
      },
      onEachFeature: function (feature, drawn) {
        if (!feature.properties.cluster) {
          // Popups stay open while the reader pans, zooms or opens another (several may be
          // open to compare rows); each closes with its × or Escape.
          drawn.bindPopup(function () {
            return popup(feature.properties);
          }, { maxWidth: 360, autoClose: false, closeOnClick: false });
        }
      },
    });
    dataLayer.clearLayers();
    dataLayer.addLayer(layer);
    latest = collection.summary;
    legend.update();
  }

  function drawBase(collection) {
    baseLayer.clearLayers();
    if (collection.summary.clustered) {
      return; // too many boundaries in view to draw; zoom in
    }
    baseLayer.addLayer(
      L.geoJSON(collection, {
        pane: "base",
        interactive: false,
        style: function () {
          return { color: COLOURS.base, weight: 1, fill: false };
        },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { pane: "base", radius: 2, color: COLOURS.base });
        },
      })
    );
  }

  // The legend: what each mark is, how many rows are in view, how many have no location.
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    this.box = L.DomUtil.create("div", "map-legend");
    this.box.setAttribute("aria-live", "polite");
    this.box.textContent = texts.loading;
    return this.box;
  };
  legend.update = function (failed) {
    if (failed) {
      this.box.textContent = texts.failed;
      return;
    }
    var parts = [];
    var kinds = latest ? latest.kinds : [];
    if (kinds.indexOf("cluster") >= 0) {
      parts.push("<span class=\"swatch\" style=\"background:" + COLOURS.cluster + "\"></span>" + escape(texts.cluster));
    }
    if (kinds.indexOf("point") >= 0) {
      parts.push("<span class=\"swatch\" style=\"background:" + COLOURS.point + "\"></span>" + escape(texts.point));
    }
    if (kinds.indexOf("polygon") >= 0 || kinds.indexOf("line") >= 0) {
      parts.push("<span class=\"swatch shape\" style=\"background:" + COLOURS.shape + "\"></span>" + escape(texts.polygon));
    }
    if (element.dataset.base) {
      parts.push("<span class=\"swatch shape\" style=\"border:2px solid " + COLOURS.base + "\"></span>" + escape(texts.base));
    }
    if (latest) {
      parts.push(escape(format(texts.shown, latest)));
      if (latest.without_location) {
        parts.push("<strong>" + escape(format(texts.no_location, { count: latest.without_location })) + "</strong>");
      }
      if (latest.far_outside && texts.far_outside) {
        parts.push("<strong>" + escape(format(texts.far_outside, { count: latest.far_outside })) + "</strong>");
      }
      if (latest.clustered) {
        parts.push("<span class=\"muted\">" + escape(texts.more) + "</span>");
      }
    }
    this.box.innerHTML = parts.join("<br>");
  };
  legend.addTo(map);

  var first = true;
  function refresh() {
    var asked = { bounds: paddedView(), zoom: map.getZoom() };
    load("data", element.dataset.geojson)
      .then(function (collection) {
        if (openPopups.length) {
          // Asked before a popup opened (a busy server answers late): drawing it now would
          // replace the row's marker and close the popup. The last popupclose reloads.
          stale = true;
          return;
        }
        drawData(collection);
        fetched = asked;
        if (first) {
          first = false;
          element.dataset.drawn = "true";
          resolveReady(performance.now());
        }
      })
      .catch(function (problem) {
        if (problem.name !== "AbortError") {
          legend.update(true);
        }
      });
    if (element.dataset.base) {
      load("base", element.dataset.base, 20000).then(drawBase).catch(function () {});
    }
  }

  // Is the view inside the part last fetched, at the same zoom? Then the layer drawn already
  // holds every row (or cluster) in view, and nothing needs fetching.
  function covered() {
    return fetched !== null && fetched.zoom === map.getZoom() && fetched.bounds.contains(map.getBounds());
  }

  // Opening a popup near the edge pans the map to show it (autoPan). Reloading the layer
  // after that pan would replace the row's marker and close its popup within a second, so
  // while a popup is open the layer is kept; it is brought up to date when the last one closes.
  map.on("popupopen", function (event) {
    openPopups.push(event.popup);
  });
  map.on("popupclose", function (event) {
    openPopups = openPopups.filter(function (p) {
      return p !== event.popup;
    });
    if (stale && !openPopups.length) {
      stale = false;
      if (!covered()) {
        refresh();
      }
    }
  });

  var timer = null;
  map.on("moveend", function () {
    clearTimeout(timer);
    if (covered()) {
      return;
    }
    if (openPopups.length) {
      // Panned away from every open popup: the reader has moved on, close them and reload.
      var inView = map.getBounds();
      stale = true;
      if (!openPopups.some(function (p) { return inView.contains(p.getLatLng()); })) {
        openPopups.slice().forEach(function (p) {
          map.closePopup(p);
        });
        return; // the last popupclose reloads the layer
      }
      return;
    }
    timer = setTimeout(function () {
      if (openPopups.length) {
        stale = true; // a popup opened meanwhile: keep its layer until it closes
        return;
      }
      refresh();
    }, 120); // one fetch after a burst of moves
  });
  refresh();
})();
