"""The digest: new and changed opportunities that matter, that each saved search finds,
told once, capped, emailed once per person in their language, dismissable.

The search interface is faked (tests/funding/alerts_fakes.py): the search work builds the
real one in parallel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from civiclab.funding.models import (
    CatalogueImport,
    DigestItem,
    MatchDismissal,
    OpportunityChange,
    SavedSearch,
)
from civiclab.funding.services import alerts
from tests.clients import as_user, body
from tests.funding.alerts_fakes import FakeFinder, install, opportunity
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake_finder(monkeypatch: pytest.MonkeyPatch) -> FakeFinder:
    return install(monkeypatch)


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def saved(user: Any, city: Any, name: str, query: str = "", **fields: Any) -> SavedSearch:
    search = alerts.save_search(user, city, name, query)
    SavedSearch.objects.filter(pk=search.pk).update(created_at=T0, **fields)
    search.refresh_from_db()
    return search


def change(opp: Any, kind: str, when: dt.datetime, before: str = "", after: str = "") -> None:
    OpportunityChange.objects.create(
        opportunity=opp, kind=kind, before=before, after=after, at=when
    )


def items_of(search: SavedSearch) -> list[tuple[str, str]]:
    return sorted((i.opportunity.title, i.kind) for i in DigestItem.objects.filter(search=search))


def test_only_new_and_meaningful_changes_the_search_finds(
    world: World, fake_finder: FakeFinder
) -> None:
    """GIVEN a saved search for "parks" WHEN opportunities are added and changed THEN its
    digest holds the new parks opportunity and the parks deadline moved, not a detail edited,
    a floor changed, a closing, nor what the search does not find or what came before it."""
    member = world.user("member")
    search = saved(member, world.city, "Parks", "parks")
    before = opportunity("Parks before", first_seen=at(-3))
    change(before, "deadline_extended", at(-1), "2026-04-01", "2026-05-01")  # before saving
    new = opportunity("Parks new", first_seen=at(1))
    moved = opportunity("Parks moved", first_seen=at(-5))
    change(moved, "deadline_extended", at(1), "2026-04-01", "2026-05-01")
    for kind in ("changed", "floor_changed", "closed", "archived"):
        change(opportunity(f"Parks {kind}", first_seen=at(-5)), kind, at(1))
    opportunity("Roads new", first_seen=at(1))
    change(opportunity("Roads moved", first_seen=at(-5)), "ceiling_changed", at(1), "1", "2")

    run = alerts.build_digests(now=at(2))

    assert items_of(search) == [("Parks moved", "changed"), ("Parks new", "new")]
    summary = DigestItem.objects.get(opportunity=moved).summary
    assert summary == "Deadline extended: 2026-04-01 → 2026-05-01"
    assert DigestItem.objects.get(opportunity=new).summary == ""
    search.refresh_from_db()
    assert search.last_digest_at == at(2)
    assert (run.searches, run.items, run.emails) == (1, 2, 1)
    # The search was asked as its owner, for its city, with its filters.
    call = fake_finder.calls[0]
    assert (call["user"], call["city"]) == (member, world.city)
    assert before.pk  # made before the search: never told


def test_never_twice_for_the_same_change(world: World, fake_finder: FakeFinder) -> None:
    search = saved(world.user("member"), world.city, "Parks", "parks")
    moved = opportunity("Parks moved", first_seen=at(-5))
    change(moved, "ceiling_changed", at(1), "100", "200")
    opportunity("Parks new", first_seen=at(1))
    alerts.build_digests(now=at(2))
    assert DigestItem.objects.count() == 2
    # The next run: nothing happened since.
    assert alerts.build_digests(now=at(3)).items == 0
    # A run that lost its place (last digest forgotten) still tells nothing twice.
    SavedSearch.objects.filter(pk=search.pk).update(last_digest_at=None)
    assert alerts.build_digests(now=at(3.5)).items == 0
    # A new change of the same opportunity is told.
    change(moved, "ceiling_changed", at(4), "200", "300")
    alerts.build_digests(now=at(5))
    assert [i.summary for i in DigestItem.objects.filter(opportunity=moved)] == [
        "Award ceiling changed: 200 → 300",
        "Award ceiling changed: 100 → 200",
    ]


def test_a_digest_is_capped_and_the_rest_counted(world: World, fake_finder: FakeFinder) -> None:
    """GIVEN 25 new opportunities the search finds WHEN digested THEN the 20 best are items
    and the email says 5 more."""
    search = saved(world.user("member"), world.city, "Parks", "parks")
    for i in range(25):
        o = opportunity(f"Parks {i:02}", first_seen=at(1))
        fake_finder.scores[o.title] = float(i)
    run = alerts.build_digests(now=at(2))
    assert (run.items, run.left_out) == (20, 5)
    kept = {t for t, _kind in items_of(search)}
    assert kept == {f"Parks {i:02}" for i in range(5, 25)}  # the best scored
    (message,) = mail.outbox
    assert "5 more" in message.body


def test_one_email_per_person_per_run_in_their_language(
    world: World, fake_finder: FakeFinder
) -> None:
    """GIVEN a person with two searches and a French-speaking colleague WHEN digested THEN
    each gets one email (both searches in the first), the colleague's in French, with links
    to the opportunities, the digest and to stop each search's email; searches with email
    off bring items but no email; the next run sends nothing more."""
    member, admin, viewer = world.user("member"), world.user("city_admin"), world.user("viewer")
    admin.language = "fr"
    admin.save()
    parks = saved(member, world.city, "Parks", "parks")
    trails = saved(member, world.city, "Trails", "trails")
    saved(admin, world.city, "Parcs", "parks")
    quiet = saved(viewer, world.city, "Quiet", "parks", email=False)
    o = opportunity("Parks and trails", first_seen=at(1))

    run = alerts.build_digests(now=at(2))

    assert (run.items, run.emails) == (4, 2)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {member.email, admin.email}
    english = by_person[member.email]
    assert "Parks" in english.body and "Trails" in english.body
    assert f"http://localhost:8000/funding/opportunities/{o.pk}/" in english.body
    assert "http://localhost:8000/funding/digest/" in english.body
    assert english.body.count("/funding/unsubscribe/") == 2
    html, mime = english.alternatives[0]
    assert mime == "text/html" and f"/funding/opportunities/{o.pk}/" in html
    assert english.subject == "civiclab funding: 2 new or changed opportunities"
    french = by_person[admin.email]
    assert "opportunité" in french.subject and "Nouveau" in french.body
    assert DigestItem.objects.filter(search=quiet, emailed_at__isnull=True).count() == 1
    assert not DigestItem.objects.filter(search__in=[parks, trails], emailed_at__isnull=True)
    mail.outbox.clear()
    assert alerts.build_digests(now=at(3)).emails == 0
    assert not mail.outbox


def test_a_failed_email_is_tried_again(
    world: World, fake_finder: FakeFinder, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(world.user("member"), world.city, "Parks", "parks")
    opportunity("Parks new", first_seen=at(1))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr("civiclab.funding.services.digest_mail.send_mail", refuse)
    run = alerts.build_digests(now=at(2))
    assert (run.items, run.emails, run.failed_emails) == (1, 0, 1)
    monkeypatch.undo()
    run = alerts.build_digests(now=at(3))
    assert (run.items, run.emails) == (0, 1)
    assert "Parks new" in mail.outbox[0].body


def test_one_failing_search_does_not_stop_the_others(
    world: World, fake_finder: FakeFinder, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = saved(world.user("member"), world.city, "Broken", "boom")
    fine = saved(world.user("city_admin"), world.city, "Parks", "parks")
    opportunity("Parks new", first_seen=at(1))
    search = fake_finder.search

    def explode(user: Any, city: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if query == "boom":
            raise RuntimeError("search index missing")
        return search(user, city, query, *args, **kwargs)

    monkeypatch.setattr("civiclab.funding.search.search", explode)
    run = alerts.build_digests(now=at(2))
    assert (run.searches, run.failed_searches, run.items, run.emails) == (1, 1, 1, 1)
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.last_digest_at is None and fine.last_digest_at == at(2)


def test_an_import_still_running_is_read_at_the_next_run(
    world: World, fake_finder: FakeFinder
) -> None:
    """GIVEN an import that started before the digest and is still writing WHEN the digest
    runs THEN it stops at the import's start, and what the import wrote comes next time."""
    search = saved(world.user("member"), world.city, "Parks", "parks")
    opportunity("Parks early", first_seen=at(1))
    running = CatalogueImport.objects.create(file_name="extract.zip", started_at=at(1.9))
    opportunity("Parks from the import", first_seen=at(1.95))
    alerts.build_digests(now=at(2))
    assert items_of(search) == [("Parks early", "new")]
    search.refresh_from_db()
    assert search.last_digest_at == at(1.9)
    running.status = "succeeded"
    running.save()
    alerts.build_digests(now=at(3))
    assert items_of(search) == [("Parks early", "new"), ("Parks from the import", "new")]
    # An import left "running" by a dead worker holds nothing back.
    CatalogueImport.objects.create(file_name="dead.zip", started_at=at(3.5))
    alerts.build_digests(now=at(5))
    search.refresh_from_db()
    assert search.last_digest_at == at(5)


def test_closing_soon_is_told_once(world: World, fake_finder: FakeFinder) -> None:
    search = saved(world.user("member"), world.city, "Parks", "parks")
    today = timezone.localdate(at(2))
    opportunity("Parks closing", first_seen=at(-30), close_date=today + dt.timedelta(days=5))
    opportunity("Parks later", first_seen=at(-30), close_date=today + dt.timedelta(days=40))
    opportunity("Parks forecast", first_seen=at(-30), doc_type="forecast",
                close_date=today + dt.timedelta(days=5))  # fmt: skip
    alerts.build_digests(now=at(2))
    assert items_of(search) == [("Parks closing", "changed")]
    assert "5 days left" in DigestItem.objects.get().summary
    alerts.build_digests(now=at(3))
    assert DigestItem.objects.count() == 1


def test_a_followed_challenge_gets_its_best_eligible_matches(
    world: World, fake_finder: FakeFinder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a followed challenge WHEN opportunities are new THEN only those among its best
    matches, that it may be eligible for and not dismissed, come; none once the follower
    can no longer see the challenge."""
    monkeypatch.setattr(alerts, "MATCH_TOP", 3)
    challenge = factories.challenge(world.city, visibility="team", team=world.team)
    follower = world.user("team_member")
    search = alerts.follow_challenge(follower, challenge)
    SavedSearch.objects.filter(pk=search.pk).update(created_at=T0)
    scores = {"Blight best": 9, "Blight good": 8, "Blight old": 7.5, "Blight weak": 1,
              "Blight ineligible": 9.5, "Blight dismissed": 8.5}  # fmt: skip
    fake_finder.scores.update(scores)
    fake_finder.ineligible.add("Blight ineligible")
    for title in set(scores) - {"Blight dismissed"}:
        opportunity(title, first_seen=at(-5) if title == "Blight old" else at(1))
    opportunity("Parks new", first_seen=at(1))
    MatchDismissal.objects.create(
        challenge=challenge, opportunity=opportunity("Blight dismissed x", first_seen=at(-9)),
        reason="not_relevant",
    )  # fmt: skip
    dismissed = opportunity("Blight dismissed", first_seen=at(1))
    MatchDismissal.objects.create(challenge=challenge, opportunity=dismissed, reason="too_small")

    alerts.build_digests(now=at(2))

    # The best 3 it may apply for and did not dismiss: 9, 8 and 7.5 (not new): the floor.
    assert items_of(search) == [("Blight best", "new"), ("Blight good", "new")]
    assert all(call["user"] == follower for call in fake_finder.calls)
    # The follower leaves the team: nothing more from the challenge.
    follower.memberships.update(team=None)
    from civiclab.core.scoping import forget_actor

    forget_actor(follower)
    opportunity("Blight newest", first_seen=at(3))
    fake_finder.scores["Blight newest"] = 20
    alerts.build_digests(now=at(4))
    assert DigestItem.objects.filter(search=search).count() == 2


def test_someone_who_left_the_city_hears_no_more(world: World, fake_finder: FakeFinder) -> None:
    member = world.user("member")
    search = saved(member, world.city, "Parks", "parks")
    member.memberships.all().delete()
    opportunity("Parks new", first_seen=at(1))
    alerts.build_digests(now=at(2))
    assert not DigestItem.objects.filter(search=search).exists()


def test_alerts_off_brings_nothing(world: World, fake_finder: FakeFinder) -> None:
    search = saved(world.user("member"), world.city, "Parks", "parks", alerts=False)
    opportunity("Parks new", first_seen=at(1))
    assert alerts.build_digests(now=at(2)).searches == 0
    search.refresh_from_db()
    assert search.last_digest_at is None and not DigestItem.objects.exists()


def test_the_digest_page_and_dismissing(world: World, fake_finder: FakeFinder) -> None:
    """GIVEN digest items WHEN the owner opens the digest THEN they are listed by search;
    dismissed (htmx), one is gone from the page and never comes back; nobody else sees or
    dismisses them."""
    member = world.user("member")
    saved(member, world.city, "Parks", "parks")
    saved(member, world.city, "Trails", "trails")
    opportunity("Parks new", first_seen=at(1))
    opportunity("Trails new", first_seen=at(1))
    alerts.build_digests(now=at(2))
    owner = as_user(member)
    page = body(owner.get(reverse("funding:digest")))
    assert page.index("Parks new") < page.index("Trails new")
    item = DigestItem.objects.get(opportunity__title="Parks new")
    url = reverse("funding:digest_dismiss", args=(item.pk,))
    for other in ("city_admin", "network_admin"):
        client = as_user(world.user(other))
        assert "Parks new" not in body(client.get(reverse("funding:digest")))
        assert client.post(url).status_code == 404
    answer = owner.post(url, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and answer.content == b""
    item.refresh_from_db()
    assert item.dismissed_at is not None
    assert "Parks new" not in body(owner.get(reverse("funding:digest")))
    assert "Your digest (1 item)" in body(owner.get(reverse("funding:searches")))
    SavedSearch.objects.update(last_digest_at=None)
    alerts.build_digests(now=at(3))
    assert DigestItem.objects.filter(opportunity__title="Parks new").count() == 1


def test_the_daily_task_builds_the_digests(world: World, fake_finder: FakeFinder) -> None:
    from civiclab.funding.alert_tasks import send_funding_digests

    saved(world.user("member"), world.city, "Parks", "parks")
    opportunity("Parks new", first_seen=timezone.now() - dt.timedelta(minutes=1))
    send_funding_digests.call_local()
    assert DigestItem.objects.count() == 1 and len(mail.outbox) == 1
    # Periodic: once a day, at 06:30 UTC (huey's scheduler hands naive UTC datetimes).
    task = send_funding_digests.s()
    assert task.validate_datetime(dt.datetime(2026, 3, 2, 6, 30))  # noqa: DTZ001
    assert not task.validate_datetime(dt.datetime(2026, 3, 2, 7, 30))  # noqa: DTZ001
