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


def test_a_citys_own_events_are_filed_under_it(world: World) -> None:
    """Regression: "city.update" was filed under no city, so the city's admins never read it."""
    admin = world.user("city_admin")
    services.update_city(admin, world.city, name="City A, renamed")
    event = AuditEvent.objects.filter(action="city.update").latest("at")
    assert event.city == world.city
    assert event in visible_events(admin)
    assert event not in visible_events(world.user("other_city_admin"))


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


# Every action the code records, found in the sources, so a new one must get a label.
def _recorded_actions() -> set[str]:
    import re
    from pathlib import Path

    from django.apps import apps

    src = Path(__file__).resolve().parents[1] / "src" / "civiclab"
    found = set()
    for path in src.rglob("*.py"):
        found |= set(re.findall(r"record\(\s*\w+,\s*\"([a-z_]+\.[a-z_]+)\"", path.read_text()))
    # portfolio services name the action after the model: "<model>.create", ".update", ".delete"
    kinds = [m._meta.model_name for m in apps.get_app_config("portfolio").get_models()]
    found |= {f"{kind}.{verb}" for kind in kinds for verb in ("create", "update", "delete")}
    return found


def test_every_recorded_action_has_a_french_label() -> None:
    """GIVEN every action the services record WHEN labelled in French
    THEN each has its own words (no raw code such as `team.create`)."""
    from django.utils import translation

    from civiclab.audit.labels import action_label, kind_label

    actions = _recorded_actions()
    assert {"team.create", "dataset.import", "token.revoke", "milestone.update"} <= actions
    with translation.override("fr"):
        missing = [
            a
            for a in sorted(actions)
            if action_label(a) in ("", a)
            or kind_label(a) in ("", a.split(".")[0])
            or str(action_label(a)) == str(_english(action_label, a))
        ]
    assert missing == []


def _english(label, action):
    from django.utils import translation

    with translation.override("en"):
        return str(label(action))


@pytest.mark.parametrize(
    ("language", "words"), [("en", ["Created", "Team"]), ("fr", ["Création", "Équipe"])]
)
def test_the_audit_log_speaks_the_readers_language(
    world: World, language: str, words: list[str]
) -> None:
    """GIVEN a team created WHEN a city admin reads the audit log in English or French
    THEN the action and the object's type are words in their language, not codes."""
    services.create_team(world.user("city_admin"), world.city, name="Logged team")
    admin = world.user("city_admin")
    admin.language = language
    admin.save(update_fields=["language"])
    client = Client()
    client.force_login(admin)
    body = client.get("/cities/city-a/audit/").content.decode()
    assert all(word in body for word in words), body
    assert "team.create" not in body
