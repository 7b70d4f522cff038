"""Review packs' API and command line: create, read the pack, hold a meeting, the PDF (202,
poll, fetch); bad input answered with a specific 422; the CLI writes a tagged PDF."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from civiclab.reports.models.packs import ReviewMeeting
from tests.clients import as_user
from tests.reports.packs_helpers import (
    assert_tagged,
    private_elsewhere,
    team_review,
    team_solution,
)
from tests.world import World

API = "/api/v1/reports/reviews"


def _post(client, url, payload):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_the_api_round_trip(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    solution = team_solution(world, tmp_path)
    private_elsewhere(world)
    client = as_user(world.user("team_member"))
    today = timezone.localdate()
    made = _post(client, API, {"scope": "team", "team": world.team.pk, "title": "T monthly",
                               "cadence": "monthly",
                               "next_meeting_on": today.isoformat(),
                               "owner": world.user("city_admin").pk})  # fmt: skip
    assert made.status_code == 201, made.content
    review_id = made.json()["id"]
    assert made.json()["may_write"] is True
    assert made.json()["owner"] == str(world.user("city_admin"))
    wrong_owner = _post(client, API, {"scope": "team", "team": world.team.pk, "title": "X",
                                      "next_meeting_on": today.isoformat(),
                                      "owner": world.user("member").pk})  # fmt: skip
    assert wrong_owner.status_code == 422
    listed = client.get(API).json()
    assert [r["id"] for r in listed["items"]] == [review_id]
    pack = client.get(f"{API}/{review_id}/pack").json()
    assert [s["title"] for s in pack["solutions"]] == [solution.title]
    assert "B private solution" not in json.dumps(pack)
    held = _post(client, f"{API}/{review_id}/meetings", {
        "decisions": [{"text": "Extend", "solution": solution.pk}],
        "actions": [{"text": "Book dates", "owner": world.user("team_member").pk,
                     "due_on": (today + dt.timedelta(days=5)).isoformat()}],
    })  # fmt: skip
    assert held.status_code == 201, held.content
    meeting = held.json()
    assert [a["text"] for a in meeting["actions"]] == ["Book dates"]
    again = client.get(f"{API}/{review_id}/pack").json()
    assert [a["text"] for a in again["carried"]["actions"]] == ["Book dates"]
    frozen = client.get(f"{API}/{review_id}/meetings/{meeting['id']}").json()
    assert frozen["pack"]["carried"]["actions"] == []
    action_id = meeting["actions"][0]["id"]
    done = client.post(f"{API}/{review_id}/actions/{action_id}/done")
    assert done.status_code == 200 and done.json()["done_on"] == today.isoformat()
    assert client.get(f"{API}/{review_id}/pack").json()["carried"]["actions"] == []
    decision_id = meeting["decisions"][0]["id"]
    closed = client.post(f"{API}/{review_id}/decisions/{decision_id}/done")
    assert closed.status_code == 200 and closed.json()["done_on"] == today.isoformat()
    viewer = as_user(world.user("viewer")).post(f"{API}/{review_id}/decisions/{decision_id}/done")
    assert viewer.status_code == 404
    # The PDF: 202, then its state, then the bytes.
    with django_capture_on_commit_callbacks(execute=True):
        asked = _post(client, f"{API}/{review_id}/pdf", {"language": "fr"})
    assert asked.status_code == 202, asked.content
    job = asked.json()
    assert job["state"] == "queued"
    state = client.get(f"{API}/{review_id}/pdf/{job['id']}").json()
    assert state["state"] == "done" and state["download"]
    pdf = client.get(state["download"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_tagged(pdf.content, "fr")


def test_bad_input_and_refusals(world: World, tmp_path: Path) -> None:
    team_solution(world, tmp_path)
    (b_solution, _u) = private_elsewhere(world)
    review = team_review(world)
    url = f"{API}/{review.pk}"
    member = as_user(world.user("team_member"))
    cases = [
        {"decisions": [{"text": ""}]},
        {"decisions": [{"text": "x" * 2001}]},
        {"actions": [{"text": "Spy", "solution": b_solution.pk}]},
        {"actions": [{"text": "Who?", "owner": world.user("other_city_admin").pk}]},
        {"actions": [{"text": "Nobody", "owner": 2**40}]},
        {"held_on": "2099-01-01"},
        {"held_on": "yesterday"},
        {"actions": [{"text": "a"}] * 51},
        {"done_actions": [2**40]},
        {"surprise": 1},
        {"notes": "nul \u0000 here"},
        {"actions": [{"text": "nul \u0000"}]},
    ]
    for payload in cases:
        answer = _post(member, f"{url}/meetings", payload)
        assert answer.status_code == 422, (payload, answer.content)
    assert not ReviewMeeting.objects.exists()
    assert member.get(f"{API}/{2**63}").status_code == 422
    assert member.get(f"{API}/999999/pack").status_code == 404
    # Readers and writers.
    assert as_user(world.user("member")).get(f"{url}/pack").status_code == 404
    assert as_user(world.user("other_network_admin")).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 401
    assert _post(as_user(world.user("member")), f"{url}/meetings", {}).status_code == 404
    city = _post(as_user(world.user("viewer")), API, {
        "scope": "city", "city": world.city.pk, "title": "A", "cadence": "monthly",
        "next_meeting_on": timezone.localdate().isoformat()})  # fmt: skip
    assert city.status_code == 403
    cohort_review = _post(as_user(world.user("city_admin")), API, {
        "scope": "team", "title": "No team", "cadence": "monthly",
        "next_meeting_on": timezone.localdate().isoformat()})  # fmt: skip
    assert cohort_review.status_code == 422
    assert _post(member, f"{url}/pdf", {"language": "de"}).status_code == 422
    assert member.get(f"{url}/pdf/12345/download").status_code == 404


def test_cohort_reviews_are_the_network_admins(world: World, tmp_path: Path) -> None:
    from tests.factories import CohortFactory

    team_solution(world, tmp_path)  # city-visible: never in a cohort's pack
    cohort = CohortFactory(network=world.network)
    world.city.cohorts.add(cohort)
    payload = {"scope": "cohort", "cohort": cohort.pk, "title": "Cohort", "cadence": "quarterly",
               "next_meeting_on": timezone.localdate().isoformat()}  # fmt: skip
    assert _post(as_user(world.user("city_admin")), API, payload).status_code in (403, 404)
    made = _post(as_user(world.user("network_admin")), API, payload)
    assert made.status_code == 201, made.content
    pack = as_user(world.user("member")).get(f"{API}/{made.json()['id']}/pack")
    assert pack.status_code == 200 and pack.json()["solutions"] == []


def test_the_command_line_writes_the_pdf(world: World, tmp_path: Path) -> None:
    team_solution(world, tmp_path)
    team_review(world)
    target = tmp_path / "pack.pdf"
    call_command("reports", "pack", "--team", world.team.slug, "--pdf", str(target),
                 "--language", "fr")  # fmt: skip
    content = target.read_bytes()
    assert_tagged(content, "fr")
    out = StringIO()
    call_command("reports", "pack", "--team", world.team.slug, "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["review"]["title"] == "Team T monthly" and printed["summary"]["indicators"] == 1
    with pytest.raises(CommandError, match="No team"):
        call_command("reports", "pack", "--team", "nope")
    from tests.factories import TeamFactory

    TeamFactory(city=world.other_city, slug=world.team.slug, name="B's team")
    with pytest.raises(CommandError, match="Several cities"):
        call_command("reports", "pack", "--team", world.team.slug)
    call_command("reports", "pack", "--team", world.team.slug, "--city", world.city.slug,
                 stdout=StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="No folder"):
        call_command(
            "reports", "pack", "--team", world.team.slug, "--city", world.city.slug,
            "--pdf", "/nonexistent/x.pdf",
        )  # fmt: skip
