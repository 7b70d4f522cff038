"""The geo app's HTML views: ``maps`` (a dataset's map page) and ``analysis`` (proximity,
choropleths, the map's extra layers)."""
