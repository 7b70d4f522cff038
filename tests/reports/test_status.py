"""A solution's status from its data, overrides with a narrative (service, page, API)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civiclab.audit.models import AuditEvent
from civiclab.portfolio import services as portfolio
from civiclab.reports.models import StatusOverride
from civiclab.reports.queries.status import status_of, statuses_of
from civiclab.reports.services.dashboard import override_status
from tests.clients import as_user
from tests.exchange.forks_helpers import COUNT, data, indicator, monthly
from tests.permission_matrix import api_headers
from tests.portfolio import factories as pf
from tests.world import ACTORS, World

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def slipping_solution(world: World, visibility: str = "city") -> object:
    challenge = pf.challenge(world.city, visibility=visibility)
    solution = pf.solution(challenge, stage="deliver", status="on_track")
    pf.milestone(solution, title="Survey", due_on=TODAY - dt.timedelta(days=4))
    return solution


def test_proposal_from_milestones(world: World) -> None:
    solution = slipping_solution(world)
    status = status_of(solution)
    assert (status.status, status.proposed, status.overridden) == ("at_risk", "at_risk", False)
    assert status.reason == "The milestone Survey is 4 days past due."


def test_no_data_keeps_the_stored_status(world: World) -> None:
    solution = pf.solution(pf.challenge(world.city), status="at_risk")
    status = status_of(solution)
    assert status.proposed is None and status.status == "at_risk"


def test_proposal_from_a_rising_indicator(world: World, tmp_path: Path) -> None:
    solution = pf.solution(pf.challenge(world.city), stage="deliver")
    reports = data(world.city, tmp_path, "Blight reports", monthly([5, 6, 7, 8, 9, 10, 11, 12]))
    found = indicator(reports, "Blight count", COUNT)
    portfolio.link_indicator(None, solution, found, 1.0, dt.date(2025, 12, 31))
    from civiclab.indicators.models import IndicatorResult
    from civiclab.indicators.services import results

    IndicatorResult.objects.all().delete()
    assert status_of(solution).proposed is None  # not computed yet: no data, not kept
    results(found)  # the worker's computation, in the same data version
    status = status_of(solution)
    assert status.proposed == "off_track"
    assert "Blight count" in status.reason
    # a member who may not see the indicator is not told its name
    found.visibility = "team"
    found.team = world.team
    found.save()
    cache.clear()
    hidden = statuses_of([solution], world.user("other_team_member"))[solution.pk]
    assert "Blight count" not in hidden.reason and hidden.proposed == "off_track"


def test_override_needs_a_narrative_and_is_audited(world: World) -> None:
    solution = slipping_solution(world)
    member = world.user("member")
    with pytest.raises(ValidationError):
        override_status(member, solution, "on_track", "   ")
    with pytest.raises(ValidationError):
        override_status(member, solution, "sideways", "Because")
    override_status(member, solution, "on_track", "The survey is done; the app lags.")
    status = status_of(solution)
    assert (status.status, status.proposed, status.overridden) == ("on_track", "at_risk", True)
    assert status.narrative == "The survey is done; the app lags."
    assert AuditEvent.objects.filter(action="reports.status_override").count() == 1


def test_agreeing_override_is_only_recorded(world: World) -> None:
    solution = slipping_solution(world)
    override_status(world.user("member"), solution, "at_risk", "Agreed, hiring is late.")
    status = status_of(solution)
    assert StatusOverride.objects.get().agrees
    assert status.status == "at_risk" and not status.overridden
    assert status.narrative == "Agreed, hiring is late."


EDITORS = {"member", "team_member", "other_team_member", "city_admin", "network_admin"}


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_permission_matrix(world: World, actor: str) -> None:
    solution = slipping_solution(world)
    user = world.user(actor)
    if actor in EDITORS:
        override_status(user, solution, "off_track", "Worse than it looks.")
        assert status_of(solution).status == "off_track"
    else:
        with pytest.raises(PermissionDenied):
            override_status(user, solution, "off_track", "Worse than it looks.")
    # the API: unseen is a 404, seen but not editable a 403
    client = as_user(None)
    response = client.post(
        f"/api/v1/reports/solutions/{solution.pk}/status",
        {"status": "on_track", "narrative": "Fine"},
        content_type="application/json",
        **api_headers(user),
    )
    expected = 200 if actor in EDITORS else 403 if actor == "viewer" else 404
    assert response.status_code == expected


def test_api_status_and_empty_narrative(world: World) -> None:
    solution = slipping_solution(world)
    headers = api_headers(world.user("member"))
    client = as_user(None)
    got = client.get(f"/api/v1/reports/solutions/{solution.pk}/status", **headers).json()
    assert got["proposed"] == "at_risk" and "Survey" in got["reason"]
    empty = client.post(
        f"/api/v1/reports/solutions/{solution.pk}/status",
        {"status": "on_track", "narrative": ""},
        content_type="application/json",
        **headers,
    )
    assert empty.status_code == 422
    missing = client.get("/api/v1/reports/solutions/999999/status", **headers)
    assert missing.status_code == 404


def test_solution_page_panel_and_form(world: World) -> None:
    solution = slipping_solution(world)
    member = as_user(world.user("member"))
    page = member.get(f"/solutions/{solution.pk}/").content.decode()
    assert "Delivery status" in page and "past due" in page
    assert "Override the status" in page
    refused = member.post(
        f"/delivery/solutions/{solution.pk}/status/", {"status": "on_track", "narrative": ""}
    )
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert "<html" in refused.content.decode()
    done = member.post(
        f"/delivery/solutions/{solution.pk}/status/",
        {"status": "on_track", "narrative": "Survey done, app lags"},
    )
    assert done.status_code == 302
    page = member.get(f"/solutions/{solution.pk}/").content.decode()
    assert "Survey done, app lags" in page
    viewer = as_user(world.user("viewer")).get(f"/solutions/{solution.pk}/").content.decode()
    assert "Delivery status" in viewer and "Override the status" not in viewer
    assert (
        as_user(world.user("viewer"))
        .post(
            f"/delivery/solutions/{solution.pk}/status/", {"status": "on_track", "narrative": "x"}
        )
        .status_code
        == 403
    )


def test_reason_in_french(world: World) -> None:
    solution = slipping_solution(world)
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(f"/solutions/{solution.pk}/").content.decode()
    assert "Le jalon Survey a 4 jours de retard." in page
