"""Goals make sense: a target contradicting the polarity is refused, and progress is told in
words rather than as a runaway percentage (issue 10.26)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from civiclab.datasets import services as datasets
from civiclab.indicators import services
from civiclab.indicators.engine.goals import progress
from civiclab.indicators.labels import progress_words, status_label
from civiclab.indicators.models import Indicator
from tests.datasets.helpers import write
from tests.permission_matrix import api_headers
from tests.world import World

MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]
# Notices per month: 10 at the baseline, 1,130 by June — lower is better, so the wrong way.
NOTICES = [10, 300, 500, 800, 1000, 1130]
SPEC = {
    "measure": {"type": "sum", "column": "notices"},
    "time": {"column": "day", "period": "month"},
    "polarity": "lower_is_better",
    "unit": "notices",
}


def test_a_contradicting_target_is_never_met_and_has_no_percentage() -> None:
    """GIVEN lower is better, baseline 10, target 1,200 above it, latest 1,130
    WHEN progress is judged THEN the status says the target contradicts the direction (not
    "Target met") and there is no percentage."""
    goal = progress(NOTICES, MONTHS, 10, 1200, dt.date(2024, 12, 1), lower_is_better=True)
    assert goal.status == "target_contradicts_direction"
    assert goal.progress_percent is None and goal.direction == "worse"
    assert goal.change == 1120


def test_moving_the_wrong_way_is_said_in_words() -> None:
    """GIVEN lower is better, baseline 10, target 5, latest 1,130 WHEN progress is shown THEN
    it reads "moving the wrong way: +1,120 notices since the baseline", not −22400 %."""
    goal = progress(NOTICES, MONTHS, 10, 5, dt.date(2024, 12, 1), lower_is_better=True)
    assert goal.progress_percent is None and goal.status == "off_track"
    with translation.override("en"):
        assert progress_words(goal, "notices") == (
            "Moving the wrong way: +1,120 notices since the baseline."
        )
    with translation.override("fr"):
        words = progress_words(goal, "notices")
        assert "+1\u202f120 notices" in words or "+1\xa0120 notices" in words, words
        assert words.startswith("Évolution dans le mauvais sens")
    right = progress([100, 90, 80], MONTHS[:3], 100, 50, dt.date(2024, 12, 1), True)
    with translation.override("en"):
        assert progress_words(right, "") == (
            "Moving the right way: −20 since the baseline, 40.0 % of the way to the target."
        )
    assert right.progress_percent == 40.0


def test_percent_is_capped_at_the_target() -> None:
    goal = progress([100, 40], MONTHS[:2], 100, 50, None, lower_is_better=True)
    assert goal.status == "met" and goal.progress_percent == 100.0


@pytest.fixture
def notices(world: World, tmp_path: Path):
    lines = ["day,notices"] + [f"2024-{m:02d}-15,{n}" for m, n in enumerate(NOTICES, 1)]
    source = write(tmp_path / "notices.csv", "\n".join(lines) + "\n")
    return datasets.import_file(
        None, world.city, "Notices", source, source.name, datasets.ImportOptions()
    ).dataset


@pytest.mark.django_db
def test_saving_a_target_against_the_polarity_is_refused(world: World, notices) -> None:
    """GIVEN lower is better and a baseline of 10 WHEN a target of 1,200 is saved THEN it is
    refused beside the target, saying why and what to change; flipping the polarity (or a
    target below the baseline) saves."""
    member = world.user("member")
    with pytest.raises(ValidationError) as refused:
        services.create_indicator(member, notices, "Notices", SPEC, target_value=1200)
    message = refused.value.message_dict["target_value"][0]
    assert "above the baseline (10)" in message and "Higher is better" in message
    assert not Indicator.objects.exists()
    made = services.create_indicator(member, notices, "Notices", SPEC, target_value=5)
    with pytest.raises(ValidationError):
        services.update_indicator(member, made, target_value=1200)
    flipped = {**SPEC, "polarity": "higher_is_better"}
    services.update_indicator(member, made, spec=flipped, target_value=1200)
    made.refresh_from_db()
    assert made.target_value == 1200
    services.update_indicator(member, made, name="Renamed")  # no goal change: not re-checked


@pytest.mark.django_db
def test_the_api_and_page_say_progress_in_words(world: World, notices) -> None:
    """GIVEN a saved contradicting goal (the data moved the baseline after it was saved)
    WHEN its goal is read THEN no "Target met" and no percentage: the status and words say so;
    a French API request gets the refusal in French."""
    member = world.user("member")
    made = services.create_indicator(member, notices, "Notices", SPEC, target_value=5)
    Indicator.objects.filter(pk=made.pk).update(target_value=1200)
    url = f"/api/v1/cities/{world.city.slug}/indicators/{made.slug}"
    goal = Client().get(f"{url}/goal", **api_headers(member)).json()
    assert goal["status"] == "target_contradicts_direction"
    assert goal["progress_percent"] is None and goal["change"] == 1120
    assert goal["direction"] == "worse" and "not an improvement" in goal["summary"]
    client = Client()
    client.force_login(member)
    page = client.get(f"/cities/{world.city.slug}/indicators/{made.slug}/").content.decode()
    assert status_label("met") not in page and "Target contradicts the direction" in page
    refused = Client().patch(
        url, {"target_value": 1300}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr", **api_headers(member),
    )  # fmt: skip
    assert refused.status_code == 422
    (detail,) = refused.json()["error"]["details"]
    assert detail["field"] == "target_value"
    assert "au-dessus de la référence (10)" in detail["message"]
