"""The case library's full-text index (``core.fulltext``) and its BM25 ranking.

Each **published** case is one row of the index ``exchange_case`` with four weighted columns,
every text prepared by ``core.textprep`` (accents folded, English *and* French stems, stop
words of both dropped), so a French word finds its English-written inflections' stems where
they coincide and "evenement" finds "événement":

    title (A)   the titles in both languages
    body (B)    problem and approach in both languages
    detail (C)  lessons, evidence, indicators' names, the evaluation's sentences
    place (D)   the city, its region and country, the priority area's labels

PostgreSQL indexes the same prepared terms with the ``simple`` configuration, not
``french``/``english`` + ``unaccent`` (see ``core/fulltext.py``: one language per vector, an
extension a managed database may lack, and the two backends would find different things).

Ranking: the index finds the candidates (SQLite's ``bm25``, PostgreSQL's ``ts_rank``); the
best ``CANDIDATES`` of them are then scored again here with FTS5's own BM25 formula (k1 1.2,
b 0.75, the columns' weights 1.0/0.4/0.2/0.1, idf floored at 1e-6) from the prepared columns
each case keeps (``CaseStudy.index_columns``), so both databases rank them the same. When
more than ``CANDIDATES`` cases match, which ones are re-ranked is the database's choice.

The index is created by ``create_index``/``drop_index`` (a migration's RunPython) and kept by
the case services (``reindex_case``) inside their transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Avg

from civiclab.core import fulltext
from civiclab.core.textprep import index_terms

COLUMNS = (("title", "A"), ("body", "B"), ("detail", "C"), ("place", "D"))
CASES = fulltext.FulltextIndex("exchange_case", COLUMNS)
WEIGHTS = [fulltext.WEIGHTS[weight] for _column, weight in COLUMNS]
# How many of the index's best matches are re-ranked by BM25 here.
CANDIDATES = 200
K1 = 1.2
B = 0.75


def create_index(apps: Any, schema_editor: Any) -> None:
    """RunPython forward: the index's table (FTS5 or tsvector + GIN)."""
    fulltext.create_index(CASES, schema_editor.connection)


def drop_index(apps: Any, schema_editor: Any) -> None:
    """RunPython backward."""
    fulltext.drop_index(CASES, schema_editor.connection)


def _lines(items: Iterable[Any]) -> str:
    return " ".join(str(item) for item in items if item)


def prepared_columns(case: Any) -> list[str]:
    """The four index columns of ``case``, prepared (``textprep.index_terms``)."""
    from civiclab.portfolio.models import PRIORITY_AREAS

    evidence = [f"{e.get('title', '')} {e.get('body', '')}" for e in case.evidence or []]
    indicators = [i.get("name", "") for i in case.indicators or []]
    sentences = [s.get("text", "") for s in (case.evaluation or {}).get("sentences", [])]
    area = dict(PRIORITY_AREAS).get(case.priority_area, "")
    place = [case.city.name, case.region, case.country, case.priority_area.replace("_", " ")]
    if area:
        from django.utils import translation

        for language in ("en", "fr"):
            with translation.override(language):
                place.append(str(area))
    return [
        index_terms(_lines([case.title_en, case.title_fr])),
        index_terms(_lines([case.problem_en, case.problem_fr, case.approach_en, case.approach_fr])),
        index_terms(_lines([case.lessons_en, case.lessons_fr, *evidence, *indicators, *sentences])),
        index_terms(_lines(place)),
    ]


def reindex_case(case: Any) -> None:
    """Index ``case`` if it is published, else take it out; keeps its prepared columns."""
    if case.state != "published":
        fulltext.delete(CASES, [case.pk])
        if case.index_columns:
            type(case).objects.filter(pk=case.pk).update(index_columns="", index_length=0)
            case.index_columns, case.index_length = "", 0
        return
    columns = prepared_columns(case)
    length = sum(len(column.split()) for column in columns)
    fulltext.upsert(CASES, [(case.pk, columns)])
    joined = "\n".join(columns)
    type(case).objects.filter(pk=case.pk).update(index_columns=joined, index_length=length)
    case.index_columns, case.index_length = joined, length


def reindex_all() -> int:
    """Rebuild the whole index (the benchmark, an operator after a restore)."""
    from civiclab.exchange.models import CaseStudy

    fulltext.clear(CASES)
    written = 0
    for case in CaseStudy.objects.filter(state="published").select_related("city").iterator():
        reindex_case(case)
        written += 1
    return written


def bm25(
    rows: Sequence[tuple[int, Sequence[str], int]],
    terms: Sequence[str],
    total: int,
    frequencies: dict[str, int],
    average_length: float,
) -> dict[int, float]:
    """FTS5's BM25 (``-bm25()``, so larger is better) of each row (id, prepared columns, term
    count) for ``terms`` — every term a phrase of the OR-query, as FTS5 reads it."""
    idf: dict[str, float] = {}
    for term in set(terms):
        hits = frequencies.get(term, 0)
        value = math.log((total - hits + 0.5) / (hits + 0.5)) if total else 0.0
        idf[term] = value if value > 0 else 1e-6
    average = average_length or 1.0
    scores: dict[int, float] = {}
    for row_id, columns, length in rows:
        whole = " " + "  ".join(columns) + " "
        padded: list[str] | None = None
        score = 0.0
        for term, term_idf in idf.items():
            needle = f" {term} "
            if needle not in whole:
                continue
            if padded is None:
                padded = [f" {column} " for column in columns]
            weighted = sum(
                weight * text.count(needle) for weight, text in zip(WEIGHTS, padded, strict=False)
            )
            score += (
                term_idf * (weighted * (K1 + 1)) / (weighted + K1 * (1 - B + B * length / average))
            )
        scores[row_id] = score
    return scores


def matched_columns(columns: Sequence[str], groups: Sequence[Sequence[str]]) -> list[list[str]]:
    """For each group (a query word's terms), the names of the columns holding one of them."""
    padded = [f" {column} " for column in columns]
    names = [name for name, _weight in COLUMNS]
    return [
        [name for name, text in zip(names, padded, strict=False)
         if any(f" {term} " in text for term in group)]
        for group in groups
    ]  # fmt: skip


def rerank(
    candidates: Sequence[int], groups: Sequence[Sequence[str]]
) -> tuple[list[tuple[int, float]], dict[int, list[str]]]:
    """``candidates`` (case ids) ranked by BM25 over the whole index's statistics, and each
    one's prepared columns (to say why it matched)."""
    from civiclab.exchange.models import CaseStudy

    if not candidates:
        return [], {}
    terms = sorted({term for group in groups for term in group})
    total, frequencies = fulltext.document_frequencies(CASES, terms)
    average = CaseStudy.objects.filter(state="published").aggregate(a=Avg("index_length"))["a"]
    rows = [
        (pk, text.split("\n"), length)
        for pk, text, length in CaseStudy.objects.filter(pk__in=list(candidates)).values_list(
            "pk", "index_columns", "index_length"
        )
    ]
    scores = bm25(rows, terms, total, frequencies, float(average or 0.0))
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked, {pk: columns for pk, columns, _length in rows}
