"""The notifications' pages, API and digest: the bell, the list (its query count pinned),
reading, choices, following, asking for scores, the daily e-mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civiclab.datasets.models import Dataset, ImportJob
from civiclab.exchange.models.discussions import DiscussionPost, Thread
from civiclab.notifications import services
from civiclab.notifications.digest import send_digests
from civiclab.notifications.models import Follow, Kind, Notification, Preference, ScoreRequest
from tests.clients import as_user, body
from tests.permission_matrix import api_headers
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db


def one_of_each(world: World, user: Any) -> None:
    """One notification of every kind for ``user``, about objects they may see."""
    challenge = f.challenge(world.city)
    idea = f.idea(challenge)
    solution = f.solution(challenge)
    milestone = f.milestone(solution, due_on=timezone.localdate())
    dataset = Dataset.objects.create(
        city=world.city, name="311", slug=f"d{Dataset.objects.count()}"
    )
    job = ImportJob.objects.create(
        city=world.city, dataset_name="311", dataset=dataset, upload="x", state="done"
    )
    request = ScoreRequest.objects.create(challenge=challenge, idea=idea)
    thread = Thread.objects.create(
        network=world.network,
        target_kind="topic",
        target_id=world.network.pk,
        title="Hello",
        last_post_at=timezone.now(),
    )
    post = DiscussionPost.objects.create(thread=thread, author=world.user("member"), body="@x")
    actor = world.user("member")
    services.notify(Kind.IMPORT_FINISHED, [user], job=job, dataset=dataset, city=world.city)
    services.notify(Kind.MILESTONE_SLIPPING, [user], milestone=milestone)
    services.notify(Kind.SCORES_REQUESTED, [user], actor=actor, score_request=request)
    services.notify(Kind.EVIDENCE_ADDED, [user], actor=actor, evidence=f.evidence(challenge))
    services.notify(Kind.MENTIONED, [user], actor=actor, post=post)


def list_queries(user: Any) -> int:
    client = as_user(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notifications/")
    assert response.status_code == 200
    return len(queries)


def test_list_shows_every_kind_and_its_queries_do_not_grow(world: World) -> None:
    """GIVEN notifications of every kind WHEN the list is read THEN each shows with its link,
    and ten times as many take no more queries."""
    admin = world.user("city_admin")
    one_of_each(world, admin)
    page = body(as_user(admin).get("/notifications/"))
    for words in ("311", "slipping", "score", "New evidence", "mentioned you"):
        assert words in page
    few = list_queries(admin)
    for _ in range(9):
        one_of_each(world, admin)
    assert list_queries(admin) == few
    assert few <= 14


def test_bell_counts_unread_and_reading_clears_it(world: World) -> None:
    admin = world.user("city_admin")
    one_of_each(world, admin)
    client = as_user(admin)
    assert 'data-unread="5"' in body(client.get("/notifications/bell/"))
    first = Notification.objects.filter(user=admin).first()
    assert first is not None
    client.post("/notifications/read/", {"id": first.pk})
    assert 'data-unread="4"' in body(client.get("/notifications/bell/"))
    client.post("/notifications/read/")
    assert "data-unread" not in body(client.get("/notifications/bell/"))


def test_the_bell_is_in_the_header_for_people_signed_in(world: World) -> None:
    assert 'id="notification-bell"' in body(as_user(world.user("viewer")).get("/network/"))
    assert 'id="notification-bell"' not in body(as_user(None).get("/accounts/login/"))
    assert as_user(None).get("/notifications/").status_code == 302


def test_one_cannot_read_someone_elses(world: World) -> None:
    admin, viewer = world.user("city_admin"), world.user("viewer")
    one_of_each(world, admin)
    mine = Notification.objects.filter(user=admin).first()
    assert mine is not None
    as_user(viewer).post("/notifications/read/", {"id": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is None
    assert "311" not in body(as_user(viewer).get("/notifications/"))


def test_preferences_matrix_saves(world: World) -> None:
    viewer = world.user("viewer")
    client = as_user(viewer)
    page = body(client.get("/notifications/settings/"))
    assert "mentioned_in_app" not in page and 'name="mentioned__email"' in page
    response = client.post("/notifications/settings/", {"mentioned__email": "on"})
    assert response.status_code == 302
    chosen = {p.kind: (p.in_app, p.email) for p in Preference.objects.filter(user=viewer)}
    assert chosen[Kind.MENTIONED] == (False, True)
    assert chosen[Kind.IMPORT_FINISHED] == (False, False)


def test_follow_button_on_the_challenge_page(world: World) -> None:
    challenge = f.challenge(world.city)
    client = as_user(world.user("viewer"))
    assert "Follow this challenge" in body(client.get(f"/challenges/{challenge.pk}/"))
    client.post(f"/notifications/challenges/{challenge.pk}/follow/", {"follow": "1"})
    assert Follow.objects.filter(user=world.user("viewer"), challenge=challenge).exists()
    assert "Stop following" in body(client.get(f"/challenges/{challenge.pk}/"))
    client.post(f"/notifications/challenges/{challenge.pk}/follow/", {"follow": "0"})
    assert not Follow.objects.exists()
    hidden = f.challenge(world.city, visibility="team", team=world.team)
    response = client.post(f"/notifications/challenges/{hidden.pk}/follow/", {"follow": "1"})
    assert response.status_code == 404 and not Follow.objects.exists()


def test_request_scores_page(world: World) -> None:
    """GIVEN a team's idea WHEN its member asks for scores THEN only people who may see the
    challenge are offered, and those chosen are told."""
    challenge = f.challenge(world.city, visibility="team", team=world.team)
    idea = f.idea(challenge)
    client = as_user(world.user("team_member"))
    assert "Request scores" in body(client.get(f"/ideas/{idea.pk}/"))
    page = body(client.get(f"/notifications/ideas/{idea.pk}/request-scores/"))
    assert world.user("city_admin").full_name in page
    assert world.user("other_team_member").full_name not in page
    response = client.post(
        f"/notifications/ideas/{idea.pk}/request-scores/",
        {"people": [world.user("city_admin").pk], "note": "By Friday"},
    )
    assert response.status_code == 302
    assert Notification.objects.get().user == world.user("city_admin")
    refused = client.post(
        f"/notifications/ideas/{idea.pk}/request-scores/",
        {"people": [world.user("other_team_member").pk]},
    )
    assert refused.status_code == 200 and Notification.objects.count() == 1
    assert "Request scores" not in body(
        as_user(world.user("viewer")).get(f"/ideas/{f.idea(f.challenge(world.city)).pk}/")
    )


def test_api_list_read_and_preferences(world: World) -> None:
    admin = world.user("city_admin")
    one_of_each(world, admin)
    headers = api_headers(admin)
    client = as_user(None)
    listed = client.get("/api/v1/notifications", **headers).json()
    assert listed["count"] == 5 and {item["kind"] for item in listed["items"]} == set(
        Kind.values
    ) - {Kind.IMPORT_FAILED, Kind.CITY_REFRESH}
    assert client.get("/api/v1/notifications/count", **headers).json() == {"unread": 5}
    first = listed["items"][0]["id"]
    answer = client.post(
        "/api/v1/notifications/read", {"items": [first]}, content_type="application/json", **headers
    )
    assert answer.json() == {"unread": 4}
    prefs = client.get("/api/v1/notifications/preferences", **headers).json()
    assert {p["kind"]: p["email"] for p in prefs}[Kind.MENTIONED] is False
    changed = client.put(
        "/api/v1/notifications/preferences",
        {"preferences": [{"kind": "mentioned", "in_app": False, "email": True}]},
        content_type="application/json",
        **headers,
    )
    assert changed.status_code == 200
    assert {p["kind"]: (p["in_app"], p["email"]) for p in changed.json()}["mentioned"] == (
        False,
        True,
    )
    bad = client.put(
        "/api/v1/notifications/preferences",
        {"preferences": [{"kind": "nope", "in_app": False, "email": True}]},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    assert client.get("/api/v1/notifications").status_code == 401


def test_digest_sends_once_and_only_what_was_asked(world: World) -> None:
    """GIVEN people who chose e-mail for some kinds WHEN the digest runs twice THEN each gets
    one message the first time and none the second; someone who did not choose gets none."""
    admin, viewer = world.user("city_admin"), world.user("viewer")
    for person in (admin, viewer):
        services.set_preferences(person, {kind: (True, True) for kind in Kind.values})
    one_of_each(world, admin)
    one_of_each(world, world.user("member"))  # the default: no e-mail
    evidence = f.evidence(f.challenge(world.city, visibility="team", team=world.team))
    services.notify(Kind.EVIDENCE_ADDED, [viewer], evidence=evidence)  # not visible to them
    mail.outbox.clear()
    assert send_digests(timezone.now() + dt.timedelta(seconds=1)) == (1, 0)
    [message] = mail.outbox
    assert message.to == [admin.email] and "5" in message.subject
    assert "/notifications/" in message.body
    assert send_digests(timezone.now() + dt.timedelta(seconds=2)) == (0, 0)
    assert len(mail.outbox) == 1


def test_request_scores_for_a_whole_challenge(world: World) -> None:
    """GIVEN a challenge WHEN a member asks for scores of all its ideas from its page THEN those
    asked are told, with a link to the idea matrix; a viewer is not offered the action."""
    challenge = f.challenge(world.city)
    f.idea(challenge)
    client = as_user(world.user("member"))
    url = f"/notifications/challenges/{challenge.pk}/request-scores/"
    assert url in body(client.get(f"/challenges/{challenge.pk}/"))
    assert url not in body(as_user(world.user("viewer")).get(f"/challenges/{challenge.pk}/"))
    response = client.post(url, {"people": [world.user("viewer").pk]})
    assert response.status_code == 302
    item = Notification.objects.get()
    assert item.user == world.user("viewer") and item.score_request.idea is None
    page = body(as_user(world.user("viewer")).get("/notifications/"))
    assert f"/challenges/{challenge.pk}/ideas/matrix/" in page
    assert (
        as_user(world.user("viewer")).post(url, {"people": [world.user("member").pk]}).status_code
        == 403
    )


def test_pages_in_french(world: World) -> None:
    viewer = world.user("viewer")
    services.notify(Kind.EVIDENCE_ADDED, [viewer], evidence=f.evidence(f.challenge(world.city)))
    client = as_user(viewer)
    client.cookies["django_language"] = "fr"
    page = body(client.get("/notifications/"))
    assert "Tout marquer comme lu" in page and "Nouvel élément de preuve" in page
    assert "Choix des notifications" in body(client.get("/notifications/settings/"))
