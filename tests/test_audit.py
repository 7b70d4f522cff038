"""The audit log is append-only and readable by city admins (their city) and network admins."""

from __future__ import annotations

import pytest
from django.test import Client

from civiclab.audit.models import AppendOnlyError, AuditEvent
from civiclab.audit.queries import visible_events
from civiclab.network import services
from tests.world import World

pytestmark = pytest.mark.django_db


def test_services_write_who_did_what(world: World) -> None:
    admin = world.user("city_admin")
    team = services.create_team(admin, world.city, name="Blight squad")
    event = AuditEvent.objects.filter(action="team.create").latest("at")
    assert (event.actor, event.city, event.object_id) == (admin, world.city, str(team.pk))
    services.update_team(admin, team, name="Blight team")
    changed = AuditEvent.objects.filter(action="team.update").latest("at")
    assert changed.details == {"changes": {"name": ["Blight squad", "Blight team"]}}


def test_events_cannot_be_changed_or_deleted(world: World) -> None:
    services.create_team(world.user("city_admin"), world.city, name="Blight squad")
    event = AuditEvent.objects.get()
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="forged")


def test_who_reads_which_events(world: World) -> None:
    services.create_team(world.user("city_admin"), world.city, name="In A")
    services.create_team(world.user("other_city_admin"), world.other_city, name="In B")
    services.create_team(services.SYSTEM, world.foreign_city, name="In F")

    def cities(actor: str) -> set[str]:
        return {e.city.slug for e in visible_events(world.user(actor)) if e.city}

    assert cities("city_admin") == {"city-a"}
    assert cities("other_city_admin") == {"city-b"}
    assert {"city-a", "city-b"} <= cities("network_admin")
    assert "city-f" not in cities("network_admin")
    assert cities("member") == set()
    assert cities("other_network_admin") == {"city-f"}


@pytest.mark.parametrize(
    ("actor", "city_status", "network_status"),
    [
        ("city_admin", 200, 403),
        ("member", 403, 403),
        ("other_city_admin", 403, 403),
        ("network_admin", 200, 200),
    ],
)
def test_audit_pages(world: World, actor: str, city_status: int, network_status: int) -> None:
    services.create_team(world.user("city_admin"), world.city, name="Logged team")
    client = Client()
    client.force_login(world.user(actor))
    city_page = client.get("/cities/city-a/audit/")
    assert city_page.status_code == city_status
    if city_status == 200:
        assert "Logged team" in city_page.content.decode()
    assert client.get("/audit/").status_code == network_status


def test_personal_events_reach_the_network_admin(world: World) -> None:
    from civiclab.accounts.services import update_profile
    from civiclab.accounts.tokens import create_token

    member = world.user("member")
    create_token(member, "script", by=member)
    update_profile(member, full_name="Dana Member", language="fr")
    actions = {e.action for e in visible_events(world.user("network_admin"))}
    assert {"token.create", "user.update"} <= actions
    assert not visible_events(world.user("other_network_admin")).filter(
        action__in=["token.create", "user.update"]
    )
