"""Moving a challenge on the board (drag-and-drop, keyboard or the card's "Move to" form): the
same form, service, permission, validation and audit as the challenge page's phase form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civiclab.audit.models import AuditEvent
from civiclab.portfolio.models import Challenge
from tests.clients import as_user
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def move(client: Any, challenge: Challenge, phase: str, **extra: Any) -> Any:
    return client.post(f"/portfolio/board/{challenge.pk}/move/", {"phase": phase}, **extra)


def phase_of(challenge: Challenge) -> str:
    challenge.refresh_from_db()
    return challenge.phase


def test_a_member_moves_a_challenge_and_it_is_audited(world: World) -> None:
    challenge = f.challenge(world.city)
    response = move(as_user(world.user("member")), challenge, "generate", **JSON)
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["phase"] == "generate" and answer["next_phase"] == "prepare"
    assert "moved to Generate" in answer["message"]
    assert phase_of(challenge) == "generate"
    assert challenge.phase_changes.get().to_phase == "generate"
    event = AuditEvent.objects.get(action="challenge.phase", object_id=str(challenge.pk))
    assert event.actor == world.user("member")
    assert event.details["from_phase"] == "investigate" and event.details["to_phase"] == "generate"


@pytest.mark.parametrize("actor", ["viewer", "other_city_admin", "other_network_admin"])
def test_who_may_not_edit_may_not_move(world: World, actor: str) -> None:
    """A viewer sees the card but may not move it (403, with the reason for the script); another
    city's member or a stranger does not even find a city-only challenge (404)."""
    challenge = f.challenge(world.city)
    response = move(as_user(world.user(actor)), challenge, "generate", **JSON)
    if actor == "viewer":
        assert response.status_code == 403
        answer = json.loads(response.content)
        assert answer == {"error": "You may not move this challenge.", "phase": "investigate"}
        assert move(as_user(world.user(actor)), challenge, "generate").status_code == 403
    else:
        assert response.status_code == 404
    assert phase_of(challenge) == "investigate"
    assert not AuditEvent.objects.filter(action="challenge.phase").exists()


def test_a_network_challenge_is_seen_but_not_moved_by_another_city(world: World) -> None:
    challenge = f.challenge(world.city, visibility="network")
    client = as_user(world.user("other_city_admin"))
    board = client.get("/portfolio/board/").content.decode()
    assert challenge.title in board and f"/portfolio/board/{challenge.pk}/move/" not in board
    assert move(client, challenge, "generate", **JSON).status_code == 403
    assert phase_of(challenge) == "investigate"


def test_anonymous_may_not_move(world: World) -> None:
    challenge = f.challenge(world.city, visibility="public")
    assert move(as_user(None), challenge, "generate", **JSON).status_code == 403
    assert move(as_user(None), challenge, "generate").status_code == 302
    assert phase_of(challenge) == "investigate"


def test_validation_errors_come_back_and_nothing_changes(world: World) -> None:
    challenge = f.challenge(world.city)
    client = as_user(world.user("member"))
    bad = move(client, challenge, "dreaming", **JSON)
    assert bad.status_code == 400
    answer = json.loads(bad.content)
    assert answer["phase"] == "investigate" and "dreaming" in answer["error"]
    long_note = client.post(
        f"/portfolio/board/{challenge.pk}/move/",
        {"phase": "generate", "note": "x" * 10_001},
        **JSON,
    )
    assert long_note.status_code == 400 and "10000" in json.loads(long_note.content)["error"]
    assert phase_of(challenge) == "investigate"
    assert not AuditEvent.objects.filter(action="challenge.phase").exists()
    # Without script: back to the board, with the reason.
    page = client.post(f"/portfolio/board/{challenge.pk}/move/", {"phase": "dreaming"}, follow=True)
    assert page.status_code == 200 and "dreaming" in page.content.decode()


def test_the_move_form_works_without_script_and_keeps_the_filters(world: World) -> None:
    challenge = f.challenge(world.city, title="Vacant homes")
    client = as_user(world.user("member"))
    board = client.get("/portfolio/board/?city=city-a").content.decode()
    card = board.split('<article class="card challenge-card"')[1].split("</article>")[0]
    assert 'tabindex="0"' in card and 'name="phase"' in card
    assert '<option value="investigate" disabled>' in card
    assert '<option value="generate" selected>' in card
    response = client.post(
        f"/portfolio/board/{challenge.pk}/move/", {"phase": "generate", "query": "city=city-a"}
    )
    assert response.status_code == 302 and response["Location"] == "/portfolio/board/?city=city-a"
    assert phase_of(challenge) == "generate"
    page = client.get(response["Location"]).content.decode()
    assert "“Vacant homes” moved to Generate." in page
    # A viewer's card offers no move.
    viewer_board = as_user(world.user("viewer")).get("/portfolio/board/").content.decode()
    assert "Vacant homes" in viewer_board and 'class="move"' not in viewer_board


def test_the_move_checks_csrf(world: World) -> None:
    challenge = f.challenge(world.city)
    client = as_user(world.user("member"), csrf_token="a" * 32)
    assert move(client, challenge, "generate", **JSON).status_code == 403
    assert phase_of(challenge) == "investigate"


def test_the_board_and_its_messages_in_french(world: World) -> None:
    from django.conf import settings

    challenge = f.challenge(world.city, title="Logements vacants")
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    board = client.get("/portfolio/board/").content.decode()
    assert "Déplacer vers" in board and "Espace pour la saisir" in board
    answer = json.loads(move(client, challenge, "generate", **JSON).content)
    assert answer["message"] == "«\u00a0Logements vacants\u00a0» déplacé vers Imaginer."
