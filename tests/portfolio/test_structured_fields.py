"""Structured fields (a challenge's rubric, evidence tags and snapshots) are checked on every
write with the schema their readers use; bad data already stored reads as invalid, never a 500;
request bodies refuse unknown fields and read ids as strict integers (issue 10, item 13)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from civiclab.portfolio import services, transfer
from civiclab.portfolio.models import Challenge, Evidence, Idea
from civiclab.site.api import api
from tests.permission_matrix import api_headers
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db

API = "/api/v1"
BAD_RUBRICS = [
    [{"foo": "bar"}],
    [{"key": "impact"}],
    [{"key": "Impact!", "label": "Impact"}],
    [{"key": "impact", "label": "A"}, {"key": "impact", "label": "B"}],
    [{"key": "impact", "label": "Impact", "weight": "2"}],
    [],
    "impact",
    {"impact": "Impact"},
]


def call(method: str, url: str, user: Any = None, body: Any = None) -> Any:
    client = Client()
    if body is None:
        return getattr(client, method)(url, **api_headers(user))
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", **api_headers(user)
    )


def details(response: Any) -> list[dict[str, Any]]:
    return response.json()["error"]["details"]


def _public_challenge_with_an_idea(world: World) -> tuple[Challenge, Idea]:
    challenge = f.challenge(world.city, "public")
    idea = f.idea(challenge)
    f.score(idea, world.user("member"), "impact", 4)
    return challenge, idea


def _every_reader_answers(challenge: Challenge, idea: Idea) -> None:
    """The pages and the API answers that read the rubric, as an anonymous visitor."""
    anonymous = Client()
    for url in (
        f"/challenges/{challenge.pk}/",
        f"/ideas/{idea.pk}/",
        f"/challenges/{challenge.pk}/ideas/matrix/",
    ):
        assert anonymous.get(url).status_code == 200, url
    for url in (
        f"{API}/challenges/{challenge.pk}",
        f"{API}/ideas/{idea.pk}",
        f"{API}/ideas?challenge={challenge.pk}",
        f"{API}/challenges/{challenge.pk}/export",
    ):
        assert call("get", url).status_code == 200, url


@pytest.mark.parametrize("rubric", BAD_RUBRICS, ids=str)
def test_a_bad_rubric_is_refused_and_the_challenge_still_reads(world: World, rubric: Any) -> None:
    """GIVEN a public challenge with a scored idea WHEN a member PATCHes a rubric of the wrong
    shape THEN a 422 names the rubric, nothing changes, and every page and API answer that reads
    it still answers 200, to anonymous visitors too."""
    challenge, idea = _public_challenge_with_an_idea(world)
    before = challenge.rubric
    response = call(
        "patch", f"{API}/challenges/{challenge.pk}", world.user("member"), {"rubric": rubric}
    )
    assert response.status_code == 422, response.content
    assert all(d["field"].startswith("rubric") for d in details(response)), details(response)
    challenge.refresh_from_db()
    assert challenge.rubric == before
    _every_reader_answers(challenge, idea)


def test_the_service_refuses_a_bad_rubric_whoever_calls_it(world: World) -> None:
    """GIVEN a challenge WHEN the service (as the pages and the command line use it) is given a
    rubric of the wrong shape THEN it refuses it, naming the item and the field."""
    challenge = f.challenge(world.city)
    with pytest.raises(ValidationError) as refused:
        services.update_challenge(None, challenge, {"rubric": [{"key": "ok", "label": ""}]})
    assert "rubric" in refused.value.message_dict
    assert "0.label" in " ".join(refused.value.message_dict["rubric"])


@pytest.mark.parametrize("rubric", BAD_RUBRICS, ids=str)
def test_a_bad_rubric_already_stored_reads_as_invalid(world: World, rubric: Any) -> None:
    """GIVEN a bad rubric written before it was checked WHEN anyone reads the challenge THEN the
    pages and the API answer (no 500), the challenge page says the criteria are not valid, and
    the valid criteria, if any, still score."""
    challenge, idea = _public_challenge_with_an_idea(world)
    Challenge.objects.filter(pk=challenge.pk).update(rubric=rubric)
    _every_reader_answers(challenge, idea)
    page = Client().get(f"/challenges/{challenge.pk}/").content.decode()
    assert "scoring criteria stored for this challenge are not valid" in page
    answer = call("get", f"{API}/challenges/{challenge.pk}").json()
    assert answer["rubric_problem"]
    member = Client()
    member.force_login(world.user("member"))
    assert member.get(f"/challenges/{challenge.pk}/edit/").status_code == 200


def test_a_partly_bad_rubric_keeps_its_valid_criteria(world: World) -> None:
    """GIVEN a stored rubric with one good and one bad criterion WHEN read THEN the good one is
    offered for scoring and the API reports the problem."""
    challenge, idea = _public_challenge_with_an_idea(world)
    Challenge.objects.filter(pk=challenge.pk).update(
        rubric=[{"key": "impact", "label": "Impact"}, {"foo": "bar"}]
    )
    answer = call("get", f"{API}/challenges/{challenge.pk}").json()
    assert answer["rubric"] == [{"key": "impact", "label": "Impact"}]
    assert "1" in answer["rubric_problem"]
    scored = call("post", f"{API}/ideas/{idea.pk}/scores", world.user("member"), {"impact": 5})
    assert scored.status_code == 200, scored.content


@pytest.mark.parametrize(
    "body",
    [
        {"tags": ["x" * 51]},
        {"tags": [f"tag{i}" for i in range(31)]},
        {"tags": [""]},
        {"tags": "housing"},
    ],
    ids=["long tag", "too many", "empty", "not a list"],
)
def test_evidence_tags_are_checked(world: World, body: dict[str, Any]) -> None:
    """GIVEN evidence WHEN tags of the wrong shape are sent THEN a 422 names the tags."""
    evidence = f.evidence(f.challenge(world.city))
    response = call("patch", f"{API}/evidence/{evidence.pk}", world.user("member"), body)
    assert response.status_code == 422, response.content
    assert details(response)[0]["field"].startswith("tags")


def test_bad_tags_and_snapshot_already_stored_read_as_empty(world: World) -> None:
    """GIVEN evidence whose tags and snapshot were stored in the wrong shape WHEN read THEN the
    page and the API answer, without them."""
    challenge = f.challenge(world.city, "public")
    data = f.evidence(challenge, kind="data", title="Notices")
    Evidence.objects.filter(pk=data.pk).update(
        tags="housing", snapshot={"value": "many", "recorded_at": "yesterday"}
    )
    assert Client().get(f"/challenges/{challenge.pk}/").status_code == 200
    answer = call("get", f"{API}/evidence/{data.pk}")
    assert answer.status_code == 200, answer.content
    assert answer.json()["tags"] == [] and answer.json()["snapshot"] == {}


def test_an_imported_snapshot_is_checked(world: World) -> None:
    """GIVEN an export WHEN its snapshot is of the wrong shape THEN the import is refused at its
    place in the document."""
    challenge = f.challenge(world.city)
    f.evidence(challenge, kind="data", title="Notices", snapshot={"value": 3.5})
    document = transfer.export_challenge(challenge)
    document["evidence"][0]["snapshot"] = {"value": "many", "extra": 1}
    with pytest.raises(ValidationError) as refused:
        transfer.import_challenge(None, world.city, document)
    assert "evidence.0.snapshot" in " ".join(refused.value.message_dict["document"])


def test_unknown_fields_are_refused(world: World) -> None:
    """GIVEN a challenge WHEN a PATCH or a POST carries a field the API does not know THEN a 422
    names it and nothing changes."""
    challenge = f.challenge(world.city)
    member = world.user("member")
    response = call(
        "patch", f"{API}/challenges/{challenge.pk}", member, {"title": "New", "colour": "red"}
    )
    assert response.status_code == 422
    assert [d["field"] for d in details(response)] == ["colour"]
    challenge.refresh_from_db()
    assert challenge.title != "New"
    response = call(
        "post", f"{API}/ideas", member, {"challenge": challenge.pk, "title": "x", "owner": "me"}
    )
    assert response.status_code == 422 and details(response)[0]["field"] == "owner"


def test_every_request_body_refuses_unknown_fields() -> None:
    """GIVEN the API's OpenAPI document WHEN reading every POST, PUT and PATCH body THEN each
    forbids properties it does not list (the scores body lists criteria: its values are
    checked)."""
    document = api.get_openapi_schema()
    schemas = document["components"]["schemas"]
    open_bodies = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media["schema"].get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                if not name:
                    continue  # a multipart upload: its fields are form fields
                extra = schemas[name].get("additionalProperties", True)
                if extra is not False and name != "ScoresIn":
                    open_bodies.append(f"{method.upper()} {path} ({name})")
    assert open_bodies == []


@pytest.mark.parametrize("value", [True, "1", 1.0])
def test_ids_are_whole_numbers(world: World, value: Any) -> None:
    """GIVEN challenge 1 exists WHEN an idea is sent with ``"challenge": true`` (or "1", 1.0)
    THEN a 422 names the field rather than reading it as challenge 1."""
    challenge = f.challenge(world.city)
    Challenge.objects.filter(pk=challenge.pk).update()
    response = call(
        "post", f"{API}/ideas", world.user("member"), {"challenge": value, "title": "An idea"}
    )
    assert response.status_code == 422, response.content
    assert details(response)[0]["field"] == "challenge"
    assert not Idea.objects.filter(title="An idea").exists()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"rubric": "\n".join(f"c{i}: Criterion {i}" for i in range(21))}, "rubric"),
        ({"rubric": "impact: " + "I" * 101}, "rubric"),
    ],
    ids=["21 criteria", "long label"],
)
def test_the_challenge_form_checks_the_rubric_limits(
    world: World, fields: dict[str, Any], error_field: str
) -> None:
    """GIVEN the new challenge form WHEN the criteria exceed the rubric's limits THEN the form
    comes back with the error beside them (not truncated, nothing saved)."""
    from tests.clients import as_user
    from tests.portfolio.test_web_challenges import challenge_data, text

    response = as_user(world.user("member")).post("/challenges/new/", challenge_data(**fields))
    assert f'id="id_{error_field}_error"' in text(response)
    assert not Challenge.objects.exists()


def test_the_evidence_form_checks_the_tags_limits(world: World) -> None:
    """GIVEN an insight WHEN 31 tags are typed THEN the form says the limit, nothing saved."""
    from tests.clients import as_user
    from tests.portfolio.test_web_challenges import text

    challenge = f.challenge(world.city)
    data = {"title": "Tagged", "method": "interview", "visibility": "city"}
    data["tags"] = ", ".join(f"t{i}" for i in range(31))
    response = as_user(world.user("member")).post(
        f"/challenges/{challenge.pk}/evidence/new/?kind=insight", data
    )
    assert 'id="id_tags_error"' in text(response)
    assert not Evidence.objects.exists()
