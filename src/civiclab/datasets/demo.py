"""Sample datasets for the demo network, from the real public files in tests/data/real.

They are imported once, when the demo network is first made, through the same import
service as any upload. Columns naming private owners are left out. When civiclab runs from
an installed package without the repository's test data, the demo simply has no datasets.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from pathlib import Path

from civiclab.datasets import services
from civiclab.datasets.models import DataSource
from civiclab.network.models import City

REAL_DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "real"


@dataclass(frozen=True)
class DemoDataset:
    city: str
    name: str
    file: str
    description: str
    source: str
    visibility: str = "network"
    drop_columns: tuple[str, ...] = ()


DEMO_DATASETS = [
    DemoDataset(
        "mobile",
        "Vacant buildings",
        "baltimore-vacant-buildings-2016/Vacant_Buildings.csv",
        "Sample data for the demo: vacant building notices from Baltimore's open data "
        "portal (2016), standing in for Mobile's code-enforcement records.",
        "Open Baltimore (Socrata export)",
        visibility="public",
    ),
    DemoDataset(
        "mobile",
        "Downtown parcels",
        "syracuse-downtown-parcels/downtown-syr.geojson",
        "Sample data for the demo: downtown tax parcels of Syracuse, NY, with land use, "
        "vacancy and tax delinquency.",
        "City of Syracuse open data",
    ),
    DemoDataset(
        "boston",
        "311 requests",
        "nyc311-2018-socrata-1k/311_Service_Requests.csv",
        "Sample data for the demo: 1,000 NYC 311 service requests (June 2018, Socrata "
        "export), standing in for Boston's 311.",
        "NYC Open Data",
    ),
    DemoDataset(
        "detroit",
        "311 requests",
        "baltimore311-2014-2018-sample/311_sample.csv",
        "Sample data for the demo: 10,000 of Baltimore's 311 service requests (2014 to "
        "early 2019, from the City of Baltimore's training repository), standing in for "
        "Detroit's 311.",
        "City of Baltimore (Open Baltimore export)",
    ),
    DemoDataset(
        "detroit",
        "Vacant building violations",
        "chicago-vacant-buildings-violations-2018/Vacant_and_Abandoned_Buildings_-_Violations.csv",
        "Sample data for the demo: Chicago's vacant and abandoned building hearing "
        "violations with fines. The respondents' names are left out.",
        "City of Chicago data portal",
        drop_columns=("Entity or Person(s)",),
    ),
]


def _without_columns(path: Path, drop: tuple[str, ...], folder: Path) -> Path:
    target = folder / path.name
    with (
        path.open(encoding="utf-8-sig", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        kept = [name for name in reader.fieldnames or [] if name not in drop]
        writer = csv.DictWriter(dst, fieldnames=kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(reader)
    return target


def seed_demo_datasets() -> list[str]:
    """Import the sample datasets into the demo cities; returns what was imported."""
    if not REAL_DATA.is_dir():
        return []
    imported = []
    with tempfile.TemporaryDirectory() as folder:
        for item in DEMO_DATASETS:
            city = City.objects.filter(slug=item.city).first()
            source = REAL_DATA / item.file
            if city is None or not source.exists() or services.find_dataset(city, item.name):
                continue
            path = (
                _without_columns(source, item.drop_columns, Path(folder))
                if item.drop_columns
                else source
            )
            version = services.import_file(
                None,
                city,
                item.name,
                path,
                source.name,
                services.ImportOptions(visibility=item.visibility, description=item.description),
            )
            version.dataset.source = item.source
            version.dataset.save(update_fields=["source"])
            imported.append(f"{city.slug}/{version.dataset.slug} ({version.rows:,} rows)")
    _bind_demo_source()
    return imported


# Where scripts/demo_refresh_server.py serves the demo's sources (no internet needed).
DEMO_SOURCE_URL = "http://127.0.0.1:8311/311_Service_Requests.csv"


def _bind_demo_source() -> None:
    """Boston's 311 requests refresh from a local copy, daily, once enabled: the source page
    shows a bound dataset. Made here rather than by ``refresh.bind_source``, which refuses a
    loopback address unless the operator allows it (CIVICLAB_REFRESH_ALLOW_PRIVATE_HOSTS);
    disabled, it fetches nothing until someone enables it."""
    dataset = services.find_dataset(City.objects.filter(slug="boston").first(), "311 requests")
    if dataset is None or DataSource.objects.filter(dataset=dataset).exists():
        return
    DataSource.objects.create(
        dataset=dataset,
        kind=DataSource.Kind.CSV,
        url=DEMO_SOURCE_URL,
        mode="replace",
        schedule=DataSource.Schedule.DAILY,
        enabled=False,
    )
