"""Spatial computation without Django: coordinates found in columns, projections, proximity,
areas (point in polygon), hotspots (Getis-Ord Gi*), H3 hexagons, map layers, distance units.

Plain data in, plain data out; nothing here imports Django or a Django-using module."""
