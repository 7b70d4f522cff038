"""Case studies generated from a solution: what is copied, frozen, and from where."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from civiclab.audit.models import AuditEvent
from civiclab.evaluation.models import EvaluationResult
from civiclab.exchange.case_chart import run_chart_svg
from civiclab.exchange.services import cases as services
from civiclab.indicators import services as indicators
from civiclab.indicators.models import Indicator
from tests.exchange.cases_helpers import COUNTS, blight_solution, import_reports, published_case
from tests.world import World

pytestmark = pytest.mark.django_db


def test_a_case_is_generated_from_the_solution_and_its_challenge(
    world: World, tmp_path: Path
) -> None:
    """GIVEN a demo-like solution WHEN a member writes its case THEN every part is there,
    copied from the app that owns it, and nothing kept within the city is copied."""
    solution = blight_solution(world, tmp_path)
    case = services.generate_case(world.user("member"), solution)
    assert case.state == "draft" and case.visibility == "network"
    assert case.title_en == "Blight squad" and case.has_en and not case.has_fr
    assert "Vacant homes" in case.problem_en
    assert "traces owners" in case.approach_en and "Reduce blighted" in case.approach_en
    titles = [e["title"] for e in case.evidence]
    assert titles == ["Blight reports doubled", "Neighbours feel unsafe"]
    withheld = {(w["title"], w["reason"]) for w in case.withheld}
    assert withheld == {
        ("Interview with no consent", "no_consent"),
        ("City-only finding", "narrower"),
    }
    (frozen,) = case.indicators
    assert [p["value"] for p in frozen["points"]] == [float(c) for c in COUNTS]
    assert frozen["target"] == 5.0 and frozen["median"] is not None
    assert case.strength == "moderate" and case.evaluation["design"] == "its"
    assert case.evaluation["sentences"][0]["text_en"] == "Reports fell by 2.50 a month."
    assert {(f["currency"], f["awarded"]) for f in case.funding} == {("USD", "450000.00")}
    assert case.funding_source == "federal"
    assert case.cost == 250000 and case.currency == "USD"
    assert [m["title"] for m in case.timeline] == ["Hire the squad"]
    assert (case.priority_area, case.size_band, case.country, case.region, case.stage) == (
        "housing", "medium", "US", "Alabama", "deliver",
    )  # fmt: skip
    event = AuditEvent.objects.get(action="case.create")
    assert event.object_id == str(case.pk)


def test_a_french_city_writes_in_french(world: World, tmp_path: Path) -> None:
    world.city.default_language = "fr"
    world.city.save()
    solution = blight_solution(world, tmp_path)
    case = services.generate_case(world.user("member"), solution)
    assert case.title_fr == "Blight squad" and not case.title_en
    assert case.has_fr and not case.has_en


def test_the_chart_is_frozen_at_publication(world: World, tmp_path: Path) -> None:
    """GIVEN a published case WHEN the indicator's data change THEN the case keeps the
    series it was published with, and its SVG is drawn from them."""
    solution = blight_solution(world, tmp_path)
    case = published_case(world, solution)
    before = case.indicators
    indicator = Indicator.objects.get()
    import_reports(world, tmp_path, [1, 1, 1, 1, 1, 30], add_version=True)
    indicator.refresh_from_db()
    live = [p["value"] for p in indicators.results(indicator)["overall"]]
    assert live == [1.0, 1.0, 1.0, 1.0, 1.0, 30.0]
    case.refresh_from_db()
    assert case.indicators == before
    assert [p["value"] for p in case.indicators[0]["points"]] == [float(c) for c in COUNTS]
    # Editing the published case's text does not refreeze.
    services.update_case(world.user("member"), case, lessons_en="Start with the data.")
    case.refresh_from_db()
    assert case.indicators == before


def test_the_strength_comes_from_the_evaluation(world: World, tmp_path: Path) -> None:
    """The evidence strength is read from the evaluation's finished result, never typed: a
    stronger result finished before publication is what the case publishes."""
    solution = blight_solution(world, tmp_path)
    case = services.generate_case(world.user("member"), solution)
    assert case.strength == "moderate"
    result = EvaluationResult.objects.get()
    result.strength = "strong"
    result.save()
    with pytest.raises(Exception, match="cannot be changed"):
        services.update_case(world.user("member"), case, strength="strong")
    case = services.publish_case(world.user("city_admin"), case)
    assert case.strength == "strong"
    # A result still running does not count.
    result.state = "running"
    result.save()
    fresh = services.generate_case(world.user("member"), solution)
    assert fresh.strength == "none" and fresh.evaluation == {}


def test_evaluation_sentences_are_kept_in_both_languages(world: World, tmp_path: Path) -> None:
    solution = blight_solution(world, tmp_path)
    case = services.generate_case(world.user("member"), solution)
    sentence = case.evaluation["sentences"][0]
    assert sentence["text_en"] and sentence["text_fr"]


def test_the_svg_escapes_and_skips_gaps() -> None:
    svg = run_chart_svg([1, None, 3, 2], labels=["a", "b", "<c>", "d"], median=2, target=1,
                        signals=[2], title='<script>alert(1)</script>')  # fmt: skip
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;c&gt;" in svg
    assert svg.count("<circle") == 3 and 'class="target"' in svg
    assert run_chart_svg([None, None]) == ""


def test_the_case_page_shows_the_frozen_chart(world: World, tmp_path: Path) -> None:
    from tests.clients import as_user, body

    solution = blight_solution(world, tmp_path)
    case = published_case(world, solution, lessons_fr="Commencer par les données.")
    page = body(as_user(world.user("other_city_admin")).get(f"/exchange/cases/{case.pk}/"))
    assert "<svg" in page and "Blight reports per month" in page
    assert "Moderate evidence" in page and "Commencer par les données." in page
    with translation.override("fr"):
        french = body(
            as_user(world.user("other_city_admin")).get(
                f"/exchange/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="fr"
            )
        )
    assert "<svg" in french


def test_what_was_left_out_is_the_teams_to_read(world: World, tmp_path: Path) -> None:
    """The titles of evidence kept within the city are listed for the team, never for
    another city (page or API)."""
    from tests.clients import as_user, body

    solution = blight_solution(world, tmp_path)
    case = published_case(world, solution)
    own = as_user(world.user("member")).get(f"/api/v1/exchange/cases/{case.pk}").json()
    other = as_user(world.user("other_city_admin")).get(f"/api/v1/exchange/cases/{case.pk}")
    assert {w["title"] for w in own["withheld"]} >= {"City-only finding"}
    assert other.json()["withheld"] == []
    assert "City-only finding" not in other.content.decode()
    page = body(as_user(world.user("other_city_admin")).get(f"/exchange/cases/{case.pk}/"))
    assert "City-only finding" not in page and "Interview with no consent" not in page
