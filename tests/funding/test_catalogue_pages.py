"""The catalogue's pages and API routes: imports (network admins), funds entered by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from civiclab.funding.models import CatalogueImport, Opportunity
from tests.clients import as_user, body
from tests.funding.test_catalogue_readers import EXTRACT, extract, synopsis
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db


def _upload(client, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/funding/imports/", {"file": SimpleUploadedFile(name, content)}, follow=True
    )


def test_network_admin_imports_a_file(world: World) -> None:
    client = as_user(world.user("network_admin"))
    assert client.get("/funding/imports/").status_code == 200
    response = _upload(client, EXTRACT.name, EXTRACT.read_bytes())
    assert response.status_code == 200
    run = CatalogueImport.objects.get()
    assert run.status == "succeeded" and run.created == 2 and run.by == world.user("network_admin")
    assert "Added to the catalogue: 2" in body(response)
    listing = body(client.get("/funding/imports/"))
    assert EXTRACT.name in listing


def test_bad_file_shows_the_error_and_changes_nothing(world: World) -> None:
    client = as_user(world.user("network_admin"))
    bad = extract(synopsis("77", CloseDate="02302024")).encode()
    response = _upload(client, "bad.xml", bad)
    text = body(response)
    assert "OpportunityID 77" in text and "02302024" in text
    assert "nothing was changed" in text
    assert not Opportunity.objects.exists()
    assert CatalogueImport.objects.get().status == "failed"


@override_settings(MAX_UPLOAD_BYTES=100)
def test_upload_over_the_limit_is_refused(world: World) -> None:
    client = as_user(world.user("network_admin"))
    response = _upload(client, EXTRACT.name, EXTRACT.read_bytes())
    assert "CIVICLAB_MAX_UPLOAD_MB" in body(response)
    assert not CatalogueImport.objects.exists()


@pytest.mark.parametrize("actor", ["member", "city_admin", "other_network_admin"])
def test_others_may_not_import(world: World, actor: str) -> None:
    client = as_user(world.user(actor))
    if actor == "other_network_admin":
        # Any network admin imports (the catalogue is shared by every network).
        assert client.get("/funding/imports/").status_code == 200
        return
    assert client.get("/funding/imports/").status_code == 403
    response = client.post("/funding/imports/", {"file": SimpleUploadedFile("x.xml", b"<x/>")})
    assert response.status_code == 403
    assert not CatalogueImport.objects.exists()


def test_anonymous_is_sent_to_sign_in() -> None:
    assert as_user(None).get("/funding/imports/").status_code == 302


def test_fund_form(world: World) -> None:
    client = as_user(world.user("city_admin"))
    response = client.post(
        "/funding/funds/new/",
        {
            "title": "Fondation de France — Initiatives locales",
            "agency_name": "Fondation de France",
            "funder_type": "philanthropic",
            "country": "FR",
            "currency": "EUR",
            "applicant_codes": ["02", "12"],
            "activity_categories": ["CD"],
            "close_date": "2030-05-31",
            "award_ceiling": "30000",
            "cost_sharing": "unknown",
        },
    )
    assert response.status_code == 302, body(response)
    fund = Opportunity.objects.get()
    assert fund.network == world.network and fund.applicant_codes == ["02", "12"]
    edit = f"/funding/funds/{fund.pk}/edit/"
    assert as_user(world.user("member")).get(edit).status_code == 403
    assert as_user(world.user("member")).get("/funding/funds/new/").status_code == 403
    assert as_user(world.user("other_network_admin")).get(edit).status_code == 404
    form = client.get(edit)
    assert form.status_code == 200 and "Fondation de France" in body(form)


def test_fund_form_in_french(world: World) -> None:
    user = world.user("city_admin")
    user.language = "fr"
    user.save()
    page = body(as_user(user).get("/funding/funds/new/"))
    assert "Saisir un financement à la main" in page and "Qui peut candidater" in page


def test_api(world: World) -> None:
    admin = world.user("network_admin")
    client = as_user(None)
    CatalogueImport.objects.create(file_name="x.zip", status="succeeded", created=3)
    answer = client.get("/api/v1/funding/imports", **api_headers(admin))
    assert answer.status_code == 200 and answer.json()["items"][0]["created"] == 3
    member = world.user("member")
    assert client.get("/api/v1/funding/imports", **api_headers(member)).status_code == 403

    created = client.post(
        "/api/v1/funding/funds",
        json.dumps(
            {
                "title": "Région Sud — Nature en ville",
                "funder_name": "Région Sud",
                "funder_type": "regional",
                "country": "FR",
                "currency": "EUR",
                "applicant_codes": ["02"],
                "award_ceiling": 200000,
            }
        ),
        content_type="application/json",
        **api_headers(world.user("city_admin")),
    )
    assert created.status_code == 201, created.content
    fund = created.json()
    assert fund["funder_name"] == "Région Sud" and fund["network"] == world.network.slug
    refused = client.post(
        "/api/v1/funding/funds",
        json.dumps({"title": "Mine", "funder_name": "Me"}),
        content_type="application/json",
        **api_headers(member),
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/funding/funds",
        json.dumps({"title": "Bad", "applicant_codes": ["42"]}),
        content_type="application/json",
        **api_headers(admin),
    )
    assert bad.status_code == 422
    patched = client.patch(
        f"/api/v1/funding/funds/{fund['id']}",
        json.dumps({"close_date": "2031-01-31", "award_ceiling": 250000}),
        content_type="application/json",
        **api_headers(admin),
    )
    assert patched.status_code == 200 and patched.json()["award_ceiling"] == 250000
    foreign = client.patch(
        f"/api/v1/funding/funds/{fund['id']}",
        json.dumps({"title": "Taken"}),
        content_type="application/json",
        **api_headers(world.user("other_network_admin")),
    )
    assert foreign.status_code == 404


def test_no_catalogue_path_is_left_in_temp(world: World, settings: object, tmp_path: Path) -> None:
    client = as_user(world.user("network_admin"))
    _upload(client, EXTRACT.name, EXTRACT.read_bytes())
    from django.conf import settings as django_settings

    leftovers = [p for p in Path(django_settings.FILE_UPLOAD_TEMP_DIR).glob("tmp*") if p.is_dir()]
    assert leftovers == []
