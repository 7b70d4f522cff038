"""The data dictionary: a description and a unit per column, edited by those who may edit the
dataset, shown in the column profile, downloaded beside the data, and in the API."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from civiclab.audit.models import AuditEvent
from civiclab.core.permissions import Visibility
from civiclab.datasets import services
from civiclab.datasets.models import DICTIONARY_UNIT_MAX
from civiclab.datasets.queries import data_dictionary
from tests.clients import as_user, body
from tests.datasets.web_helpers import make_dataset, page_of
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

TEXT = "id,depth,street\n1,4.5,Main\n2,12,Elm\n"
API = "/api/v1/cities/city-a/datasets"


def _describe(world: World, dataset) -> None:  # type: ignore[no-untyped-def]
    services.update_dictionary(
        world.user("member"),
        dataset,
        {"depth": {"description": "How deep the hole is", "unit": "cm"}},
    )


def test_a_member_describes_columns_and_it_is_audited(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    _describe(world, dataset)
    dataset.refresh_from_db()
    entries = {e["name"]: e for e in data_dictionary(dataset)}
    assert entries["depth"]["description"] == "How deep the hole is"
    assert entries["depth"]["unit"] == "cm"
    assert entries["street"] == {"name": "street", "type": "text", "description": "", "unit": ""}
    event = AuditEvent.objects.get(action="dataset.dictionary")
    assert event.details["columns"] == ["depth"]
    # Empty text clears the entry.
    services.update_dictionary(world.user("member"), dataset, {"depth": {}})
    dataset.refresh_from_db()
    assert dataset.dictionary == {}


@pytest.mark.parametrize("actor", ["viewer", "other_city_admin", "no_membership", "anonymous"])
def test_those_who_may_not_edit_the_dataset_may_not_describe_it(
    world: World, tmp_path: Path, actor: str
) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    with pytest.raises(PermissionDenied):
        services.update_dictionary(world.user(actor), dataset, {"depth": {"unit": "cm"}})
    assert not AuditEvent.objects.filter(action="dataset.dictionary").exists()


def test_unknown_columns_and_long_text_are_refused(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    with pytest.raises(ValidationError) as refused:
        services.update_dictionary(world.user("member"), dataset, {"width": {"unit": "cm"}})
    assert "width is not a column" in str(refused.value)
    with pytest.raises(ValidationError):
        services.update_dictionary(
            world.user("member"), dataset, {"depth": {"unit": "x" * (DICTIONARY_UNIT_MAX + 1)}}
        )
    dataset.refresh_from_db()
    assert dataset.dictionary == {}


def test_the_page_shows_it_in_the_profile_and_the_api_endpoint(
    world: World, tmp_path: Path
) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    _describe(world, dataset)
    page = html.unescape(body(as_user(world.user("viewer")).get(page_of(dataset))))
    assert "How deep the hole is" in page and ">cm<" in page
    assert f"/api/v1/cities/city-a/datasets/{dataset.slug}" in page
    assert "Edit the data dictionary" not in page  # a viewer may not edit
    member_page = body(as_user(world.user("member")).get(page_of(dataset)))
    assert "Edit the data dictionary" in member_page


def test_the_edit_page_saves_and_refuses_viewers(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    url = page_of(dataset) + "dictionary/"
    assert as_user(world.user("viewer")).get(url).status_code == 403
    member = as_user(world.user("member"))
    form = member.get(url)
    assert form.status_code == 200 and "depth: unit" in body(form)
    response = member.post(url, {"description_1": "Depth", "unit_1": "cm", "unit_2": ""})
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.dictionary == {"depth": {"description": "Depth", "unit": "cm"}}
    too_long = member.post(url, {"unit_1": "x" * (DICTIONARY_UNIT_MAX + 1)})
    assert too_long.status_code == 200  # the form again, with its error


def test_the_dictionary_downloads_beside_the_data(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    services.update_dictionary(
        world.user("member"), dataset, {"street": {"description": "=HYPERLINK(1)"}}
    )
    _describe(world, dataset)
    response = as_user(world.user("viewer")).get(page_of(dataset) + "dictionary.csv")
    assert response.status_code == 200
    assert "dictionary.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["column", "type", "description", "unit"]
    assert rows[2][2:] == ["How deep the hole is", "cm"]
    assert rows[3][2] == "'=HYPERLINK(1)"  # safe in a spreadsheet
    api = Client().get(f"{API}/{dataset.slug}/dictionary.csv", **api_headers(world.user("viewer")))
    assert api.status_code == 200 and b"How deep the hole is" in api.content


def test_a_team_only_dataset_dictionary_stays_hidden(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT, visibility=Visibility.TEAM)
    services.update_dictionary(world.user("team_member"), dataset, {"depth": {"unit": "cm"}})
    outsider = as_user(world.user("other_team_member"))
    assert outsider.get(page_of(dataset) + "dictionary.csv").status_code == 404
    assert outsider.get(page_of(dataset) + "dictionary/").status_code == 404
    headers = api_headers(world.user("other_team_member"))
    assert Client().get(f"{API}/{dataset.slug}/dictionary", **headers).status_code == 404


def test_the_api_reads_and_writes_it(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    url = f"{API}/{dataset.slug}/dictionary"
    payload = json.dumps({"columns": [{"name": "depth", "unit": "cm", "description": "Deep"}]})
    refused = Client().patch(
        url, payload, content_type="application/json", **api_headers(world.user("viewer"))
    )
    assert refused.status_code == 403
    done = Client().patch(
        url, payload, content_type="application/json", **api_headers(world.user("member"))
    )
    assert done.status_code == 200, done.content
    assert done.json()[1] == {
        "name": "depth",
        "type": "decimal",
        "description": "Deep",
        "unit": "cm",
    }
    bad = Client().patch(
        url,
        json.dumps({"columns": [{"name": "nope", "unit": "cm"}]}),
        content_type="application/json",
        **api_headers(world.user("member")),
    )
    assert bad.status_code == 422 and "nope" in bad.content.decode()
    detail = Client().get(f"{API}/{dataset.slug}", **api_headers(world.user("viewer"))).json()
    assert detail["dictionary"][1]["unit"] == "cm"


def test_french(world: World, tmp_path: Path) -> None:
    member = world.user("member")
    member.language = "fr"
    member.save(update_fields=["language"])
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    client = as_user(member)
    page = html.unescape(body(client.get(page_of(dataset))))
    assert "Modifier le dictionnaire de données" in page and "Unité" in page
    response = client.post(page_of(dataset) + "dictionary/", {"unit_1": "x" * 60})
    assert response.status_code == 200
    assert "Modifier le dictionnaire de données" in html.unescape(body(response))
    with pytest.raises(ValidationError) as refused, translation.override("fr"):
        services.update_dictionary(member, dataset, {"width": {"unit": "cm"}})
    assert "n’est pas une colonne de la version actuelle" in str(refused.value)


def test_the_kept_columns_and_rows_follow_the_dictionary_the_data_and_the_query(
    world: World, tmp_path: Path
) -> None:
    """The dataset page keeps its columns' profile and its rows table once drawn (issue 17's
    load work). GIVEN a page read once WHEN the dictionary is edited, a new version is
    imported, the rows are filtered THEN each read shows the new state; a reader who may not see
    the dataset is refused before anything kept is read."""
    dataset = make_dataset(world, tmp_path, "Holes", TEXT)
    viewer = as_user(world.user("viewer"))
    first = html.unescape(body(viewer.get(page_of(dataset))))
    assert "How deep the hole is" not in first and "Main" in first
    _describe(world, dataset)
    assert "How deep the hole is" in html.unescape(body(viewer.get(page_of(dataset))))
    newer = tmp_path / "newer.csv"
    newer.write_text("id,depth,street\n1,4.5,Oak\n")
    services.import_file(
        world.user("member"), world.city, "Holes", newer, newer.name,
        services.ImportOptions(add_version=True),
    )  # fmt: skip
    page = html.unescape(body(viewer.get(page_of(dataset))))
    assert "Oak" in page and "Elm" not in page
    filtered = html.unescape(body(viewer.get(page_of(dataset) + "?f.street=Pine")))
    assert "No rows match the filters." in filtered
    assert as_user(world.user("other_city_admin")).get(page_of(dataset)).status_code == 404
