"""The indicator pages: list, builder with preview, the indicator's page, CSV, edit, delete,
and who may reach them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import polib
import pytest

from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators import services
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from tests.clients import as_user, body
from tests.datasets.helpers import REAL, write
from tests.indicators.test_charts import chart_payload
from tests.permission_matrix import check_permission_matrix
from tests.test_i18n import FR_PO, visible_text
from tests.world import World

pytestmark = pytest.mark.django_db

NYC = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
NOISE = {
    "measure": {"type": "duration", "start": "Created Date", "end": "Closed Date",
                "stat": "median", "unit": "hours"},
    "time": {"column": "Created Date", "period": "month"},
    "filters": [{"column": "Complaint Type", "op": "in",
                 "value": ["Noise - Residential", "Noise - Street/Sidewalk"]}],
    "breakdown": "Borough",
    "equity": "Borough",
}  # fmt: skip


def nyc(world: World, visibility: str = Visibility.CITY) -> Dataset:
    version = datasets.import_file(None, world.city, "311", NYC, NYC.name, datasets.ImportOptions())
    Dataset.objects.filter(pk=version.dataset_id).update(visibility=visibility)
    return Dataset.objects.select_related("city").get(pk=version.dataset_id)


def builder_data(**fields: Any) -> dict[str, Any]:
    data = {
        "dataset": "311",
        "name": "Noise closures",
        "description": "",
        "measure": "duration",
        "column": "Created Date",
        "end": "Closed Date",
        "stat": "median",
        "unit": "hours",
        "p": "",
        "share_op": "",
        "share_value": "",
        "time_column": "Created Date",
        "period": "month",
        "filter1_column": "Complaint Type",
        "filter1_op": "in",
        "filter1_value": "Noise - Residential, Noise - Street/Sidewalk",
        "breakdown": "Borough",
        "equity": "Borough",
        "polarity": "lower_is_better",
        "target_value": "2",
        "target_date": "2019-12-31",
        "baseline_start": "",
        "baseline_end": "",
        "visibility": "city",
        "spec_json": "",
    }
    data.update(fields)
    return data


def make_indicator(world: World, **fields: Any) -> Indicator:
    dataset = nyc(world)
    return services.create_indicator(
        world.user("member"), dataset, "Noise closures", NOISE, target_value=2.0, **fields
    )


def test_builder_shows_the_dataset_columns_and_previews(world: World) -> None:
    nyc(world)
    client = as_user(world.user("member"))
    page = body(client.get("/cities/city-a/indicators/new/"))
    assert '<option value="Closed Date">' in page and "hx-post" in page
    response = client.post("/cities/city-a/indicators/new/preview/", builder_data())
    assert response.status_code == 200
    preview = body(response)
    assert 'data-chart="preview-chart"' in preview and 'id="preview-chart"' in preview
    assert "<table" in preview
    assert "2018-" in preview
    assert not Indicator.objects.exists()


def test_builder_preview_reports_a_bad_spec(world: World) -> None:
    nyc(world)
    client = as_user(world.user("member"))
    response = client.post(
        "/cities/city-a/indicators/new/preview/",
        builder_data(measure="sum", column="Complaint Type"),
    )
    assert response.status_code == 200
    assert 'role="alert"' in body(response) and "Complaint Type" in body(response)
    response = client.post(
        "/cities/city-a/indicators/new/preview/", builder_data(spec_json="{not json")
    )
    assert response.status_code == 200 and "not valid JSON" in body(response)


def test_builder_saves_and_redirects(world: World) -> None:
    nyc(world)
    client = as_user(world.user("member"))
    response = client.post("/cities/city-a/indicators/new/", builder_data())
    assert response.status_code == 302, body(response)
    indicator = Indicator.objects.get()
    assert response["Location"] == f"/cities/city-a/indicators/{indicator.slug}/"
    assert indicator.spec["filters"][0]["value"] == [
        "Noise - Residential",
        "Noise - Street/Sidewalk",
    ]
    assert indicator.target_value == 2.0


def test_save_with_a_bad_spec_shows_the_error(world: World) -> None:
    nyc(world)
    client = as_user(world.user("member"))
    response = client.post(
        "/cities/city-a/indicators/new/", builder_data(measure="mean", column="Borough")
    )
    assert response.status_code == 200
    assert "Borough" in body(response) and 'role="alert"' in body(response)
    assert not Indicator.objects.exists()


def test_builder_accepts_spec_json(world: World) -> None:
    nyc(world)
    client = as_user(world.user("member"))
    response = client.post(
        "/cities/city-a/indicators/new/",
        builder_data(spec_json='{"measure": {"type": "count"}, '
                     '"time": {"column": "Created Date", "period": "month"}}'),
    )  # fmt: skip
    assert response.status_code == 302
    assert Indicator.objects.get().spec["measure"] == {"type": "count"}


def test_viewer_may_not_build(world: World) -> None:
    nyc(world)
    assert as_user(world.user("viewer")).get("/cities/city-a/indicators/new/").status_code == 403
    page = body(as_user(world.user("viewer")).get("/cities/city-a/indicators/"))
    assert "New indicator" not in page


def test_indicator_page_shows_chart_table_goal_signals_equity_sql(world: World) -> None:
    indicator = make_indicator(world)
    page = body(as_user(world.user("member")).get(f"/cities/city-a/indicators/{indicator.slug}/"))
    chart = chart_payload(page, "indicator-chart")
    assert chart["median"] is not None and chart["target"] == 2.0 and chart["y_label"] == "hours"
    assert '<canvas role="img" aria-label="Noise closures: ' in page
    assert "Values per period" in page
    assert "Goal" in page and "least-squares line" in page
    assert "Signals of change" in page
    assert "Equity" in page and "Best group" in page
    assert "Breakdown" in page
    assert "Show SQL" in page and "SELECT" in page.upper()
    listing = body(as_user(world.user("member")).get("/cities/city-a/indicators/"))
    assert "Noise closures" in listing and "New indicator" in listing


def test_series_csv(world: World) -> None:
    indicator = make_indicator(world)
    response = as_user(world.user("member")).get(
        f"/cities/city-a/indicators/{indicator.slug}/series.csv"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["period", "start", "value", "n"]
    assert len(rows) > 1


def test_edit_and_delete(world: World) -> None:
    indicator = make_indicator(world)
    client = as_user(world.user("member"))
    url = f"/cities/city-a/indicators/{indicator.slug}/"
    page = body(client.get(f"{url}edit/"))
    assert 'value="Noise - Residential, Noise - Street/Sidewalk"' in page
    # 1 hour: below the 2.3-hour baseline, as "lower is better" needs (a target above it is
    # refused since issue 10.26).
    response = client.post(f"{url}edit/", builder_data(name="Noise", target_value="1"))
    assert response.status_code == 302, body(response)
    indicator.refresh_from_db()
    assert indicator.name == "Noise" and indicator.target_value == 1.0
    admin = as_user(world.user("city_admin"))
    assert "Delete indicator" in body(admin.get(url))
    assert admin.post(f"{url}delete/").status_code == 302
    assert not Indicator.objects.exists()


def test_viewer_may_not_edit_or_delete(world: World) -> None:
    indicator = make_indicator(world)
    client = as_user(world.user("viewer"))
    url = f"/cities/city-a/indicators/{indicator.slug}/"
    assert client.get(url).status_code == 200
    assert client.get(f"{url}edit/").status_code == 403
    assert client.post(f"{url}delete/").status_code == 403
    assert Indicator.objects.exists()


def test_links_from_the_city_and_dataset_pages(world: World) -> None:
    nyc(world)
    client = as_user(world.user("member"))
    assert 'href="/cities/city-a/indicators/"' in body(client.get("/cities/city-a/"))
    assert "Indicators from this dataset" in body(client.get("/cities/city-a/data/311/"))


def test_permission_matrix(world: World) -> None:
    dataset = nyc(world, Visibility.PUBLIC)
    count = iter(range(1000))

    def make(w: World, vis: Visibility) -> Indicator:
        return Indicator.objects.create(
            city=w.city,
            team=w.team,
            visibility=vis,
            dataset=dataset,
            name=f"Indicator {next(count)}",
            slug=f"indicator-{next(count)}",
            spec={"dataset": "311", "measure": {"type": "count"}},
        )

    check_permission_matrix(
        world,
        make=make,
        queryset=visible_indicators,
        ui_url=lambda i: f"/cities/{i.city.slug}/indicators/{i.slug}/",
    )


def test_signals_and_widening_gap_are_told_in_words(world: World, tmp_path: Any) -> None:
    """GIVEN a count that falls every month while group B falls more slowly than group A
    WHEN the indicator page opens THEN the trend is marked and the widening gap is flagged."""
    lines = ["id,group,opened"]
    for i in range(8):
        for group, count in (("A", 20 - 2 * i), ("B", 20 - i)):
            lines += [f"{len(lines)},{group},2024-{i + 1:02d}-05" for _ in range(count)]
    path = write(tmp_path / "requests.csv", "\n".join(lines) + "\n")
    version = datasets.import_file(
        None, world.city, "Requests", path, path.name, datasets.ImportOptions()
    )
    spec = {
        "measure": {"type": "count"},
        "time": {"column": "opened", "period": "month"},
        "equity": "group",
    }
    indicator = services.create_indicator(
        world.user("member"), version.dataset, "Requests", spec, target_value=10.0
    )
    page = body(as_user(world.user("member")).get(f"/cities/city-a/indicators/{indicator.slug}/"))
    assert chart_payload(page, "indicator-chart")["signals"]
    assert "8 points in a row going down" in page
    assert "gap between the best and worst group is widening" in page
    assert '<td data-label="Best group">A' in page


def test_indicator_pages_in_french(world: World) -> None:
    """GIVEN a French city WHEN its admin opens the indicator pages THEN no English sentence
    of the catalogue shows on them."""
    world.city.default_language = "fr"
    world.city.save()
    indicator = make_indicator(world)
    client = as_user(world.user("city_admin"))
    english = [
        e.msgid
        for e in polib.pofile(str(FR_PO))
        if not e.obsolete and " " in e.msgid and e.msgid != e.msgstr and "%" not in e.msgid
    ]
    base = f"/cities/city-a/indicators/{indicator.slug}/"
    for url in (
        "/cities/city-a/indicators/",
        "/cities/city-a/indicators/new/",
        base,
        f"{base}edit/",
    ):
        text = visible_text(body(client.get(url)))
        assert "Indicateurs" in text, url
        assert not [m for m in english if m in text], url


def test_the_name_new_is_reserved(world: World) -> None:
    nyc(world)
    response = as_user(world.user("member")).post(
        "/cities/city-a/indicators/new/", builder_data(name="New")
    )
    assert response.status_code == 200 and "reserved" in body(response)
    assert not Indicator.objects.exists()


def test_the_kept_result_sections_change_with_the_indicator_the_data_and_the_language(
    world: World, tmp_path: Path
) -> None:
    """The page's result sections are rendered once and kept in the cache (issue 17's load
    work). GIVEN a page read once WHEN the target is edited, a new version of the dataset is
    imported, or the page is read in French THEN each read shows the new state, not the kept one;
    and a reader who may not see the indicator is still refused (the check runs before)."""
    indicator = make_indicator(world)
    url = f"/cities/city-a/indicators/{indicator.slug}/"
    member = as_user(world.user("member"))
    assert chart_payload(body(member.get(url)), "indicator-chart")["target"] == 2.0
    response = member.post(f"{url}edit/", builder_data(target_value="1"))
    assert response.status_code == 302, body(response)
    assert chart_payload(body(member.get(url)), "indicator-chart")["target"] == 1.0

    before = body(member.get(url))
    # The same file with one more noise complaint, in a month no other row has.
    with NYC.open(newline="") as source:
        table = list(csv.DictReader(source))
    extra = next(dict(r) for r in table if r["Complaint Type"] == "Noise - Residential")
    extra["Unique Key"] = "99999999"
    extra["Created Date"], extra["Closed Date"] = "01/05/2030 09:00:00 AM", "01/05/2030 11:00:00 AM"
    newer = tmp_path / NYC.name
    with newer.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows([*table, extra])
    datasets.import_file(
        None, world.city, "311", newer, newer.name, datasets.ImportOptions(add_version=True)
    )
    after = body(member.get(url))
    assert "January 2030" not in before and "January 2030" in after

    world.city.default_language = "fr"
    world.city.save()
    french = body(as_user(world.user("member")).get(url))
    assert "janvier 2030" in french and "January 2030" not in french

    outsider = as_user(world.user("other_network_admin"))
    assert outsider.get(url).status_code == 404
