"""The builder's fields for ratios, per-capita rates and breakdowns of several columns: the spec
they make, the values it computes, edits that round-trip, errors on their field, and the
preview's breakdown and equity tables."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import polib
import pytest

from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators import services
from civiclab.indicators.builder import field_for_path
from civiclab.indicators.forms import IndicatorForm, initial_from
from civiclab.indicators.models import Indicator
from civiclab.indicators.spec import parse_spec
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.test_i18n import FR_PO, visible_text
from tests.world import World

pytestmark = pytest.mark.django_db

NEW = "/cities/city-a/indicators/new/"
PREVIEW = "/cities/city-a/indicators/new/preview/"
# Nine requests over two months, in two areas and two income bands.
REQUESTS = """id,opened,area,band,cost,kind
1,2024-01-05,N,high,10,noise
2,2024-01-09,N,low,20,other
3,2024-01-20,N,low,30,noise
4,2024-01-22,S,low,5,noise
5,2024-02-03,N,high,40,other
6,2024-02-04,N,high,2,other
7,2024-02-10,S,low,6,noise
8,2024-02-11,S,low,7,noise
9,2024-02-12,S,high,8,other
"""


def requests(world: World, tmp_path: Path, text: str = REQUESTS) -> Dataset:
    path = write(tmp_path / "requests.csv", text)
    version = datasets.import_file(
        None, world.city, "Requests", path, path.name, datasets.ImportOptions()
    )
    return Dataset.objects.select_related("city").get(pk=version.dataset_id)


def fields(**values: Any) -> dict[str, Any]:
    """The builder's fields as a browser posts them: a monthly count of requests."""
    data = {
        "dataset": "requests",
        "name": "Requests",
        "measure": "count",
        "stat": "median",
        "unit": "hours",
        "numerator": "count",
        "denominator": "count",
        "time_column": "opened",
        "period": "month",
        "polarity": "lower_is_better",
        "visibility": "city",
    }
    data.update(values)
    return data


def saved(world: World, **values: Any) -> Indicator:
    response = as_user(world.user("member")).post(NEW, fields(**values))
    assert response.status_code == 302, field_errors(body(response))
    return Indicator.objects.get()


def series(indicator: Indicator) -> dict[tuple[str | None, str | None], float | None]:
    points = services.compute(indicator.dataset, parse_spec(indicator.spec))
    return {(p.period, p.group): p.value for p in points}


def field_errors(page: str) -> dict[str, str]:
    """Each field's error list, by field name."""
    return {
        name: html.unescape(re.sub(r"<[^>]+>", " ", errors))
        for name, errors in re.findall(
            r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', page
        )
    }


def test_ratio_from_the_fields(world: World, tmp_path: Path) -> None:
    """GIVEN requests with a cost WHEN the builder saves "sum of cost of noise requests ÷ sum of
    all costs" THEN the spec is a ratio with a numerator filter, and its values are the hand
    computed ones."""
    requests(world, tmp_path)
    indicator = saved(
        world,
        measure="ratio",
        numerator="sum",
        numerator_column="cost",
        numerator_filter_column="kind",
        numerator_filter_op="=",
        numerator_filter_value="noise",
        denominator="sum",
        denominator_column="cost",
    )
    assert indicator.spec["measure"] == {
        "type": "ratio",
        "numerator": {"type": "sum", "column": "cost"},
        "denominator": {"type": "sum", "column": "cost"},
        "numerator_filters": [{"column": "kind", "op": "=", "value": "noise"}],
        "denominator_filters": [],
    }
    values = series(indicator)
    assert values[("2024-01", None)] == pytest.approx((10 + 30 + 5) / (10 + 20 + 30 + 5))
    assert values[("2024-02", None)] == pytest.approx((6 + 7) / (40 + 2 + 6 + 7 + 8))


def test_ratio_of_two_filtered_counts(world: World, tmp_path: Path) -> None:
    """GIVEN requests of two kinds WHEN the builder saves "count of noise ÷ count of other"
    THEN each month's value is the ratio of the two counts."""
    requests(world, tmp_path)
    indicator = saved(
        world,
        measure="ratio",
        numerator_filter_column="kind",
        numerator_filter_op="=",
        numerator_filter_value="noise",
        denominator_filter_column="kind",
        denominator_filter_op="=",
        denominator_filter_value="other",
    )
    measure = indicator.spec["measure"]
    assert measure["numerator"] == measure["denominator"] == {"type": "count"}
    assert measure["denominator_filters"] == [{"column": "kind", "op": "=", "value": "other"}]
    values = series(indicator)
    assert values[("2024-01", None)] == pytest.approx(3 / 1)
    assert values[("2024-02", None)] == pytest.approx(2 / 3)


def test_per_capita_from_the_fields(world: World, tmp_path: Path) -> None:
    """GIVEN a population typed in WHEN the builder saves requests per 1,000 residents THEN
    each month's count is scaled by 1,000 / population."""
    requests(world, tmp_path)
    indicator = saved(world, per_capita="1000", population="2000")
    assert indicator.spec["measure"] == {
        "type": "per_capita",
        "of": {"type": "count"},
        "per": 1000,
        "population": 2000,
    }
    values = series(indicator)
    assert values[("2024-01", None)] == pytest.approx(4 * 1000 / 2000)
    assert values[("2024-02", None)] == pytest.approx(5 * 1000 / 2000)


def test_per_capita_defaults_to_the_city_population(world: World, tmp_path: Path) -> None:
    """GIVEN a city of 500,000 WHEN the builder saves a sum per 100,000 residents with no
    population THEN the spec leaves the population out and the city's is used."""
    world.city.population = 500_000
    world.city.save()
    requests(world, tmp_path)
    page = body(as_user(world.user("member")).get(NEW))
    assert "500,000" in page
    indicator = saved(world, measure="sum", column="cost", per_capita="100000")
    assert indicator.spec["measure"] == {
        "type": "per_capita",
        "of": {"type": "sum", "column": "cost"},
        "per": 100000,
    }
    values = series(indicator)
    assert values[("2024-01", None)] == pytest.approx(65 * 100_000 / 500_000)
    assert values[("2024-02", None)] == pytest.approx(63 * 100_000 / 500_000)


def test_breakdown_of_several_columns(world: World, tmp_path: Path) -> None:
    """GIVEN two breakdown columns chosen WHEN the builder saves THEN the spec lists both and
    the groups are "area / band" with their counts."""
    requests(world, tmp_path)
    indicator = saved(world, breakdown="area", breakdown2="band", equity="band")
    assert indicator.spec["breakdown"] == ["area", "band"]
    assert indicator.spec["equity"] == "band"
    values = series(indicator)
    assert values[("2024-01", "N / low")] == 2
    assert values[("2024-01", "S / high")] == 0
    assert values[("2024-02", "N / high")] == 2
    assert values[("2024-02", "S / low")] == 2
    one = saved_again(world, breakdown="", breakdown2="", breakdown3="band")
    assert one.spec["breakdown"] == "band"


def saved_again(world: World, **values: Any) -> Indicator:
    Indicator.objects.all().delete()
    return saved(world, **values)


SPECS = {
    "ratio": {
        "measure": {
            "type": "ratio",
            "numerator": {"type": "mean", "column": "cost"},
            "denominator": {"type": "count_distinct", "column": "area"},
            "numerator_filters": [{"column": "kind", "op": "in", "value": ["noise", "other"]}],
            "denominator_filters": [{"column": "band", "op": "!=", "value": "high"}],
        },
        "time": {"column": "opened", "period": "month"},
        "breakdown": ["area", "band", "kind"],
        "equity": "band",
        "polarity": "higher_is_better",
    },
    "per_capita": {
        "measure": {
            "type": "per_capita",
            "of": {"type": "percentile", "column": "cost", "p": 75.0},
            "per": 10000,
            "population": 1234,
        },
        "time": {"column": "opened", "period": "quarter"},
        "filters": [{"column": "kind", "op": "=", "value": "noise"}],
        "breakdown": "area",
    },
}


@pytest.mark.parametrize("name", list(SPECS))
def test_edit_prefills_and_round_trips(world: World, tmp_path: Path, name: str) -> None:
    """GIVEN an indicator with a ratio or a per-capita measure and a breakdown WHEN it is
    edited THEN the fields (not the JSON box) hold it, and saving them unchanged gives back
    the same spec."""
    dataset = requests(world, tmp_path)
    indicator = services.create_indicator(world.user("member"), dataset, "Costs", SPECS[name])
    before = indicator.spec
    initial = initial_from(indicator)
    assert "spec_json" not in initial
    url = f"/cities/city-a/indicators/{indicator.slug}/edit/"
    client = as_user(world.user("member"))
    page = body(client.get(url))
    assert "&quot;type&quot;" not in page  # the JSON box is empty
    if name == "ratio":
        assert re.search(r'name="numerator"[^>]*>.*?<option value="mean" selected>', page, re.S)
        assert re.search(r'name="breakdown3"[^>]*>.*?<option value="kind" selected>', page, re.S)
        assert 'name="numerator_filter_value" value="noise, other"' in page
    else:
        assert 'name="per_capita" value="10000"' in page
        assert 'name="population" value="1234"' in page
    response = client.post(url, as_posted(initial, dataset))
    assert response.status_code == 302, field_errors(body(response))
    indicator.refresh_from_db()
    assert indicator.spec == before


def as_posted(initial: dict[str, Any], dataset: Dataset) -> dict[str, Any]:
    """What a browser sends back for a builder opened with these initial values."""
    form = IndicatorForm(
        initial=initial,
        datasets=[(dataset.slug, dataset.name)],
        columns={c["name"]: c["type"] for c in dataset.current_version.columns},
        widest=Visibility.CITY,
    )
    posted = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, dt.date):
            value = value.isoformat()
        if value is not None:
            posted[name] = value
    return posted


def test_what_the_fields_cannot_say_stays_json(world: World, tmp_path: Path) -> None:
    """GIVEN a ratio whose numerator is a duration WHEN it is edited THEN the JSON box holds it."""
    dataset = requests(world, tmp_path)
    spec = {
        "measure": {
            "type": "ratio",
            "numerator": {"type": "share", "where": [{"column": "kind", "op": "=", "value": "x"}]},
            "denominator": {"type": "count"},
        },
    }
    indicator = services.create_indicator(world.user("member"), dataset, "Odd", spec)
    assert '"share"' in initial_from(indicator)["spec_json"]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"measure": "ratio", "numerator": "sum"}, "numerator_column", "Choose the column"),
        (
            {"measure": "ratio", "denominator": "mean", "denominator_column": "area"},
            "denominator_column",
            "needs numbers",
        ),
        ({"measure": "ratio", "numerator_filter_column": "kind"}, "numerator_filter_op",
         "condition"),
        ({"breakdown": "area", "breakdown2": "ward"}, "breakdown2", "valid choice"),
        ({"breakdown": "area", "breakdown2": "area"}, "breakdown2", "already in the breakdown"),
        ({"per_capita": "1000"}, "population", "no population"),
        ({"per_capita": "0"}, "per_capita", "greater than or equal to 1"),
        ({"measure": "sum", "column": "kind"}, "column", "needs numbers"),
        ({"filter1_column": "kind", "filter1_op": "in"}, "filter1_value", "non-empty list"),
        ({"spec_json": '{"measure": {"type": "count"}, "breakdown": "ward"}'}, "spec_json",
         "breakdown: the dataset has no column 'ward'"),
    ],
)  # fmt: skip
def test_bad_input_is_an_error_on_its_field(
    world: World, tmp_path: Path, values: dict[str, Any], field: str, words: str
) -> None:
    """GIVEN a builder field filled in wrongly WHEN the form is saved or previewed THEN the
    page says what is wrong beside that field, and nothing is saved."""
    requests(world, tmp_path)
    client = as_user(world.user("member"))
    response = client.post(NEW, fields(**values))
    assert response.status_code == 200
    errors = field_errors(body(response))
    assert words in errors.get(field, ""), errors
    assert 'role="alert"' in body(response)
    assert not Indicator.objects.exists()
    preview = client.post(PREVIEW, fields(**values))
    assert preview.status_code == 200 and words in html.unescape(body(preview))


def test_spec_paths_name_their_field() -> None:
    assert field_for_path("measure.ratio.numerator.sum.column") == "numerator_column"
    assert field_for_path("measure.numerator_filters.0.value") == "numerator_filter_value"
    assert field_for_path("measure.of.column") == "column"
    assert field_for_path("measure.population") == "population"
    assert field_for_path("measure.where.0.column") == "column"
    assert field_for_path("filters.2") == "filter3_value"
    assert field_for_path("breakdown") == "breakdown"
    assert field_for_path("format") is None


def test_preview_shows_the_breakdown_and_equity(world: World, tmp_path: Path) -> None:
    """GIVEN a count broken down by area with income band as the equity dimension WHEN it is
    previewed THEN the latest month's count per area is listed best first with its rows, and
    each month's best and worst band and the gap between them are shown."""
    requests(world, tmp_path)
    response = as_user(world.user("member")).post(PREVIEW, fields(breakdown="area", equity="band"))
    page = body(response)
    assert response.status_code == 200
    table = page[
        page.index('class="preview-breakdown"') : page.index(
            "</table>", page.index('class="preview-breakdown"')
        )
    ]
    assert "2024-02" in table
    rows = re.findall(r'<th scope="row">(\w+)</th><td>([\d.]+)</td><td>(\d+)</td>', table)
    assert rows == [("N", "2", "2"), ("S", "3", "3")]  # lower is better: N first
    equity = page[page.index('class="stack preview-equity"') :]
    assert re.search(r"2024-01</th>\s*<td[^>]*>high \(1\)</td>\s*<td[^>]*>low \(3\)</td>"
                     r"\s*<td[^>]*>2</td>\s*<td[^>]*>3.00</td>", equity)  # fmt: skip
    assert re.search(r"2024-02</th>\s*<td[^>]*>low \(2\)</td>\s*<td[^>]*>high \(3\)</td>"
                     r"\s*<td[^>]*>1</td>\s*<td[^>]*>1.50</td>", equity)  # fmt: skip
    assert "is widening" not in page
    assert not Indicator.objects.exists()


def test_preview_flags_a_widening_gap(world: World, tmp_path: Path) -> None:
    """GIVEN a count that falls every month while group B falls more slowly than group A
    WHEN it is previewed broken down by group THEN the widening gap is flagged."""
    lines = ["id,group,opened"]
    for i in range(8):
        for group, count in (("A", 20 - 2 * i), ("B", 20 - i)):
            lines += [f"{len(lines)},{group},2024-{i + 1:02d}-05" for _ in range(count)]
    requests(world, tmp_path, "\n".join(lines) + "\n")
    page = body(as_user(world.user("member")).post(PREVIEW, fields(breakdown="group")))
    assert "gap between the best and worst group is widening" in page
    assert "preview-breakdown" in page and "preview-equity" in page


def test_preview_without_breakdown_has_no_tables_of_groups(world: World, tmp_path: Path) -> None:
    requests(world, tmp_path)
    page = body(as_user(world.user("member")).post(PREVIEW, fields()))
    assert "preview-breakdown" not in page and "preview-equity" not in page


def test_builder_and_preview_in_french(world: World, tmp_path: Path) -> None:
    """GIVEN a French city WHEN its member opens the builder and previews a ratio broken down
    by two columns with an equity dimension THEN no English sentence of the catalogue shows."""
    world.city.default_language = "fr"
    world.city.save()
    requests(world, tmp_path)
    client = as_user(world.user("member"))
    english = [
        e.msgid
        for e in polib.pofile(str(FR_PO))
        if not e.obsolete and " " in e.msgid and e.msgid != e.msgstr and "%" not in e.msgid
    ]
    preview = client.post(
        PREVIEW,
        fields(measure="ratio", numerator_filter_column="kind", numerator_filter_op="=",
               numerator_filter_value="noise", breakdown="area", breakdown2="band",
               equity="band"),
    )  # fmt: skip
    for page in (body(client.get(NEW)), body(preview)):
        text = visible_text(page)
        assert "Numérateur" in text or "Ventilation" in text
        assert not [m for m in english if m in text]
    assert "de la meilleure à la moins bonne" in visible_text(body(preview))
