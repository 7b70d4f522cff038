"""The lineage's cost does not grow with the number of copies; the adaptation's report and the
comparison read in French."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civiclab.exchange.models.forks import Fork
from civiclab.exchange.queries.forks import lineage
from civiclab.exchange.services import forks as services
from tests.clients import as_user, body
from tests.exchange.forks_helpers import data, monthly, own_challenge, shared_solution
from tests.factories import CityFactory
from tests.portfolio import factories as pf
from tests.world import World

pytestmark = pytest.mark.django_db


def _copies(world: World, origin: pf.Solution, count: int) -> None:
    for k in range(count):
        city = CityFactory(network=world.network, slug=f"copier-{k}-{Fork.objects.count()}")
        copy = pf.solution(pf.challenge(city, visibility="network"), visibility="network")
        Fork.objects.create(origin_kind="solution", origin_id=origin.pk, copy_kind="solution",
                            copy_id=copy.pk, city=city)  # fmt: skip
        idea = pf.idea(pf.challenge(city, visibility="network"))
        Fork.objects.create(origin_kind="solution", origin_id=copy.pk, copy_kind="idea",
                            copy_id=idea.pk, city=city)  # fmt: skip


def _queries(user: object, origin: pf.Solution) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        seen = lineage(user, "solution", origin.pk)
    return len(captured), len(seen["descendants_flat"])


def test_lineage_queries_do_not_grow_with_the_copies(world: World) -> None:
    origin = pf.solution(pf.challenge(world.city, visibility="network"), visibility="network")
    member = world.user("member")
    _copies(world, origin, 2)
    _queries(member, origin)  # who the member is, read once per request
    few, shown_few = _queries(member, origin)
    _copies(world, origin, 6)
    many, shown_many = _queries(member, origin)
    assert (shown_few, shown_many) == (4, 16)
    assert many == few


def test_the_report_and_the_comparison_in_french(world: World, tmp_path: Path) -> None:
    origin = shared_solution(world.city, tmp_path)
    data(world.other_city, tmp_path, "Dumping reports", monthly([11] * 3))
    admin_b = world.user("other_city_admin")
    made = services.fork(admin_b, "solution", origin.pk, world.other_city, "solution",
                         challenge=own_challenge(world.other_city))  # fmt: skip
    client = as_user(admin_b)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = body(client.get(f"/exchange/forks/{made.pk}/"))
    assert "Rattaché à votre jeu de données Dumping reports" in page
    assert "Les cibles ne sont pas copiées" in page
    assert "Seule votre ville voit cette adaptation" in page  # the copy is kept to B
    form = body(client.get(f"/exchange/adapt/solution/{origin.pk}/"))
    assert "Adapter dans ma ville" not in form or "Sous forme de" in form
    assert "Sous forme de" in form
