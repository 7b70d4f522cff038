"""The challenge pages: the board, challenges, evidence, the root-cause tree, opportunity
areas, ideas with their scores and decisions, advancing to a solution, the 2×2 — and who may
reach them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings

from civiclab.core.permissions import Visibility
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Evidence,
    Idea,
    OpportunityArea,
    PhaseChange,
    Solution,
    scope,
)
from civiclab.portfolio.queries import visible
from tests.clients import as_user
from tests.permission_matrix import check_permission_matrix
from tests.portfolio import factories as f
from tests.portfolio.test_services import MAKERS
from tests.test_i18n import visible_text
from tests.world import World

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def challenge_data(**fields: Any) -> dict[str, Any]:
    data = {
        "city": "city-a",
        "title": "Vacant homes",
        "problem_statement": "2,000 homes stand empty.",
        "priority_area": "housing",
        "team": "",
        "target_population": "Residents of the east side",
        "visibility": "city",
        "rubric": "impact: Impact\nfeasibility: Feasibility\nreach: Reach",
    }
    data.update(fields)
    return data


# -- who may see what ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "url"),
    [(Challenge, "/challenges/{pk}/"), (Idea, "/ideas/{pk}/")],
    ids=["challenge", "idea"],
)
def test_pages_follow_the_permission_matrix(world: World, model: type, url: str) -> None:
    """GIVEN a challenge (or idea) at each visibility WHEN each actor opens its page THEN those
    who may see it get it and everyone else gets a 404 (or the sign-in page), never a 500.
    Evidence has no page of its own: it shows in the challenge's log."""
    check_permission_matrix(
        world,
        MAKERS[model],
        fields=scope(model),
        queryset=lambda user: visible(model, user),
        ui_url=lambda obj: url.format(pk=obj.pk),
    )


def test_hidden_challenge_is_not_found_on_every_page(world: World) -> None:
    """GIVEN a team-only challenge WHEN a member of another team opens any of its pages
    THEN each is a 404: its existence does not leak."""
    challenge = f.challenge(world.city, visibility="team", team=world.team)
    idea = f.idea(challenge)
    cause = f.cause(challenge)
    client = as_user(world.user("other_team_member"))
    for url in (
        f"/challenges/{challenge.pk}/",
        f"/challenges/{challenge.pk}/edit/",
        f"/challenges/{challenge.pk}/evidence/new/?kind=insight",
        f"/challenges/{challenge.pk}/ideas/new/",
        f"/challenges/{challenge.pk}/ideas/matrix/",
        f"/ideas/{idea.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/causes/{cause.pk}/delete/").status_code == 404
    assert Cause.objects.filter(pk=cause.pk).exists()
    assert text(as_user(world.user("team_member")).get(f"/challenges/{challenge.pk}/"))


def test_viewer_sees_but_cannot_change(world: World) -> None:
    challenge = f.challenge(world.city)
    client = as_user(world.user("viewer"))
    page = text(client.get(f"/challenges/{challenge.pk}/"))
    assert "Edit challenge" not in page and "/phase/" not in page
    assert client.get(f"/challenges/{challenge.pk}/edit/").status_code == 403
    assert client.get("/challenges/new/").status_code == 403
    response = client.post(f"/challenges/{challenge.pk}/phase/", {"phase": "generate"})
    assert response.status_code == 403
    assert client.post(f"/challenges/{challenge.pk}/causes/", {"text": "x"}).status_code == 403
    assert not Cause.objects.exists()


# -- the board -----------------------------------------------------------------------------------
def test_board_shows_visible_challenges_by_phase_with_filters(world: World) -> None:
    """GIVEN challenges in two phases and another city's WHEN a member opens the board
    THEN theirs show in their phase's column with counts, filters narrow them, and the other
    city's city-only challenge is absent."""
    housing = f.challenge(world.city, title="Vacant homes", priority_area="housing")
    f.challenge(world.city, title="Slow buses", priority_area="mobility", phase="generate")
    f.challenge(world.other_city, title="Secret of city B")
    f.idea(housing)
    f.idea(housing, title="Second idea")
    client = as_user(world.user("member"))
    page = text(client.get("/portfolio/board/"))
    assert "Vacant homes" in page and "Slow buses" in page and "Secret of city B" not in page
    assert "2 ideas" in page and 'href="/challenges/new/' in page
    investigate = page.split('id="phase-investigate"')[1].split('id="phase-generate"')[0]
    assert "Vacant homes" in investigate and "Slow buses" not in investigate
    filtered = text(client.get("/portfolio/board/?priority_area=mobility&city=city-a"))
    assert "Slow buses" in filtered and "Vacant homes" not in filtered
    assert "New challenge" not in text(as_user(world.user("viewer")).get("/portfolio/board/"))


# -- challenges ----------------------------------------------------------------------------------
def test_new_challenge_offers_only_allowed_visibilities_and_saves(world: World) -> None:
    client = as_user(world.user("member"))
    page = text(client.get("/challenges/new/?city=city-a"))
    assert '<option value="city-a" selected>' in page
    assert 'value="city"' in page and 'value="public"' not in page  # a member may not publish
    response = client.post("/challenges/new/", challenge_data())
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/challenges/{challenge.pk}/"
    assert challenge.priority_area == "housing" and challenge.owner == world.user("member")
    assert [c["key"] for c in challenge.rubric] == ["impact", "feasibility", "reach"]
    assert challenge.phase_changes.count() == 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"title": ""}, "title"),
        ({"visibility": "public"}, "visibility"),
        ({"visibility": "team"}, "team"),
        ({"rubric": "impact: A\nimpact: B"}, "rubric"),
        ({"rubric": ""}, "rubric"),
    ],
)
def test_new_challenge_bad_input_shows_field_error(
    world: World, fields: dict[str, Any], error_field: str
) -> None:
    """GIVEN a bad field WHEN a member posts the form THEN it comes back with the error beside
    that field and nothing is saved."""
    response = as_user(world.user("member")).post("/challenges/new/", challenge_data(**fields))
    page = text(response)
    assert f'id="id_{error_field}_error"' in page
    assert not Challenge.objects.exists()


def test_edit_and_delete_challenge(world: World) -> None:
    challenge = f.challenge(world.city)
    member, admin = as_user(world.user("member")), as_user(world.user("city_admin"))
    page = text(member.get(f"/challenges/{challenge.pk}/edit/"))
    assert "impact: Impact" in page and 'name="city"' not in page
    data = challenge_data(title="Renamed", rubric="impact: Impact\nfeasibility: Doability")
    assert member.post(f"/challenges/{challenge.pk}/edit/", data).status_code == 302
    challenge.refresh_from_db()
    assert challenge.title == "Renamed" and challenge.rubric[1]["label"] == "Doability"
    assert member.get(f"/challenges/{challenge.pk}/delete/").status_code == 403
    assert "cannot be undone" in text(admin.get(f"/challenges/{challenge.pk}/delete/"))
    assert admin.post(f"/challenges/{challenge.pk}/delete/").status_code == 302
    assert not Challenge.objects.exists()


def test_phase_change_is_kept_in_the_history(world: World) -> None:
    challenge = f.challenge(world.city)
    PhaseChange.objects.create(challenge=challenge, to_phase="investigate")
    client = as_user(world.user("member"))
    data = {"phase": "generate", "note": "Causes agreed"}
    assert client.post(f"/challenges/{challenge.pk}/phase/", data).status_code == 302
    challenge.refresh_from_db()
    assert challenge.phase == "generate"
    page = text(client.get(f"/challenges/{challenge.pk}/"))
    assert "Investigate → Generate" in page and "Causes agreed" in page
    assert "member@matrix.example.org" in page
    bad = client.post(f"/challenges/{challenge.pk}/phase/", {"phase": "dreaming"})
    assert "errorlist" in text(bad)
    challenge.refresh_from_db()
    assert challenge.phase == "generate"


# -- evidence ------------------------------------------------------------------------------------
def test_insight_and_document_evidence(world: World) -> None:
    challenge = f.challenge(world.city)
    client = as_user(world.user("member"))
    url = f"/challenges/{challenge.pk}/evidence/new/"
    assert 'name="method"' in text(client.get(f"{url}?kind=insight"))
    insight = {
        "title": "Neighbours afraid",
        "body": "I don't walk past it at night.",
        "method": "interview",
        "observed_on": "2024-05-02",
        "tags": "safety, night",
        "consent": "on",
        "visibility": "city",
    }
    assert client.post(f"{url}?kind=insight", insight).status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.kind == "insight" and evidence.tags == ["safety", "night"] and evidence.consent
    bad = client.post(f"{url}?kind=document", {"title": "Tax roll", "visibility": "city"})
    assert 'id="id_url_error"' in text(bad) and Evidence.objects.count() == 1
    document = {"title": "Tax roll", "url": "https://example.org/roll", "visibility": "city"}
    assert client.post(f"{url}?kind=document", document).status_code == 302
    page = text(client.get(f"/challenges/{challenge.pk}/"))
    assert "I don&#x27;t walk past it at night." in page and "2 May 2024" in page
    assert 'href="https://example.org/roll"' in page and "safety" in page
    edit = f"/evidence/{evidence.pk}/edit/"
    assert "safety, night" in text(client.get(edit))
    assert client.post(edit, {**insight, "title": "Neighbours scared"}).status_code == 302
    evidence.refresh_from_db()
    assert evidence.title == "Neighbours scared"
    assert client.post(f"/evidence/{evidence.pk}/delete/").status_code == 302
    assert Evidence.objects.count() == 1


def test_evidence_visibility_is_capped_by_the_challenge(world: World) -> None:
    challenge = f.challenge(world.city, visibility="city")
    page = text(
        as_user(world.user("city_admin")).get(
            f"/challenges/{challenge.pk}/evidence/new/?kind=insight"
        )
    )
    assert 'value="city"' in page and 'value="network"' not in page


def test_data_finding_and_advancing_with_an_indicator_target(world: World) -> None:
    """GIVEN a city indicator WHEN a member logs a data finding from it THEN its number, period
    and time are frozen and shown with a link and its card; WHEN an idea is advanced with a
    target on the indicator and a first milestone THEN the solution has both."""
    from tests.indicators.test_web import make_indicator

    indicator = make_indicator(world)
    challenge = f.challenge(world.city)
    client = as_user(world.user("member"))
    url = f"/challenges/{challenge.pk}/evidence/new/?kind=data"
    assert f'<option value="{indicator.pk}">Noise closures</option>' in text(client.get(url))
    data = {"title": "Slow closures", "indicator": indicator.pk, "body": "", "visibility": "city"}
    assert client.post(url, data).status_code == 302
    finding = Evidence.objects.get()
    assert finding.snapshot["value"] is not None and finding.snapshot["period"]
    page = text(client.get(f"/challenges/{challenge.pk}/"))
    assert f"/cities/city-a/indicators/{indicator.slug}/" in page and "Recorded on" in page
    assert "indicator-card" in page

    idea = f.idea(challenge)
    advance = {
        "title": "Noise squad",
        "goal_statement": "Reduce closure time from 5 to 2 hours by 2027",
        "indicator": indicator.pk,
        "target_value": "2",
        "target_date": "2027-12-31",
        "milestone_title": "Hire the squad",
        "milestone_due": "2026-03-01",
    }
    response = client.post(f"/ideas/{idea.pk}/advance/", advance)
    solution = Solution.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/solutions/{solution.pk}/"
    target = solution.targets.get()
    assert (target.indicator, target.target_value) == (indicator, 2.0)
    assert solution.milestones.get().title == "Hire the squad"
    idea.refresh_from_db()
    assert idea.status == "advanced" and solution.idea == idea


def test_advancing_with_bad_input_saves_nothing(world: World) -> None:
    challenge = f.challenge(world.city)
    idea = f.idea(challenge)
    client = as_user(world.user("member"))
    bad = {"title": "Squad", "target_value": "2", "milestone_title": "Hire"}
    page = text(client.post(f"/ideas/{idea.pk}/advance/", bad))
    assert 'id="id_indicator_error"' in page and 'id="id_milestone_due_error"' in page
    assert not Solution.objects.exists()
    response = client.post(f"/ideas/{idea.pk}/advance/", {"title": "Squad"})
    assert response.status_code == 302 and Solution.objects.count() == 1


# -- the root-cause tree -------------------------------------------------------------------------
def test_cause_tree_with_htmx(world: World) -> None:
    """GIVEN a challenge WHEN causes are added, nested, renamed, linked and deleted with htmx
    THEN each answer is the tree alone, showing the change."""
    challenge = f.challenge(world.city)
    proof = f.evidence(challenge, title="Tax records")
    client = as_user(world.user("member"))
    url = f"/challenges/{challenge.pk}/causes/"
    fragment = text(client.post(url, {"text": "Owners cannot be found"}, **HX))
    assert "<html" not in fragment and 'id="causes"' in fragment
    root = Cause.objects.get()
    fragment = text(client.post(url, {"text": "Heirs unknown", "parent": root.pk}, **HX))
    child = Cause.objects.get(parent=root)
    nested = fragment.split(f'id="cause-{root.pk}"')[1]
    assert f'id="cause-{child.pk}"' in nested and "Heirs unknown" in nested
    fragment = text(client.post(f"/causes/{child.pk}/edit/", {"text": "Heirs abroad"}, **HX))
    assert "Heirs abroad" in fragment and "Heirs unknown" not in fragment
    linked = {f"cause{child.pk}-evidence": [str(proof.pk)]}
    fragment = text(client.post(f"/causes/{child.pk}/evidence/", linked, **HX))
    assert list(child.evidence.all()) == [proof] and "Supported by: Tax records" in fragment
    fragment = text(client.post(f"/causes/{root.pk}/delete/", **HX))
    assert not Cause.objects.exists() and "No root cause yet." in fragment
    fragment = text(client.post(url, {"text": ""}, **HX))
    assert "notice error" in fragment and not Cause.objects.exists()


def test_cause_tree_without_javascript(world: World) -> None:
    challenge = f.challenge(world.city)
    other = f.challenge(world.city, title="Other")
    foreign_root = f.cause(other)
    client = as_user(world.user("member"))
    url = f"/challenges/{challenge.pk}/causes/"
    response = client.post(url, {"text": "Owners cannot be found"})
    assert response.status_code == 302 and response["Location"].endswith("#causes")
    root = Cause.objects.get(challenge=challenge)
    client.post(f"/causes/{root.pk}/edit/", {"text": "Owners absent"})
    root.refresh_from_db()
    assert root.text == "Owners absent"
    response = client.post(url, {"text": "Sneaky", "parent": foreign_root.pk}, follow=True)
    assert "No such cause." in text(response)
    assert not Cause.objects.filter(text="Sneaky").exists()
    page = text(client.get(f"/challenges/{challenge.pk}/"))
    assert "Owners absent" in page and 'hx-post="/causes/' in page
    assert client.post(f"/causes/{root.pk}/delete/").status_code == 302
    assert not Cause.objects.filter(challenge=challenge).exists()


# -- opportunity areas ---------------------------------------------------------------------------
def test_opportunity_areas(world: World) -> None:
    challenge = f.challenge(world.city)
    client = as_user(world.user("member"))
    url = f"/challenges/{challenge.pk}/opportunities/"
    assert client.post(url, {"title": "Find owners", "description": ""}).status_code == 302
    area = OpportunityArea.objects.get()
    client.post(f"/opportunities/{area.pk}/edit/", {"title": "Trace owners", "description": "x"})
    area.refresh_from_db()
    assert area.title == "Trace owners"
    response = client.post(url, {"title": ""}, follow=True)
    assert "errorlist" in text(response) or "error" in text(response)
    assert OpportunityArea.objects.count() == 1
    client.post(f"/opportunities/{area.pk}/delete/")
    assert not OpportunityArea.objects.exists()


# -- ideas ---------------------------------------------------------------------------------------
def test_new_idea_from_another_city_needs_the_city(world: World) -> None:
    challenge = f.challenge(world.city)
    area = f.opportunity(challenge)
    client = as_user(world.user("member"))
    url = f"/challenges/{challenge.pk}/ideas/new/"
    data = {"title": "Land bank", "description": "", "opportunity_area": area.pk}
    data["origin"] = "other_city"
    page = text(client.post(url, {**data, "origin_detail": ""}))
    assert 'id="id_origin_detail_error"' in page and not Idea.objects.exists()
    response = client.post(url, {**data, "origin_detail": "Detroit"})
    idea = Idea.objects.get()
    assert response["Location"] == f"/ideas/{idea.pk}/"
    assert idea.opportunity_area == area and idea.created_by == world.user("member")
    listing = text(client.get(f"/challenges/{challenge.pk}/"))
    assert "Land bank" in listing and "Another city (Detroit)" in listing


def test_scoring_updates_the_summary(world: World) -> None:
    """GIVEN two reviewers WHEN they score an idea far apart THEN the summary shows the mean,
    range and reviewers, and says they disagree; scoring again replaces one's own scores."""
    challenge = f.challenge(world.city)
    idea = f.idea(challenge)
    member, admin = as_user(world.user("member")), as_user(world.user("city_admin"))
    url = f"/ideas/{idea.pk}/score/"
    assert member.post(url, {"score_impact": "5", "score_feasibility": "4"}).status_code == 302
    assert admin.post(url, {"score_impact": "2", "score_feasibility": "4"}).status_code == 302
    page = text(member.get(f"/ideas/{idea.pk}/"))
    assert "Scores from 2 reviewers" in page and "3.50" in page and "2–5" in page
    assert "Reviewers disagree" in page
    assert '<option value="5" selected>5</option>' in page  # the member's own score
    member.post(url, {"score_impact": "3"})
    page = text(member.get(f"/ideas/{idea.pk}/"))
    assert "2.50" in page and "Reviewers disagree" not in page
    bad = text(member.post(url, {"score_impact": "9"}))
    assert "errorlist" in bad
    assert text(member.post(url, {})).count("Give at least one score.") == 1


def test_decisions_need_a_reason_and_are_kept(world: World) -> None:
    challenge = f.challenge(world.city)
    idea = f.idea(challenge)
    client = as_user(world.user("member"))
    url = f"/ideas/{idea.pk}/decide/"
    page = text(client.post(url, {"status": "parked", "reason": " "}))
    assert 'id="id_reason_error"' in page
    idea.refresh_from_db()
    assert idea.status == "open"
    assert client.post(url, {"status": "parked", "reason": "Wait for budget"}).status_code == 302
    assert client.post(url, {"status": "dropped", "reason": "Council said no"}).status_code == 302
    page = text(client.get(f"/ideas/{idea.pk}/"))
    assert page.index("Wait for budget") < page.index("Council said no")
    assert "member@matrix.example.org" in page and "Dropped" in page


def test_matrix_places_ideas_by_impact_and_feasibility(world: World) -> None:
    challenge = f.challenge(world.city)
    reviewer = world.user("member")
    placed = {
        "Quick": (5, 4),
        "Bet": (5, 1),
        "Step": (2, 5),
        "Skip": (1, 2),
    }
    for title, (impact, feasibility) in placed.items():
        idea = f.idea(challenge, title=title)
        f.score(idea, reviewer, "impact", impact)
        f.score(idea, reviewer, "feasibility", feasibility)
    f.idea(challenge, title="Unscored")
    page = text(as_user(reviewer).get(f"/challenges/{challenge.pk}/ideas/matrix/"))

    # Each scored idea is a labelled point, linked to its page, in its quadrant.
    points = re.findall(
        r'<a class="matrix-point quadrant-(\w+)" href="/ideas/(\d+)/">.*?<text[^>]*>([^<]+)</text>',
        page,
        flags=re.S,
    )
    where = {label: key for key, _pk, label in points}
    assert where == {
        "Quick": "quick_wins",
        "Bet": "big_bets",
        "Step": "small_steps",
        "Skip": "deprioritise",
    }
    assert 'class="split"' in page and "Quick wins" in page
    assert "Not placed until scored" in page and "Unscored" in page
    # The data table and the one-sentence description stay with the chart.
    assert "<table" in page and "5.00" in page
    assert "1 quick wins, 1 big bets, 1 small steps and 1 to deprioritise" in page


def test_matrix_numbers_in_french(world: World) -> None:
    challenge = f.challenge(world.city)
    reviewer, other = world.user("member"), world.user("team_member")
    idea = f.idea(challenge, title="Quick")
    f.score(idea, reviewer, "impact", 5)
    f.score(idea, other, "impact", 4)
    f.score(idea, reviewer, "feasibility", 4)
    client = as_user(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = text(client.get(f"/challenges/{challenge.pk}/ideas/matrix/"))
    assert "4,50" in page and "4.50" not in page
    assert "Gains rapides" in page


# -- French --------------------------------------------------------------------------------------
def test_challenge_pages_in_french(world: World) -> None:
    """GIVEN a French-speaking member WHEN they open the board, a challenge, an idea and the
    matrix THEN the pages are in French, including the default rubric's labels."""
    challenge = f.challenge(world.city)
    idea = f.idea(challenge)
    f.cause(challenge)
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    board = visible_text(text(client.get("/portfolio/board/")))
    assert "Tableau des défis" in board and "Challenge board" not in board
    page = visible_text(text(client.get(f"/challenges/{challenge.pk}/")))
    assert "Causes profondes" in page and "Journal des preuves" in page
    assert "Root causes" not in page and "Evidence log" not in page
    idea_page = visible_text(text(client.get(f"/ideas/{idea.pk}/")))
    assert "Faisabilité" in idea_page and "Feasibility" not in idea_page
    matrix = visible_text(text(client.get(f"/challenges/{challenge.pk}/ideas/matrix/")))
    assert "Gains rapides" in matrix
    assert Visibility.CITY  # the same rules in every language


def test_an_ideas_panels_show_once(world: World) -> None:
    """Regression: idea_detail.html rendered ``{% page_panels "idea" idea %}`` twice (a merge
    left both), so every panel contributed to an idea's page — scores requests, discussions,
    similar ideas — showed two times."""
    idea = f.idea(f.challenge(world.city), title="Panels once")
    page = text(as_user(world.user("city_admin")).get(f"/ideas/{idea.pk}/"))
    assert page.count('class="request-scores"') == 1
