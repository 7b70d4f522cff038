"""The hotspot report of a dataset, shared by the map page, the API and ``civiclab geo
hotspots``: its rows' locations and its city's boundaries read here, the table computed by the
pure ``geo.spatial.hotspot_cells.hotspot_table`` (Gi* on H3 cells, ``geo.spatial.hotspots``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from civiclab.datasets.engine import QueryError
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, version_query
from civiclab.geo.models import Boundary
from civiclab.geo.spatial.hotspot_cells import AreaLayer, check_hotspot_options, hotspot_table


def hotspot_report(
    dataset: Dataset,
    resolution: int = 9,
    fdr: float = 0.05,
    keep_far_outside: bool = False,
    boundaries: Iterable[Boundary] = (),
) -> dict[str, Any]:
    """The hot and cold H3 cells of a dataset's rows (``spatial.hotspot_cells.hotspot_table``:
    Gi*, FDR-corrected, rows far outside the city left out unless ``keep_far_outside``),
    hottest first, each cell named by ``boundaries``."""
    from civiclab.geo.services import dataset_locations

    check_hotspot_options(resolution, fdr)  # before any read
    located = dataset_locations(dataset)
    table = hotspot_table(located, resolution, fdr, keep_far_outside, area_layers(boundaries))
    return {"dataset": dataset.slug, **table}


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
