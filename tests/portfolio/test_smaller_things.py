"""The smaller things people met in the portfolio (issue 10, item 27): a stage-gate Go that did
not move the solution, network key facts counting what the list hid, raw form labels, owners
shown as email addresses, unbounded free text, and "New challenge" from another city's board."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.test import Client

from civiclab.portfolio import services, transfer
from civiclab.portfolio.models import SCOPE, Challenge, Solution
from tests.clients import as_user
from tests.permission_matrix import api_headers
from tests.portfolio import factories as f
from tests.portfolio.test_web_challenges import challenge_data, text
from tests.world import World

pytestmark = pytest.mark.django_db

LIMIT = 10_000


# -- a stage-gate Go moves the solution ------
@pytest.mark.parametrize(
    ("gate", "outcome", "stage", "phase"),
    [
        ("prepare → deliver", "go", "deliver", "deliver"),
        ("Prepare -> Deliver", "go", "deliver", "deliver"),
        ("Préparer → mettre en œuvre", "go", "deliver", "deliver"),
        ("deliver → sustain", "go", "sustain", "prepare"),
        ("prepare → deliver", "hold", "prepare", "prepare"),
        ("Budget review", "go", "prepare", "prepare"),
    ],
)
def test_a_go_at_a_gate_moves_the_solution_into_the_stage_it_leads_to(
    world: World, gate: str, outcome: str, stage: str, phase: str
) -> None:
    """GIVEN a solution in preparation WHEN a decision is recorded at a gate THEN a Go moves it
    into the stage the gate names (and its challenge into delivery with it); any other outcome,
    or a gate naming no stage, leaves it where it is."""
    challenge = f.challenge(world.city, phase="prepare")
    solution = services.create_solution(world.user("member"), challenge, "Squad")
    services.record_decision(world.user("member"), solution, gate, outcome, "Ready")
    solution.refresh_from_db()
    challenge.refresh_from_db()
    assert (solution.stage, challenge.phase) == (stage, phase)


def test_a_go_through_the_api_moves_the_solution(world: World) -> None:
    solution = f.solution(f.challenge(world.city, phase="prepare"))
    body = {"solution": solution.pk, "gate": "prepare → deliver", "outcome": "go", "reason": "R"}
    response = Client().post(
        "/api/v1/decisions",
        json.dumps(body),
        content_type="application/json",
        **api_headers(world.user("member")),
    )
    assert response.status_code == 201
    solution.refresh_from_db()
    assert solution.stage == "deliver"


# -- the network view counts what it lists ------
def test_network_key_facts_count_what_the_list_shows(world: World) -> None:
    """GIVEN the member's own city's challenges, a city-only challenge of city B and a shared
    challenge of city B with an idea and a solution in delivery WHEN the member opens the network
    view THEN its key facts count the shared one only, as its list does."""
    f.challenge(world.city, "network", title="Own shared")
    f.idea(f.challenge(world.city, "city", title="Own"))
    f.idea(f.challenge(world.other_city, "city", title="B city-only"))
    shared = f.challenge(world.other_city, "network", title="B shared")
    f.idea(shared)
    f.solution(shared, visibility="network", stage="deliver")
    page = text(as_user(world.user("member")).get("/portfolio/network/"))
    assert "B shared" in page and "B city-only" not in page and "Own shared" not in page
    facts = dict(
        (label, int(n))
        for n, label in __import__("re").findall(
            r'<span class="key-number">(\d+)</span> ([a-z ]+)', page
        )
    )
    assert facts == {
        "problem tackled": 1,
        "idea generated": 1,
        "solution in delivery": 1,
    }


# -- proper labels ------
def test_solution_forms_have_proper_labels(world: World) -> None:
    """GIVEN the new solution form and a solution's page WHEN a member opens them THEN no label
    is a raw model name and no empty choice is Django's dashes."""
    challenge = f.challenge(world.city)
    client = as_user(world.user("member"))
    new = text(client.get(f"/solutions/new/?challenge={challenge.pk}"))
    page = text(client.get(f"/solutions/{f.solution(challenge).pk}/"))
    for html in (new, page):
        assert "---------" not in html
        for raw in (">idea it came from", ">owner:", ">indicator:", ">new status (optional)"):
            assert raw not in html
    assert "Idea it came from" in new


# -- owners by name ------
def test_portfolio_pages_show_names_not_email_addresses(world: World) -> None:
    """GIVEN a public challenge, its evidence, a solution with a risk, a decision and an update,
    all by people (one without a full name) WHEN anyone reads the pages THEN they show names."""
    named, unnamed = world.user("member"), world.user("city_admin")
    named.full_name, unnamed.full_name = "Dana Analyst", ""
    named.save()
    unnamed.save()
    challenge = services.create_challenge(unnamed, world.city, "Blight", visibility="public")
    services.set_phase(named, challenge, "generate")
    services.add_evidence(unnamed, challenge, "insight", "Heard", visibility="public")
    idea = f.idea(challenge)
    services.decide_idea(named, idea, "parked", "Later")
    solution = services.create_solution(unnamed, challenge, "Squad", owner=named)
    services.add_risk(named, solution, "Suits", 2, 3, owner=unnamed)
    services.record_decision(named, solution, "prepare → deliver", "hold", "Wait")
    services.post_update(unnamed, solution, "Going")
    for client in (Client(), as_user(named)):
        for url in (f"/challenges/{challenge.pk}/", f"/ideas/{idea.pk}/"):
            page = text(client.get(url))
            assert "@" not in page.split("<main", 1)[1].split("</main>")[0], url
        page = text(client.get(f"/solutions/{solution.pk}/"))
        main = page.split("<main", 1)[1].split("</main>")[0]
        assert named.email not in main and unnamed.email not in main
        assert "Dana Analyst" in main


# -- free text has a limit ------
def test_every_free_text_field_of_the_portfolio_has_a_limit() -> None:
    """Every text field of every portfolio model is bounded (the documented limit)."""
    unbounded = [
        f"{model.__name__}.{field.name}"
        for model in SCOPE
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and not any(
            isinstance(v, MaxLengthValidator) and v.limit_value == LIMIT for v in field.validators
        )
    ]
    assert unbounded == []


def test_a_huge_problem_statement_is_refused_everywhere(world: World) -> None:
    """GIVEN a 240,000-character problem statement WHEN sent by the API, the form, the service or
    an imported document THEN it is refused, naming the field, and nothing is saved."""
    huge = "x" * 240_000
    member = world.user("member")
    response = Client().post(
        "/api/v1/challenges",
        json.dumps({"city": world.city.slug, "title": "Big", "problem_statement": huge}),
        content_type="application/json",
        **api_headers(member),
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "problem_statement"
    page = text(as_user(member).post("/challenges/new/", challenge_data(problem_statement=huge)))
    assert 'id="id_problem_statement_error"' in page
    with pytest.raises(ValidationError):
        services.create_challenge(member, world.city, "Big", problem_statement=huge)
    document = transfer.export_challenge(f.challenge(world.city, title="Small"))
    document["challenge"]["problem_statement"] = huge
    with pytest.raises(ValidationError) as refused:
        transfer.import_challenge(None, world.city, document)
    assert "challenge.problem_statement" in " ".join(refused.value.message_dict["document"])
    assert not Challenge.objects.filter(title="Big").exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("updates", {"body": "x" * (LIMIT + 1)}),
        ("milestones", {"title": "M", "due_on": "2026-01-01", "notes": "x" * (LIMIT + 1)}),
    ],
)
def test_solution_parts_refuse_text_beyond_the_limit(
    world: World, path: str, body: dict[str, Any]
) -> None:
    solution = f.solution(f.challenge(world.city))
    response = Client().post(
        f"/api/v1/{path}",
        json.dumps({"solution": solution.pk, **body}),
        content_type="application/json",
        **api_headers(world.user("member")),
    )
    assert response.status_code == 422, response.content
    assert not Solution.objects.get().updates.exists()


# -- "New challenge" from another city's board ------
def test_new_challenge_from_another_citys_board(world: World) -> None:
    """GIVEN a member of city A WHEN they open city B's board THEN "New challenge" is not offered
    and the board says why; WHEN they open the new challenge form for city B anyway THEN it says
    they may not open one there and does not preselect another city; from city A's board the
    link opens the form for city A."""
    client = as_user(world.user("member"))
    board = text(client.get("/portfolio/board/?city=city-b"))
    assert "/challenges/new/" not in board
    assert "You may not open a challenge in City B." in board
    form = text(client.get("/challenges/new/?city=city-b"))
    assert "You may not open a challenge in City B." in form
    assert 'value="city-a" selected' not in form
    own = text(client.get("/portfolio/board/?city=city-a"))
    assert "/challenges/new/?city=city-a" in own
    assert 'value="city-a" selected' in text(client.get("/challenges/new/?city=city-a"))
