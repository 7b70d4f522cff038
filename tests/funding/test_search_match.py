"""Matching opportunities to a challenge or a solution, with why; dismissals; peers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from civiclab.audit.models import AuditEvent
from civiclab.funding.models import Application, MatchDismissal
from civiclab.funding.queries.search import peers
from civiclab.funding.search import match
from civiclab.funding.services.dismissals import dismiss, undo
from tests.funding.search_helpers import TODAY, opportunity
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def blight(world: World, **fields: object):  # type: ignore[no-untyped-def]
    fields.setdefault("title", "Blighted and vacant properties")
    fields.setdefault(
        "problem_statement", "Vacant homes and blighted lots drag down whole neighborhoods."
    )
    fields.setdefault("priority_area", "housing")
    return factories.challenge(world.city, **fields)


def catalogue() -> dict[str, object]:
    return {
        "blight": opportunity(
            external_id="blight",
            title="Vacant property demolition and blight removal",
            description="Funds for cities to remove blighted structures. Vacant lots become parks.",
            activity_categories=["HO", "CD"],
        ),
        "parks": opportunity(
            external_id="parks",
            title="Neighborhood parks",
            description="Parks for neighborhoods with vacant lots.",
            activity_categories=["NR"],
        ),
        "ineligible": opportunity(
            external_id="ineligible",
            title="Blight research for universities",
            description="Vacant property studies.",
            applicant_codes=["06"],
        ),
        "closed": opportunity(
            external_id="closed",
            title="Blight removal",
            close_date=TODAY - dt.timedelta(days=1),
        ),
        "unrelated": opportunity(external_id="unrelated", title="Fisheries observers"),
        "forecast": opportunity(
            external_id="forecast",
            title="Vacant homes rehabilitation",
            doc_type="forecast",
            close_date=None,
            estimated_close_date=TODAY + dt.timedelta(days=120),
        ),
    }


def external(matches) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.opportunity.external_id for m in matches]


def test_a_challenge_gets_ranked_matches_with_reasons(world: World) -> None:
    """GIVEN a blight challenge in the housing area WHEN matched THEN the blight fund comes
    first, with its matching words, a passage, its category and its eligibility; closed,
    ineligible and unrelated opportunities are left out; a forecast is flagged."""
    catalogue()
    challenge = blight(world)
    matches = match(world.user("member"), challenge, today=TODAY)
    found = external(matches)
    assert found[0] == "blight"
    assert set(found) == {"blight", "parks", "forecast"}
    top = matches[0]
    assert {"blighted", "vacant"} <= set(top.terms) or {"blight", "vacant"} <= set(top.terms)
    assert "blighted structures" in top.passage or "Vacant lots" in top.passage
    assert top.categories == ["Community Development", "Housing"] or top.categories
    assert any("city or township" in reason.lower() for reason in top.why)
    assert next(m for m in matches if m.opportunity.external_id == "forecast").forecast


def test_a_solution_is_matched_by_its_own_words(world: World) -> None:
    catalogue()
    challenge = blight(world, title="Neighborhood decline", problem_statement="")
    solution = factories.solution(challenge, title="Parks on vacant lots", goal_statement="")
    assert external(match(None, solution=solution, today=TODAY))[0] == "parks"


def test_dismissing_removes_and_is_audited_and_undone(world: World) -> None:
    made = catalogue()
    challenge = blight(world)
    member = world.user("member")
    dismissal = dismiss(member, made["blight"], "not_relevant", "Done already", challenge=challenge)
    assert "blight" not in external(match(member, challenge, today=TODAY))
    event = AuditEvent.objects.get(action="matchdismissal.create")
    assert event.city_id == world.city.pk and "Done already" not in str(event.details)
    undo(member, dismissal)
    assert "blight" in external(match(member, challenge, today=TODAY))
    assert AuditEvent.objects.filter(action="matchdismissal.delete").count() == 1


def test_a_not_relevant_dismissal_demotes_its_agency(world: World) -> None:
    """GIVEN two equal opportunities of two agencies WHEN one of the first agency's is dismissed
    as not relevant THEN the other of that agency ranks below the second agency's."""
    made = [
        opportunity(external_id=f"{agency}-{n}", title="Vacant blighted homes", agency_code=agency)
        for n, agency in enumerate(["ONE", "ONE", "TWO"])
    ]
    challenge = blight(world)
    assert external(match(None, challenge, today=TODAY)) == ["ONE-0", "ONE-1", "TWO-2"]
    dismiss(None, made[0], "not_relevant", challenge=challenge)
    assert external(match(None, challenge, today=TODAY)) == ["TWO-2", "ONE-1"]


def test_who_may_dismiss(world: World) -> None:
    """Dismissing is editing the challenge: a viewer and another city's admin may not."""
    made = catalogue()
    challenge = blight(world)
    for actor in ("viewer", "other_city_admin", "no_membership"):
        with pytest.raises(PermissionDenied):
            dismiss(world.user(actor), made["parks"], "not_relevant", challenge=challenge)
    assert not MatchDismissal.objects.exists()
    team_only = blight(world, visibility="team", team=world.team)
    with pytest.raises(PermissionDenied):
        dismiss(world.user("member"), made["parks"], "too_small", challenge=team_only)
    dismiss(world.user("team_member"), made["parks"], "too_small", challenge=team_only)


def test_an_opportunity_in_the_pipeline_is_flagged_not_resuggested(world: World) -> None:
    made = catalogue()
    challenge = blight(world)
    Application.objects.create(city=world.city, opportunity=made["blight"], title="Our app")
    matches = match(None, challenge, today=TODAY)
    assert matches[-1].opportunity.external_id == "blight"
    assert matches[-1].in_pipeline
    assert "pipeline" in matches[-1].why[0]


def test_peers_are_visible_challenges_only(world: World) -> None:
    """GIVEN city B with a public housing challenge and a team-only one WHEN city A's member
    asks for peers THEN city B is suggested for the visible one only."""
    challenge = blight(world)
    seen = factories.challenge(
        world.other_city, visibility="network", title="Vacant lots", priority_area="housing"
    )
    factories.challenge(
        world.other_city,
        visibility="city",
        title="Zqsecret blighted vacant homes",
        priority_area="housing",
    )
    found = peers(world.user("member"), challenge)
    assert [p.city for p in found] == [world.other_city]
    assert found[0].challenges == [seen]


def test_the_cli_prints_search_and_match_as_json(world: World) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    catalogue()
    challenge = blight(world)
    out = StringIO()
    call_command("funding", "search", "blight", "--json", stdout=out)
    found = json.loads(out.getvalue())
    assert {"blight", "ineligible"} <= {item["opportunity_id"] for item in found}
    assert {"opportunity_id", "number", "title", "close_date", "eligibility", "reasons"} <= set(
        found[0]
    )
    out = StringIO()
    call_command("funding", "search", "blight", "--eligible-for", "city-a", "--json", stdout=out)
    assert "ineligible" not in {item["opportunity_id"] for item in json.loads(out.getvalue())}
    out = StringIO()
    call_command("funding", "match", "--challenge", str(challenge.pk), "--json", stdout=out)
    matches = json.loads(out.getvalue())
    assert matches[0]["opportunity_id"] == "blight" and matches[0]["why"]
    assert matches[0]["eligibility"] == "eligible"
