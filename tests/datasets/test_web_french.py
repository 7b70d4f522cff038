"""A French-speaking analyst meets import errors and bad-row reasons in French, on every
page that shows them and in the API (issue 10.23)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from civiclab.datasets.models import ImportJob
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.datasets.web_helpers import make_dataset, page_of, submit_and_follow, upload
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

BAD = "id,lat\n1,40.5\n2,95\n3,41\n"


def _french_member(world: World):  # type: ignore[no-untyped-def]
    member = world.user("member")
    member.language = "fr"
    member.save(update_fields=["language"])
    return member


def test_a_french_member_sees_bad_row_reasons_in_french(world: World, tmp_path: Path) -> None:
    """GIVEN a member whose language is French WHEN a file with a latitude of 95 is imported
    THEN the job page, and the dataset page's failed imports, say why in French."""
    client = as_user(_french_member(world))
    bad = write(tmp_path / "bad.csv", BAD)
    job, page = submit_and_follow(client, bad, "Sensors")
    assert job.state == ImportJob.State.FAILED
    shown = html.unescape(page)
    assert "pas une latitude entre -90 et 90" in shown
    assert "ligne(s) n’ont pas pu être lues" in shown
    assert "not a latitude" not in shown and "could not be read" not in shown

    dataset = make_dataset(world, tmp_path, "Trees", "id,lat\n1,40\n")
    submit_and_follow(client, bad, "Trees", add_version="on")
    shown = html.unescape(body(client.get(page_of(dataset))))
    assert "pas une latitude entre -90 et 90" in shown and "not a latitude" not in shown


def test_accepted_bad_rows_are_explained_in_french(world: World, tmp_path: Path) -> None:
    """GIVEN bad rows accepted into a version WHEN a French reader opens the dataset THEN
    the report's reasons are French (the stored report stays English for English readers)."""
    bad = write(tmp_path / "bad.csv", BAD)
    job, _ = submit_and_follow(as_user(world.user("member")), bad, "Sensors", max_bad_rows="5")
    assert job.state == ImportJob.State.DONE
    english = body(as_user(world.user("member")).get(page_of(job.dataset)))
    assert "not a latitude between -90 and 90" in english
    french = html.unescape(body(as_user(_french_member(world)).get(page_of(job.dataset))))
    assert "pas une latitude entre -90 et 90" in french and "not a latitude" not in french


def test_a_french_member_sees_an_unreadable_file_refused_in_french(
    world: World, tmp_path: Path
) -> None:
    """GIVEN a French member WHEN the upload is a CSV declared as Excel, or empty, THEN the
    form comes back saying why in French."""
    client = as_user(_french_member(world))
    response = upload(
        client, write(tmp_path / "data.csv", "id,name\n1,a\n"), "Mixed", format="xlsx"
    )
    shown = html.unescape(body(response))
    assert "que le format 'xlsx' ne sait pas lire" in shown
    response = upload(client, write(tmp_path / "empty.csv", "\n\n"), "Empty")
    assert "Le fichier est vide." in body(response)


def test_the_api_says_import_errors_in_the_request_language(world: World, tmp_path: Path) -> None:
    """GIVEN a failed import job WHEN the API is asked in French (Accept-Language) THEN its
    error message and reasons are French, with the template and code kept for programs;
    asked without a language, the same job reads in English."""
    bad = write(tmp_path / "bad.csv", BAD)
    job, _ = submit_and_follow(as_user(world.user("member")), bad, "Sensors")
    url = f"/api/v1/jobs/{job.pk}"
    headers = api_headers(world.user("member"))
    french = as_user(None).get(url, HTTP_ACCEPT_LANGUAGE="fr", **headers).json()["error"]
    assert french["code"] == "bad_rows"
    assert "ligne(s) n’ont pas pu être lues" in french["message"]
    assert list(french["report"]["counts"]) == ["pas une latitude entre -90 et 90"]
    assert french["template"].startswith("{bad_rows} row(s) could not be read")
    english = as_user(None).get(url, **headers).json()["error"]
    assert list(english["report"]["counts"]) == ["not a latitude between -90 and 90"]

    invalid = as_user(None).get(
        "/api/v1/challenges", {"limit": 0}, HTTP_ACCEPT_LANGUAGE="fr", **headers
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"]["message"] == "La requête n’est pas valide."


def test_map_layer_filter_errors_come_in_the_request_language(world: World, tmp_path: Path) -> None:
    """GIVEN a map layer asked in French with a filter on an unknown column, a value the
    operator does not take, or a reversed bbox THEN each error is French."""
    text = "id,kind,Latitude,Longitude\n1,pothole,30.69,-88.10\n"
    dataset = make_dataset(world, tmp_path, "Sightings", text)
    url = f"/api/v1/cities/{dataset.city.slug}/datasets/{dataset.slug}/geojson"
    headers = {"HTTP_ACCEPT_LANGUAGE": "fr", **api_headers(world.user("viewer"))}
    client = as_user(None)

    unknown = client.get(url, {"filter": "nope|=|1"}, **headers).json()["error"]
    assert "le jeu de données n’a pas de colonne 'nope'" in str(unknown), unknown
    between = client.get(url, {"filter": "id|between|1"}, **headers).json()["error"]
    assert "filtre sur 'id'" in str(between) and "'between' attend" in str(between), between
    reversed_box = client.get(url, {"bbox": "3,3,1,1"}, **headers).json()["error"]
    assert reversed_box["message"].startswith("bbox doit être"), reversed_box
