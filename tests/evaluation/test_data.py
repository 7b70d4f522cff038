"""What an evaluation reads: an indicator as a one-unit panel, the peer cities' indicators a
synthetic control may use (the same slug, shared with the network), and the data key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from civiclab.evaluation.services import data
from civiclab.evaluation.stats.types import Design, EvaluationError
from civiclab.indicators import services as indicators
from tests.evaluation.helpers import dataset_of, plan_of, solution_of
from tests.factories import CityFactory
from tests.world import World

pytestmark = pytest.mark.django_db

# Two years of monthly blight reports.
MONTHS = [min(23, int(24 * (i / 480) ** 1.3)) for i in range(480)]  # more reports over time
BLIGHT = "id,reported\n" + "".join(
    f"{i},{2024 + m // 12}-{1 + m % 12:02d}-{1 + i % 27:02d}\n" for i, m in enumerate(MONTHS)
)
SPEC = {"measure": {"type": "count"}, "time": {"column": "reported", "period": "month"}}


def blight(city, tmp_path: Path, visibility: str = "network", name: str = "Blight reports"):
    folder = tmp_path / city.slug
    folder.mkdir(exist_ok=True)
    dataset = dataset_of(city, folder, name, BLIGHT)
    dataset.visibility = visibility
    dataset.save()
    return indicators.create_indicator(None, dataset, "Blight", SPEC, visibility=visibility)


def test_an_indicator_is_a_one_unit_panel(world: World, tmp_path: Path) -> None:
    indicator = blight(world.city, tmp_path, visibility="city")
    panel = data.indicator_panel(indicator, world.city.slug)
    assert list(panel.columns) == [data.UNIT, data.PERIOD, data.VALUE]
    assert len(panel) == 24 and panel[data.VALUE].sum() == 480
    assert set(panel[data.UNIT]) == {world.city.slug}


def test_donors_are_peer_cities_sharing_the_same_indicator(world: World, tmp_path: Path) -> None:
    """GIVEN the same indicator in city B (shared with the network), in a third city of the
    network (kept to the city) and in a city of another network WHEN a synthetic control is
    planned THEN only B is a donor; a plan's donor list narrows the pool further."""
    own = blight(world.city, tmp_path, visibility="city")
    blight(world.other_city, tmp_path)
    private_peer = CityFactory(network=world.network, slug="private-peer")
    blight(private_peer, tmp_path, visibility="city")
    blight(world.foreign_city, tmp_path)
    plan = plan_of(
        solution_of(world), design="synthetic_control", outcome_indicator=own,
        intervention_date=dt.date(2025, 6, 1),
    )  # fmt: skip
    assert [d.city for d in data.donor_indicators(plan, own)] == [world.other_city]
    plan.donors = ["nowhere"]
    assert data.donor_indicators(plan, own) == []
    plan.donors = []
    loaded = data.load_plan_data(plan)
    assert set(loaded.frame[data.UNIT]) == {world.city.slug, world.other_city.slug}
    assert loaded.spec.treated_unit == world.city.slug
    assert loaded.spec.design == Design.SYNTHETIC_CONTROL
    assert "+" in loaded.key  # the donors' versions are part of the data's key


def test_an_indicator_cannot_answer_a_trial(world: World, tmp_path: Path) -> None:
    own = blight(world.city, tmp_path, visibility="city")
    plan = plan_of(solution_of(world), design="rct", outcome_indicator=own)
    with pytest.raises(EvaluationError) as refused:
        data.load_plan_data(plan)
    assert refused.value.code == "indicator_design"


def test_a_dataset_column_plan_reads_its_columns(world: World, tmp_path: Path) -> None:
    dataset = dataset_of(world.city, tmp_path)
    plan = plan_of(
        solution_of(world), outcome_dataset=dataset, outcome_column="days",
        unit_column="property", columns={"treated": "treated", "strata": ["district"]},
    )  # fmt: skip
    loaded = data.load_plan_data(plan)
    assert list(loaded.frame.columns) == ["days", "property", "treated", "district"]
    assert loaded.key == f"d{dataset.pk}v{dataset.current_version_id}"
    plan.columns = {"treated": "missing"}
    with pytest.raises(EvaluationError, match="no column missing"):
        data.load_plan_data(plan)


def test_an_indicator_evaluated_by_its(world: World, tmp_path: Path) -> None:
    """GIVEN two years of a monthly indicator WHEN an interrupted time series is planned
    THEN power comes from simulations on the series and the analysis runs on it."""
    for module in ("its", "evidence", "wording"):
        pytest.importorskip(f"civiclab.evaluation.stats.{module}")
    from civiclab.evaluation.services import analysis

    own = blight(world.city, tmp_path, visibility="city")
    plan = plan_of(
        solution_of(world), design="its", outcome_indicator=own, outcome_kind="count",
        intervention_date=dt.date(2025, 1, 1),
    )  # fmt: skip
    result = analysis.request_analysis(None, plan, queue=False)
    analysis.run_result(result.pk)
    result.refresh_from_db()
    assert result.state == "done", result.error
    assert result.estimate["design"] == "its"


def test_power_of_an_its_on_an_indicator(world: World, tmp_path: Path) -> None:
    pytest.importorskip("civiclab.evaluation.stats.history")
    from civiclab.evaluation.services import power

    own = blight(world.city, tmp_path, visibility="city")
    plan = plan_of(
        solution_of(world), design="its", outcome_indicator=own,
        intervention_date=dt.date(2025, 1, 1),
    )  # fmt: skip
    answer = power.plan_power(None, plan, {"from_history": True})
    assert answer["mde"] > 0 and answer["details"]["simulations"] > 0


def test_a_date_column_reads_as_time(world: World, tmp_path: Path) -> None:
    """GIVEN outcomes with a date column WHEN a before/after plan reads them THEN the dates are
    timestamps and the intervention's start is one too (so they compare)."""
    import pandas as pd

    dataset = dataset_of(world.city, tmp_path)
    plan = plan_of(
        solution_of(world), design="pre_post", outcome_dataset=dataset, outcome_column="days",
        unit_column="property", time_column="closed_on", intervention_date=dt.date(2027, 3, 1),
    )  # fmt: skip
    loaded = data.load_plan_data(plan)
    assert pd.api.types.is_datetime64_any_dtype(loaded.frame["closed_on"])
    assert loaded.spec.intervention_time == pd.Timestamp("2027-03-01")


def _monthly(counts: list[int]) -> str:
    rows = ["id,reported"]
    for m, count in enumerate(counts):
        rows += [
            f"{m}-{i},{2024 + m // 12}-{1 + m % 12:02d}-{1 + i % 27:02d}" for i in range(count)
        ]
    return "\n".join(rows) + "\n"


def test_synthetic_control_against_peer_cities(world: World, tmp_path: Path) -> None:
    """GIVEN six peer cities sharing a "Blight" indicator with the network and the pilot city
    tracking two of them until its pilot, then 15 reports a month fewer WHEN the synthetic
    control runs THEN it is done, with the peers as donors and a negative effect."""
    import math

    for module in ("synth", "evidence", "wording"):
        pytest.importorskip(f"civiclab.evaluation.stats.{module}")
    from civiclab.evaluation.services import analysis

    def donor(k: int) -> list[int]:
        return [40 + 5 * k + m + round(10 * math.sin(m / 3 + k)) for m in range(24)]

    peers = [world.other_city] + [
        CityFactory(network=world.network, slug=f"peer-{k}") for k in range(1, 6)
    ]
    for k, city in enumerate(peers):
        folder = tmp_path / city.slug
        folder.mkdir()
        dataset = dataset_of(city, folder, "Blight reports", _monthly(donor(k)))
        dataset.visibility = "network"
        dataset.save()
        indicators.create_indicator(None, dataset, "Blight", SPEC, visibility="network")
    own_counts = [(a + b) // 2 - (15 if m >= 18 else 0)
                  for m, (a, b) in enumerate(zip(donor(0), donor(1), strict=True))]  # fmt: skip
    folder = tmp_path / "own"
    folder.mkdir()
    own = indicators.create_indicator(
        None, dataset_of(world.city, folder, "Blight reports", _monthly(own_counts)), "Blight", SPEC
    )
    plan = plan_of(
        solution_of(world), design="synthetic_control", outcome_indicator=own,
        intervention_date=dt.date(2025, 7, 1), lower_is_better=True,
    )  # fmt: skip
    result = analysis.request_analysis(None, plan, queue=False)
    analysis.run_result(result.pk)
    result.refresh_from_db()
    assert result.state == "done", result.error
    assert result.estimate["design"] == "synthetic_control"
    assert -20 < result.estimate["estimate"] < -10
    assert result.estimate["se"] is None  # no standard error: NaN stored as null
    # The page cites the placebo p-value, never an empty "95 % CI — to —".
    from django.conf import settings
    from django.urls import reverse

    from tests.clients import as_user, body

    client = as_user(world.user("member"))
    url = reverse("evaluation:result", args=[plan.pk, result.pk])
    english = body(client.get(url))
    assert "placebo p = " in english and "— to —" not in english and "CI —" not in english
    assert "peer cities showed a gap as large" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = body(client.get(url))
    assert "p placebo = " in french and "— à —" not in french


def test_too_many_rows_are_refused_before_reading(world: World, tmp_path: Path) -> None:
    from civiclab.evaluation.stats.router import MAX_ROWS

    dataset = dataset_of(world.city, tmp_path)
    version = dataset.current_version
    version.rows = MAX_ROWS + 1
    with pytest.raises(EvaluationError) as refused:
        data.version_frame(version, ["days"])
    assert refused.value.code == "too_many_rows"
