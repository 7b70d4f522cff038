"""The delivery side of the portfolio UI: a solution's page and its forms (milestones, risks,
decisions, updates, indicator targets), the portfolio table and its CSV, the timeline and the
network view; who may reach each."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import polib
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civiclab.portfolio.models import (
    Decision,
    Milestone,
    Risk,
    Solution,
    SolutionIndicator,
    Update,
    scope,
)
from civiclab.portfolio.queries import visible
from tests.clients import as_user
from tests.factories import CohortFactory
from tests.permission_matrix import check_permission_matrix
from tests.portfolio import factories as f
from tests.portfolio.test_services import MAKERS
from tests.test_i18n import FR_PO, visible_text
from tests.world import World

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST = TODAY - dt.timedelta(days=30)
FUTURE = TODAY + dt.timedelta(days=30)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def url(solution: Solution, rest: str = "") -> str:
    return f"/solutions/{solution.pk}/{rest}"


@pytest.fixture
def solution(world: World) -> Solution:
    challenge = f.challenge(world.city, priority_area="housing", phase="deliver")
    return f.solution(
        challenge,
        budget_planned=1000,
        budget_spent=250,
        currency="USD",
        stage="deliver",
        status_justification="Hiring went well",
        partners="Land bank",
    )


# -- the solution's page -----------------------------------------------------------------------


def test_solution_page_shows_goal_budget_milestones_risks_decisions_updates(
    world: World, solution: Solution
) -> None:
    """GIVEN a solution with a slipping milestone, risks of different severity, a decision and an
    update WHEN a member opens its page THEN all show, slipping highlighted, worst risk first."""
    f.milestone(solution, title="Hire the squad", due_on=PAST)
    f.milestone(solution, title="Train the squad", due_on=FUTURE)
    f.milestone(solution, title="Buy vans", due_on=PAST, done_on=PAST)
    f.risk(solution, title="Minor delay", likelihood=2, impact=1)
    f.risk(solution, title="Owners sue", likelihood=4, impact=5)
    f.risk(solution, title="Budget cut", likelihood=3, impact=3)
    f.decision(solution, gate="prepare → deliver", outcome="go", reason="Pilot ready")
    f.update(solution, body="Squad half hired", by=world.user("member"))
    body = page(as_user(world.user("member")), url(solution))
    assert "Reduce blighted homes from 2,000 to 1,000 by 2027" in body
    assert "Land bank" in body and "25 % of the plan" in body
    assert "Hiring went well" in body
    assert 'class="milestone-slipping"' in body and "Slipping" in body
    assert body.index("Owners sue") < body.index("Budget cut") < body.index("Minor delay")
    assert ">20<" in body  # severity 4 × 5
    assert "Pilot ready" in body and "Squad half hired" in body
    assert "Edit solution" in body and "Add a milestone" in body
    assert f'href="/challenges/{solution.challenge_id}/"' in body


def test_viewer_sees_the_page_without_forms_and_may_not_write(
    world: World, solution: Solution
) -> None:
    viewer = as_user(world.user("viewer"))
    body = page(viewer, url(solution))
    assert "Edit solution" not in body and "Add a milestone" not in body
    assert viewer.get(url(solution, "edit/")).status_code == 403
    response = viewer.post(
        url(solution, "milestones/"), {"milestone-title": "x", "milestone-due_on": "2030-01-01"}
    )
    assert response.status_code == 403
    assert not Milestone.objects.exists()
    assert viewer.post(url(solution, "delete/")).status_code == 403
    assert Solution.objects.filter(pk=solution.pk).exists()


def test_pages_of_a_solution_are_not_found_by_outsiders(world: World, solution: Solution) -> None:
    outsider = as_user(world.user("other_city_admin"))
    milestone = f.milestone(solution)
    for path in ("", "edit/", "delete/", f"milestones/{milestone.pk}/edit/"):
        assert outsider.get(url(solution, path)).status_code == 404, path
    assert outsider.post(url(solution, "updates/"), {"update-body": "x"}).status_code == 404
    assert not Update.objects.exists()


def test_solution_page_permission_matrix(world: World) -> None:
    check_permission_matrix(
        world,
        MAKERS[Solution],
        fields=scope(Solution),
        queryset=lambda user: visible(Solution, user),
        ui_url=lambda s: f"/solutions/{s.pk}/",
    )


# -- editing the solution --------------------------------------------------------------------


def edit_data(solution: Solution, **changes: Any) -> dict[str, Any]:
    data = {
        "title": solution.title,
        "description": solution.description,
        "goal_statement": solution.goal_statement,
        "idea": "",
        "owner": "",
        "partners": solution.partners,
        "budget_planned": solution.budget_planned or "",
        "budget_spent": solution.budget_spent or "",
        "currency": solution.currency,
        "start_date": "",
        "end_date": "",
        "stage": solution.stage,
        "status": solution.status,
        "status_justification": "",
        "visibility": solution.visibility,
    }
    data.update(changes)
    return data


def test_edit_solution_and_a_status_change_needs_a_reason(world: World, solution: Solution) -> None:
    member = as_user(world.user("member"))
    assert "Hiring went well" not in page(member, url(solution, "edit/"))  # asked afresh
    response = member.post(url(solution, "edit/"), edit_data(solution, status="at_risk"))
    assert response.status_code == 200
    assert "Say why the status changed." in response.content.decode()
    solution.refresh_from_db()
    assert solution.status == "on_track"

    response = member.post(
        url(solution, "edit/"),
        edit_data(solution, title="Blight squad 2", budget_spent="400"),
    )
    assert response.status_code == 302
    solution.refresh_from_db()
    assert solution.title == "Blight squad 2" and solution.budget_spent == 400
    assert solution.status_justification == "Hiring went well"  # kept

    response = member.post(
        url(solution, "edit/"),
        edit_data(solution, status="at_risk", status_justification="Two hires left"),
    )
    assert response.status_code == 302
    solution.refresh_from_db()
    assert (solution.status, solution.status_justification) == ("at_risk", "Two hires left")


def test_edit_solution_bad_input_saves_nothing(world: World, solution: Solution) -> None:
    member = as_user(world.user("member"))
    response = member.post(
        url(solution, "edit/"), edit_data(solution, title="", visibility="public")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    # The challenge is city-wide: no wider (a visibility not offered says why).
    assert "You may not share a solution this widely." in body
    solution.refresh_from_db()
    assert solution.title == "Blight squad" and solution.visibility == "city"


def test_a_member_may_not_share_a_solution_wider(world: World) -> None:
    """GIVEN a network-wide challenge WHEN a member widens its city-only solution THEN the form
    says so (publishing is a city admin's) and nothing changes; the city admin may."""
    solution = f.solution(f.challenge(world.city, visibility="network"), visibility="city")
    response = as_user(world.user("member")).post(
        url(solution, "edit/"), edit_data(solution, visibility="network")
    )
    assert response.status_code == 200
    assert "You may not share a solution this widely." in response.content.decode()
    solution.refresh_from_db()
    assert solution.visibility == "city"
    response = as_user(world.user("city_admin")).post(
        url(solution, "edit/"), edit_data(solution, visibility="network")
    )
    assert response.status_code == 302
    solution.refresh_from_db()
    assert solution.visibility == "network"


def test_delete_solution_asks_then_deletes(world: World, solution: Solution) -> None:
    admin = as_user(world.user("city_admin"))
    assert "cannot be undone" in page(admin, url(solution, "delete/"))
    response = admin.post(url(solution, "delete/"))
    assert response.status_code == 302
    assert response.url == f"/challenges/{solution.challenge_id}/"
    assert not Solution.objects.filter(pk=solution.pk).exists()


def test_new_solution_for_a_challenge(world: World) -> None:
    challenge = f.challenge(world.city)
    idea = f.idea(challenge, title="Tracing squad")
    member = as_user(world.user("member"))
    body = page(member, f"/solutions/new/?challenge={challenge.pk}&idea={idea.pk}")
    assert 'value="Tracing squad"' in body
    data = edit_data(
        Solution(title="Tracing squad", stage="prepare", status="on_track", visibility="city"),
        idea=str(idea.pk),
    )
    response = member.post(f"/solutions/new/?challenge={challenge.pk}", data)
    assert response.status_code == 302
    solution = Solution.objects.get()
    assert solution.idea == idea and solution.owner == world.user("member")
    assert (
        as_user(world.user("other_city_admin"))
        .get(f"/solutions/new/?challenge={challenge.pk}")
        .status_code
        == 404
    )


# -- the parts ----------------------------------------------------------------------------------


def test_milestones_add_edit_done_delete(world: World, solution: Solution) -> None:
    member = as_user(world.user("member"))
    bad = member.post(
        url(solution, "milestones/"), {"milestone-title": "Hire", "milestone-due_on": "not a date"}
    )
    assert bad.status_code == 200 and "Enter a valid date." in bad.content.decode()
    assert not Milestone.objects.exists()
    ok = member.post(
        url(solution, "milestones/"),
        {"milestone-title": "Hire", "milestone-due_on": PAST.isoformat()},
    )
    assert ok.status_code == 302
    milestone = Milestone.objects.get()
    assert "Slipping" in page(member, url(solution))

    edit = url(solution, f"milestones/{milestone.pk}/edit/")
    assert "Hire" in page(member, edit)
    data = {"title": "Hire four", "due_on": FUTURE.isoformat(), "done_on": "", "notes": ""}
    assert member.post(edit, data).status_code == 302
    milestone.refresh_from_db()
    assert milestone.title == "Hire four" and milestone.state() == "upcoming"

    done = url(solution, f"milestones/{milestone.pk}/done/")
    response = member.post(done, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="solution-milestones"' in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    member.post(done, {"undo": "1"})
    milestone.refresh_from_db()
    assert milestone.done_on is None

    assert member.post(url(solution, f"milestones/{milestone.pk}/delete/")).status_code == 302
    assert not Milestone.objects.exists()
    assert member.get(url(solution, f"bogus/{milestone.pk}/edit/")).status_code == 404


def test_risks_add_bad_input_edit_delete(world: World, solution: Solution) -> None:
    member = as_user(world.user("member"))
    bad = member.post(
        url(solution, "risks/"),
        {
            "risk-title": "Owners sue",
            "risk-likelihood": "7",
            "risk-impact": "2",
            "risk-status": "open",
        },
    )
    assert bad.status_code == 200
    assert "Ensure this value is less than or equal to 5." in bad.content.decode()
    assert not Risk.objects.exists()
    data = {
        "risk-title": "Owners sue",
        "risk-likelihood": "3",
        "risk-impact": "4",
        "risk-status": "open",
        "risk-owner": str(world.user("member").pk),
        "risk-mitigation": "Legal review",
    }
    assert member.post(url(solution, "risks/"), data).status_code == 302
    risk = Risk.objects.get()
    assert risk.severity == 12 and risk.owner == world.user("member")
    edit = url(solution, f"risks/{risk.pk}/edit/")
    data = {
        "title": "Owners sue",
        "likelihood": "1",
        "impact": "4",
        "status": "closed",
        "owner": "",
        "mitigation": "",
    }
    assert member.post(edit, data).status_code == 302
    risk.refresh_from_db()
    assert (risk.severity, risk.status) == (4, "closed")
    assert member.post(url(solution, f"risks/{risk.pk}/delete/")).status_code == 302
    assert not Risk.objects.exists()


def test_decisions_and_updates(world: World, solution: Solution) -> None:
    member = as_user(world.user("member"))
    bad = member.post(
        url(solution, "decisions/"),
        {"decision-gate": "prepare → deliver", "decision-outcome": "maybe", "decision-reason": ""},
    )
    assert bad.status_code == 200 and not Decision.objects.exists()
    assert "Select a valid choice." in bad.content.decode()
    data = {
        "decision-gate": "prepare → deliver",
        "decision-outcome": "pivot",
        "decision-reason": "Residents asked for evenings",
    }
    assert member.post(url(solution, "decisions/"), data).status_code == 302
    decision = Decision.objects.get()
    assert decision.by == world.user("member") and decision.decided_on == TODAY

    assert member.post(url(solution, "updates/"), {"update-body": ""}).status_code == 200
    assert not Update.objects.exists()
    data = {"update-body": "Vans late", "update-status": "off_track"}
    assert member.post(url(solution, "updates/"), data).status_code == 302
    solution.refresh_from_db()
    assert solution.status == "off_track" and solution.status_justification == "Vans late"
    body = page(member, url(solution))
    assert "Vans late" in body and "Residents asked for evenings" in body


def test_link_an_indicator_with_a_target(world: World, solution: Solution) -> None:
    from tests.indicators.test_web import make_indicator

    indicator = make_indicator(world)
    member = as_user(world.user("member"))
    bad = member.post(
        url(solution, "indicators/"), {"target-indicator": "999999", "target-target_value": "1"}
    )
    assert bad.status_code == 200 and not SolutionIndicator.objects.exists()
    data = {
        "target-indicator": str(indicator.pk),
        "target-target_value": "1.5",
        "target-target_date": "2027-12-31",
    }
    assert member.post(url(solution, "indicators/"), data).status_code == 302
    target = SolutionIndicator.objects.get()
    assert target.target_value == 1.5
    body = page(member, url(solution))
    assert "Noise closures" in body and "indicator-card" in body and "by 31 Dec 2027" in body
    remove = url(solution, f"indicators/{target.pk}/remove/")
    assert member.post(remove).status_code == 302
    assert not SolutionIndicator.objects.exists()


# -- the portfolio table and its CSV ----------------------------------------------------------


@pytest.fixture
def portfolio(world: World) -> dict[str, Any]:
    """City A: a housing challenge in delivery and a health one; city B: a shared challenge and
    a city-only one."""
    housing = f.challenge(
        world.city, title="Blighted homes", priority_area="housing", phase="deliver"
    )
    f.idea(housing)
    f.idea(housing, title="Land bank")
    squad = f.solution(housing, title="Blight squad", stage="deliver", status="at_risk")
    f.milestone(squad, title="Hire", due_on=FUTURE)
    f.milestone(squad, title="Old", due_on=PAST, done_on=PAST)
    f.update(squad, body="Hired two")
    health = f.challenge(world.city, title="Asthma", priority_area="health")
    shared = f.challenge(
        world.other_city, title="Shared flooding", visibility="network", priority_area="environment"
    )
    f.solution(shared, title="Rain gardens", visibility="network")
    hidden = f.challenge(world.other_city, title="Secret budget gap")
    f.solution(hidden, title="Secret fix")
    return {"housing": housing, "health": health, "shared": shared, "squad": squad}


def csv_rows(client: Client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/portfolio/export.csv{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_portfolio_table_shows_what_the_user_may_see(world: World, portfolio: dict) -> None:
    body = page(as_user(world.user("member")), "/portfolio/")
    assert "Blighted homes" in body and "Asthma" in body
    assert "Blight squad" in body and "At risk" in body and "Hire (" in body
    assert "Shared flooding" in body  # the network's
    assert "Secret" not in body
    assert "problems tackled" in body and "1</span> solution in delivery" in body


def test_portfolio_filters_and_csv(world: World, portfolio: dict) -> None:
    client = as_user(world.user("member"))
    body = page(client, "/portfolio/?priority_area=health")
    assert "Asthma" in body and "Blighted homes" not in body
    body = page(client, "/portfolio/?city=city-b")
    assert "Shared flooding" in body and "Asthma" not in body
    body = page(client, "/portfolio/?status=at_risk&phase=deliver")
    assert "Blighted homes" in body and "Asthma" not in body and "Shared flooding" not in body
    refused = client.get("/portfolio/?phase=nonsense")  # refused on the form, no rows
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert "Asthma" not in refused.content.decode()

    rows = csv_rows(client, "?city=city-a")
    assert [(r["challenge"], r["solution"]) for r in rows] == [
        ("Asthma", ""),
        ("Blighted homes", "Blight squad"),
    ]
    squad = rows[1]
    assert squad["ideas"] == "2" and squad["status"] == "at_risk"
    assert squad["next_milestone"] == "Hire" and squad["next_milestone_due"] == FUTURE.isoformat()
    assert squad["last_update"] == TODAY.isoformat()


def test_portfolio_cohort_filter(world: World, portfolio: dict) -> None:
    cohort = CohortFactory(network=world.network)
    world.other_city.cohorts.add(cohort)
    body = page(as_user(world.user("member")), f"/portfolio/?cohort={cohort.pk}")
    assert "Shared flooding" in body and "Asthma" not in body


def test_csv_never_includes_what_the_user_may_not_see(world: World, portfolio: dict) -> None:
    everything = {r["challenge"] for r in csv_rows(as_user(world.user("network_admin")))}
    assert "Secret budget gap" in everything
    for actor in ("member", "viewer", "city_admin", "anonymous", "other_network_admin"):
        rows = csv_rows(as_user(world.user(actor)))
        assert "Secret budget gap" not in {r["challenge"] for r in rows}, actor
        assert "Secret fix" not in {r["solution"] for r in rows}, actor
    outsider = {r["challenge"] for r in csv_rows(as_user(world.user("other_city_admin")))}
    assert "Blighted homes" not in outsider and "Secret budget gap" in outsider  # their own
    assert csv_rows(as_user(None)) == []


def test_portfolio_table_query_count_does_not_grow(world: World) -> None:
    client = as_user(world.user("city_admin"))

    def add(count: int) -> None:
        for i in range(count):
            challenge = f.challenge(world.city, title=f"C{i}")
            f.idea(challenge)
            solution = f.solution(challenge, title=f"S{i}")
            f.milestone(solution)
            f.update(solution)
            f.risk(solution)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/portfolio/").status_code == 200
        return len(captured)

    add(2)
    few = queries()
    add(10)
    many = queries()
    assert many == few, f"{few} queries with few rows, {many} with more"
    assert many <= 20, many


# -- the timeline and the network view ------------------------------------------------------------


def test_timeline_in_date_order_grouped_by_month(world: World, solution: Solution) -> None:
    f.milestone(solution, title="Later", due_on=TODAY + dt.timedelta(days=70))
    f.milestone(solution, title="Late one", due_on=PAST)
    f.milestone(solution, title="Finished", due_on=PAST - dt.timedelta(days=40), done_on=PAST)
    other = f.solution(f.challenge(world.other_city), title="Hidden")
    f.milestone(other, title="Not yours", due_on=FUTURE)
    client = as_user(world.user("member"))
    body = page(client, "/portfolio/timeline/")
    assert body.index("Finished") < body.index("Late one") < body.index("Later")
    assert "Not yours" not in body
    assert body.count('class="timeline-month"') >= 2
    assert 'class="milestone-slipping"' in body
    slipping = page(client, "/portfolio/timeline/?state=slipping")
    assert "Late one" in slipping and "Later" not in slipping and "Finished" not in slipping
    done = page(client, "/portfolio/timeline/?state=done&city=city-a")
    assert "Finished" in done and "Late one" not in done
    assert "Later" not in page(client, "/portfolio/timeline/?city=city-b")


def test_network_view_shows_other_cities_shared_work(world: World, portfolio: dict) -> None:
    body = page(as_user(world.user("member")), "/portfolio/network/")
    assert "City B" in body and "Shared flooding" in body and "Rain gardens" in body
    assert "Secret" not in body
    assert "Blighted homes" not in body  # the user's own city is not "shared with" them
    admin = page(as_user(world.user("network_admin")), "/portfolio/network/")
    assert "Shared flooding" in admin and "Secret" not in admin  # city-only work stays home
    cohort = CohortFactory(network=world.network)
    filtered = page(as_user(world.user("member")), f"/portfolio/network/?cohort={cohort.pk}")
    assert "Shared flooding" not in filtered
    assert as_user(None).get("/portfolio/network/").status_code == 302  # sign in first


def test_the_challenges_tab_leads_to_the_portfolio(world: World, solution: Solution) -> None:
    client = as_user(world.user("member"))
    home = page(client, "/")
    assert 'href="/portfolio/">Challenges</a>' in home
    body = page(client, url(solution))
    assert 'href="/portfolio/" aria-current="page">Challenges' in body


def test_portfolio_pages_in_french(world: World, portfolio: dict) -> None:
    """GIVEN a French city WHEN its admin opens the delivery pages THEN none of the catalogue's
    English sentences shows."""
    world.city.default_language = "fr"
    world.city.save()
    squad = portfolio["squad"]
    f.risk(squad)
    f.decision(squad)
    english = [
        e.msgid
        for e in polib.pofile(str(FR_PO))
        if not e.obsolete and " " in e.msgid and e.msgid != e.msgstr and "%" not in e.msgid
    ]
    client = as_user(world.user("city_admin"))
    for path in (
        "/portfolio/",
        "/portfolio/timeline/",
        "/portfolio/network/",
        url(squad),
        url(squad, "edit/"),
        url(squad, "delete/"),
    ):
        body = page(client, path)
        assert '<html lang="fr">' in body
        text = visible_text(body)
        leftovers = [m for m in english if m in text]
        assert not leftovers, (path, leftovers)


# -- pictures: the Gantt-style timeline and the progress bars ------------------------------------
def test_timeline_draws_a_gantt_with_states_told_apart_without_colour(
    world: World, solution: Solution
) -> None:
    solution.start_date, solution.end_date = PAST - dt.timedelta(days=60), FUTURE
    solution.save()
    f.milestone(solution, title="Late one", due_on=PAST)
    f.milestone(solution, title="Finished", due_on=PAST, done_on=PAST)
    f.milestone(solution, title="Later", due_on=FUTURE)
    body = page(as_user(world.user("member")), "/portfolio/timeline/")
    svg = body.split('<svg class="gantt-svg"')[1].split("</svg>")[0]
    assert 'class="bar"' in svg and 'class="today"' in svg
    for state in ("done", "slipping", "upcoming"):
        assert f"mark mark-{state}" in svg
    assert ">!</text>" in svg and ">✓</text>" in svg  # a glyph as well as a colour
    assert "1 done, 1 slipping (past due and not done), 1 upcoming." in body
    assert 'class="stack gantt-table"' in body and f'href="/solutions/{solution.pk}/"' in svg


def test_timeline_dates_in_french(world: World, solution: Solution) -> None:
    f.milestone(solution, title="Launch", due_on=dt.date(2031, 3, 4))
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = page(client, "/portfolio/timeline/")
    assert "04/03/2031" in body and "Aujourd’hui" in body


def test_solution_shows_budget_and_milestone_progress(world: World, solution: Solution) -> None:
    solution.budget_planned, solution.budget_spent, solution.currency = 50000, 12000, "USD"
    solution.save()
    f.milestone(solution, title="One", due_on=PAST, done_on=PAST)
    f.milestone(solution, title="Two", due_on=FUTURE)
    client = as_user(world.user("member"))
    body = page(client, f"/solutions/{solution.pk}/")
    assert '<progress max="2" value="1"' in body and "1 of 2 milestones done" in body
    assert '<progress max="50000.00" value="12000.00"' in body
    assert "12,000 of 50,000 USD spent" in body
    assert 'class="gantt-svg"' in body
    table = page(client, "/portfolio/")
    assert "1 of 2 milestones done" in table and "12,000 of 50,000 USD spent" in table
    solution.budget_spent = 60000
    solution.save()
    assert "over budget" in page(client, f"/solutions/{solution.pk}/")
