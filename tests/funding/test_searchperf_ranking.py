"""Search at scale: the filters are applied before the ranking, the ranking's work is bounded
when a common word matches many rows, and the filters' index covers every filter column."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from civiclab.core import fulltext
from civiclab.funding import search as search_module
from civiclab.funding.models import SEARCH_FILTER_COLUMNS, Opportunity
from civiclab.funding.search import SearchFilters, search
from civiclab.funding.search_index import OPPORTUNITIES
from tests.funding.search_helpers import TODAY, opportunity
from tests.world import World

pytestmark = pytest.mark.django_db


def test_only_the_allowed_matches_are_ranked_and_returned(world: World) -> None:
    """GIVEN the best match closed WHEN the default (open or forecast) is searched THEN the
    open ones come back, best first, and the closed one is not among them."""
    best = opportunity(title="Lead lead lead abatement", close_date=TODAY - dt.timedelta(days=3))
    good = opportunity(title="Lead abatement for homes")
    fair = opportunity(title="Homes", description="Lead in old homes is a hazard to children.")
    page = search(None, world.city, "lead", today=TODAY)
    assert [hit.opportunity.pk for hit in page.hits] == [good.pk, fair.pk]
    assert page.total == 2
    allowed = Opportunity.objects.exclude(pk=good.pk)
    ranked = fulltext.search(OPPORTUNITIES, [["lead"]], 5, allowed, require_all=True)
    assert [row_id for row_id, _score in ranked] == [best.pk, fair.pk]


def test_when_many_match_only_the_newest_are_ranked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN more matches than RANKED_AT_MOST WHEN searched THEN the best of the newest
    RANKED_AT_MOST comes first (an older, better match is left out), the total counts every
    match, and a page past the bound still lists matches."""
    monkeypatch.setattr(search_module, "RANKED_AT_MOST", 3)
    oldest_best = opportunity(title="Harbor harbor harbor dredging")
    newer = [opportunity(title=f"Harbor study {n}", description="Harbor.") for n in range(4)]
    newest_best = opportunity(title="Harbor harbor repairs")
    page = search(None, world.city, "harbor", today=TODAY, limit=2)
    assert page.total == 6
    assert page.hits[0].opportunity.pk == newest_best.pk
    assert oldest_best.pk not in [hit.opportunity.pk for hit in page.hits]
    deeper = search(None, world.city, "harbor", today=TODAY, limit=2, offset=3)
    assert len(deeper.hits) == 2
    assert {hit.opportunity.pk for hit in deeper.hits} <= {o.pk for o in newer}
    monkeypatch.setattr(search_module, "RANKED_AT_MOST", 100)
    assert search(None, world.city, "harbor", today=TODAY).hits[0].opportunity.pk == (
        oldest_best.pk
    )


def test_a_bounded_ranking_keeps_the_restriction() -> None:
    kept = [opportunity(title=f"Canal {n}") for n in range(4)]
    opportunity(title="Canal canal canal")  # the newest and the best, not allowed
    ranked = fulltext.search(
        OPPORTUNITIES, [["canal"]], 10, [o.pk for o in kept], require_all=True, rank_at_most=2
    )
    assert sorted(row_id for row_id, _score in ranked) == sorted(o.pk for o in kept[-2:])


def test_every_filter_column_is_in_the_filters_index() -> None:
    """The candidate set is read from the index alone (a column outside it reads the rows)."""
    filtered = search_module.filtered(
        Opportunity.objects.filter(network__isnull=True),
        SearchFilters(),
        search_module.profile_for(None),
        TODAY,
    )
    sql, _params = filtered.order_by().values("pk").query.sql_with_params()
    table = Opportunity._meta.db_table
    read = {
        field.column
        for field in Opportunity._meta.fields
        if f'"{table}"."{field.column}"' in sql and field.column != "id"
    }
    index = next(i for i in Opportunity._meta.indexes if i.name == "opportunity_search_filters")
    covered = {Opportunity._meta.get_field(name).column for name in index.fields}
    assert read and read <= covered
    assert "country" in SEARCH_FILTER_COLUMNS
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA index_info('opportunity_search_filters')")
            assert {row[2] for row in cursor.fetchall()} >= read


def test_few_matches_or_many_the_same_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The filters checked on a few matches by primary key, or the matches looked up among
    every candidate, give the same hits, total and facets."""
    opportunity(title="Ferry terminal", close_date=TODAY - dt.timedelta(days=1))
    opportunity(title="Ferry landing repairs", agency_code="DOT")
    opportunity(title="Ferry ferry service", applicant_codes=["25"])
    opportunity(title="Bus service")
    few = search(None, world.city, "ferry", today=TODAY)
    monkeypatch.setattr(search_module, "FEW_MATCHES", 1)
    many = search(None, world.city, "ferry", today=TODAY)
    assert few.total == many.total == 2
    assert [h.opportunity.pk for h in few.hits] == [h.opportunity.pk for h in many.hits]
    assert few.facets == many.facets
    assert search(None, world.city, "ferry zyxwv", today=TODAY).total == 0
