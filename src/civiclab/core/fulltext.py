"""One full-text index interface over SQLite FTS5 and PostgreSQL full-text search.

An index has a name and weighted columns (weights A > B > C > D, PostgreSQL's letters). Rows
are keyed by the id of the object they index (an app's primary key) and hold text already
prepared by ``core.textprep`` (folded, stemmed, both languages): the database only splits on
spaces and counts, so both backends see exactly the same terms.

- **SQLite**: a virtual table ``fulltext_<name>`` (FTS5, tokenizer ``unicode61``, one column
  per weighted column) ranked by ``bm25`` with the column weights 1.0, 0.4, 0.2, 0.1;
- **PostgreSQL**: a table ``fulltext_<name> (id bigint primary key, document tsvector)``, the
  columns ``setweight``-ed A/B/C/D into one ``tsvector`` with the ``simple`` configuration
  (no stemming, no stop words: ``textprep`` did it), a GIN index, ranked by ``ts_rank`` with
  its default weights (the same 1.0, 0.4, 0.2, 0.1) and length normalisation 1.

Why not PostgreSQL's ``english``/``french`` configurations with ``unaccent``: they stem with
one language per vector and need an extension a managed database may not offer; the two
backends would then find different things for the same words.

A query is a list of *groups*, each the alternative terms of one query word
(``textprep.query_words``); ``require_all`` asks for every group (a search box), otherwise any
(a match). Scores are comparable within one query on one backend only.

Create and drop the index from a migration with ``create_index`` / ``drop_index`` inside a
``RunPython`` (vendor-aware); fill it with ``upsert`` and ``delete`` inside the caller's
transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection as default_connection
from django.db import transaction
from django.db.models import QuerySet

# The literal is computed by a pure module (an import prepares it in a second process).
from civiclab.core.tsvector import tsvector_literal

WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
_SAFE_TERM = re.compile(r"^[a-z0-9]+$")
_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Rows written per statement by upsert.
BATCH = 1_000


@dataclass(frozen=True)
class FulltextIndex:
    """A named index and its columns, each with its weight letter (A highest … D lowest)."""

    name: str
    columns: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if not _SAFE_NAME.match(self.name):
            raise ValueError(f"index name {self.name!r}: lower-case letters, digits, _")
        for column, weight in self.columns:
            if not _SAFE_NAME.match(column) or weight not in WEIGHTS:
                raise ValueError(f"column {column!r} weight {weight!r}")

    @property
    def table(self) -> str:
        return f"fulltext_{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [column for column, _weight in self.columns]


Groups = Sequence[Sequence[str]]


def _vendor(conn: Any) -> str:
    return "postgresql" if conn.vendor == "postgresql" else "sqlite"


def create_index(index: FulltextIndex, conn: Any = None) -> None:
    """Create the index's table (from a migration's RunPython: ``schema_editor.connection``)."""
    conn = conn or default_connection
    with conn.cursor() as cursor:
        if _vendor(conn) == "postgresql":
            # The vectors live in TOAST (compressed: lz4 during imports, see bulk_writes), so
            # that the table itself holds only (id, pointer) — 80,000 rows in 600 pages
            # rather than one row per page: the ids matching a common word are read from the
            # GIN index and those few pages (5 ms for 19,000 matches, against 135 ms with the
            # vectors inline), and only the vectors of the matches actually ranked are
            # fetched. The planner does not count the cost of fetching TOASTed values, so the
            # queries run in ``index_scans()``.
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {index.table} "
                "(id bigint PRIMARY KEY, document tsvector NOT NULL) "
                "WITH (toast_tuple_target = 128)"
            )
            cursor.execute(f"ALTER TABLE {index.table} SET (toast_tuple_target = 128)")
            cursor.execute(f"ALTER TABLE {index.table} ALTER COLUMN document SET STORAGE EXTENDED")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {index.table}_gin ON {index.table} "
                "USING gin (document)"
            )
        else:
            columns = ", ".join(index.column_names)
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {index.table} USING fts5({columns}, "
                "tokenize = 'unicode61 remove_diacritics 0')"
            )
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {index.table}_vocab "
                f"USING fts5vocab({index.table}, 'row')"
            )


def drop_index(index: FulltextIndex, conn: Any = None) -> None:
    conn = conn or default_connection
    with conn.cursor() as cursor:
        if _vendor(conn) == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {index.table}_vocab")
        cursor.execute(f"DROP TABLE IF EXISTS {index.table}")


# A row to write: (id, one prepared text per column), or with a third item, the tsvector
# literal of those texts (``core.tsvector``) when the caller computed it ahead, else None.
Row = tuple[int, Sequence[str]] | tuple[int, Sequence[str], str | None]


def upsert(index: FulltextIndex, rows: Iterable[Row]) -> int:
    """Write rows (id, one prepared text per column, in the index's order, maybe their
    literal), replacing any row with the same id; returns how many were written."""
    written = 0
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            written += _write(index, batch)
            batch = []
    if batch:
        written += _write(index, batch)
    return written


def _write(index: FulltextIndex, rows: list[Row]) -> int:
    width = len(index.columns)
    for row in rows:
        texts = row[1]
        if len(texts) != width:
            raise ValueError(f"{index.name}: {width} texts per row, not {len(texts)}")
    ids = [int(row[0]) for row in rows]
    weights = [weight for _column, weight in index.columns]
    with default_connection.cursor() as cursor:
        _delete_ids(cursor, index, ids)
        if _vendor(default_connection) == "postgresql":
            # The vectors are written as tsvector literals with COPY: the text is already
            # split into terms, so the positions are counted here rather than by
            # to_tsvector's parser on the server (three times slower for the same vectors).
            with cursor.cursor.copy(f"COPY {index.table} (id, document) FROM STDIN") as copy:
                for row in rows:
                    ahead = row[2] if len(row) > 2 else None
                    literal = ahead if ahead is not None else tsvector_literal(row[1], weights)
                    copy.write_row((int(row[0]), literal))
        else:
            marks = ", ".join(["%s"] * (width + 1))
            cursor.executemany(
                f"INSERT INTO {index.table} (rowid, {', '.join(index.column_names)}) "
                f"VALUES ({marks})",
                [(int(row[0]), *row[1]) for row in rows],
            )
    return len(rows)


@contextmanager
def bulk_writes(index: FulltextIndex) -> Iterator[None]:
    """Around many ``upsert`` calls in one transaction (an import). On PostgreSQL, the GIN
    index's new entries wait in its pending list (64 MB rather than 4 MB), merged into the
    index in a few large sorted runs rather than many small ones, and the list is emptied at
    the end, so that searches do not scan it afterwards; and the long values written (the
    vectors, the rows' descriptions) are compressed with lz4 rather than pglz when the server
    has it (faster to compress, as fast to read). Nothing on SQLite. (Dropping the GIN index
    and building it again at the end saved nothing measurable at 80,000 rows.)"""
    if _vendor(default_connection) != "postgresql":
        yield
        return
    with default_connection.cursor() as cursor:
        cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone():
            cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
    yield
    with default_connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [f"{index.table}_gin"])


@contextmanager
def index_scans(conn: Any = None) -> Iterator[None]:
    """Run the queries inside on the full-text index, never a sequential scan of it.

    On PostgreSQL the table is small and its vectors are TOASTed (see ``create_index``); the
    planner, not counting what fetching a TOASTed value costs, would read a word matching most
    rows by scanning every row and its vector (330 ms at 80,000 rows) rather than from the GIN
    index (10 ms). ``enable_seqscan`` is turned off for the block's transaction and put back
    as it was afterwards. Nothing to do on SQLite (FTS5 has no such choice)."""
    conn = conn or default_connection
    if _vendor(conn) != "postgresql":
        yield
        return
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), "
                "current_setting('max_parallel_workers_per_gather'), "
                "set_config('enable_seqscan', 'off', true), "
                # Parallel workers cost more to start than these queries take.
                "set_config('max_parallel_workers_per_gather', '0', true)"
            )
            seqscan, workers = cursor.fetchone()[:2]
        try:
            yield
        finally:
            # Within an outer transaction the settings would outlive the savepoint.
            if not conn.needs_rollback:
                with conn.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('enable_seqscan', %s, true), "
                        "set_config('max_parallel_workers_per_gather', %s, true)",
                        [seqscan, workers],
                    )


def _delete_ids(cursor: Any, index: FulltextIndex, ids: list[int]) -> None:
    key = "id" if _vendor(default_connection) == "postgresql" else "rowid"
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(f"DELETE FROM {index.table} WHERE {key} IN ({marks})", chunk)


def delete(index: FulltextIndex, ids: Iterable[int]) -> None:
    """Remove these ids' rows (absent ids are ignored)."""
    with default_connection.cursor() as cursor:
        _delete_ids(cursor, index, [int(i) for i in ids])


def clear(index: FulltextIndex) -> None:
    with default_connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {index.table}")


def _clean(groups: Groups) -> list[list[str]]:
    cleaned = []
    for group in groups:
        terms = sorted({t for t in group if _SAFE_TERM.match(t)})
        if terms:
            cleaned.append(terms)
    return cleaned


def _expression(groups: list[list[str]], require_all: bool) -> str:
    """The query in the backend's syntax (terms are [a-z0-9]+: nothing to escape)."""
    if _vendor(default_connection) == "postgresql":
        parts = ["(" + " | ".join(group) + ")" for group in groups]
        return (" & " if require_all else " | ").join(parts)
    parts = ["(" + " OR ".join(f'"{t}"' for t in group) + ")" for group in groups]
    return (" AND " if require_all else " OR ").join(parts)


Restriction = QuerySet[Any] | Iterable[int] | None


def _restriction(restrict: Restriction, column: str) -> tuple[str, list[Any]]:
    if restrict is None:
        return "", []
    if isinstance(restrict, QuerySet):
        sql, params = restrict.order_by().values("pk").query.sql_with_params()
        return f" AND {column} IN ({sql})", list(params)
    ids = sorted({int(i) for i in restrict})
    if not ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def matching_sql(
    index: FulltextIndex, groups: Groups, require_all: bool = True
) -> tuple[str, list[Any]]:
    """A sub-query selecting the ids that match (for ``pk__in=RawSQL(...)``): counts and
    facets over the matches are then ordinary ORM queries."""
    cleaned = _clean(groups)
    if not cleaned:
        return "SELECT 0 WHERE 1 = 0", []
    expression = _expression(cleaned, require_all)
    if _vendor(default_connection) == "postgresql":
        return (
            f"SELECT id FROM {index.table} WHERE document @@ to_tsquery('simple', %s)",
            [expression],
        )
    return f"SELECT rowid FROM {index.table} WHERE {index.table} MATCH %s", [expression]


def matching_ids(
    index: FulltextIndex, groups: Groups, at_most: int, require_all: bool = True
) -> list[int] | None:
    """Every id matching ``groups`` when at most ``at_most`` do, else None: read without
    ranking, and stopping at ``at_most + 1``, so a common word costs little."""
    sql, params = matching_sql(index, groups, require_all)
    with default_connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, at_most + 1])
        found = [int(row[0]) for row in cursor.fetchall()]
    return found if len(found) <= at_most else None


def search(
    index: FulltextIndex,
    groups: Groups,
    limit: int,
    restrict_ids: Restriction = None,
    *,
    require_all: bool = False,
    rank_at_most: int | None = None,
    preselect: tuple[Sequence[float], int] | None = None,
) -> list[tuple[int, float]]:
    """The ids matching ``groups`` (any of them; every one with ``require_all``), best first,
    with their scores (larger is better), at most ``limit``; only among ``restrict_ids`` (ids
    or a QuerySet of the indexed model) when given. With ``rank_at_most``, only that many
    matches are ranked: the newest (highest ids), a bound on the ranking's work when a
    common word matches tens of thousands of rows (the caller knows how many matched).

    ``preselect`` = (a weight per group, N), PostgreSQL only (``require_all`` False): only the
    N matches whose groups weigh most (the sum of the weights of the groups a row contains,
    read from the GIN index alone) are ranked. Ranking reads each row's vector out of TOAST
    (about 10 µs a row); a challenge's words can match 9,000 open opportunities, of which the
    1,000 holding its heaviest words are the ones that can reach the top."""
    cleaned = _clean(groups)
    if not cleaned or limit <= 0:
        return []
    expression = _expression(cleaned, require_all)
    bounded = rank_at_most is not None
    with default_connection.cursor() as cursor:
        if _vendor(default_connection) == "postgresql":
            where, params = _restriction(restrict_ids, "id")
            if preselect is not None and not require_all and not bounded:
                group_weights, keep = preselect
                weighted = [
                    (float(w), _expression([_clean([g])[0]], False))
                    for g, w in zip(groups, group_weights, strict=True)
                    if _clean([g])
                ]
                hits = " UNION ALL ".join(
                    f"SELECT id, %s::float8 AS w FROM {index.table} "
                    "WHERE document @@ to_tsquery('simple', %s)"
                    for _w in weighted
                )
                cursor.execute(
                    f"WITH hits AS ({hits}), best AS MATERIALIZED (SELECT id FROM hits "
                    f"WHERE TRUE{where} GROUP BY id ORDER BY sum(w) DESC, id DESC LIMIT %s) "
                    f"SELECT id, ts_rank(document, q, 1) AS score FROM {index.table}, "
                    "to_tsquery('simple', %s) q WHERE id IN (SELECT id FROM best) "
                    "ORDER BY score DESC, id LIMIT %s",
                    [*(v for pair in weighted for v in pair), *params, keep, expression, limit],
                )
            elif bounded:
                # The newest matches first, then only their vectors are ranked.
                cursor.execute(
                    f"WITH allowed AS MATERIALIZED (SELECT id FROM {index.table} "
                    f"WHERE document @@ to_tsquery('simple', %s){where} "
                    # id + 0: sorted from the GIN index's matches, never read backwards in
                    # the primary key checking each row's (TOASTed) vector.
                    "ORDER BY id + 0 DESC LIMIT %s) "
                    f"SELECT id, ts_rank(document, q, 1) AS score FROM {index.table}, "
                    "to_tsquery('simple', %s) q WHERE id IN (SELECT id FROM allowed) "
                    "ORDER BY score DESC, id LIMIT %s",
                    [expression, *params, rank_at_most, expression, limit],
                )
            else:
                cursor.execute(
                    f"SELECT id, ts_rank(document, q, 1) AS score FROM {index.table}, "
                    f"to_tsquery('simple', %s) q WHERE document @@ q{where} "
                    "ORDER BY score DESC, id LIMIT %s",
                    [expression, *params, limit],
                )
        else:
            # "+rowid": FTS5 reads the matches and SQLite checks each against the allowed
            # ids (read once) before bm25 is computed, so only the allowed matches are
            # ranked; handed to FTS5, each allowed id would be looked up with the whole query.
            where, params = _restriction(restrict_ids, "+rowid")
            weights = ", ".join(str(WEIGHTS[w]) for _c, w in index.columns)
            if bounded:
                cursor.execute(
                    f"WITH allowed AS MATERIALIZED (SELECT rowid AS id FROM {index.table} "
                    f"WHERE {index.table} MATCH %s{where} ORDER BY rowid DESC LIMIT %s) "
                    f"SELECT rowid, -bm25({index.table}, {weights}) AS score "
                    f"FROM {index.table} WHERE {index.table} MATCH %s "
                    "AND rowid >= (SELECT min(id) FROM allowed) "
                    "AND +rowid IN (SELECT id FROM allowed) "
                    "ORDER BY score DESC, rowid LIMIT %s",
                    [expression, *params, rank_at_most, expression, limit],
                )
            else:
                cursor.execute(
                    f"SELECT rowid, -bm25({index.table}, {weights}) AS score "
                    f"FROM {index.table} WHERE {index.table} MATCH %s{where} "
                    "ORDER BY score DESC, rowid LIMIT %s",
                    [expression, *params, limit],
                )
        return [(int(row_id), float(score)) for row_id, score in cursor.fetchall()]


def matched_terms(
    index: FulltextIndex, ids: Iterable[int], terms: Iterable[str]
) -> dict[int, set[str]]:
    """Which of ``terms`` each of ``ids`` contains (to show why a row matched): one statement."""
    id_list = sorted({int(i) for i in ids})
    term_list = sorted({t for t in terms if _SAFE_TERM.match(t)})
    found: dict[int, set[str]] = {i: set() for i in id_list}
    if not id_list or not term_list:
        return found
    marks = ", ".join(["%s"] * len(id_list))
    with default_connection.cursor() as cursor:
        if _vendor(default_connection) == "postgresql":
            # Each vector read out of TOAST once (a test per term would read it per term,
            # 25 ms for 400 rows × 16 terms against 6): the terms asked for are marked with
            # weight A (every other lexeme D) and only they are kept. Every lexeme of our
            # vectors has positions, which is where weights live.
            cursor.execute(
                "SELECT id, tsvector_to_array(ts_filter(setweight(setweight(document, 'D'), "
                f"'A', %s::text[]), '{{a}}')) FROM {index.table} WHERE id IN ({marks})",
                [term_list, *id_list],
            )
            for row_id, present in cursor.fetchall():
                found[int(row_id)] = set(present)
        else:
            # "+rowid": the ids are checked against each term's matches, not handed to FTS5
            # (which would look each id up with the query: a lookup per id and term).
            selects = " UNION ALL ".join(
                f"SELECT rowid, %s FROM {index.table} WHERE {index.table} MATCH %s "
                f"AND +rowid IN ({marks})"
                for _t in term_list
            )
            params: list[Any] = []
            for term in term_list:
                params += [term, f'"{term}"', *id_list]
            cursor.execute(selects, params)
            for row_id, term in cursor.fetchall():
                found[int(row_id)].add(term)
    return found


def _frequencies_from_statistics(
    cursor: Any, index: FulltextIndex, terms: list[str], total: int
) -> dict[str, int] | None:
    """PostgreSQL's own estimate, from the statistics ANALYZE keeps of a tsvector column: its
    most common lexemes and their frequencies; a lexeme not among them is rarer than the
    rarest listed (counted as half of it). None when there are no statistics yet."""
    cursor.execute(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
        "WHERE tablename = %s AND attname = 'document'",
        [index.table],
    )
    row = cursor.fetchone()
    if not row or not row[0] or not row[1] or total <= 0:
        return None
    elements, frequencies = list(row[0]), [float(f) for f in row[1]]
    known = dict(zip(elements, frequencies[: len(elements)], strict=True))
    # After the elements' frequencies come the lowest and the highest of them.
    rarest = frequencies[len(elements)] if len(frequencies) > len(elements) else 0.0
    return {t: max(1, round(known.get(t, rarest / 2) * total)) for t in terms}


# From how many rows (PostgreSQL's estimate) term frequencies are read from the statistics.
STATISTICS_FROM_ROWS = 20_000


def document_frequencies(
    index: FulltextIndex, terms: Iterable[str], cap: int = 5_000
) -> tuple[int, dict[str, int]]:
    """How many rows the index holds, and in how many each term occurs (counted up to ``cap``
    on PostgreSQL, where a count reads the matches: IDF only needs to tell rare from common)."""
    term_list = sorted({t for t in terms if _SAFE_TERM.match(t)})
    with default_connection.cursor() as cursor:
        if _vendor(default_connection) == "postgresql":
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [index.table],
            )
            estimate = cursor.fetchone()
            total = int(estimate[0]) if estimate and estimate[0] and estimate[0] > 0 else 0
            # The estimate is ANALYZE's, kept even when what it counted was rolled back: below
            # the statistics' threshold the rows are counted (cheap there) and never guessed.
            if total < STATISTICS_FROM_ROWS:
                cursor.execute(f"SELECT count(*) FROM {index.table}")
                total = int(cursor.fetchone()[0])
            if not term_list:
                return total, {}
            # ANALYZE's statistics stand in for counts only over a large index: on a small one
            # they may be another day's (stale), and counting is cheap there anyway.
            estimated = (
                _frequencies_from_statistics(cursor, index, term_list, total)
                if total >= STATISTICS_FROM_ROWS
                else None
            )
            if estimated is not None:
                return total, estimated
            counts = ", ".join(
                f"(SELECT count(*) FROM (SELECT 1 FROM {index.table} WHERE document @@ "
                f"to_tsquery('simple', %s) LIMIT {int(cap)}) AS t)"
                for _t in term_list
            )
            cursor.execute(f"SELECT {counts}", term_list)
            row = cursor.fetchone()
            return total, {t: int(n) for t, n in zip(term_list, row, strict=True)}
        cursor.execute(f"SELECT count(*) FROM {index.table}_docsize")
        total = int(cursor.fetchone()[0])
        if not term_list:
            return total, {}
        marks = ", ".join(["%s"] * len(term_list))
        cursor.execute(
            f"SELECT term, doc FROM {index.table}_vocab WHERE term IN ({marks})", term_list
        )
        found = {str(term): int(doc) for term, doc in cursor.fetchall()}
        return total, {t: found.get(t, 0) for t in term_list}
