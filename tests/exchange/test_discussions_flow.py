"""Replies, mentions, subscriptions, the inbox, the digest, moderation and their audit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.labels import action_label, kind_label
from civiclab.audit.models import AuditEvent
from civiclab.exchange.models.discussions import DiscussionInboxItem, Subscription
from civiclab.exchange.queries import discussions as queries
from civiclab.exchange.queries.discussions import POSTS_PER_PAGE
from civiclab.exchange.services import discussions as services
from civiclab.exchange.services.discussions import BODY_LIMIT, MENTION_LIMIT
from civiclab.exchange.services.discussions_digest import send_digests
from tests.clients import as_user, body
from tests.exchange.discussions_helpers import API, challenge_thread, headers
from tests.factories import MembershipFactory, UserFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def reasons(user) -> list[str]:
    return [item.reason for item in queries.inbox(user)]


def test_author_and_repliers_follow_and_get_new_posts(world: World) -> None:
    """GIVEN a thread started by a member WHEN the city admin replies, then the member
    THEN each is subscribed and gets the other's post in their inbox, not their own."""
    member, admin = world.user("member"), world.user("city_admin")
    _c, thread = challenge_thread(world)
    services.reply(admin, thread, "Count me in")
    services.reply(member, thread, "Great")
    assert set(Subscription.objects.filter(thread=thread).values_list("user", flat=True)) == {
        member.pk,
        admin.pk,
    }
    assert reasons(member) == ["reply"]
    assert reasons(admin) == ["reply"]
    assert queries.unread_count(admin) == 1
    services.unsubscribe(admin, thread)
    services.reply(member, thread, "Anyone?")
    assert queries.unread_count(admin) == 1
    services.subscribe(admin, thread)
    services.mark_read(admin)
    assert queries.unread_count(admin) == 0


def test_mentions_resolve_only_readers(world: World) -> None:
    """GIVEN a city-only challenge's thread WHEN a post mentions a reader (by address and by
    the part before the @), B's admin (not a reader) and nobody THEN only the readers get a
    mention; the others nothing, and the post reads the same either way."""
    _c, thread = challenge_thread(world, "city")
    post = services.reply(
        world.user("member"),
        thread,
        "Ask @viewer@matrix.example.org and @city.admin, not @other.city.admin nor @ghost.",
    )
    assert reasons(world.user("viewer")) == ["mention"]
    assert reasons(world.user("city_admin")) == ["mention"]
    assert DiscussionInboxItem.objects.filter(user=world.user("other_city_admin")).count() == 0
    html = queries.present_posts([post], False)[0].html
    assert "@other.city.admin" in html and "@city.admin" in html
    assert "<a" not in html


def test_ambiguous_and_excess_mentions_do_nothing(world: World) -> None:
    _c, thread = challenge_thread(world, "city")
    for domain in ("one.example", "two.example"):
        MembershipFactory(user=UserFactory(email=f"sam@{domain}"), city=world.city)
    services.reply(world.user("member"), thread, "@sam hello")
    assert not DiscussionInboxItem.objects.filter(reason="mention").exists()
    services.reply(world.user("member"), thread, "@sam@two.example hello")
    assert DiscussionInboxItem.objects.filter(reason="mention").count() == 1
    names = " ".join(f"@nobody{i}" for i in range(MENTION_LIMIT)) + " @viewer"
    services.reply(world.user("member"), thread, names)
    assert DiscussionInboxItem.objects.filter(reason="mention").count() == 1


def test_digest_emails_once_in_the_readers_language(world: World) -> None:
    member, admin = world.user("member"), world.user("city_admin")
    admin.language = "fr"
    admin.save()
    _c, thread = challenge_thread(world)
    services.reply(admin, thread, "Bonjour")
    services.reply(member, thread, "Hello **there** <script>x</script>")
    mail.outbox.clear()
    assert send_digests() == (2, 0)
    to_admin = next(m for m in mail.outbox if admin.email in m.to)
    assert "Blight talk" in to_admin.body
    assert "Hello **there**" in to_admin.body
    assert "<script>x" not in to_admin.alternatives[0][0]
    assert "discussions" in to_admin.subject.lower()
    mail.outbox.clear()
    assert send_digests() == (0, 0)


def test_moderation_report_hide_lock_are_audited(world: World) -> None:
    """GIVEN a post WHEN a reader reports it and the network admin hides it and locks the
    thread THEN others see "hidden by a moderator", no one may reply, and each step is in the
    audit log with its French label."""
    member, mod = world.user("member"), world.user("network_admin")
    _c, thread = challenge_thread(world)
    post = services.reply(world.user("city_admin"), thread, "Rude words")
    services.report_post(member, post, "rude")
    with pytest.raises(ValidationError):
        services.report_post(member, post, "again")
    with pytest.raises(PermissionDenied):
        services.hide_post(world.user("city_admin"), post)
    with pytest.raises(PermissionDenied):
        services.lock_thread(member, thread)
    services.hide_post(mod, post)
    services.lock_thread(mod, thread)

    page = body(as_user(member).get(f"/exchange/discussions/{thread.pk}/"))
    assert "Rude words" not in page and "Hidden by a moderator." in page
    assert "Rude words" in body(as_user(mod).get(f"/exchange/discussions/{thread.pk}/"))
    api = as_user(None).get(f"{API}/threads/{thread.pk}/posts", **headers(member)).json()
    hidden = next(p for p in api["items"] if p["id"] == post.pk)
    assert hidden["body"] is None and "Rude" not in hidden["html"]
    with pytest.raises(ValidationError):
        services.reply(member, thread, "more")
    answer = as_user(member).post(f"/exchange/discussions/{thread.pk}/reply/", {"body": "x"})
    assert answer.status_code == 422
    reports = body(as_user(mod).get("/exchange/discussions/reports/"))
    assert "rude" in reports
    assert as_user(member).get("/exchange/discussions/reports/").status_code == 404

    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    for action in ("thread.create", "post.create", "post.report", "post.hide", "thread.lock"):
        assert action in actions
    from django.utils import translation

    with translation.override("fr"):
        assert action_label("thread.lock") == "Verrouillage (plus de réponses)"
        assert action_label("post.hide") == "Masquage"
        assert kind_label("post.report") == "Message de discussion"
    event = AuditEvent.objects.get(action="post.hide")
    assert event.city == world.city and "Rude" not in event.object_repr


def test_limits_are_enforced_with_clear_errors(world: World) -> None:
    member = world.user("member")
    _c, thread = challenge_thread(world)
    with pytest.raises(ValidationError, match="at most"):
        services.reply(member, thread, "x" * (BODY_LIMIT + 1))
    with pytest.raises(ValidationError):
        services.reply(member, thread, "   ")
    with pytest.raises(ValidationError):
        services.start_thread(member, "topic", world.network.pk, "t" * 201, "b")
    answer = as_user(None).post(
        f"{API}/threads/{thread.pk}/posts",
        {"body": "x" * (BODY_LIMIT + 1)},
        content_type="application/json",
        **headers(member),
    )
    assert answer.status_code == 422


def test_posts_are_paginated(world: World) -> None:
    member = world.user("member")
    _c, thread = challenge_thread(world)
    for i in range(POSTS_PER_PAGE + 3):
        services.reply(member, thread, f"post {i}")
    h = headers(member)
    first = as_user(None).get(f"{API}/threads/{thread.pk}/posts", **h).json()
    assert first["count"] == POSTS_PER_PAGE + 4 and first["pages"] == 2
    assert len(first["items"]) == POSTS_PER_PAGE
    second = as_user(None).get(f"{API}/threads/{thread.pk}/posts?page=2", **h).json()
    assert len(second["items"]) == 4
    assert as_user(None).get(f"{API}/threads/{thread.pk}/posts?page=3", **h).status_code == 404
    page = body(as_user(member).get(f"/exchange/discussions/{thread.pk}/"))
    assert f"post {POSTS_PER_PAGE + 2}" in page and "First post" not in page


def test_web_flow_start_reply_follow_inbox(world: World) -> None:
    member, admin = world.user("member"), world.user("city_admin")
    client = as_user(member)
    answer = client.post(
        f"/exchange/discussions/new/?kind=topic&target={world.network.pk}",
        {"title": "Street lights", "body": "Who has *smart* lights?"},
    )
    assert answer.status_code == 302
    thread_url = answer["Location"]
    assert "<em>smart</em>" in body(client.get(thread_url))
    admin_client = as_user(admin)
    admin_client.post(thread_url + "follow/", {"follow": "1"})
    client.post(thread_url + "reply/", {"body": "Mulhouse does @city.admin"})
    inbox = body(admin_client.get("/exchange/discussions/inbox/"))
    assert "Street lights" in inbox
    count = as_user(None).get(f"{API}/inbox/count", **headers(admin)).json()
    assert count == {"unread": 1}
    as_user(None).post(f"{API}/inbox/read", {}, content_type="application/json", **headers(admin))
    assert queries.unread_count(admin) == 0


def test_the_daily_task_sends_the_digests(world: World) -> None:
    import datetime as dt

    from civiclab.exchange.tasks_discussions import send_discussion_digests

    _c, thread = challenge_thread(world)
    services.reply(world.user("city_admin"), thread, "News")
    mail.outbox.clear()
    send_discussion_digests.call_local()
    assert [m.to for m in mail.outbox] == [[world.user("member").email]]
    # Periodic: once a day at 07:00 UTC (huey hands naive UTC datetimes).
    task = send_discussion_digests.s()
    assert task.validate_datetime(dt.datetime(2026, 3, 2, 7, 0))  # noqa: DTZ001
    assert not task.validate_datetime(dt.datetime(2026, 3, 2, 8, 0))  # noqa: DTZ001


def test_a_flood_of_posts_is_stopped(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "RATE_LIMIT", 3)
    member = world.user("member")
    _c, thread = challenge_thread(world)
    services.reply(member, thread, "two")
    services.reply(member, thread, "three")
    with pytest.raises(ValidationError, match="wait a little"):
        services.reply(member, thread, "four")
    services.reply(world.user("city_admin"), thread, "others still write")
