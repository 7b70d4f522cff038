"""nudges: who sees which nudge (page, API, email), marking read, the digest in the reader's
language, the email opt-out, the CLI and the demo."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from civiclab.reports.models.nudges import Nudge, NudgeSettings
from civiclab.reports.services.nudges import sweep
from tests.clients import as_user, body
from tests.portfolio import factories as pf
from tests.reports.nudge_helpers import T0, dataset, days, indicator
from tests.world import World

pytestmark = pytest.mark.django_db
DUE = T0 + days(32)


def test_the_page_lists_only_ones_own_nudges(world: World) -> None:
    owner, other = world.user("member"), world.user("team_member")
    dataset(world.city, owner=owner, name="Potholes")
    dataset(world.city, owner=other, name="Streetlights")
    sweep(DUE, email=False)
    page = body(as_user(owner).get("/delivery/nudges/"))
    assert "Potholes" in page and "Streetlights" not in page
    assert "/cities/city-a/data/potholes/" in page
    # anonymous: sent to sign in
    from django.test import Client

    assert Client().get("/delivery/nudges/").status_code == 302


def test_a_nudge_about_what_one_can_no_longer_see_is_hidden(world: World) -> None:
    owner = world.user("team_member")
    data = dataset(world.city, owner=owner, visibility="team", team=world.team)
    sweep(DUE, email=False)
    client = as_user(owner)
    assert "Potholes" in body(client.get("/delivery/nudges/"))
    assert client.get("/api/v1/reports/nudges/count").json() == {"unread": 1}
    # narrowed to another team: the nudge is out of sight, counts included
    data.team = world.other_team
    data.save()
    assert "Potholes" not in body(client.get("/delivery/nudges/"))
    assert client.get("/api/v1/reports/nudges/count").json() == {"unread": 0}
    assert client.get("/api/v1/reports/nudges").json()["items"] == []
    # and it is not emailed
    mail.outbox.clear()
    Nudge.objects.update(emailed_at=None)
    from civiclab.reports.services.nudges import send_digests

    assert send_digests(DUE) == (0, 0)
    assert mail.outbox == []


def test_the_api_lists_marks_read_and_never_touches_another_persons(world: World) -> None:
    owner, other = world.user("member"), world.user("city_admin")
    dataset(world.city, owner=owner, name="Potholes")
    dataset(world.city, owner=other, name="Streetlights")
    sweep(DUE, email=False)
    client = as_user(owner)
    [item] = client.get("/api/v1/reports/nudges").json()["items"]
    assert item["kind"] == "dataset" and item["state"] == "due" and not item["read"]
    assert item["since"] == "2026-02-10" and "Potholes" in item["message"]
    theirs = Nudge.objects.get(recipient=other)
    answer = client.post(
        "/api/v1/reports/nudges/read", {"items": [theirs.pk]}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json() == {"unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    answer = client.post("/api/v1/reports/nudges/read", {}, content_type="application/json")
    assert answer.json() == {"unread": 0}
    assert client.get("/api/v1/reports/nudges?unread=true").json()["items"] == []


def test_the_page_marks_read(world: World) -> None:
    owner = world.user("member")
    dataset(world.city, owner=owner)
    sweep(DUE, email=False)
    nudge = Nudge.objects.get(recipient=owner)
    client = as_user(owner)
    answer = client.post("/delivery/nudges/read/", {"item": str(nudge.pk), "open": "1"})
    assert answer.status_code == 302 and answer["Location"] == "/cities/city-a/data/potholes/"
    nudge.refresh_from_db()
    assert nudge.read_at is not None
    assert client.post("/delivery/nudges/read/", {"item": "x" * 40}).status_code == 302


def test_one_digest_email_per_person_per_sweep(world: World) -> None:
    owner = world.user("member")
    first = dataset(world.city, owner=owner, name="Potholes")
    indicator(first, owner=owner)
    dataset(world.city, owner=owner, name="Streetlights")
    mail.outbox.clear()
    result = sweep(DUE)
    assert result.nudged == 3 and result.emailed == 1
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "Potholes" in message.body and "Streetlights" in message.body
    assert "/delivery/nudges/" in message.body
    assert "3 things you own need updating" in message.subject
    sweep(DUE + days(1))  # nothing new: no email
    assert len(mail.outbox) == 1


def test_the_digest_is_in_the_readers_language(world: World) -> None:
    owner = world.user("member")
    owner.language = "fr"
    owner.save()
    dataset(world.city, owner=owner, name="Nids-de-poule")
    mail.outbox.clear()
    sweep(DUE)
    [message] = mail.outbox
    assert "à mettre à jour" in message.subject
    assert "Le jeu de données «\u00a0Nids-de-poule\u00a0» doit être mis à jour" in message.body
    assert "10/02/2026" in message.body


def test_the_page_in_french(world: World) -> None:
    owner = world.user("member")
    owner.language = "fr"
    owner.save()
    dataset(world.city, owner=owner, name="Nids-de-poule")
    sweep(DUE, email=False)
    page = body(as_user(owner).get("/delivery/nudges/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Mise à jour attendue" in page or "À mettre à jour" in page


def test_opting_out_of_the_email_keeps_the_in_app_nudge(world: World) -> None:
    owner = world.user("member")
    client = as_user(owner)
    assert client.post("/delivery/nudges/email/", {}).status_code == 302
    assert NudgeSettings.objects.get(user=owner).email is False
    assert client.get("/api/v1/reports/nudges/settings").json() == {"email": False}
    dataset(world.city, owner=owner)
    mail.outbox.clear()
    sweep(DUE)
    assert mail.outbox == []
    assert Nudge.objects.filter(recipient=owner).count() == 1
    answer = client.put(
        "/api/v1/reports/nudges/settings", {"email": True}, content_type="application/json"
    )
    assert answer.json() == {"email": True}
    bad = client.put(
        "/api/v1/reports/nudges/settings", {"email": "maybe"}, content_type="application/json"
    )
    assert bad.status_code == 422


def test_milestone_nudges_link_to_their_solution(world: World) -> None:
    import datetime as dt

    owner = world.user("member")
    solution = pf.solution(pf.challenge(world.city))
    pf.milestone(solution, due_on=dt.date(2026, 3, 1), owner=owner, title="Hire the squad")
    sweep(dt.datetime(2026, 3, 5, tzinfo=dt.UTC), email=False)
    page = body(as_user(owner).get("/delivery/nudges/"))
    assert "Hire the squad" in page and f"/solutions/{solution.pk}/" in page
    # another city's member never sees it
    stranger = world.user("other_city_admin")
    assert as_user(stranger).get("/api/v1/reports/nudges").json()["items"] == []


def test_the_cli_sweeps_once(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    owner = world.user("member")
    dataset(world.city, owner=owner)
    call_command("reports", "nudge", "--now", "2026-02-12T08:00:00+00:00", "--json")
    first = json.loads(capsys.readouterr().out)
    call_command("reports", "nudge", "--now", "2026-02-13", "--json")
    second = json.loads(capsys.readouterr().out)
    assert (first["nudged"], second["nudged"]) == (1, 0)
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("reports", "nudge", "--now", "tomorrow")


def test_the_demo_nudges_the_stale_datasets_owner_once(world: World) -> None:
    from civiclab.accounts.models import User
    from civiclab.reports import demo_nudges
    from tests.factories import CityFactory, MembershipFactory, UserFactory

    mobile = CityFactory(network=world.network, slug="mobile", name="Mobile")
    dana = UserFactory(email=demo_nudges.OWNER)
    MembershipFactory(user=dana, city=mobile, role="member")
    data = dataset(mobile, frequency="", name="Vacant buildings", updated=T0)
    assert demo_nudges.seed()
    assert demo_nudges.seed() == []  # idempotent
    from civiclab.reports.services.nudges import sweep as again

    data.refresh_from_db()
    assert data.update_frequency == "monthly" and data.owner_id == dana.pk
    again(T0 + days(62), kinds=("dataset",))
    assert Nudge.objects.filter(recipient=dana).count() == 1
    assert User.objects.filter(pk=dana.pk).exists()
