"""Indicators for the demo network, over its sample datasets (made once, with them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from civiclab.datasets.services import find_dataset
from civiclab.indicators import services
from civiclab.network.models import City


@dataclass(frozen=True)
class DemoIndicator:
    city: str
    dataset: str
    name: str
    spec: dict[str, Any]
    description: str
    fields: dict[str, Any] = field(default_factory=dict)


DEMO_INDICATORS = [
    DemoIndicator(
        "mobile",
        "Vacant buildings",
        "Vacant building notices",
        {
            "dataset": "vacant-buildings",
            "measure": {"type": "count"},
            "time": {"column": "NoticeDate", "period": "year"},
            "filters": [
                {"column": "NoticeDate", "op": "between", "value": ["2008-01-01", "2016-12-31"]}
            ],
            "breakdown": "CouncilDistrict",
            "polarity": "lower_is_better",
            "unit": "notices",
        },
        "Open vacant building notices by the year they were served, by council district.",
        {
            "visibility": "public",
            "baseline_start": dt.date(2014, 1, 1),
            "baseline_end": dt.date(2014, 12, 31),
            "target_value": 1000.0,
            "target_date": dt.date(2027, 12, 31),
        },
    ),
    DemoIndicator(
        "detroit",
        "311 requests",
        "Days to close a 311 request",
        {
            "dataset": "311-requests",
            "measure": {
                "type": "duration",
                "start": "CreatedDate",
                "end": "CloseDate",
                "stat": "median",
                "unit": "days",
            },
            "time": {"column": "CreatedDate", "period": "quarter"},
            "breakdown": "PoliceDistrict",
            "polarity": "lower_is_better",
            "unit": "days",
        },
        "Median days from a 311 request to its closure, per quarter, by police district.",
        {
            "baseline_start": dt.date(2014, 1, 1),
            "baseline_end": dt.date(2014, 12, 31),
            "target_value": 0.75,
            "target_date": dt.date(2019, 12, 31),
            "visibility": "network",
        },
    ),
    DemoIndicator(
        "detroit",
        "311 requests",
        "311 requests received",
        {
            "dataset": "311-requests",
            "measure": {"type": "count"},
            "time": {"column": "CreatedDate", "period": "month"},
            "breakdown": "MethodReceived",
            "polarity": "higher_is_better",
            "unit": "requests",
        },
        "Requests in the sample per month, by how they were received.",
        {"visibility": "network"},
    ),
    DemoIndicator(
        "boston",
        "311 requests",
        "Share of 311 requests closed",
        {
            "dataset": "311-requests",
            "measure": {
                "type": "share",
                "where": [{"column": "Status", "op": "=", "value": "Closed"}],
            },
            "time": {"column": "Created Date", "period": "day"},
            "breakdown": "Borough",
            "polarity": "higher_is_better",
            "format": "0%",
        },
        "Of the requests made each day, the share closed when the data was exported.",
        {"visibility": "network"},
    ),
]


def seed_demo_indicators() -> list[str]:
    """Create the demo indicators whose dataset is there; returns what was created."""
    created = []
    for item in DEMO_INDICATORS:
        city = City.objects.filter(slug=item.city).first()
        dataset = find_dataset(city, item.dataset) if city else None
        if dataset is None or dataset.current_version is None:
            continue
        if dataset.indicators.filter(name=item.name).exists():
            continue
        indicator = services.create_indicator(
            None, dataset, item.name, item.spec, description=item.description, **item.fields
        )
        created.append(f"{item.city}/{indicator.slug}")
    return created
