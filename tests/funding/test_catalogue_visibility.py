"""Who sees which opportunities: Grants.gov's everyone, a fund entered by hand its network."""

from __future__ import annotations

import pytest

from civiclab.funding.models import Opportunity
from civiclab.funding.queries.catalogue import imports_for, visible_opportunities
from tests.world import ACTORS, World


def _opportunity(external_id: str, **fields: object) -> Opportunity:
    return Opportunity.objects.create(
        external_id=external_id, number=external_id, title=f"Opportunity {external_id}", **fields
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_visible_opportunities(world: World, actor: str) -> None:
    federal = _opportunity("1")
    shared_manual = _opportunity("manual-2", source="manual")
    own_network = _opportunity("manual-3", source="manual", network=world.network)
    foreign = _opportunity("manual-4", source="manual", network=world.foreign_city.network)

    seen = set(visible_opportunities(world.user(actor)).values_list("pk", flat=True))

    expected = {federal.pk, shared_manual.pk}
    if actor in {
        "other_city_admin",
        "viewer",
        "member",
        "team_member",
        "other_team_member",
        "city_admin",
        "network_admin",
    }:
        expected.add(own_network.pk)
    if actor == "other_network_admin":
        expected.add(foreign.pk)
    assert seen == expected


def test_imports_history_is_for_network_admins(world: World) -> None:
    assert imports_for(world.user("member")).query.is_empty()
    assert not imports_for(world.user("network_admin")).query.is_empty()
    assert not imports_for(None).query.is_empty()
