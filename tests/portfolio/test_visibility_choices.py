"""Every portfolio form offers only the visibilities the person may set, defaults to the widest
of them within its parent, and a refusal comes back on the form with what was typed (issue 10,
item 22: a member advancing an idea on a public challenge got a bare 403)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civiclab.portfolio import services
from civiclab.portfolio.models import Evidence, Solution
from tests.clients import as_user
from tests.portfolio import factories as f
from tests.portfolio.test_web_challenges import text
from tests.world import World

pytestmark = pytest.mark.django_db


def offered(page: str, name: str = "visibility") -> list[str]:
    """The values of the <select name=…> on the page, and which one is selected."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select, f"no {name} select"
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def selected(page: str, name: str = "visibility") -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select
    found = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return found.group(1) if found else None


def test_a_member_advances_an_idea_on_a_public_challenge(world: World) -> None:
    """GIVEN a public challenge and a member (who may not publish) WHEN they open its idea THEN
    the advance form offers team and city, city chosen; WHEN they create the solution THEN it is
    made, visible to the city."""
    challenge = f.challenge(world.city, "public")
    idea = f.idea(challenge)
    client = as_user(world.user("member"))
    page = text(client.get(f"/ideas/{idea.pk}/"))
    assert offered(page) == ["team", "city"] and selected(page) == "city"
    response = client.post(f"/ideas/{idea.pk}/advance/", {"title": "Squad", "visibility": "city"})
    solution = Solution.objects.get()
    assert response.status_code == 302 and solution.visibility == "city"


def test_a_refused_visibility_comes_back_on_the_form_with_the_input(world: World) -> None:
    """GIVEN a member on a public challenge WHEN they post ``public`` anyway THEN the idea page
    comes back (200) with the error beside the visibility and what they typed, nothing saved."""
    challenge = f.challenge(world.city, "public")
    idea = f.idea(challenge)
    client = as_user(world.user("member"))
    typed = {"title": "Squad of twelve", "goal_statement": "Halve it by 2027"}
    page = text(client.post(f"/ideas/{idea.pk}/advance/", {**typed, "visibility": "public"}))
    assert 'id="id_visibility_error"' in page
    assert "Squad of twelve" in page and "Halve it by 2027" in page
    assert not Solution.objects.exists()


def test_an_admin_is_offered_up_to_the_challenge(world: World) -> None:
    """GIVEN a city admin WHEN advancing an idea of a network challenge THEN team, city and
    network are offered, network chosen (the challenge caps it)."""
    challenge = f.challenge(world.city, "network")
    page = text(as_user(world.user("city_admin")).get(f"/ideas/{f.idea(challenge).pk}/"))
    assert offered(page) == ["team", "city", "network"] and selected(page) == "network"


def test_the_solution_form_offers_only_what_the_person_may_set(world: World) -> None:
    """GIVEN a public challenge WHEN a member opens the new solution form THEN it offers team
    and city (city chosen), not network or public; WHEN they save it THEN it is made."""
    challenge = f.challenge(world.city, "public")
    client = as_user(world.user("member"))
    url = f"/solutions/new/?challenge={challenge.pk}"
    page = text(client.get(url))
    assert offered(page) == ["team", "city"] and selected(page) == "city"
    data = {"title": "Squad", "stage": "prepare", "status": "on_track", "visibility": "public"}
    page = text(client.post(url, data))
    assert 'id="id_visibility_error"' in page and 'value="Squad"' in page
    assert client.post(url, {**data, "visibility": "city"}).status_code == 302
    assert Solution.objects.get().visibility == "city"


def test_the_evidence_form_defaults_to_what_the_person_may_set(world: World) -> None:
    """GIVEN a public challenge WHEN a member opens the evidence form THEN city is chosen (not
    the first choice, team, because public is not offered)."""
    challenge = f.challenge(world.city, "public")
    page = text(as_user(world.user("member")).get(f"/challenges/{challenge.pk}/evidence/new/"))
    assert offered(page) == ["team", "city"] and selected(page) == "city"


@pytest.mark.parametrize(
    ("actor", "expected"), [("member", "city"), ("city_admin", "public"), (None, "public")]
)
def test_the_services_default_to_the_widest_the_person_may_set(
    world: World, actor: str | None, expected: str
) -> None:
    """GIVEN a public challenge WHEN a solution or evidence is made without a visibility THEN it
    is as wide as its maker may set, capped by the challenge (the command line: the challenge's)."""
    challenge = f.challenge(world.city, "public")
    by: Any = world.user(actor) if actor else None
    solution = services.create_solution(by, challenge, "Squad")
    evidence = services.add_evidence(by, challenge, "insight", "Heard")
    assert solution.visibility == expected and evidence.visibility == expected
    assert Evidence.objects.get().visibility == expected
