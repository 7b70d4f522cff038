"""Convenings' writes: who organises, what is refused and why, capacity, the waiting list,
cancelling, and the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.labels import action_label, kind_label
from civiclab.audit.models import AuditEvent
from civiclab.exchange.models.convenings import Rsvp
from civiclab.exchange.services import convenings as services
from tests.exchange.convenings_helpers import Meetings, build, convening, later
from tests.factories import MembershipFactory, UserFactory
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(world: World) -> Meetings:
    return build(world)


def test_only_the_networks_admins_organise(world: World, meetings: Meetings) -> None:
    """GIVEN the matrix WHEN each person creates a convening of A's network THEN only its
    network admin may; the others (a city admin too, another network's admin) are refused."""
    for actor in ("member", "city_admin", "other_city_admin", "other_network_admin", "viewer"):
        with pytest.raises(PermissionDenied):
            services.create_convening(
                world.user(actor), world.network, title="x", starts_at=later(1), ends_at=later(2)
            )
    made = services.create_convening(
        world.user("network_admin"), world.network, title="Ok", starts_at=later(1),
        ends_at=later(2),
    )  # fmt: skip
    assert made.created_by == world.user("network_admin")
    with pytest.raises(PermissionDenied):
        services.update_convening(world.user("city_admin"), made, {"title": "Mine"})
    with pytest.raises(PermissionDenied):
        services.cancel_convening(world.user("member"), made)
    with pytest.raises(PermissionDenied):
        services.set_notes(world.user("other_network_admin"), made, "notes")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": later(1) - dt.timedelta(hours=2)}, "ends_at"),
        ({"ends_at": later(1) + dt.timedelta(days=40)}, "ends_at"),
        ({"starts_at": dt.datetime(2030, 1, 1, 9)}, "starts_at"),  # noqa: DTZ001 (naive on purpose)
        ({"kind": "cohort_meeting"}, "cohort"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"capacity": 0}, "capacity"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"title": "  "}, "title"),
        ({"agenda": [{"title": ""}]}, "agenda"),
        ({"agenda": [{"title": "x"}] * 51}, "agenda"),
    ],
)
def test_invalid_convenings_are_refused_with_the_field(world: World, fields, field) -> None:
    base = {"title": "Forum", "starts_at": later(1), "ends_at": later(3)}
    with pytest.raises(ValidationError) as caught:
        services.create_convening(None, world.network, **{**base, **fields})
    assert field in caught.value.message_dict


def test_a_cohort_of_another_network_is_refused(world: World, meetings: Meetings) -> None:
    with pytest.raises(ValidationError) as caught:
        convening(world.foreign_city.network, "x", cohort=meetings.cohort)
    assert "cohort" in caught.value.message_dict


def test_capacity_and_the_waiting_list(world: World, meetings: Meetings) -> None:
    """GIVEN a forum for 2 WHEN three say going THEN the third waits; WHEN one of the two
    leaves THEN the first waiting is going; the capacity cannot fall below those going."""
    forum = meetings.forum
    services.update_convening(world.user("network_admin"), forum, {"capacity": 2})
    first, second, third = (world.user(a) for a in ("member", "viewer", "other_city_admin"))
    assert services.set_rsvp(first, forum, "going").response == "going"
    assert services.set_rsvp(second, forum, "going").response == "going"
    assert services.set_rsvp(third, forum, "going").response == "waitlist"
    # Maybe and not going never take a place.
    assert services.set_rsvp(world.user("city_admin"), forum, "maybe").response == "maybe"
    with pytest.raises(ValidationError) as caught:
        services.update_convening(None, forum, {"capacity": 1})
    assert "2 people are already going" in caught.value.message_dict["capacity"][0]
    services.set_rsvp(first, forum, "not_going")
    assert Rsvp.objects.get(convening=forum, user=third).response == "going"
    promoted = AuditEvent.objects.get(action="rsvp.promote")
    assert promoted.actor == first and promoted.details["person"] == third.pk
    # Raising the capacity lets the waiting in.
    late = world.user("team_member")
    assert services.set_rsvp(late, forum, "going").response == "waitlist"
    services.update_convening(None, forum, {"capacity": 3})
    assert Rsvp.objects.get(convening=forum, user=late).response == "going"


def test_answers_are_refused_when_not_invited_cancelled_or_over(
    world: World, meetings: Meetings
) -> None:
    with pytest.raises(PermissionDenied):
        services.set_rsvp(world.user("member"), meetings.other_meeting, "going")
    with pytest.raises(PermissionDenied):
        services.set_rsvp(world.user("other_network_admin"), meetings.forum, "going")
    with pytest.raises(ValidationError):
        services.set_rsvp(world.user("member"), meetings.forum, "perhaps")
    services.cancel_convening(world.user("network_admin"), meetings.forum, "Strike")
    with pytest.raises(services.ConveningClosed, match="cancelled"):
        services.set_rsvp(world.user("member"), meetings.forum, "going")
    with pytest.raises(services.ConveningClosed):
        services.cancel_convening(None, meetings.forum)
    over = convening(world.network, "Over", starts_at=later(-5), ends_at=later(-4))
    with pytest.raises(services.ConveningClosed, match="over"):
        services.set_rsvp(world.user("member"), over, "maybe")


def test_a_cohort_meeting_is_answered_by_its_cities_and_the_network_admins(
    world: World, meetings: Meetings
) -> None:
    assert services.set_rsvp(world.user("member"), meetings.meeting, "going")
    assert services.set_rsvp(world.user("network_admin"), meetings.meeting, "maybe")
    outsider = UserFactory()
    MembershipFactory(user=outsider, city=world.foreign_city, role="member")
    with pytest.raises(PermissionDenied):
        services.set_rsvp(outsider, meetings.meeting, "going")


def test_every_write_is_audited_with_french_labels(world: World, meetings: Meetings) -> None:
    admin = world.user("network_admin")
    made = services.create_convening(
        admin, world.network, title="Audited", starts_at=later(1), ends_at=later(2),
        agenda=[{"at": dt.time(9, 30), "title": "Welcome", "speaker": "Ana"}],
    )  # fmt: skip
    services.update_convening(
        admin, made, {"title": "Audited forum"}, agenda=[{"title": "Welcome", "speaker": "Bo"}]
    )
    services.set_rsvp(world.user("member"), made, "going")
    services.set_notes(admin, made, "We agreed.")
    services.cancel_convening(admin, made, "Snow")
    events = AuditEvent.objects.filter(network=world.network).order_by("at", "pk")
    actions = [e.action for e in events if e.object_id == str(made.pk) or "rsvp" in e.action]
    assert actions == [
        "convening.create", "convening.update", "rsvp.set", "convening.notes", "convening.cancel"
    ]  # fmt: skip
    update = events.get(action="convening.update")
    assert update.details["changes"]["title"] == ["Audited", "Audited forum"]
    assert "Bo" in update.details["changes"]["agenda"][1]
    from django.utils import translation

    with translation.override("fr"):
        assert kind_label("convening.cancel") == "Rencontre"
        assert action_label("convening.cancel") == "Annulation"
        assert kind_label("rsvp.set") == "Réponse à une invitation"
