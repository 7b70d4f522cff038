"""Searching the catalogue: full text on both databases, field weights, filters, facets,
eligibility by default."""

from __future__ import annotations

import datetime as dt

import pytest

from civiclab.funding.models import FundingProfile, Opportunity
from civiclab.funding.search import SearchError, SearchFilters, search
from civiclab.funding.search_index import reindex
from tests.funding.search_helpers import TODAY, opportunity
from tests.world import World

pytestmark = pytest.mark.django_db


def ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.opportunity.external_id for hit in page.hits]


def test_accent_folding_finds_the_accented_word(world: World) -> None:
    """GIVEN a French fund about an "événement" WHEN "evenement" is searched THEN it is found."""
    opportunity(external_id="fr-1", title="Soutien à un événement culturel", source="manual")
    opportunity(external_id="other", title="Road repair")
    page = search(None, world.city, "evenement", today=TODAY)
    assert ids(page) == ["fr-1"]
    assert page.hits[0].matched_terms == ["evenement"]


def test_stemming_in_both_languages(world: World) -> None:
    opportunity(external_id="en", title="Affordable houses for families")
    opportunity(external_id="fr", title="Aide aux logements sociaux")
    assert ids(search(None, world.city, "housing", today=TODAY)) == ["en"]
    assert ids(search(None, world.city, "logement", today=TODAY)) == ["fr"]


def test_every_word_must_match(world: World) -> None:
    opportunity(external_id="both", title="Lead pipe replacement in housing")
    opportunity(external_id="one", title="Lead abatement")
    assert ids(search(None, world.city, "lead housing", today=TODAY)) == ["both"]


def test_a_term_in_the_agency_outranks_it_in_the_description(world: World) -> None:
    """GIVEN "transportation" in one opportunity's agency and another's description WHEN it is
    searched THEN the agency's comes first (A over D), and the title's over the description's."""
    opportunity(
        external_id="description",
        title="Street safety",
        agency_code="EPA",
        agency_name="Environmental Protection Agency",
        description="Projects about transportation and safety in many places.",
    )
    opportunity(
        external_id="agency",
        title="Street safety",
        agency_code="DOT",
        agency_name="Department of Transportation",
        description="Projects about safety in many places.",
    )
    opportunity(
        external_id="title",
        title="Transportation safety",
        agency_code="EPA",
        agency_name="Environmental Protection Agency",
        description="Projects about safety in many places.",
    )
    assert ids(search(None, world.city, "transportation", today=TODAY)) == [
        "agency",
        "title",
        "description",
    ]


def test_a_number_is_found_whole(world: World) -> None:
    opportunity(external_id="cfda", assistance_listings=["14.218"], title="Block grants")
    opportunity(external_id="near", assistance_listings=["14.239"], title="HOME program 218")
    assert ids(search(None, world.city, "14.218", today=TODAY)) == ["cfda"]
    opportunity(external_id="num", number="HUD-FR-6800", title="Choice neighborhoods")
    assert ids(search(None, world.city, "hud-fr-6800", today=TODAY)) == ["num"]


def test_for_my_city_is_the_default_and_shows_why(world: World) -> None:
    """GIVEN opportunities for cities, for states only, with no applicants listed, and for
    individuals only WHEN searched with the default filters THEN the last is left out; with
    "eligible" only the first; with "all" every one, each with its eligibility."""
    opportunity(external_id="city", title="Parks grant", applicant_codes=["02"])
    opportunity(external_id="state", title="Parks grant", applicant_codes=["00"])
    opportunity(external_id="unstated", title="Parks grant", applicant_codes=[])
    opportunity(external_id="people", title="Parks grant", applicant_codes=["21"])
    page = search(None, world.city, "parks", today=TODAY)
    assert sorted(ids(page)) == ["city", "state", "unstated"]
    statuses = {h.opportunity.external_id: h.eligibility.status.value for h in page.hits}
    assert statuses == {"city": "eligible", "state": "possible", "unstated": "possible"}
    eligible = search(None, world.city, "parks", SearchFilters(eligibility="eligible"), today=TODAY)
    assert ids(eligible) == ["city"]
    everything = search(None, world.city, "parks", SearchFilters(eligibility="all"), today=TODAY)
    assert len(everything.hits) == 4
    assert dict((v, n) for v, _l, n in everything.facets["eligibility"]) == {
        "eligible": 1,
        "possible": 2,
        "ineligible": 1,
    }


def test_the_city_profile_decides_eligibility(world: World) -> None:
    """GIVEN a city applying as a county WHEN an opportunity for counties is searched THEN it
    is eligible for that city (and not for a city without a profile)."""
    opportunity(external_id="county", title="Jail diversion", applicant_codes=["01"])
    FundingProfile.objects.create(city=world.city, applicant_codes=["02", "01"])
    filters = SearchFilters(eligibility="eligible")
    assert ids(search(None, world.city, "jail", filters, today=TODAY)) == ["county"]
    assert ids(search(None, world.other_city, "jail", filters, today=TODAY)) == []


def test_status_filters(world: World) -> None:
    opportunity(external_id="open", close_date=TODAY + dt.timedelta(days=60))
    opportunity(external_id="soon", close_date=TODAY + dt.timedelta(days=5))
    opportunity(external_id="closed", close_date=TODAY - dt.timedelta(days=1))
    opportunity(external_id="forecast", doc_type="forecast", close_date=None, post_date=None)
    opportunity(external_id="no-deadline", close_date=None)

    def found(**kw: object) -> list[str]:
        return sorted(ids(search(None, world.city, "", SearchFilters(**kw), today=TODAY)))  # type: ignore[arg-type]

    assert found() == ["forecast", "no-deadline", "open", "soon"]
    assert found(status="open") == ["no-deadline", "open", "soon"]
    assert found(status="closing", closing_within=7) == ["soon"]
    assert found(status="closed") == ["closed"]
    assert found(status="forecast") == ["forecast"]
    # No query: soonest deadline first, none last.
    listed = ids(search(None, world.city, "", SearchFilters(status="open"), today=TODAY))
    assert listed == ["soon", "open", "no-deadline"]


def test_category_instrument_agency_ceiling_and_cost_filters_and_facets(world: World) -> None:
    opportunity(
        external_id="iij",
        activity_categories=["IIJ", "T"],
        instruments=["CA"],
        agency_code="DOT",
        award_ceiling=5_000_000,
        cost_sharing=True,
    )
    opportunity(external_id="housing", activity_categories=["HO"], award_ceiling=100_000)
    opportunity(external_id="plain", activity_categories=[], cost_sharing=False)

    def found(**kw: object) -> list[str]:
        return sorted(ids(search(None, world.city, "", SearchFilters(**kw), today=TODAY)))  # type: ignore[arg-type]

    assert found(categories=["IIJ"]) == ["iij"]
    assert found(categories=["IIJ", "HO"]) == ["housing", "iij"]
    assert found(instruments=["CA"]) == ["iij"]
    assert found(agencies=["DOT"]) == ["iij"]
    assert found(min_ceiling=1_000_000) == ["iij"]
    assert found(max_ceiling=1_000_000) == ["housing"]
    assert found(cost_sharing=False) == ["plain"]
    page = search(None, world.city, "", today=TODAY)
    assert page.total == 3
    categories = {v: n for v, _l, n in page.facets["category"]}
    assert categories == {"IIJ": 1, "T": 1, "HO": 1}
    assert {v: n for v, _l, n in page.facets["agency"]} == {"DOT": 1, "AGY": 2}
    assert {v: n for v, _l, n in page.facets["instrument"]} == {"G": 2, "CA": 1}
    assert {v: n for v, _l, n in page.facets["status"]} == {"open": 3, "closing": 3}


def test_reindex_follows_an_edit_and_a_deletion(world: World) -> None:
    made = opportunity(external_id="edit", title="Library books")
    Opportunity.objects.filter(pk=made.pk).update(title="Museum exhibits")
    reindex([made.pk])
    assert ids(search(None, world.city, "library", today=TODAY)) == []
    assert ids(search(None, world.city, "museum", today=TODAY)) == ["edit"]
    pk = made.pk
    made.delete()
    reindex([pk])
    assert ids(search(None, world.city, "museum", today=TODAY)) == []
    opportunity(external_id="again", title="Museum exhibits")
    assert reindex() == 1
    assert ids(search(None, world.city, "museum", today=TODAY)) == ["again"]


def test_a_fund_for_one_network_is_found_only_there(world: World) -> None:
    opportunity(external_id="theirs", title="Regional fund", source="manual", network=world.network)
    outsider = world.user("other_network_admin")
    assert ids(search(outsider, None, "regional", today=TODAY)) == []
    assert ids(search(world.user("member"), world.city, "regional", today=TODAY)) == ["theirs"]
    assert ids(search(None, None, "regional", today=TODAY)) == []


@pytest.mark.parametrize(
    ("query", "filters", "limit", "offset"),
    [
        ("x" * 201, SearchFilters(), 20, 0),
        ("", SearchFilters(eligibility="mine"), 20, 0),
        ("", SearchFilters(status="soon"), 20, 0),
        ("", SearchFilters(categories=["ZZ"]), 20, 0),
        ("", SearchFilters(closing_within=400), 20, 0),
        ("", SearchFilters(), 201, 0),
        ("", SearchFilters(), 20, 10_001),
    ],
)
def test_limits_are_refused_with_a_reason(
    world: World, query: str, filters: SearchFilters, limit: int, offset: int
) -> None:
    with pytest.raises(SearchError):
        search(None, world.city, query, filters, limit=limit, offset=offset, today=TODAY)


def test_a_query_of_only_symbols_or_stop_words_lists_everything(world: World) -> None:
    opportunity(external_id="one")
    assert ids(search(None, world.city, "the ( ) * \" '", today=TODAY)) == ["one"]


def test_document_frequencies_tell_common_from_rare(world: World) -> None:
    """Matching picks rare words by their document frequency: counted by FTS5's vocabulary on
    SQLite, read from ANALYZE's statistics of the vectors on PostgreSQL."""
    from django.db import connection

    from civiclab.core import fulltext
    from civiclab.funding.search_index import OPPORTUNITIES

    for n in range(40):
        opportunity(title=f"Common grant {n}", description="Zebra" if n == 0 else "")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {OPPORTUNITIES.table}")
    total, frequencies = fulltext.document_frequencies(OPPORTUNITIES, ["common", "zebra"])
    assert total >= 40
    assert frequencies["common"] > 10 * frequencies["zebra"] >= 10
