"""Scoped reads of datasets, and the one door to a city's data.

Every DuckDB query of dataset rows opens its connection through :func:`open_query` (or
:func:`city_query` and :func:`version_query`, which call it), so each one has the operator's
limits: ``CIVICLAB_QUERY_MEMORY_MB`` and ``CIVICLAB_QUERY_TIMEOUT_SECONDS``.
``tests/datasets/test_one_door.py`` fails if a module opens DuckDB any other way.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from civiclab.core.permissions import scopes_for
from civiclab.core.scoping import actor_for, rule_ids, scope_filter
from civiclab.datasets.engine import CityQuery, TableFile
from civiclab.datasets.freshness import Freshness, freshness
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.datasets.models import Dataset, DatasetVersion, ImportJob
from civiclab.datasets.store import local_file


def visible_datasets(user: Any) -> QuerySet[Dataset]:
    """The datasets ``user`` may see: their own visibility allows it, and so does that of
    every dataset their rows were derived from (``Dataset.sources``), as it is *now* — rows
    saved from a dataset that was narrowed later are narrowed with it."""
    actor = actor_for(user)

    def rule() -> QuerySet[Dataset]:
        own_rule = scope_filter(scopes_for(actor))
        # "Not allowed" as "not among the allowed", so a null team never reads as "not hidden".
        allowed = Dataset.objects.filter(own_rule).values("pk")
        return Dataset.objects.filter(own_rule).exclude(
            sources__in=Dataset.objects.exclude(pk__in=allowed).values("pk")
        )

    return rule_ids(Dataset, ("datasets.visible", actor), rule).select_related(
        "city", "city__network", "current_version", "owner"
    )


def owner_candidates(city_id: int) -> QuerySet[Any]:
    """Who may own a dataset of the city (and be reminded of its updates): its active
    members, by name."""
    return (
        get_user_model()
        .objects.filter(memberships__city_id=city_id, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


def visible_jobs(user: Any) -> QuerySet[ImportJob]:
    """Import jobs the user submitted, and every job of the cities they administer.

    A job's error report quotes raw values from the file, which may belong to a team-only
    dataset, so other members of the city do not see it.
    """
    actor = actor_for(user)
    if not actor.authenticated:
        return ImportJob.objects.none()
    scopes = scopes_for(actor)
    return ImportJob.objects.filter(
        Q(created_by_id=actor.user_id)
        | Q(city_id__in=scopes.admin_city_ids)
        | Q(city__network_id__in=scopes.all_in_networks)
    ).select_related("city", "dataset")


def version_path(version: DatasetVersion) -> Path:
    """The local path of the version's Parquet file — the one door to version files. With an
    object store (``CIVICLAB_OBJECT_STORE_URL``) the data directory is its cache: a file this
    machine does not hold yet is downloaded first (``datasets.store``)."""
    return local_file(version.file, version.size_bytes)


def column_types(version: DatasetVersion | None) -> dict[str, str]:
    """Each column's type (``text``, ``integer``, ``geometry``…) by name, in the file's order;
    empty without a version: a dataset with no data yet has no columns. A caller that needs
    data says so in its own words (an indicator's spec, an analysis)."""
    if version is None:
        return {}
    return {c["name"]: c["type"] for c in version.columns}


def open_query(tables: Sequence[TableFile]) -> CityQuery:
    """The one door to city data: a sandboxed, read-only DuckDB connection over ``tables``
    with the operator's limits, which stops a query that needs more memory than
    ``CIVICLAB_QUERY_MEMORY_MB`` or runs longer than ``CIVICLAB_QUERY_TIMEOUT_SECONDS`` with
    a ``QueryError`` saying which. Callers have checked that the tables may be read."""
    return CityQuery(
        list(tables),
        memory_mb=settings.QUERY_MEMORY_MB,
        timeout_seconds=settings.QUERY_TIMEOUT_SECONDS,
    )


def version_query(version: DatasetVersion, name: str = "data") -> CityQuery:
    """:func:`open_query` over one dataset version, as the table ``name``."""
    return open_query([TableFile(name, version_path(version))])


def city_query(user: Any, city: Any) -> CityQuery:
    """A sandboxed DuckDB connection over the datasets of ``city`` that ``user`` may see,
    plus those other cities of the network share with them (under ``<city-slug>.<name>``)."""
    datasets = visible_datasets(user).filter(
        city__network_id=city.network_id, current_version__isnull=False
    )
    tables = [
        TableFile(
            name=d.slug,
            path=version_path(d.current_version),
            schema=None if d.city_id == city.pk else d.city.slug,
        )
        for d in datasets
        if d.current_version is not None  # filtered above; said again for the type checker
    ]
    return open_query(tables)


@dataclass
class RowsPage:
    columns: list[dict[str, Any]]
    rows: list[list[Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def dataset_rows(
    dataset: Dataset,
    *,
    page: int = 1,
    page_size: int = 50,
    sort: str | None = None,
    descending: bool = False,
    filters: dict[str, str] | None = None,
    full_geometry: bool = False,
) -> RowsPage:
    """One page of the current version's rows, optionally sorted and filtered by text.

    Callers have already checked that the user may view ``dataset``. Filters match a
    column's text case-insensitively (``contains``); the sort column must be a real column.
    Geometries are WKT text, cut to fit a table cell unless ``full_geometry`` (the API's).
    """
    version = dataset.current_version
    if version is None:
        return RowsPage([], [], 0, 1, page_size)
    columns = version.columns
    names = [c["name"] for c in columns]
    page_size = max(1, min(page_size, 500))
    page = max(1, page)
    where, params = [], []
    for name, text in (filters or {}).items():
        if name in names and text:
            where.append(f"CAST({quote_ident(name)} AS VARCHAR) ILIKE ?")
            params.append(f"%{text}%")
    where_sql = f"WHERE {' AND '.join(where)}" if where else ""
    order_sql = ""
    if sort is not None and sort in names:
        order_sql = f"ORDER BY {quote_ident(sort)} {'DESC' if descending else 'ASC'} NULLS LAST"
    geometry = {c["name"] for c in columns if c["type"] == "geometry"}
    with version_query(version) as query:
        total = (
            query.execute(f"SELECT count(*) FROM data {where_sql}", params).rows[0][0]
            if where
            else version.rows
        )
        offset = (page - 1) * page_size
        result = query.execute(
            f"SELECT * FROM data {where_sql} {order_sql} LIMIT {page_size} OFFSET {offset}",
            params,
        )
    rows = [
        [
            _display(value, name in geometry, full_geometry)
            for name, value in zip(names, row, strict=True)
        ]
        for row in result.rows
    ]
    return RowsPage(columns, rows, total, page, page_size)


def _display(value: Any, is_geometry: bool, full: bool = False) -> Any:
    if is_geometry and value is not None:
        import shapely

        text = shapely.to_wkt(shapely.from_wkb(value), rounding_precision=6)
        return text if full or len(text) <= 120 else text[:117] + "…"
    return value


def freshness_of(dataset: Dataset, now: dt.datetime | None = None) -> Freshness:
    """How fresh ``dataset`` is now (``freshness.freshness``): its last update is its current
    version's creation. No query when ``current_version`` was fetched with it
    (``select_related``), as :func:`visible_datasets` does."""
    version = dataset.current_version if dataset.current_version_id is not None else None
    last = version.created_at if version is not None else None
    return freshness(last, dataset.update_frequency, now or timezone.now())


def data_dictionary(dataset: Dataset) -> list[dict[str, str]]:
    """The current version's columns in the file's order, each with its type and its data
    dictionary entry (empty description and unit when it has none). Callers have checked
    that the user may view ``dataset``."""
    version = dataset.current_version
    if version is None:
        return []
    entries = dataset.dictionary or {}
    return [
        {
            "name": c["name"],
            "type": c["type"],
            "description": entries.get(c["name"], {}).get("description", ""),
            "unit": entries.get(c["name"], {}).get("unit", ""),
        }
        for c in version.columns
    ]


# The catalogue's facets, in the order the page shows them; each is also a query parameter.
FACETS = ("city", "theme", "tag", "licence", "format", "frequency", "visibility")
SEARCH_MAX = 200


@dataclass
class Catalogue:
    """The datasets a search and facet choice keeps (by city name, then name), and each
    facet's values with how many of those datasets have them (value, count), most frequent
    first."""

    datasets: list[Dataset]
    counts: dict[str, list[tuple[str, int]]]
    city_names: dict[str, str]

    @property
    def total(self) -> int:
        return len(self.datasets)


def facet_values(dataset: Dataset) -> dict[str, list[str]]:
    """The values of each facet (``FACETS``) that ``dataset`` has."""
    version = dataset.current_version if dataset.current_version_id is not None else None
    fmt = (version.details or {}).get("format") if version is not None else None
    return {
        "city": [dataset.city.slug],
        "theme": list(dataset.themes or []),
        "tag": list(dataset.tags or []),
        "licence": [dataset.licence] if dataset.licence else [],
        "format": [fmt] if isinstance(fmt, str) and fmt else [],
        "frequency": [dataset.update_frequency] if dataset.update_frequency else [],
        "visibility": [dataset.visibility],
    }


def catalogue_search(
    user: Any, text: str = "", selected: Mapping[str, str] | None = None
) -> Catalogue:
    """Search ``user``'s datasets (``visible_datasets``) by the words of ``text`` in their
    names, descriptions, tags and current columns' names (every word must appear, ignoring
    case and accents), keep those with every ``selected`` facet value, and count the facets'
    values among what is kept: a count never includes a dataset the reader cannot see.

    One query whatever the catalogue's size (the scoped catalogue, as the list shows it);
    words and facets are matched in Python, the same on SQLite and PostgreSQL — a city
    network's catalogue is hundreds of entries, not millions."""
    from civiclab.core.textprep import fold

    words = fold(text[:SEARCH_MAX]).split()
    chosen = {k: v for k, v in (selected or {}).items() if k in FACETS and v}
    kept: list[Dataset] = []
    counts: dict[str, Counter[str]] = {f: Counter() for f in FACETS}
    city_names: dict[str, str] = {}
    for dataset in visible_datasets(user).order_by("city__name", "name", "pk"):
        values = facet_values(dataset)
        if any(value not in values[facet] for facet, value in chosen.items()):
            continue
        if words:
            version = dataset.current_version if dataset.current_version_id else None
            names = " ".join(c.get("name", "") for c in version.columns) if version else ""
            haystack = fold(
                f"{dataset.name}\n{dataset.description}\n{names}\n{' '.join(values['tag'])}"
            )
            if not all(w in haystack for w in words):
                continue
        kept.append(dataset)
        city_names[dataset.city.slug] = dataset.city.name
        for facet, facet_values_ in values.items():
            counts[facet].update(facet_values_)
    return Catalogue(
        datasets=kept,
        counts={
            f: sorted(c.items(), key=lambda item: (-item[1], item[0])) for f, c in counts.items()
        },
        city_names=city_names,
    )
