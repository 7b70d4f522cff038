/*
 * The base map under every civiclab map: tiles from the server the operator configured
 * (CIVICLAB_MAP_TILE_URL), or none. Markup, written by {% map_tiles %} (templatetags/geo_layers.py):
 *   <div id="map" data-tiles="URL template or empty" data-attribution="credit (HTML)"
 *        data-max-zoom="19">
 *
 * Tiles ask with the page's origin as referrer (the site's own policy sends none to other
 * hosts): OpenStreetMap's tile usage policy asks for it, to know which site the tiles serve.
 * With no tile URL nothing is fetched; the map draws the city's outline and base layers
 * (map_layers.js) instead.
 */
(function () {
  "use strict";

  window.civiclabBaseMap = function (map, element) {
    var maxZoom = Number(element.dataset.maxZoom) || 19;
    if (!element.dataset.tiles) {
      return null;
    }
    map.setMaxZoom(maxZoom);
    return L.tileLayer(element.dataset.tiles, {
      attribution: element.dataset.attribution,
      maxZoom: maxZoom,
      referrerPolicy: "strict-origin-when-cross-origin",
    }).addTo(map);
  };
})();
