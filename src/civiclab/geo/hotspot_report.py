"""The hotspot report of a dataset, shared by the map page, the API and ``civiclab geo
hotspots``: Gi* on H3 cells (``geo.hotspots``), with rows far outside the city left out of
the study area unless kept, and each cell named after the city's boundaries
(``geo.hotspot_cells``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from civiclab.datasets.engine import QueryError
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, version_query
from civiclab.geo.models import Boundary
from civiclab.geo.spatial.hotspot_cells import AreaLayer, spot_rows
from civiclab.geo.spatial.hotspots import hotspots


def hotspot_report(
    dataset: Dataset,
    resolution: int = 9,
    fdr: float = 0.05,
    keep_far_outside: bool = False,
    boundaries: Iterable[Boundary] = (),
) -> dict[str, Any]:
    """The hot and cold H3 cells of a dataset's rows (Getis–Ord Gi*, FDR-corrected), hottest
    first. Rows far outside the city are counted and, unless ``keep_far_outside``, left out:
    a placeholder point 50 km away would otherwise stretch the study area over empty
    country and make the whole city look hot. Cells are named by ``boundaries``."""
    from civiclab.geo.services import dataset_locations

    if not 0 <= resolution <= 15:
        raise ValueError("the H3 resolution is from 0 to 15")
    if not 0 < fdr < 1:
        raise ValueError("the false discovery rate is between 0 and 1")
    located = dataset_locations(dataset)
    lon, lat = located.lon, located.lat
    far = located.far
    if not keep_far_outside:
        lon, lat = np.where(far, np.nan, lon), np.where(far, np.nan, lat)
    found = hotspots(lon, lat, resolution, fdr)
    return {
        "dataset": dataset.slug,
        "resolution": found.resolution,
        "fdr": found.fdr,
        "cells": len(found.cells),
        "rows": int((np.isfinite(lon) & np.isfinite(lat)).sum()),  # in the study area
        "without_location": located.missing,
        "far_outside": int(far.sum()),
        "far_outside_kept": keep_far_outside,
        "far_radius_m": round(located.extent.radius_m) if located.extent else None,
        "hotspots": spot_rows(found, area_layers(boundaries)),
    }


def area_layers(boundaries: Iterable[Boundary]) -> list[AreaLayer]:
    """Each boundary's shapes and labels, read from its dataset's current version."""
    layers = []
    for boundary in boundaries:
        version = boundary.dataset.current_version
        if version is None:
            continue
        columns = column_types(version)
        geometry = next((n for n, kind in columns.items() if kind == "geometry"), None)
        if geometry is None or boundary.label_column not in columns:
            continue
        try:
            with version_query(version, "areas") as query:
                table = query.execute_arrow(
                    f"SELECT {quote_ident(geometry)} AS g, "
                    f"CAST({quote_ident(boundary.label_column)} AS VARCHAR) AS l FROM areas"
                )
        except QueryError:
            continue
        layers.append(
            (table.column("g").to_numpy(zero_copy_only=False), table.column("l").to_pylist())
        )
    return layers
