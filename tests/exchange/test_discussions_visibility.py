"""Who reads a thread: exactly those who may see its target (among the network's people),
read at query time — pages, API, inbox, counts and digests alike."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.exchange.models.discussions import DiscussionInboxItem
from civiclab.exchange.queries import discussions as queries
from civiclab.exchange.services import discussions as services
from civiclab.exchange.services.discussions_digest import send_digests
from tests.clients import as_user, body
from tests.exchange.discussions_helpers import API, challenge_thread, headers
from tests.factories import CohortFactory
from tests.portfolio import factories
from tests.world import ACTORS, World

pytestmark = pytest.mark.django_db

CITY_READERS = {
    "viewer",
    "member",
    "team_member",
    "other_team_member",
    "city_admin",
    "network_admin",
}
EXPECTED = {
    "city": CITY_READERS,
    "network": CITY_READERS | {"other_city_admin"},
    # A public challenge's thread is the network's conversation, not the internet's.
    "public": CITY_READERS | {"other_city_admin"},
}


@pytest.mark.parametrize("visibility", ["city", "network", "public"])
def test_thread_readers_are_those_who_see_the_target(world: World, visibility: str) -> None:
    """GIVEN a thread on a challenge of city A WHEN each actor asks for it (query, page, API)
    THEN exactly the challenge's readers in the network get it; the rest get 404."""
    _challenge, thread = challenge_thread(world, visibility)
    for actor in ACTORS:
        user = world.user(actor)
        expected = actor in EXPECTED[visibility]
        assert queries.can_read(user, thread) is expected, actor
        page = as_user(user).get(f"/exchange/discussions/{thread.pk}/")
        if user is None:
            assert page.status_code == 302, actor  # sign in first
        else:
            assert page.status_code == (200 if expected else 404), actor
            api = as_user(None).get(f"{API}/threads/{thread.pk}", **headers(user))
            assert api.status_code == (200 if expected else 404), actor
            listed = as_user(None).get(f"{API}/threads", **headers(user)).json()
            assert (listed["count"] == 1) is expected, actor


def test_private_challenge_of_another_city_leaks_nowhere(world: World) -> None:
    """GIVEN city A's private challenge with a thread where B's admin is mentioned and
    subscribed before the challenge was narrowed WHEN B's admin looks THEN the thread is
    absent from their page, API, posts, inbox, count, digest and the challenge's panel."""
    challenge, thread = challenge_thread(world, "network")
    outsider = world.user("other_city_admin")
    services.subscribe(outsider, thread)
    services.reply(world.user("member"), thread, "Secret plan @other.city.admin")
    assert queries.unread_count(outsider) == 1
    type(challenge).objects.filter(pk=challenge.pk).update(visibility="city")

    client = as_user(outsider)
    assert client.get(f"/exchange/discussions/{thread.pk}/").status_code == 404
    assert "Blight talk" not in body(client.get("/exchange/discussions/"))
    assert "Blight talk" not in body(client.get("/exchange/discussions/inbox/"))
    post = thread.posts.last()
    assert client.post(f"/exchange/discussions/posts/{post.pk}/report/").status_code == 404
    h = headers(outsider)
    assert as_user(None).get(f"{API}/threads/{thread.pk}", **h).status_code == 404
    assert as_user(None).get(f"{API}/threads/{thread.pk}/posts", **h).status_code == 404
    assert as_user(None).get(f"{API}/threads", **h).json()["count"] == 0
    assert as_user(None).get(f"{API}/inbox", **h).json()["count"] == 0
    assert as_user(None).get(f"{API}/inbox/count", **h).json() == {"unread": 0}
    assert queries.unread_count(outsider) == 0
    # Their inbox item stays stored, never shown nor emailed.
    assert DiscussionInboxItem.objects.filter(user=outsider).exists()
    mail.outbox.clear()
    send_digests()
    assert all(outsider.email not in m.to for m in mail.outbox)
    assert all("Secret plan" not in m.body for m in mail.outbox)
    with pytest.raises(PermissionDenied):
        services.reply(outsider, thread, "hello")


def test_starting_a_thread_on_an_invisible_target_is_a_404(world: World) -> None:
    """GIVEN city A's city-only challenge WHEN B's admin starts a thread on it (page, API)
    THEN the answer is the one for a challenge that does not exist."""
    challenge = factories.challenge(world.city, "city")
    outsider = world.user("other_city_admin")
    url = f"/exchange/discussions/new/?kind=challenge&target={challenge.pk}"
    assert as_user(outsider).get(url).status_code == 404
    assert (
        as_user(outsider).get("/exchange/discussions/new/?kind=challenge&target=999999").status_code
        == 404
    )
    payload = {"kind": "challenge", "target": challenge.pk, "title": "t", "body": "b"}
    answer = as_user(None).post(
        f"{API}/threads", payload, content_type="application/json", **headers(outsider)
    )
    assert answer.status_code == 404
    with pytest.raises(ValidationError):
        services.start_thread(outsider, "challenge", challenge.pk, "t", "b")
    unknown = dict(payload, kind="spaceship")
    answer = as_user(None).post(
        f"{API}/threads", unknown, content_type="application/json", **headers(world.user("member"))
    )
    assert answer.status_code == 422


def test_viewers_read_but_do_not_write(world: World) -> None:
    _challenge, thread = challenge_thread(world, "city")
    viewer = world.user("viewer")
    assert queries.can_read(viewer, thread)
    with pytest.raises(PermissionDenied):
        services.reply(viewer, thread, "hello")
    answer = as_user(None).post(
        f"{API}/threads/{thread.pk}/posts",
        {"body": "hello"},
        content_type="application/json",
        **headers(viewer),
    )
    assert answer.status_code == 403


def test_topic_threads_are_read_by_the_networks_people(world: World) -> None:
    thread = services.start_thread(
        world.user("other_city_admin"), "topic", world.network.pk, "Dumping", "Ideas?"
    )
    readers = {a for a in ACTORS if world.user(a) and queries.can_read(world.user(a), thread)}
    assert readers == CITY_READERS | {"other_city_admin"}
    with pytest.raises(ValidationError):
        services.start_thread(
            world.user("other_network_admin"), "topic", world.network.pk, "t", "b"
        )


def test_cohort_threads_are_read_by_its_cities_and_the_network_admins(world: World) -> None:
    cohort = CohortFactory(network=world.network)
    cohort.cities.add(world.other_city)
    thread = services.start_thread(
        world.user("other_city_admin"), "cohort", cohort.pk, "Kickoff", "Hi"
    )
    readers = {a for a in ACTORS if world.user(a) and queries.can_read(world.user(a), thread)}
    assert readers == {"other_city_admin", "network_admin"}
    with pytest.raises(ValidationError):
        services.start_thread(world.user("member"), "cohort", cohort.pk, "t", "b")
    cohort.cities.add(world.city)
    assert queries.can_read(world.user("member"), thread)
    page = body(as_user(world.user("member")).get("/exchange/discussions/"))
    assert "Kickoff" in page


def test_panel_on_the_challenge_page_lists_readable_threads(world: World) -> None:
    challenge, thread = challenge_thread(world, "network", title="Panel thread")
    page = as_user(world.user("other_city_admin")).get(f"/challenges/{challenge.pk}/")
    assert page.status_code == 200
    assert "Panel thread" in body(page)
    assert f"/exchange/discussions/{thread.pk}/" in body(page)


def test_panel_on_the_solution_page(world: World) -> None:
    challenge = factories.challenge(world.city, "city")
    solution = factories.solution(challenge)
    services.start_thread(world.user("member"), "solution", solution.pk, "Squad thread", "Hi")
    page = body(as_user(world.user("viewer")).get(f"/solutions/{solution.pk}/"))
    assert "Squad thread" in page
    assert "Start a thread" not in page  # viewers read, they do not write
    assert "Start a thread" in body(as_user(world.user("member")).get(f"/solutions/{solution.pk}/"))


def test_panel_on_the_idea_page(world: World) -> None:
    idea = factories.idea(factories.challenge(world.city, "city"))
    services.start_thread(world.user("member"), "idea", idea.pk, "Idea thread", "Hi")
    assert "Idea thread" in body(as_user(world.user("member")).get(f"/ideas/{idea.pk}/"))
