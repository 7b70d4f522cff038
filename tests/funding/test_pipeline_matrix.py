"""Applications in the permission matrix: every kind of person × every visibility, through
the rules, the scoped query, the page and the API (read and update)."""

from __future__ import annotations

import pytest

from civiclab.core.permissions import Visibility
from civiclab.funding.models import Application
from civiclab.funding.queries.pipeline import visible_applications
from tests.permission_matrix import check_permission_matrix
from tests.world import World

pytestmark = pytest.mark.django_db


def test_application_matrix(world: World) -> None:
    """GIVEN an application of city A at each visibility (team-only ones in team T) WHEN each
    kind of person reads it (rules, list, page, API) or renames it through the API THEN only
    those the rules name may."""

    def make(w: World, vis: Visibility) -> Application:
        team = w.team if vis == Visibility.TEAM else None
        return Application.objects.create(
            city=w.city, team=team, visibility=vis, title="Land bank grant", funder="State"
        )

    check_permission_matrix(
        world,
        make,
        queryset=visible_applications,
        ui_url=lambda a: f"/funding/applications/{a.pk}/",
        api_url=lambda a: f"/api/v1/funding/applications/{a.pk}",
        api_update=lambda a: (f"/api/v1/funding/applications/{a.pk}", {"title": "Renamed"}),
    )
