"""A breakdown as pictures (issue 16): the ranked bars with the gap drawn, the small multiples,
their data tables and sentences, French numbers and months, the builder's htmx preview (valid,
invalid, who may ask) and its preview without JavaScript — and nothing of a private dataset's
breakdown for those who may not see it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from civiclab.core.permissions import Visibility
from civiclab.datasets.models import Dataset
from civiclab.indicators import services
from civiclab.indicators.engine.breakdown_chart import (
    latest_period,
    ranked_bars,
    small_multiples,
)
from civiclab.indicators.engine.evaluate import Point
from civiclab.indicators.labels import number, period_words
from civiclab.indicators.models import Indicator
from tests.clients import as_user, body
from tests.indicators.test_builder import NEW, PREVIEW, fields, requests
from tests.indicators.test_charts import chart_payload
from tests.world import World

NBSP = "\xa0"

# Mean cost of requests per area over three months: North's costs are in the thousands.
COSTS = """id,opened,area,cost
1,2024-01-05,North,1000
2,2024-01-09,North,1469
3,2024-01-20,South,20
4,2024-01-22,West,300
5,2024-02-03,North,1100
6,2024-02-04,South,30
7,2024-02-10,West,250
8,2024-03-11,North,1234.5
9,2024-03-12,South,25
10,2024-03-13,West,200
"""


def p(period: str | None, group: str | None, value: float | None, n: int = 1, **kw: Any) -> Point:
    return Point(period, value, n, group, **kw)


# ---- the geometry (pure) ----


def test_bars_are_ranked_best_first_with_the_gap_between_best_and_worst() -> None:
    points = [
        p("2024-01", "A", 10.0), p("2024-01", "B", 40.0), p("2024-01", "C", 20.0),
        p("2024-02", "A", 30.0, 3), p("2024-02", "B", 10.0, 2), p("2024-02", "C", 20.0, 1),
        p("2024-02", None, 99.0, 5), p("2024-02", None, 60.0, 1, other=True),
    ]  # fmt: skip
    overall = [p("2024-01", None, 25.0), p("2024-02", None, 50.0)]
    ranked = ranked_bars(points, overall, lower_is_better=True)
    assert ranked is not None and ranked.period == "2024-02"
    assert [(b.group, b.other, b.rank) for b in ranked.bars] == [
        ("B", False, 1), ("C", False, 2), ("A", False, 3), (None, True, 4), (None, False, 5)
    ]  # fmt: skip
    # Best and worst are named groups: neither Other nor the rows without a value.
    assert ranked.best is not None and ranked.best.group == "B" and ranked.best.best
    assert ranked.worst is not None and ranked.worst.group == "A" and ranked.worst.worst
    assert ranked.difference == 20.0 and ranked.ratio == 3.0
    # The scale runs from 0 to the highest value (99): bars and the gap are fractions of it.
    assert ranked.bars[0].start == 0 and ranked.bars[0].width == round(10 / 99, 4)
    assert ranked.gap_start == round(10 / 99, 4) and ranked.gap_width == round(20 / 99, 4)
    assert ranked.overall == 50.0 and ranked.overall_at == round(50 / 99, 4)

    higher = ranked_bars(points, overall, lower_is_better=False)
    assert higher is not None
    assert [b.group for b in higher.bars if b.group and not b.other] == ["A", "C", "B"]
    assert higher.best is not None and higher.best.group == "A"


def test_the_ranked_period_is_the_last_with_two_groups_to_compare() -> None:
    points = [
        p("2024-01", "A", 1.0), p("2024-01", "B", 2.0),
        p("2024-02", "A", 3.0), p("2024-02", "B", None, 0),
    ]  # fmt: skip
    assert latest_period(points) == "2024-01"
    assert latest_period([p("2024-01", "A", 1.0)]) == "2024-01"
    assert ranked_bars([p("2024-01", "A", None, 0)], [], lower_is_better=True) is None


def test_the_most_frequent_groups_are_drawn_and_the_others_counted() -> None:
    points = [p("2024", f"g{i}", float(i), n=i) for i in range(1, 16)]
    ranked = ranked_bars(points, [], lower_is_better=True, limit=12)
    assert ranked is not None and len(ranked.bars) == 12 and ranked.more == 3
    assert {b.group for b in ranked.bars} == {f"g{i}" for i in range(4, 16)}
    assert ranked.overall is None and ranked.overall_at is None


def test_negative_values_start_their_bars_at_zero() -> None:
    ranked = ranked_bars([p("2024", "A", -10.0), p("2024", "B", 30.0)], [], lower_is_better=True)
    assert ranked is not None
    below, above = ranked.bars
    assert below.start == 0 and below.width == 0.25  # from -10 to 0 on a scale of -10..30
    assert above.start == 0.25 and above.width == 0.75


def test_small_multiples_share_one_scale_and_break_at_gaps() -> None:
    points = [
        p("2024-01", "A", 10.0), p("2024-01", "B", 40.0),
        p("2024-02", "A", None, 0), p("2024-02", "B", 20.0),
        p("2024-03", "A", 30.0), p("2024-03", "B", 0.0),
    ]  # fmt: skip
    multiples = small_multiples(points, [("B", False), ("A", False)])
    assert multiples is not None
    assert multiples.periods == ["2024-01", "2024-02", "2024-03"]
    assert (multiples.low, multiples.high) == (0.0, 40.0)
    b, a = multiples.multiples
    assert (b.group, a.group) == ("B", "A")  # in the ranking's order
    assert b.values == [40.0, 20.0, 0.0] and b.latest == 0.0
    assert len(b.segments) == 1 and len(b.segments[0]) == 3
    # 40 is the top of every chart, 0 the bottom: the same scale for every group.
    assert b.segments[0][0][1] == 4.0 and b.segments[0][2][1] == 44.0
    assert a.segments == [] and len(a.dots) == 2  # the gap in February leaves two dots
    assert a.latest_at == a.dots[-1]
    assert small_multiples([p("2024", "A", 1.0), p("2024", "B", 2.0)], [("A", False)]) is None


# ---- numbers and periods in the reader's language ----


def test_numbers_and_periods_in_french_and_english() -> None:
    with translation.override("fr"):
        assert number(1234.5) == f"1{NBSP}234,5"
        assert number(1234567) == f"1{NBSP}234{NBSP}567"
        assert number(2.0) == "2" and number(None) == "—"
        assert period_words("2024-03") == "mars 2024"
        assert period_words("2024-02-05") == "5 février 2024"
        assert period_words("2024-Q1") == "T1 2024"
        assert period_words("2024-W05") == "semaine 5 de 2024"
    with translation.override("en"):
        assert number(1234.5) == "1,234.5"
        assert period_words("2024-03") == "March 2024"
        assert period_words("2024-Q1") == "Q1 2024"
        assert period_words("2024") == "2024" and period_words(None) == "—"
        assert period_words("2024-13") == "2024-13"  # not a month: as it is


# ---- the indicator page ----


def cost_indicator(world: World, tmp_path: Path, visibility: str = Visibility.CITY) -> Indicator:
    dataset = requests(world, tmp_path, COSTS)
    indicator = services.create_indicator(
        world.user("member"),
        dataset,
        "Mean cost",
        {
            "measure": {"type": "mean", "column": "cost"},
            "time": {"column": "opened", "period": "month"},
            "breakdown": "area",
            "polarity": "lower_is_better",
            "unit": "€",
        },
    )
    if visibility == Visibility.TEAM:  # the team's dataset, and so the team's indicator
        Dataset.objects.filter(pk=dataset.pk).update(visibility=visibility, team=world.team)
        Indicator.objects.filter(pk=indicator.pk).update(visibility=visibility, team=world.team)
        indicator.refresh_from_db()
    return indicator


def section(page: str, start: str, end: str) -> str:
    at = page.index(start)
    return page[at : page.index(end, at)]


@pytest.mark.django_db
def test_indicator_page_draws_the_breakdown_as_ranked_bars_and_small_multiples(
    world: World, tmp_path: Path
) -> None:
    """GIVEN a mean broken down by area WHEN its page opens THEN the latest month's areas are
    ranked best first as bars (best and worst marked, the gap and the city-wide value drawn),
    said in one sentence and tabled; each area has its small run chart on the same scale."""
    indicator = cost_indicator(world, tmp_path)
    page = body(as_user(world.user("member")).get(f"/cities/city-a/indicators/{indicator.slug}/"))
    bars = section(page, 'id="breakdown-bars"', "</figure>")
    assert re.findall(r'<span class="bar-name" title="(\w+)">', bars) == ["South", "West", "North"]
    assert 'class="bar-row is-best"' in bars and 'class="bar-row is-worst"' in bars
    assert bars.count('class="bar-gap"') == 1 and bars.count('class="city-wide"') == 3
    assert 'aria-hidden="true"' in bars  # the sentence and the table say it to screen readers
    caption = re.search(r"<figcaption>(.*?)</figcaption>", bars)
    assert caption is not None
    assert caption.group(1) == (
        "By area in March 2024, South has the best value (25 €) and North the worst "
        "(1,234.5 €): a gap of 1,209.5 €. The worst is 49.38 times the best. City-wide: 486.5 €."
    )
    table = section(page, 'class="stack ranked-table"', "</table>")
    assert "Values per area in March 2024, best first" in table
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert cells[:4] == ["1 (best)", "25", "-461.5", "1"]
    assert cells[-4:] == ["3 (worst)", "1,234.5", "+748", "1"]
    multiples = section(page, 'id="breakdown-multiples"', "</figure>")
    assert "One small run chart per area from January 2024 to March 2024" in multiples
    assert "all on the same scale (0 € to 1,234.5 €)" in multiples
    assert multiples.count('<svg class="multiple"') == 3
    assert multiples.count('viewBox="0 0 160 48"') == 3
    breakdown = section(page, 'class="breakdown-table"', "</table>")
    assert '<th scope="row">January 2024</th>' in breakdown


@pytest.mark.django_db
def test_a_count_is_not_compared_with_its_city_wide_total(world: World, tmp_path: Path) -> None:
    dataset = requests(world, tmp_path, COSTS)
    indicator = services.create_indicator(
        world.user("member"),
        dataset,
        "Requests",
        {"measure": {"type": "count"}, "time": {"column": "opened", "period": "month"},
         "breakdown": "area"},
    )  # fmt: skip
    page = body(as_user(world.user("member")).get(f"/cities/city-a/indicators/{indicator.slug}/"))
    bars = section(page, 'id="breakdown-bars"', "</figure>")
    assert 'class="city-wide"' not in bars and "City-wide" not in bars
    assert "Compared with the city-wide value" not in page


@pytest.mark.django_db
def test_breakdown_pictures_in_french(world: World, tmp_path: Path) -> None:
    """GIVEN a French city WHEN its indicator page opens THEN the sentence, the bars' values,
    the tables and the small multiples' periods are written the French way."""
    world.city.default_language = "fr"
    world.city.save()
    indicator = cost_indicator(world, tmp_path)
    page = body(as_user(world.user("member")).get(f"/cities/city-a/indicators/{indicator.slug}/"))
    bars = section(page, 'id="breakdown-bars"', "</figure>")
    assert (
        f"Par area en mars 2024, South a la meilleure valeur (25 €) et North la moins bonne "
        f"(1{NBSP}234,5 €){NBSP}: un écart de 1{NBSP}209,5 €." in bars
    )
    assert f'<span class="bar-value">1{NBSP}234,5 <span class="bar-tag">moins bonne' in bars
    # SVG attributes are never localized.
    assert re.search(r'<rect class="bar-fill" x="0\.00" y="1\.5" width="\d+\.\d\d"', bars)
    table = section(page, 'class="stack ranked-table"', "</table>")
    assert "Valeurs par area en mars 2024, la meilleure d’abord" in table
    assert f'<td data-label="Valeur">1{NBSP}234,5</td>' in table
    multiples = section(page, 'id="breakdown-multiples"', "</figure>")
    assert "<span>janvier 2024</span><span>mars 2024</span>" in multiples
    assert re.search(r'points="[\d.]+,[\d.]+ [\d.]+,[\d.]+', multiples)
    breakdown = section(page, 'class="breakdown-table"', "</table>")
    assert "février 2024" in breakdown and f"1{NBSP}100" in breakdown
    # The run chart's axis and its table name the months in French too.
    chart = chart_payload(page, "indicator-chart")
    assert chart["labels"] == ["janvier 2024", "février 2024", "mars 2024"]
    assert "valeurs de janvier 2024 à mars 2024" in page.lower()
    values = section(page, "<caption>Valeurs par période</caption>", "</table>")
    assert '<th scope="row">mars 2024</th>' in values


@pytest.mark.django_db
def test_a_private_breakdown_is_not_shown_to_those_who_may_not_see_it(
    world: World, tmp_path: Path
) -> None:
    """GIVEN an indicator of a team's dataset WHEN a member outside the team asks for its page,
    or previews the dataset in the builder THEN neither shows one of its groups."""
    indicator = cost_indicator(world, tmp_path, Visibility.TEAM)
    url = f"/cities/city-a/indicators/{indicator.slug}/"
    seen = body(as_user(world.user("team_member")).get(url))
    assert 'id="breakdown-bars"' in seen and "North" in seen
    outsider = as_user(world.user("member"))
    response = outsider.get(url)
    assert response.status_code == 404 and "North" not in body(response)
    preview = outsider.post(PREVIEW, fields(breakdown="area", measure="count"))
    assert preview.status_code == 200
    assert 'role="alert"' in body(preview) and "North" not in body(preview)
    assert "breakdown-bars" not in body(preview)


# ---- the builder ----


@pytest.mark.django_db
def test_builder_redraws_its_preview_with_htmx_beside_the_fields(
    world: World, tmp_path: Path
) -> None:
    requests(world, tmp_path, COSTS)
    page = body(as_user(world.user("member")).get(NEW))
    form = re.search(r'<form method="post" class="stacked" id="indicator-form"[^>]*>', page)
    assert form is not None
    assert 'hx-post="/cities/city-a/indicators/new/preview/"' in form.group(0)
    assert 'hx-trigger="change, keyup delay:500ms"' in form.group(0)
    assert 'hx-target="#preview"' in form.group(0)
    assert page.index('class="builder-fields"') < page.index('id="preview" class="builder-preview"')
    # Without JavaScript the Preview button submits the form to this page.
    assert re.search(r'<button type="submit" name="preview" value="1"', page)


@pytest.mark.django_db
def test_the_preview_draws_the_breakdown_and_says_a_bad_spec(world: World, tmp_path: Path) -> None:
    requests(world, tmp_path, COSTS)
    client = as_user(world.user("member"))
    good = client.post(PREVIEW, fields(name="", breakdown="area", measure="mean", column="cost"))
    assert good.status_code == 200
    page = body(good)
    assert 'role="status"' in page and "Not saved: 3 periods, latest value 486.5." in page
    assert 'id="preview-breakdown-bars"' in page and 'id="preview-breakdown-multiples"' in page
    assert "ranked-table" not in page  # the preview's own table of the ranking is there
    assert 'class="preview-breakdown"' in page
    bad = client.post(PREVIEW, fields(measure="sum", column="area"))
    assert bad.status_code == 200 and 'role="alert"' in body(bad)
    assert "area" in body(bad) and "Not saved" not in body(bad)
    broken = client.post(PREVIEW, fields(spec_json='{"measure": {"type": "nope"}}'))
    assert broken.status_code == 200 and 'role="alert"' in body(broken)
    assert not Indicator.objects.exists()


@pytest.mark.django_db
def test_who_may_preview(world: World, tmp_path: Path) -> None:
    """A viewer may not preview (403); an editor previews from the edit page."""
    indicator = cost_indicator(world, tmp_path)
    assert as_user(world.user("viewer")).post(PREVIEW, fields()).status_code == 403
    edit = body(
        as_user(world.user("member")).get(f"/cities/city-a/indicators/{indicator.slug}/edit/")
    )
    assert f'hx-post="/cities/city-a/indicators/new/preview/?indicator={indicator.slug}"' in edit
    assert Client().post(PREVIEW, fields()).status_code == 302  # to the login page


@pytest.mark.django_db
def test_the_preview_button_without_javascript_saves_nothing(world: World, tmp_path: Path) -> None:
    requests(world, tmp_path, COSTS)
    response = as_user(world.user("member")).post(NEW, {**fields(breakdown="area"), "preview": "1"})
    assert response.status_code == 200
    page = body(response)
    assert 'id="indicator-form"' in page and 'data-chart="preview-chart"' in page
    assert 'id="preview-breakdown-bars"' in page
    assert not Indicator.objects.exists()
