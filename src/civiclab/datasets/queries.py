"""Scoped reads of datasets, and the query engine for a city's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from civiclab.core.scoping import visible_to
from civiclab.datasets.engine import CityQuery, TableFile
from civiclab.datasets.models import Dataset, DatasetVersion, ImportJob


def visible_datasets(user: Any) -> QuerySet[Dataset]:
    return visible_to(Dataset.objects.all(), user).select_related(
        "city", "city__network", "current_version", "owner"
    )


def visible_jobs(user: Any) -> QuerySet[ImportJob]:
    """Import jobs of the cities whose datasets the user may see being made."""
    from civiclab.network.queries import visible_memberships

    cities = visible_memberships(user).filter(user=user).values("city_id")
    return ImportJob.objects.filter(city_id__in=cities).select_related("city", "dataset")


def version_path(version: DatasetVersion) -> Path:
    return settings.DATA_DIR / version.file


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
    ]
    return CityQuery(
        tables,
        memory_mb=settings.QUERY_MEMORY_MB,
        timeout_seconds=settings.QUERY_TIMEOUT_SECONDS,
    )
