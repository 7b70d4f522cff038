"""The write helpers every domain's services share (core/services.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from civiclab.core.permissions import Visibility
from civiclab.core.services import check_may_share
from civiclab.datasets.models import Dataset
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("visibility", list(Visibility))
def test_sharing_beyond_the_city_is_publishing(world: World, visibility: Visibility) -> None:
    """GIVEN a new object of city A WHEN a member, a city admin or the command line creates it
    at each visibility THEN only a city admin (or the operator) may make it visible beyond the
    city; within the city anyone who may create it may."""
    target = Dataset(city=world.city, name="New", slug="new", visibility=visibility)
    beyond = Visibility(visibility).breadth > Visibility.CITY.breadth
    check_may_share(None, target, visibility)  # the command line: the operator
    check_may_share(world.user("city_admin"), target, visibility)
    if beyond:
        with pytest.raises(PermissionDenied):
            check_may_share(world.user("member"), target, visibility)
    else:
        check_may_share(world.user("member"), target, visibility)
