"""Issue 16's "done when", the search part, on the demo's data: Mobile's analyst searches
"blight" and Mobile's blight challenge comes first."""

from __future__ import annotations

import pytest

from civiclab.search.queries import search

pytestmark = pytest.mark.django_db
ANALYST = "mobile.analyst@demo.civiclab.org"


def test_blight_finds_mobiles_challenge_first_for_the_demos_analyst() -> None:
    from django.contrib.auth import get_user_model

    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import DEMO_CHALLENGES, seed_demo_portfolio
    from civiclab.portfolio.models import Challenge
    from civiclab.search.index import reindex_all

    seed_demo()
    seed_demo_datasets()
    seed_demo_indicators()
    seed_demo_portfolio()
    mobile_title = next(
        c.title for c in DEMO_CHALLENGES if c.city == "mobile" and "light" in c.title
    )
    challenge = Challenge.objects.get(city__slug="mobile", title=mobile_title)
    analyst = get_user_model().objects.get(email=ANALYST)
    for rebuilt in (False, True):
        if rebuilt:
            reindex_all()
        results = search(analyst, "blight")
        first = results.groups[0]
        assert first.kind == "challenge" and first.count >= 1
        assert first.hits[0].id == challenge.pk, [h.title for h in first.hits]
        assert first.hits[0].url == f"/challenges/{challenge.pk}/"
        assert first.hits[0].city == "Mobile"
    # The analyst's colleagues are found by name; a visitor finds no one.
    assert any(g.kind == "person" and g.count for g in search(analyst, "Sam Partner").groups)
    assert not any(g.kind == "person" and g.count for g in search(None, "Sam Partner").groups)
