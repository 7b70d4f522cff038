"""The case library: accents and stems in English and French, OR-queries ranked by BM25,
facets that count only what the reader may see, filters, API and CLI alike."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from civiclab.core import fulltext
from civiclab.core.textprep import query_words
from civiclab.exchange.library_search import CASES
from civiclab.exchange.queries.library import LibraryError, LibraryFilters, search
from civiclab.exchange.services import cases as services
from tests.clients import as_user
from tests.exchange.cases_helpers import quick_case
from tests.portfolio import factories as pf
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(world: World) -> dict[str, object]:
    """Cases of city A (home) and city B (same network) and city F (another network)."""
    return {
        "fr_event": quick_case(
            world.city, title_fr="Fête de quartier", problem_fr="Un événement pour les voisins.",
            priority_area="resident_engagement", country="FR", size_band="small",
        ),
        "en_housing": quick_case(
            world.city, title_en="Vacant housing squad",
            problem_en="Houses left vacant for years; owners cannot be found.",
            priority_area="housing", country="US", size_band="medium", strength="moderate",
        ),
        "en_dumping": quick_case(
            world.other_city, title_en="Illegal dumping cameras",
            problem_en="Dumped tyres and mattresses on vacant lots.",
            priority_area="environment", country="US", size_band="large", strength="strong",
            visibility="public",
        ),
        "fr_draft_b": quick_case(
            world.other_city, state="draft", title_fr="Logements vacants (brouillon)",
            problem_fr="Des logements vacants.", priority_area="housing",
        ),
        "foreign_network": quick_case(
            world.foreign_city, title_en="Vacant lots in another network",
            priority_area="housing", visibility="network",
        ),
    }  # fmt: skip


def ids(page) -> list[int]:
    return [hit.case.pk for hit in page.hits]


def test_accents_are_folded_both_ways(world: World, shelf) -> None:
    member = world.user("member")
    assert ids(search(member, "evenement")) == [shelf["fr_event"].pk]
    assert ids(search(member, "ÉVÉNEMENTS")) == [shelf["fr_event"].pk]
    assert ids(search(member, "fete")) == [shelf["fr_event"].pk]


def test_words_are_stemmed_in_english_and_french(world: World, shelf) -> None:
    member = world.user("member")
    # English: "house" finds "Houses"; "finding" finds "found"? no — "owner" finds "owners".
    assert shelf["en_housing"].pk in ids(search(member, "house"))
    assert ids(search(member, "owner")) == [shelf["en_housing"].pk]
    # French: "voisin" finds "voisins"; "quartiers" finds "quartier".
    assert ids(search(member, "voisin")) == [shelf["fr_event"].pk]
    assert ids(search(member, "quartiers")) == [shelf["fr_event"].pk]


def test_or_queries_are_ranked_by_bm25(world: World, shelf) -> None:
    member = world.user("member")
    page = search(member, "vacant dumping")
    # Any word: both cases match; the one with both words ranks first.
    assert ids(page) == [shelf["en_dumping"].pk, shelf["en_housing"].pk]
    assert page.hits[0].score > page.hits[1].score > 0
    assert page.hits[0].words == ["vacant", "dumping"]
    assert page.hits[0].fields == ["title", "body"]


def test_python_bm25_is_the_databases_bm25(world: World, shelf) -> None:
    """On SQLite, the re-ranking's scores are FTS5's own bm25 (negated)."""
    if connection.vendor != "sqlite":
        pytest.skip("FTS5's bm25 is SQLite's")
    member = world.user("member")
    groups = [list(w.terms) for w in query_words("vacant owners lots")]
    own = dict(fulltext.search(CASES, groups, 50))
    page = search(member, "vacant owners lots")
    for hit in page.hits:
        assert hit.score == pytest.approx(own[hit.case.pk], rel=1e-4)


def test_private_and_draft_cases_never_appear_or_count(world: World, shelf) -> None:
    """GIVEN another city's draft and another network's case WHEN a member searches THEN
    neither is listed nor counted in any facet; an anonymous reader sees public only."""
    member = world.user("member")
    page = search(member, "vacant logements")
    assert shelf["fr_draft_b"].pk not in ids(page)
    assert shelf["foreign_network"].pk not in ids(page)
    assert page.total == 2
    assert dict(page.facets["priority_area"]) == {"housing": 1, "environment": 1}
    anonymous = search(None, "vacant")
    assert ids(anonymous) == [shelf["en_dumping"].pk] and anonymous.total == 1
    assert dict(anonymous.facets["priority_area"]) == {"environment": 1}
    # The draft's own city does not find it in the library either.
    assert shelf["fr_draft_b"].pk not in ids(search(world.user("other_city_admin"), "logements"))


def test_facets_and_filters(world: World, shelf) -> None:
    member = world.user("member")
    everything = search(member, "")
    assert everything.total == 3
    assert dict(everything.facets["language"]) == {"en": 2, "fr": 1}
    assert dict(everything.facets["country"]) == {"US": 2, "FR": 1}
    only = search(member, "", LibraryFilters(strength=["strong"]))
    assert ids(only) == [shelf["en_dumping"].pk]
    french = search(member, "", LibraryFilters(language=["fr"]))
    assert ids(french) == [shelf["fr_event"].pk]
    assert ids(search(member, "vacant", LibraryFilters(country=["us"], size_band=["medium"]))) == [
        shelf["en_housing"].pk
    ]


def test_bad_input_is_refused_clearly(world: World) -> None:
    with pytest.raises(LibraryError, match="at most 200 characters"):
        search(None, "x" * 201)
    with pytest.raises(LibraryError, match="Unknown strength: great"):
        search(None, "", LibraryFilters(strength=["great"]))
    with pytest.raises(LibraryError, match="1 to 100 results"):
        search(None, "", limit=0)
    # Punctuation and stop words only: no words, every case (none here).
    assert search(None, "\"' -- the le").total == 0


def test_the_api_and_the_cli_give_the_same_results(world: World, shelf) -> None:
    member = world.user("member")
    api = as_user(member).get("/api/v1/exchange/library", {"q": "vacant dumping evenement"})
    assert api.status_code == 200
    items = api.json()["items"]
    out = StringIO()
    call_command(
        "exchange", "search", "vacant dumping evenement", "--as", member.email, "--json", stdout=out
    )
    cli = json.loads(out.getvalue())
    assert cli == items
    assert [item["kind"] for item in items] == ["case"] * 3
    assert {"kind", "id", "city", "title", "language", "score", "why"} <= set(items[0])
    fr_item = next(item for item in items if item["id"] == shelf["fr_event"].pk)
    assert fr_item["language"] == "fr" and fr_item["why"]["words"] == ["evenement"]
    facets = api.json()["facets"]
    assert {f["value"]: f["count"] for f in facets["priority_area"]}["housing"] == 1


def test_api_and_cli_errors(world: World) -> None:
    api = as_user(None).get("/api/v1/exchange/library", {"strength": "great"})
    assert api.status_code == 422 and api.json()["error"]["code"] == "invalid_search"
    assert "great" in api.json()["error"]["message"]
    with pytest.raises(CommandError, match="Unknown strength"):
        call_command("exchange", "search", "x", "--filter", "strength=great", stdout=StringIO())
    with pytest.raises(CommandError, match="FACET=VALUE"):
        call_command("exchange", "search", "x", "--filter", "colour=red", stdout=StringIO())
    with pytest.raises(CommandError, match="No person"):
        call_command("exchange", "search", "x", "--as", "nobody@example.org", stdout=StringIO())
    with pytest.raises(CommandError, match="--limit"):
        call_command("exchange", "search", "x", "--limit", "0", stdout=StringIO())


def test_the_library_page(world: World, shelf) -> None:
    page = as_user(world.user("member")).get("/exchange/", {"q": "evenement"})
    text = page.content.decode()
    assert page.status_code == 200 and "Fête de quartier" in text
    assert "Logements vacants" not in text
    partial = as_user(None).get("/exchange/", {"q": "vacant"}, HTTP_HX_REQUEST="true")
    assert "Illegal dumping cameras" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    refused = as_user(None).get("/exchange/", {"strength": "great"})
    assert refused.status_code == 200 and "Unknown strength" in refused.content.decode()


def test_publishing_and_editing_keep_the_index(world: World) -> None:
    challenge = pf.challenge(world.city, visibility="network")
    solution = pf.solution(challenge, visibility="network", title="Brigade des encombrants")
    case = services.generate_case(world.user("member"), solution)
    assert search(world.user("member"), "encombrants").total == 0  # a draft is not listed
    services.publish_case(world.user("city_admin"), case)
    assert search(world.user("other_city_admin"), "encombrant").total == 1
    services.update_case(world.user("member"), case, lessons_en="Mattresses everywhere.")
    assert search(world.user("other_city_admin"), "mattress").total == 1


def test_the_api_writes_cases(world: World) -> None:
    challenge = pf.challenge(world.city, visibility="network")
    solution = pf.solution(challenge, visibility="network", title="Owner tracing")
    member = as_user(world.user("member"))
    made = member.post(
        "/api/v1/exchange/cases", {"solution": solution.pk}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    case_id = made.json()["id"]
    assert made.json()["state"] == "draft"
    other = as_user(world.user("other_city_admin"))
    assert other.get(f"/api/v1/exchange/cases/{case_id}").status_code == 404
    assert (
        other.post(
            "/api/v1/exchange/cases", {"solution": solution.pk}, content_type="application/json"
        ).status_code
        == 403
    )
    bad = member.patch(
        f"/api/v1/exchange/cases/{case_id}", {"strength": "strong"}, content_type="application/json"
    )
    assert bad.status_code == 422
    edited = member.patch(
        f"/api/v1/exchange/cases/{case_id}", {"title_fr": "Recherche des propriétaires"},
        content_type="application/json",
    )  # fmt: skip
    assert edited.status_code == 200 and edited.json()["languages"] == ["en", "fr"]
    assert member.post(f"/api/v1/exchange/cases/{case_id}/publish").status_code == 403
    admin = as_user(world.user("city_admin"))
    assert admin.post(f"/api/v1/exchange/cases/{case_id}/publish").status_code == 200
    assert admin.post(f"/api/v1/exchange/cases/{case_id}/publish").status_code == 409
    assert other.get(f"/api/v1/exchange/cases/{case_id}").status_code == 200
    listed = other.get(f"/api/v1/exchange/solutions/{solution.pk}/cases")
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [case_id]


def test_scores_are_bm25_from_the_prepared_columns_on_every_database(world: World, shelf) -> None:
    """The library's scores are BM25 computed from the cases' own prepared columns and the
    index's statistics, whatever the database: recomputed here from first principles."""
    import math

    from civiclab.exchange.models import CaseStudy

    published = list(CaseStudy.objects.filter(state="published"))
    columns = {case.pk: case.index_columns.split("\n") for case in published}
    words = query_words("vacant owners lots")
    terms = {t for w in words for t in w.terms}
    total = len(published)
    average = sum(case.index_length for case in published) / total
    lengths = {case.pk: case.index_length for case in published}

    def expected(pk: int) -> float:
        score = 0.0
        for term in terms:
            hits = sum(1 for cols in columns.values() if term in " ".join(cols).split())
            idf = max(math.log((total - hits + 0.5) / (hits + 0.5)), 0) or 1e-6
            weights = (1.0, 0.4, 0.2, 0.1)
            f = sum(
                w * col.split().count(term) for w, col in zip(weights, columns[pk], strict=True)
            )
            if f:
                score += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * lengths[pk] / average))
        return score

    page = search(world.user("member"), "vacant owners lots")
    assert page.hits
    for hit in page.hits:
        assert hit.score == pytest.approx(expected(hit.case.pk), rel=1e-6)
