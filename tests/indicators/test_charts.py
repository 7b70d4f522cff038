"""Run-chart payloads (pure) and embeddable indicator cards (who sees what).

The browser side — Chart.js drawing the payload, and redrawing after htmx swaps — is in
tests/browser/test_indicator_charts.py.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators import services
from civiclab.indicators.engine.chart import chart_data
from civiclab.indicators.models import Indicator
from tests.datasets.helpers import write
from tests.world import World

CARD = Template("{% load indicator_cards %}{% indicator_card indicator user %}")


def chart_payload(page: str, chart_id: str) -> dict[str, Any]:
    """The json_script payload a page carries for the chart ``chart_id``."""
    found = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', page)
    assert found, f"no chart payload {chart_id!r} on the page"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


# --- The payload (pure) -----------------------------------------------------------------------


def test_payload_keeps_gaps_signals_median_and_target() -> None:
    """GIVEN a series with a missing period, a median, a target and signal points
    WHEN the payload is built THEN the gap stays a null and only real points are signals."""
    data = chart_data(
        ["2024-01", "2024-02", None, "2024-04"],
        [3.0, None, 5.5, 4.0],
        median=4.0,
        target=2.0,
        signal_points={0, 1, 3, 9},  # 1 has no value, 9 is outside the series
        title="Repairs",
        y_label="days",
    )
    assert data["labels"] == ["2024-01", "2024-02", "", "2024-04"]
    assert data["values"] == [3.0, None, 5.5, 4.0]
    assert data["signals"] == [0, 3]
    assert (data["median"], data["target"], data["y_label"]) == (4.0, 2.0, "days")
    assert (data["count"], data["first_period"], data["last_period"]) == (4, "2024-01", "2024-04")
    assert data["latest"] == 4.0 and data["empty"] is False
    json.dumps(data, allow_nan=False)  # what json_script writes must be valid JSON


def test_payload_without_values_or_target() -> None:
    data = chart_data(
        ["2024-01", "2024-02"],
        [None, math.nan],
        median=None,
        target=None,
        signal_points=set(),
        title="Nothing yet",
    )
    assert data["values"] == [None, None]  # NaN is not JSON: it becomes a gap
    assert data["empty"] is True and data["latest"] is None
    assert data["target"] is None and data["median"] is None and data["signals"] == []
    json.dumps(data, allow_nan=False)


def test_payload_refuses_series_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        chart_data(["a"], [1.0, 2.0], median=None, target=None, signal_points=[], title="x")


# --- Indicator cards ----------------------------------------------------------------------------


def _requests(world: World, tmp_path: Path, visibility: str = Visibility.CITY) -> Dataset:
    """A city-A dataset whose monthly count falls 20, 18, … 6 (a trend signal)."""
    lines = ["id,opened"]
    for month in range(8):
        lines += [f"{len(lines)},2024-{month + 1:02d}-05" for _ in range(20 - 2 * month)]
    path = write(tmp_path / "requests.csv", "\n".join(lines) + "\n")
    version = datasets.import_file(
        None, world.city, "Requests", path, path.name, datasets.ImportOptions()
    )
    Dataset.objects.filter(pk=version.dataset_id).update(visibility=visibility)
    return Dataset.objects.select_related("city").get(pk=version.dataset_id)


def _indicator(world: World, tmp_path: Path, **fields: Any) -> Indicator:
    spec = {"measure": {"type": "count"}, "time": {"column": "opened", "period": "month"},
            "polarity": "lower_is_better", "unit": "requests"}  # fmt: skip
    indicator = services.create_indicator(
        world.user("member"),
        _requests(world, tmp_path),
        "Pothole requests",
        spec,
        target_value=4.0,
        **fields,
    )
    return Indicator.objects.select_related("city", "dataset", "dataset__city").get(pk=indicator.pk)


def _card(indicator: Indicator | None, user: Any) -> str:
    return CARD.render(Context({"indicator": indicator, "user": user}))


@pytest.mark.django_db
def test_card_shows_value_goal_status_signals_and_spark(world: World, tmp_path: Path) -> None:
    """GIVEN a member's city indicator with a target WHEN its card renders for a viewer
    THEN it links to the indicator and shows the latest value, goal, status, signals, spark."""
    indicator = _indicator(world, tmp_path)
    card = html.unescape(_card(indicator, world.user("viewer")))
    assert f'href="/cities/city-a/indicators/{indicator.slug}/"' in card
    assert "Pothole requests" in card
    assert "6 requests" in card  # the latest value, with the unit
    assert "20 → 4" in card  # baseline → target
    assert "Progress" in card and "Status" in card
    assert re.search(r"<dt>Signals</dt><dd>[1-9]", card)
    chart = chart_payload(card, f"indicator-card-{indicator.pk}")
    assert chart["values"][-1] == 6 and chart["target"] == 4.0 and chart["signals"]
    assert 'data-variant="spark"' in card and 'role="img"' in card
    assert "indicators/charts.js" in card and "data-chartjs=" in card


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "no_membership", "other_network_admin",
                                 "other_city_admin", "other_team_member"])  # fmt: skip
def test_card_of_a_team_indicator_leaks_nothing(
    world: World, tmp_path: Path, who: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a team-only indicator WHEN its card renders for someone outside the team
    THEN the card is the neutral one: no name, value, link or data, and nothing is computed."""
    indicator = _indicator(world, tmp_path)
    Indicator.objects.filter(pk=indicator.pk).update(visibility=Visibility.TEAM, team=world.team)
    indicator.refresh_from_db()
    assert "Pothole requests" in _card(indicator, world.user("team_member"))

    def no_report(_indicator: Indicator) -> None:
        raise AssertionError("the card computed an indicator the user may not see")

    monkeypatch.setattr(services, "report", no_report)
    card = _card(indicator, world.user(who))
    assert card == _card(None, world.user(who))
    assert "not shared with you" in card
    for secret in ("Pothole", indicator.slug, "requests", "application/json", "href"):
        assert secret not in card


@pytest.mark.django_db
def test_card_hides_an_indicator_whose_dataset_is_hidden(world: World, tmp_path: Path) -> None:
    """GIVEN a city indicator over a dataset only its team sees WHEN a viewer outside the team
    gets its card THEN the card is neutral, as the indicator page refuses them too."""
    indicator = _indicator(world, tmp_path)
    Dataset.objects.filter(pk=indicator.dataset_id).update(
        visibility=Visibility.TEAM, team=world.team
    )
    indicator = Indicator.objects.select_related("city", "dataset", "dataset__city").get(
        pk=indicator.pk
    )
    card = _card(indicator, world.user("viewer"))
    assert "not shared with you" in card and "Pothole" not in card


@pytest.mark.django_db
def test_card_in_french(world: World, tmp_path: Path) -> None:
    indicator = _indicator(world, tmp_path)
    with translation.override("fr"):
        card = html.unescape(_card(indicator, world.user("viewer")))
        hidden = _card(None, world.user("viewer"))
    assert "Dernière valeur" in card and "Signaux" in card
    assert "not shared" not in hidden and "partagé" in hidden
