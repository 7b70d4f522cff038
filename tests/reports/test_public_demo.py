"""The demo's public results (issue 15's "done when", without a browser): Mobile's page in
English with its indicator, result and funding; Mulhouse's in French; the seed is idempotent."""

from __future__ import annotations

import pytest

from tests.clients import as_user, body

pytestmark = pytest.mark.django_db
pytest.importorskip("civiclab.evaluation.services.assignments")


def test_the_demo_has_public_results_for_mobile_and_mulhouse_in_french() -> None:
    from civiclab.portfolio.models import Solution
    from civiclab.reports.demo_public import MOBILE_SOLUTION, MULHOUSE_SOLUTION, seed
    from tests.exchange.demo_helpers import seed_whole_demo

    seed_whole_demo()
    assert seed()
    assert seed() == []  # idempotent
    client = as_user(None)
    mobile = Solution.objects.get(city__slug="mobile", title=MOBILE_SOLUTION)
    page = body(client.get(f"/results/mobile/{mobile.pk}/"))
    assert '<html lang="en">' in page
    assert "Vacant building notices" in page and 'role="img"' in page
    assert "What the evaluation found" in page and "No published evaluation result" not in page
    assert "500,000 USD awarded" in page
    mulhouse = Solution.objects.get(city__slug="mulhouse", title=MULHOUSE_SOLUTION)
    city = body(client.get("/results/mulhouse/"))
    assert '<html lang="fr">' in city and "Résultats de Mulhouse" in city
    assert MULHOUSE_SOLUTION in city
    assert "budget participatif" in body(client.get(f"/results/mulhouse/{mulhouse.pk}/"))
    assert "Premier samedi" in body(client.get("/results/mulhouse/feed.atom"))
