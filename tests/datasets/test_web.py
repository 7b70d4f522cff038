"""The city data pages: catalogue, a dataset's page and rows, downloads, rollback, edits,
and who may reach them. The upload flow and job pages are in test_web_import.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import polib
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civiclab.core.permissions import Visibility
from civiclab.datasets import services
from civiclab.datasets.models import Dataset, ImportJob
from civiclab.datasets.queries import visible_datasets
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.datasets.web_helpers import POTHOLES, ROWS, make_dataset, page_of, submit_and_follow
from tests.permission_matrix import check_permission_matrix
from tests.test_i18n import FR_PO, visible_text
from tests.world import World

pytestmark = pytest.mark.django_db

# --- Catalogue ---------------------------------------------------------------------------------


def test_catalogue_lists_what_the_user_may_see_by_city(world: World, tmp_path: Path) -> None:
    """GIVEN a dataset in city A and one in city B WHEN a member of A opens /data/
    THEN they see A's, with its rows and visibility, and not B's."""
    make_dataset(world, tmp_path)
    path = write(tmp_path / "b.csv", "id,name\n1,x\n")
    services.import_file(
        None, world.other_city, "Parcels B", path, "b.csv", services.ImportOptions()
    )
    page = body(as_user(world.user("member")).get("/data/"))
    assert "City A" in page and "Potholes" in page and ">60<" in page
    assert "Parcels B" not in page
    assert 'href="/data/" aria-current="page"' in page
    assert "Import a file into City A" in page
    assert "Import a file into" not in body(as_user(world.user("viewer")).get("/data/"))


def test_city_catalogue_shows_metadata_and_the_import_button(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)
    Dataset.objects.filter(pk=dataset.pk).update(
        source="Public works", licence="ODbL", update_frequency="weekly"
    )
    page = body(as_user(world.user("member")).get("/cities/city-a/data/"))
    for text in ("Potholes", "Public works", "ODbL", "Weekly", "City", "60", "Import a file"):
        assert text in page, text
    viewer = body(as_user(world.user("viewer")).get("/cities/city-a/data/"))
    assert "Potholes" in viewer and "/cities/city-a/data/import/" not in viewer
    assert as_user(world.user("viewer")).get("/cities/city-a/data/import/").status_code == 403


# --- The dataset page and its rows -------------------------------------------------------------


def test_dataset_page_shows_profile_rows_and_versions(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)
    page = body(as_user(world.user("viewer")).get(page_of(dataset)))
    # The profile: a row per column, with types, and the range a time column covers.
    assert '<th scope="row">opened</th>' in page
    assert "Date and time" in page and "Whole number" in page
    assert "covers 2024-01-01 14:30:00 to 2024-01-28 15:30:00" in page
    assert 'open <span class="muted">(30)</span>' in page  # top values with counts
    # The first page of rows, the versions, the downloads.
    assert "Rows 1 to 25 of 60" in page
    assert "Main St" in page
    assert "Version 1, from potholes.csv" in page
    assert "download.csv" in page and "download.parquet" in page
    assert "Make current" not in page and "Edit details" not in page  # a viewer


def rows(client: Client, dataset: Dataset, query: str = "") -> tuple[str, Any]:
    response = client.get(f"{page_of(dataset)}rows/?{query}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return body(response), response


def first_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r"<tr><td>(\d+)</td>", html)]


def test_rows_partial_pages_sorts_and_filters(world: World, tmp_path: Path) -> None:
    """GIVEN a 60-row dataset WHEN the rows partial is asked for a page, a sort or a filter
    THEN only the rows table comes back, showing those rows, and the address bar follows."""
    dataset = make_dataset(world, tmp_path)
    client = as_user(world.user("member"))

    html, response = rows(client, dataset, "page=2")
    assert "<html" not in html and 'id="rows"' in html
    assert "Rows 26 to 50 of 60" in html and first_ids(html)[0] == 26
    assert response["HX-Push-Url"] == f"{page_of(dataset)}?page=2"

    html, _ = rows(client, dataset, "sort=id&desc=1")
    assert first_ids(html)[:3] == [60, 59, 58]
    assert 'aria-sort="descending"><a href="' in html
    # Clicking the sorted column again sorts the other way.
    assert f'href="{page_of(dataset)}?sort=id"' in html

    html, response = rows(client, dataset, "f.street=elm&sort=id")
    assert "Rows 1 to 20 of 20" in html
    assert "Main St" not in html and "Oak Ave" not in html
    assert first_ids(html)[:2] == [1, 4]
    assert 'value="elm"' in html
    assert response["HX-Push-Url"] == f"{page_of(dataset)}?sort=id&f.street=elm"

    html, _ = rows(client, dataset, "f.street=nowhere")
    assert "No rows match the filters." in html
    # A sort by a column that does not exist is ignored, not an error.
    html, _ = rows(client, dataset, "sort=nope&page=x")
    assert first_ids(html)[0] == 1

    # Without htmx the same query gives the whole page.
    page = body(client.get(f"{page_of(dataset)}?sort=id&desc=1"))
    assert "<html" in page and first_ids(page)[0] == 60


# --- Downloads, rollback, edits ----------------------------------------------------------------


def download(client: Client, dataset: Dataset, fmt: str) -> tuple[Any, bytes]:
    response = client.get(f"{page_of(dataset)}download.{fmt}")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def test_downloads_csv_and_parquet(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)
    client = as_user(world.user("viewer"))
    response, content = download(client, dataset, "csv")
    assert 'filename="city-a-potholes-v1.csv"' in response["Content-Disposition"]
    lines = content.decode().splitlines()
    assert lines[0].replace('"', "") == "id,street,opened,status"
    assert len(lines) == ROWS + 1 and lines[1].startswith("1,")

    response, content = download(client, dataset, "parquet")
    assert 'filename="city-a-potholes-v1.parquet"' in response["Content-Disposition"]
    path = tmp_path / "download.parquet"
    path.write_bytes(content)
    [(count, streets)] = duckdb.sql(
        f"SELECT count(*), count(DISTINCT street) FROM read_parquet('{path}')"
    ).fetchall()
    assert (count, streets) == (ROWS, 3)
    # Nothing is left behind in the data directory.
    assert not list((settings.DATA_DIR / "exports").iterdir())
    assert client.get(f"{page_of(dataset)}download.xml").status_code == 404


def test_make_current_rolls_back(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)
    path = write(tmp_path / "v2.csv", "id,street,opened,status\n1,Main St,2024-02-01 08:00,open\n")
    services.import_file(
        None, world.city, "Potholes", path, "v2.csv", services.ImportOptions(add_version=True)
    )
    member = as_user(world.user("member"))
    page = body(member.get(page_of(dataset)))
    assert "Make version 1 current" in page and "Rows 1 to 1 of 1" in page
    url = f"{page_of(dataset)}versions/1/make-current/"
    assert as_user(world.user("viewer")).post(url).status_code == 403
    response = member.post(url, follow=True)
    assert "Version 1 is current." in body(response)
    dataset.refresh_from_db()
    assert dataset.current_version.number == 1
    assert "Rows 1 to 25 of 60" in body(response)
    assert member.get(url).status_code == 405  # a change needs a POST


def test_edit_metadata(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)
    url = f"{page_of(dataset)}edit/"
    data = {
        "name": "Pothole reports",
        "description": "Reports from the public.",
        "source": "311",
        "update_frequency": "daily",
        "licence": "CC-BY 4.0",
        "visibility": "city",
    }
    assert as_user(world.user("viewer")).get(url).status_code == 403
    member = as_user(world.user("member"))
    assert member.post(url, data).status_code == 302
    dataset.refresh_from_db()
    assert (dataset.name, dataset.licence, dataset.update_frequency) == (
        "Pothole reports",
        "CC-BY 4.0",
        "daily",
    )
    # Publishing is for admins: the member's form says so and nothing changes.
    response = member.post(url, {**data, "visibility": "public", "licence": "other"})
    assert response.status_code == 200
    assert "Only city admins can change who sees a dataset." in body(response)
    dataset.refresh_from_db()
    assert (dataset.visibility, dataset.licence) == ("city", "CC-BY 4.0")
    admin = as_user(world.user("city_admin"))
    assert admin.post(url, {**data, "visibility": "public"}).status_code == 302


# --- Who may see what --------------------------------------------------------------------------


def test_dataset_matrix(world: World, tmp_path: Path) -> None:
    """GIVEN a dataset of city A at each visibility WHEN each kind of person opens its page
    THEN only the people the rules name see it."""
    counter = iter(range(100))

    def make(w: World, vis: Visibility) -> Dataset:
        return make_dataset(w, tmp_path, f"Matrix {next(counter)}", "id,name\n1,a\n", vis)

    check_permission_matrix(
        world,
        make=make,
        queryset=visible_datasets,
        ui_url=lambda d: f"/cities/{d.city.slug}/data/{d.slug}/",
    )


def test_another_citys_member_finds_nothing(world: World, tmp_path: Path) -> None:
    """GIVEN a city-visible dataset and an import job of city A WHEN the admin of city B asks
    for the dataset's pages, downloads or the job THEN each is not found."""
    dataset = make_dataset(world, tmp_path)
    job, _ = submit_and_follow(
        as_user(world.user("member")), write(tmp_path / "a.csv", "id\n1\n"), "Counts"
    )
    outsider = as_user(world.user("other_city_admin"))
    for url in (
        page_of(dataset),
        f"{page_of(dataset)}rows/",
        f"{page_of(dataset)}download.csv",
        f"{page_of(dataset)}download.parquet",
        f"{page_of(dataset)}edit/",
        f"/data/jobs/{job.pk}/",
        f"/data/jobs/{job.pk}/status/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"{page_of(dataset)}versions/1/make-current/").status_code == 404
    assert "Potholes" not in body(outsider.get("/data/"))
    assert "Counts" not in body(outsider.get("/cities/city-b/data/"))
    # City A itself is visible to the network, but its data is not theirs to add to.
    assert outsider.get("/cities/city-a/data/import/").status_code == 403
    assert Client().get(page_of(dataset)).status_code == 404  # anonymous


def add_versions_and_jobs(world: World, tmp_path: Path, dataset: Dataset, count: int) -> None:
    """More versions of ``dataset``, another dataset and failed jobs, ``count`` of each."""
    for i in range(count):
        path = write(tmp_path / f"v{i}.csv", POTHOLES)
        for name in (dataset.name, f"Other {i}"):
            options = services.ImportOptions(add_version=True)
            services.import_file(world.user("member"), world.city, name, path, "v.csv", options)
        ImportJob.objects.create(
            city=world.city,
            dataset=dataset,
            dataset_name=dataset.name,
            upload="uploads/none",
            state=ImportJob.State.FAILED,
            error={"code": "x", "message": "broken", "report": None},
            created_by=world.user("member"),
        )


# Most queries a city admin's request may take, however many versions and datasets there are
# (one of them the navigation's count of unread discussion items).
PINNED = {"dataset": 7, "/cities/city-a/data/": 7, "/data/": 6}


@pytest.mark.parametrize(("page", "pinned"), PINNED.items())
def test_data_page_queries_do_not_grow(
    world: World, tmp_path: Path, page: str, pinned: int
) -> None:
    dataset = make_dataset(world, tmp_path)
    url = page_of(dataset) if page == "dataset" else page
    client = as_user(world.user("city_admin"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add_versions_and_jobs(world, tmp_path, dataset, 1)
    client.get(url)  # the first page after signing in renews the session: not counted
    few = count()
    add_versions_and_jobs(world, tmp_path, dataset, 4)
    many = count()
    assert many == few, f"{url}: {few} queries with fewer rows, {many} with more"
    assert many <= pinned


def test_data_pages_in_french(world: World, tmp_path: Path) -> None:
    """The data pages of a French city show no English sentence of the catalogue."""
    world.city.default_language = "fr"
    world.city.save()
    dataset = make_dataset(world, tmp_path)
    client = as_user(world.user("city_admin"))
    job, _ = submit_and_follow(client, write(tmp_path / "bad.csv", "id,lat\n1,95\n"), "Bad")
    english = [
        e.msgid
        for e in polib.pofile(str(FR_PO))
        if not e.obsolete and " " in e.msgid and e.msgid != e.msgstr and "%" not in e.msgid
    ]
    leftovers = {}
    for url in (
        "/data/",
        "/cities/city-a/data/",
        page_of(dataset),
        f"{page_of(dataset)}edit/",
        "/cities/city-a/data/import/",
        f"/data/jobs/{job.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(body(response))
        found = [m for m in english if m in text]
        if found:
            leftovers[url] = found
    assert not leftovers, leftovers
    assert "Importer un fichier" in body(client.get("/cities/city-a/data/"))


def test_navigation_marks_the_data_tab(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)
    page = body(as_user(world.user("member")).get(page_of(dataset)))
    assert 'href="/data/" aria-current="page"' in page
    assert 'href="/city/" aria-current' not in page
