"""The import's indexing at scale: vectors written as literals on PostgreSQL (the same as
to_tsvector's), the indexed part of long texts, nothing re-indexed on a re-import, and the
facet counts kept per catalogue version."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civiclab.core import fulltext
from civiclab.funding import search as search_module
from civiclab.funding.catalogue.search_terms import INDEXED_TEXT, indexed_part
from civiclab.funding.models import Opportunity
from civiclab.funding.search import SearchFilters, search
from civiclab.funding.services.catalogue import import_catalogue
from tests.funding.search_helpers import TODAY, opportunity
from tests.funding.test_catalogue_readers import EXTRACT

pytestmark = pytest.mark.django_db

WEIGHTS = ("A", "B", "C", "D")


def test_a_literal_numbers_terms_across_columns() -> None:
    """Positions run on from one column to the next, repeats keep every position, D has no
    letter (PostgreSQL's own notation)."""
    literal = fulltext.tsvector_literal(["hud 14218", "lead lead", "", "lead"], WEIGHTS)
    assert literal == "hud:1A 14218:2A lead:3B,4B,5"


def test_a_literal_refuses_unprepared_text() -> None:
    with pytest.raises(ValueError, match="prepared terms"):
        fulltext.tsvector_literal(["it's", "", "", ""], WEIGHTS)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's tsvector")
@pytest.mark.parametrize(
    "texts",
    [
        ("hud hudfr6800 6800", "vacant lot blight", "citi citi", "park " * 3 + "lot"),
        ("", "", "", ""),
        ("a", "", "", "b"),
        ("x y " * 300, "w", "z " * 10, "v"),  # a term past 255 positions in one column
        ("", "w " * 9_000, "v " * 9_000, "u"),  # positions past 16,383
    ],
)
def test_the_literal_is_the_vector_to_tsvector_makes(texts: tuple[str, ...]) -> None:
    vector = " || ".join(f"setweight(to_tsvector('simple', %s), '{w}')" for w in WEIGHTS)
    literal = fulltext.tsvector_literal(texts, WEIGHTS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::tsvector = ({vector})", [literal, *texts])
        assert cursor.fetchone()[0]


def test_only_the_start_of_a_long_description_is_indexed() -> None:
    """The description's first INDEXED_TEXT characters are searchable, cut at a space; a word
    after them is not (docs/funding.md, "Scale")."""
    filler = "program " * (INDEXED_TEXT // 8)
    made = opportunity(description=f"zanzibar {filler}kilimanjaro")
    assert indexed_part(made.description).endswith("program")
    assert len(indexed_part(made.description)) <= INDEXED_TEXT
    assert indexed_part("short text") == "short text"
    found = search(None, None, "zanzibar", SearchFilters(eligibility="all"), today=TODAY)
    assert [hit.opportunity.pk for hit in found.hits] == [made.pk]
    assert search(None, None, "kilimanjaro", SearchFilters(eligibility="all")).total == 0


def test_a_reimport_reindexes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import_catalogue(None, EXTRACT)
    written: list[int] = []
    real_upsert = fulltext.upsert

    def counting_upsert(index, rows):  # type: ignore[no-untyped-def]
        count = real_upsert(index, rows)
        written.append(count)
        return count

    monkeypatch.setattr(fulltext, "upsert", counting_upsert)
    run = import_catalogue(None, EXTRACT)
    assert run.unchanged > 0 and run.updated == 0
    assert sum(written) == 0


def _facet_statements(queries: CaptureQueriesContext) -> int:
    return sum("GROUP BY" in q["sql"] and "MATERIALIZED" in q["sql"] for q in queries)


def test_facet_counts_are_kept_until_the_catalogue_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_module, "FACET_CACHE_FROM", 1)
    monkeypatch.setattr(search_module, "_FACET_COUNTS", {})
    opportunity(agency_code="EPA", title="Brownfields")
    filters = SearchFilters(eligibility="all", status="any")
    with CaptureQueriesContext(connection) as first:
        before = search(None, None, "", filters, today=TODAY)
    with CaptureQueriesContext(connection) as second:
        again = search(None, None, "", filters, today=TODAY)
    assert _facet_statements(first) == 1 and _facet_statements(second) == 0
    assert again.facets == before.facets and again.total == before.total == 1
    opportunity(agency_code="HUD", title="Housing")
    after = search(None, None, "", filters, today=TODAY)
    assert after.total == 2
    assert {code for code, _name, _n in after.facets["agency"]} == {"EPA", "HUD"}


def test_small_facet_counts_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "_FACET_COUNTS", {})
    opportunity(title="Brownfields")
    search(None, None, "", SearchFilters(eligibility="all"), today=TODAY)
    assert search_module._FACET_COUNTS == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_imports_leave_the_gin_index_built() -> None:
    """An import into an empty index and one into a full index (its pending list emptied at
    the end) leave the GIN index in place and every opportunity indexed."""
    table = search_module.OPPORTUNITIES.table
    for _run in range(2):
        import_catalogue(None, EXTRACT)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
                [table, f"{table}_gin"],
            )
            assert "gin (document)" in cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == Opportunity.objects.count() > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_word_in_every_row_is_read_from_the_gin_index() -> None:
    """The vectors are TOASTed, which the planner does not count: inside ``index_scans`` a
    word in every row is still found through the GIN index, not by reading every vector; the
    settings are put back afterwards (the test runs inside a transaction)."""
    for n in range(40):
        opportunity(title=f"Program {n}", description="program " * 400)
    table = search_module.OPPORTUNITIES.table
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("SHOW enable_seqscan")
        before = cursor.fetchone()[0]
        with fulltext.index_scans():
            cursor.execute(
                f"EXPLAIN SELECT id FROM {table} WHERE document @@ to_tsquery('simple', 'program')"
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == before
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attname = 'document'",
            [table],
        )
        assert cursor.fetchone()[0] == "x"  # EXTENDED: compressed, then out of line
    assert "Seq Scan" not in plan and "_gin" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's preselection")
def test_preselection_ranks_only_the_rows_holding_the_heaviest_words() -> None:
    """``preselect``: of the rows matching any word, only the N whose words weigh most (read
    from the GIN index) are ranked; the restriction still holds; the weights decide, not the
    word counts a ranking would reward."""
    heavy_only = opportunity(title="Zanzibar", description="zanzibar")
    light_many = opportunity(title="Kilimanjaro", description="kilimanjaro " * 50)
    both = opportunity(title="Zanzibar kilimanjaro", description="zanzibar kilimanjaro")
    hidden = opportunity(title="Zanzibar kilimanjaro too", description="zanzibar kilimanjaro")
    table = search_module.OPPORTUNITIES
    allowed = Opportunity.objects.exclude(pk=hidden.pk)
    groups = [["zanzibar"], ["kilimanjaro"]]
    with fulltext.index_scans():
        everything = fulltext.search(table, groups, 10, restrict_ids=allowed)
        two = fulltext.search(table, groups, 10, restrict_ids=allowed, preselect=([5.0, 1.0], 2))
    assert {i for i, _s in everything} == {heavy_only.pk, light_many.pk, both.pk}
    # both (6) and heavy_only (5) outweigh light_many (1), whatever ts_rank thinks of it
    assert {i for i, _s in two} == {both.pk, heavy_only.pk}


def test_matched_terms_names_the_words_each_row_holds() -> None:
    first = opportunity(title="Vacant lots", description="blight and vacant lots")
    second = opportunity(title="Lead pipes", description="lead")
    found = fulltext.matched_terms(
        search_module.OPPORTUNITIES, [first.pk, second.pk], ["vacant", "lead", "blight", "zzz"]
    )
    assert found == {first.pk: {"vacant", "blight"}, second.pk: {"lead"}}
