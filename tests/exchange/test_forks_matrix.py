"""Who sees a fork (its page, its API, the origin's lineage) — every actor of the matrix, for a
copy kept to its city and one shared with the network — and who may adapt."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.exchange.models.forks import Fork
from civiclab.exchange.queries.forks import lineage, visible_forks
from civiclab.exchange.services import forks as services
from tests.clients import as_user
from tests.portfolio import factories as pf
from tests.world import ACTORS, World

pytestmark = pytest.mark.django_db

# Who sees city B's copy of A's shared solution, by the copy's visibility.
SEES = {
    "city": {"other_city_admin", "network_admin"},
    "network": {
        "other_city_admin", "network_admin", "viewer", "member", "team_member",
        "other_team_member", "city_admin",
    },
}  # fmt: skip


@pytest.mark.parametrize("visibility", ["city", "network"])
@pytest.mark.parametrize("actor", ACTORS)
def test_who_sees_a_fork(world: World, actor: str, visibility: str) -> None:
    origin = pf.solution(pf.challenge(world.city, visibility="network"), visibility="network")
    made = services.fork(
        world.user("other_city_admin"), "solution", origin.pk, world.other_city, "solution",
        challenge=pf.challenge(world.other_city, visibility="network"), visibility=visibility,
    )  # fmt: skip
    user = world.user(actor)
    expected = actor in SEES[visibility]
    reader = user if user is not None else _anonymous()
    assert visible_forks(reader).filter(pk=made.pk).exists() is expected
    origin_seen = actor not in ("anonymous", "no_membership", "other_network_admin")
    if origin_seen:
        assert lineage(reader, "solution", origin.pk)["adaptations"] == int(expected)
    client = as_user(user)
    assert client.get(f"/exchange/forks/{made.pk}/").status_code == (200 if expected else 404)


def _anonymous() -> object:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_adapt_into_city_b(world: World, actor: str) -> None:
    """Only people who work in B (its admin here) and the network's admins may adapt A's
    shared solution into B; the others are refused — by the rules (403) or because they
    cannot see the origin."""
    origin = pf.solution(pf.challenge(world.city, visibility="network"), visibility="network")
    user = world.user(actor)
    if user is None:
        return
    challenge_b = pf.challenge(world.other_city, visibility="network")
    if actor in ("other_city_admin", "network_admin"):
        services.fork(user, "solution", origin.pk, world.other_city, "solution",
                      challenge=challenge_b)  # fmt: skip
        assert Fork.objects.count() == 1
        return
    with pytest.raises((PermissionDenied, ValidationError)):
        services.fork(user, "solution", origin.pk, world.other_city, "solution",
                      challenge=challenge_b)  # fmt: skip
    assert not Fork.objects.exists()
