"""Objects the nudges' tests sweep: a dataset with one version made at a given moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from civiclab.datasets.models import Dataset, DatasetVersion
from civiclab.indicators.models import Indicator

T0 = dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC)


def dataset(
    city: Any,
    *,
    frequency: str = "monthly",
    owner: Any = None,
    updated: dt.datetime | None = T0,
    visibility: str = "city",
    name: str = "Potholes",
    team: Any = None,
) -> Dataset:
    made = Dataset.objects.create(
        city=city,
        name=name,
        slug=name.lower().replace(" ", "-"),
        update_frequency=frequency,
        owner=owner,
        visibility=visibility,
        team=team,
    )
    if updated is not None:
        version = DatasetVersion.objects.create(
            dataset=made, number=1, file="x.parquet", rows=3, created_at=updated
        )
        made.current_version = version
        made.save(update_fields=["current_version"])
    return made


def indicator(of: Dataset, *, owner: Any = None, name: str = "Potholes open") -> Indicator:
    return Indicator.objects.create(
        city=of.city,
        dataset=of,
        name=name,
        slug=name.lower().replace(" ", "-"),
        spec={"measure": {"kind": "count"}},
        visibility=of.visibility,
        owner=owner,
    )


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)
