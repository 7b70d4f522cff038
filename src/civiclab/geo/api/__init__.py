"""The geo app's REST routers: ``maps`` (GeoJSON), ``layers`` (H3 density) and ``analysis``
(proximity, areas, hotspots); ``civiclab.site.api`` mounts them."""
