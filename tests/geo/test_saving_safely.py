"""Saving analysis results and importing under a name: an existing dataset is written to only
when that is asked for explicitly, only by someone who may share rows as widely as it is
shared, and derived rows are never shared wider than the datasets they come from (issue 10,
item 21)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civiclab.accounts.models import User
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.geo.demo import seed_demo_geo
from civiclab.geo.services import proximity_between, save_matches
from civiclab.network.demo import seed_demo
from civiclab.network.models import City
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.permission_matrix import api_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def mobile(tmp_path: Path) -> dict[str, Dataset]:
    """The demo: Mobile's network-visible Parcels and Blighted properties, and a city-only
    "311 requests" the analyst imported, located around blighted properties."""
    seed_demo()
    seed_demo_geo()
    city = City.objects.get(slug="mobile")
    blighted = datasets.find_dataset(city, "Blighted properties")
    assert blighted is not None
    rng = np.random.default_rng(21)
    lon0, lat0 = -88.077, 30.712
    lines = ["Request,Type,Latitude,Longitude"]
    for i in range(400):
        lines.append(
            f"{i},{'Litter' if i % 2 else 'Overgrown lot'},"
            f"{lat0 + rng.uniform(-0.01, 0.01):.6f},{lon0 + rng.uniform(-0.01, 0.01):.6f}"
        )
    path = write(tmp_path / "311.csv", "\n".join(lines) + "\n")
    analyst = User.objects.get(email="mobile.analyst@demo.civiclab.org")
    requests = datasets.import_file(
        analyst, city, "311 requests", path, path.name, datasets.ImportOptions(visibility="city")
    ).dataset
    parcels = datasets.find_dataset(city, "Parcels")
    assert parcels is not None and parcels.visibility == "network"
    return {"311": requests, "parcels": parcels, "blighted": blighted}


def _unchanged(parcels: Dataset) -> None:
    parcels.refresh_from_db()
    assert parcels.current_version is not None
    assert (parcels.current_version.number, parcels.current_version.rows) == (1, 45_000)
    assert parcels.versions.count() == 1


def _detroit_admin_sees_parcels_only(parcels: Dataset) -> None:
    detroit = as_user(User.objects.get(email="detroit.admin@demo.civiclab.org"))
    page = body(detroit.get("/cities/mobile/data/parcels/"))
    assert "Parcel ID" in page and "Overgrown lot" not in page and "Request" not in page


def test_saving_proximity_under_an_existing_name_asks_and_never_leaks(
    mobile: dict[str, Dataset],
) -> None:
    """GIVEN the demo's Mobile analyst (a member) and the city-only 311 requests WHEN they
    save a proximity result under the name of the network-visible Parcels THEN the page says
    the name is taken and nothing is written; WHEN they confirm adding a version THEN they
    are refused (a member may not write into a dataset shared beyond the city); Detroit's
    admin still reads parcels, not 311 requests."""
    analyst = as_user(User.objects.get(email="mobile.analyst@demo.civiclab.org"))
    form = {"origin": "311-requests", "near": "blighted-properties", "distance": "150",
            "unit": "ft", "save_as": "Parcels"}  # fmt: skip
    response = analyst.post("/cities/mobile/geo/proximity/", form)
    page = body(response)
    assert response.status_code == 409
    assert 'id="save-error"' in page and "already exists" in page and 'id="saved"' not in page
    assert response.context["result"]["count"] > 0  # still counted
    _unchanged(mobile["parcels"])
    response = analyst.post("/cities/mobile/geo/proximity/", {**form, "add_version": "on"})
    assert response.status_code == 403
    assert 'id="save-error"' in body(response) and 'id="saved"' not in body(response)
    _unchanged(mobile["parcels"])
    _detroit_admin_sees_parcels_only(mobile["parcels"])


def test_the_api_and_the_cli_ask_too(
    mobile: dict[str, Dataset], capsys: pytest.CaptureFixture[str]
) -> None:
    analyst = User.objects.get(email="mobile.analyst@demo.civiclab.org")
    url = "/api/v1/cities/mobile/geo/proximity"
    ask = {"from": "311-requests", "near": "blighted-properties", "distance": "150ft",
           "save": "Parcels"}  # fmt: skip
    answer = Client().post(url, json.dumps(ask), content_type="application/json",
                           **api_headers(analyst))  # fmt: skip
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "name_taken"
    confirmed = Client().post(url, json.dumps({**ask, "add_version": True}),
                              content_type="application/json", **api_headers(analyst))  # fmt: skip
    assert confirmed.status_code == 403
    _unchanged(mobile["parcels"])
    with pytest.raises(CommandError, match=r"already exists.*--add-version"):
        call_command("geo", "proximity", "--city", "mobile", "--from", "311-requests", "--near",
                     "blighted-properties", "--distance", "150ft", "--save", "Parcels")  # fmt: skip
    # Even the server's operator cannot put city-only rows into a network dataset.
    with pytest.raises(CommandError, match="never shared wider"):
        call_command("geo", "proximity", "--city", "mobile", "--from", "311-requests",
                     "--near", "blighted-properties", "--distance", "150ft", "--save", "Parcels",
                     "--add-version")  # fmt: skip
    _unchanged(mobile["parcels"])
    _detroit_admin_sees_parcels_only(mobile["parcels"])


def test_derived_rows_are_never_wider_than_their_sources(mobile: dict[str, Dataset]) -> None:
    """GIVEN network parcels near the city-only 311 requests WHEN Mobile's admin (who may
    publish) saves them THEN the saved dataset is city-only: the narrower source caps it;
    adding a version of a city-only result into a network dataset is refused even for them."""
    admin = User.objects.get(email="mobile.admin@demo.civiclab.org")
    answer = proximity_between(mobile["parcels"], mobile["311"], 45.72)
    saved = save_matches(admin, answer, "Parcels near 311 requests")
    assert saved.dataset.visibility == "city"
    client = as_user(admin)
    response = client.post("/cities/mobile/geo/proximity/", {
        "origin": "311-requests", "near": "blighted-properties", "distance": "150",
        "unit": "ft", "save_as": "Parcels", "add_version": "on"})  # fmt: skip
    assert response.status_code == 409 and "never shared wider" in body(response)
    _unchanged(mobile["parcels"])
    # Network blight near network parcels, saved by the admin: stays network-wide.
    shared = save_matches(admin, proximity_between(mobile["blighted"], mobile["parcels"], 20), "B")
    assert shared.dataset.visibility == "network"


def test_importing_under_an_existing_name_asks_on_every_path(
    mobile: dict[str, Dataset], tmp_path: Path
) -> None:
    """The normal import flow: the web form, the API and the CLI refuse an existing name
    unless told to add a version; the analyst cannot add one to the network Parcels."""
    city = mobile["parcels"].city
    analyst = User.objects.get(email="mobile.analyst@demo.civiclab.org")
    path = write(tmp_path / "rows.csv", "Request,Type\n1,Litter\n")
    with pytest.raises(datasets.NameTaken):
        datasets.import_file(None, city, "Parcels", path, path.name, datasets.ImportOptions())
    with pytest.raises(CommandError, match=r"already exists.*--add-version"):
        call_command("ingest", str(path), "--city", "mobile", "--dataset", "Parcels")
    _unchanged(mobile["parcels"])
    web = as_user(analyst)
    with path.open("rb") as handle:
        response = web.post("/cities/mobile/data/import/",
                            {"file": handle, "dataset": "Parcels", "format": "auto",
                             "mode": "replace", "max_bad_rows": 0,
                             "visibility": "city"})  # fmt: skip
    assert response.status_code == 200 and "already exists" in body(response)
    with path.open("rb") as handle:
        response = web.post("/cities/mobile/data/import/",
                            {"file": handle, "dataset": "Parcels", "format": "auto",
                             "mode": "replace", "max_bad_rows": 0, "visibility": "city",
                             "add_version": "on"})  # fmt: skip
    assert response.status_code == 200 and "only a city admin" in body(response)
    # The API: the analyst may never write into the network's Parcels (403, confirmed or
    # not, checked before the upload is read); into their own city-only dataset an import
    # needs the confirmation, and is then fine.
    for confirm in ({}, {"add_version": "true"}):
        with path.open("rb") as handle:
            answer = Client().post("/api/v1/cities/mobile/datasets/parcels/imports",
                                   {"file": handle, **confirm}, **api_headers(analyst))  # fmt: skip
        assert answer.status_code == 403
    _unchanged(mobile["parcels"])
    with path.open("rb") as handle:
        answer = Client().post("/api/v1/cities/mobile/datasets/311-requests/imports",
                               {"file": handle}, **api_headers(analyst))  # fmt: skip
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "name_taken"
    with path.open("rb") as handle:
        answer = Client().post("/api/v1/cities/mobile/datasets/311-requests/imports",
                               {"file": handle, "add_version": "true"},
                               **api_headers(analyst))  # fmt: skip
    assert answer.status_code == 202, answer.json()
