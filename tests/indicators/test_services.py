"""Indicators through the services: validation, permissions, caching per version, report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.datasets import services as datasets
from civiclab.indicators import services
from civiclab.indicators.models import IndicatorResult
from tests.datasets.helpers import REAL, write
from tests.world import World

pytestmark = pytest.mark.django_db

NOISE = {
    "measure": {"type": "duration", "start": "Created Date", "end": "Closed Date",
                "stat": "median", "unit": "hours"},
    "time": {"column": "Created Date", "period": "month"},
    "filters": [{"column": "Complaint Type", "op": "=", "value": "Noise - Residential"}],
    "breakdown": "Borough",
}  # fmt: skip


def nyc(world: World):
    source = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
    return datasets.import_file(
        None, world.city, "311", source, source.name, datasets.ImportOptions()
    ).dataset


def test_create_validates_the_spec_against_the_dataset(world: World) -> None:
    dataset = nyc(world)
    with pytest.raises(ValidationError) as caught:
        services.create_indicator(
            world.user("member"), dataset, "Bad", {"measure": {"type": "sum", "column": "Nope"}}
        )
    assert "measure.column: the dataset has no column 'Nope'" in str(caught.value)
    with pytest.raises(PermissionDenied):
        services.create_indicator(world.user("viewer"), dataset, "Noise", NOISE)
    indicator = services.create_indicator(world.user("member"), dataset, "Noise", NOISE)
    assert indicator.spec["dataset"] == "311" and indicator.slug == "noise"


def test_results_are_cached_per_version_and_recomputed_for_a_new_one(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    dataset = nyc(world)
    indicator = services.create_indicator(
        world.user("member"), dataset, "Requests", {"measure": {"type": "count"}}
    )
    first = services.results(indicator)
    assert first["overall"] == [{"period": None, "start": None, "group": None,
                                 "value": 1000.0, "n": 1000}]  # fmt: skip
    assert IndicatorResult.objects.count() == 1
    two = write(tmp_path / "two.csv", "\n".join(NYC_HEAD.read_text().splitlines()[:3]) + "\n")
    with django_capture_on_commit_callbacks(execute=True):
        datasets.import_file(
            None, world.city, "311", two, "two.csv", datasets.ImportOptions(add_version=True)
        )
    indicator.refresh_from_db()
    # Computed when the version landed; the old version's result is dropped.
    (kept,) = IndicatorResult.objects.all()
    assert kept.version == indicator.dataset.current_version
    assert services.results(indicator)["overall"][0]["value"] == 2.0


NYC_HEAD = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"


def test_report_has_signals_goal_and_equity(world: World) -> None:
    dataset = nyc(world)
    indicator = services.create_indicator(
        world.user("member"), dataset, "Noise", NOISE,
        target_value=1.0, target_date=dt.date(2030, 1, 1),
    )  # fmt: skip
    report = services.report(indicator)
    assert report["series"]["overall"] and report["series"]["breakdown"]
    assert report["run_chart"].median is not None
    assert report["goal"].status in {"on_track", "at_risk", "off_track", "met", "unknown"}
    assert "least-squares" in report["goal"].method
    assert report["equity"] is not None and report["equity"].gaps


def test_an_indicator_is_never_seen_more_widely_than_its_dataset(world: World) -> None:
    dataset = nyc(world)  # visible to the city
    with pytest.raises(ValidationError, match="cannot be public"):
        services.create_indicator(
            world.user("city_admin"), dataset, "Open", {"measure": {"type": "count"}},
            visibility="public",
        )  # fmt: skip
    indicator = services.create_indicator(
        world.user("city_admin"), dataset, "Closed", {"measure": {"type": "count"}}
    )
    with pytest.raises(ValidationError, match="cannot be network"):
        services.update_indicator(world.user("city_admin"), indicator, visibility="network")


def test_names_that_clash_with_pages_are_refused(world: World) -> None:
    dataset = nyc(world)
    for name in ("New", "Evaluate"):
        with pytest.raises(ValidationError, match="clash"):
            services.create_indicator(
                world.user("member"), dataset, name, {"measure": {"type": "count"}}
            )
