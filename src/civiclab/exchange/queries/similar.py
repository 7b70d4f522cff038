""" "Look elsewhere first": what other cities did that is most similar to a challenge, an idea
or a text — case studies and shared challenges and solutions, with why each matched.

``SOURCES`` says, per kind, what text a passage is made of and what a match shares; adding a
kind (the cases area's ``case``) is one entry there. Every candidate is read through its kind's
scoped read (``exchange.kinds``) at query time and must be shared beyond its city (network or
public): another city's private work never appears — not in results, counts or reasons.
The page, the API and the CLI all call ``similar()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Max, Model, QuerySet

from civiclab.core.permissions import Visibility
from civiclab.exchange import kinds
from civiclab.exchange.models import Passage, SimilarDismissal
from civiclab.exchange.similarity import embedder as embedding_model
from civiclab.exchange.similarity.ranking import MIN_COSINE, PassageIndex, ranked, vector_of
from civiclab.exchange.similarity.text import (
    MAX_QUERY_CHARS,
    Terms,
    content_terms,
    guess_language,
    passage_text,
)
from civiclab.exchange.similarity.why import Why, explain
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
else:
    np = lazy_module("numpy")

SHARED = (Visibility.NETWORK.value, Visibility.PUBLIC.value)
# The panel shows this many matches; the API and the CLI may ask for up to MAX_LIMIT.
DEFAULT_LIMIT = 8
MAX_LIMIT = 50


@dataclass(frozen=True)
class Source:
    """How the exchange reads one kind of object for similarity.

    ``model``: its app label and model ("portfolio.Challenge"), whose saves and deletions
    refresh its passages; ``texts(obj)``: its passages as (language or None to guess it, text);
    ``shared(queryset)``: only the objects another city may be shown (shared beyond their city,
    not drafts); ``category(obj)``: its priority area (code, label) or None;
    ``indicators(obj)``: the ids of the indicators it is measured by; ``offered``: whether it
    is shown as a match (an idea is only ever the object a panel is about)."""

    model: str
    texts: Callable[[Any], list[tuple[str | None, str]]]
    shared: Callable[[QuerySet[Any]], QuerySet[Any]]
    category: Callable[[Any], tuple[str, str] | None] = lambda obj: None
    indicators: Callable[[Any], set[int]] = lambda obj: set()
    offered: bool = True


def _area(challenge: Any) -> tuple[str, str]:
    return challenge.priority_area, str(challenge.get_priority_area_display())


def _challenge_indicators(challenge: Any) -> set[int]:
    from civiclab.portfolio.models import Evidence, SolutionIndicator

    found = set(
        Evidence.objects.filter(challenge=challenge, indicator__isnull=False).values_list(
            "indicator_id", flat=True
        )
    )
    found |= set(
        SolutionIndicator.objects.filter(solution__challenge=challenge).values_list(
            "indicator_id", flat=True
        )
    )
    return found


def _solution_indicators(solution: Any) -> set[int]:
    from civiclab.portfolio.models import SolutionIndicator

    return set(
        SolutionIndicator.objects.filter(solution=solution).values_list("indicator_id", flat=True)
    )


def _case_area(case: Any) -> tuple[str, str] | None:
    if not case.priority_area:
        return None
    from civiclab.portfolio.models import Challenge

    labels = dict(Challenge._meta.get_field("priority_area").choices or [])
    return case.priority_area, str(labels.get(case.priority_area, case.priority_area))


def _case_texts(case: Any) -> list[tuple[str | None, str]]:
    """One passage per language the case is written in (an empty one is skipped)."""
    return [
        (
            language,
            passage_text(
                [
                    getattr(case, f"title_{language}"),
                    getattr(case, f"problem_{language}"),
                    getattr(case, f"approach_{language}"),
                    getattr(case, f"lessons_{language}"),
                ]
            ),
        )
        for language in ("en", "fr")
    ]


SOURCES: dict[str, Source] = {
    "challenge": Source(
        model="portfolio.Challenge",
        texts=lambda c: [(None, passage_text([c.title, c.problem_statement, c.target_population]))],
        shared=lambda qs: qs.filter(visibility__in=SHARED),
        category=_area,
        indicators=_challenge_indicators,
    ),
    "idea": Source(
        model="portfolio.Idea",
        texts=lambda i: [(None, passage_text([i.title, i.description]))],
        shared=lambda qs: qs.filter(challenge__visibility__in=SHARED),
        category=lambda i: _area(i.challenge),
        offered=False,
    ),
    "solution": Source(
        model="portfolio.Solution",
        texts=lambda s: [(None, passage_text([s.title, s.description, s.goal_statement]))],
        shared=lambda qs: qs.filter(visibility__in=SHARED).select_related("challenge"),
        category=lambda s: _area(s.challenge),
        indicators=_solution_indicators,
    ),
    # A case study: published ones only (a draft is its team's).
    "case": Source(
        model="exchange.CaseStudy",
        texts=_case_texts,
        shared=lambda qs: qs.filter(visibility__in=SHARED, state="published"),
        category=_case_area,
        indicators=lambda case: _solution_indicators(case.solution) if case.solution_id else set(),
    ),
}


def source_model(kind: str) -> type[Model]:
    return apps.get_model(SOURCES[kind].model)


def city_of(kind: str, obj: Any) -> int:
    return kinds.kind(kind).city_id(obj)


@dataclass(frozen=True)
class Match:
    """One similar object: what the API's and the CLI's JSON say of it, and the page shows."""

    kind: str
    id: int
    city: str
    title: str
    language: str
    score: float
    cosine: float | None
    why: Why
    url: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "city": self.city,
            "title": self.title,
            "language": self.language,
            "score": round(self.score, 6),
            "why": self.why.as_list(),
            "url": self.url,
        }


# --- the passages, as a ranking index kept per process --------------------------------------


@dataclass
class _Loaded:
    token: tuple[Any, ...]
    ids: npt.NDArray[np.int64]
    kinds: list[str]
    kind_codes: npt.NDArray[np.int16]
    object_ids: npt.NDArray[np.int64]
    languages: list[str]
    cities: npt.NDArray[np.int64]
    index: PassageIndex


_cache: dict[str, _Loaded] = {}
_cache_lock = threading.Lock()
# Whether a passage changed is asked of the database at most this often (seconds): counting
# 50,000 rows costs more than the ranking itself, and the worker embeds a change seconds
# after it anyway.
RECHECK_SECONDS = 2.0
_checked: dict[str, float] = {}


def forget_index() -> None:
    """Drop the cached index (tests, and the reembed command, which changes every passage)."""
    _cache.clear()
    _checked.clear()


def _token() -> tuple[Any, ...]:
    # Both read an index's last entry, whatever the table's size: a passage is never deleted
    # while its object lives, only emptied (services.similar), so every change moves one.
    stats = Passage.objects.aggregate(last=Max("updated_at"), top=Max("pk"))
    return (stats["last"], stats["top"])


def passage_index() -> _Loaded:
    """Every stored passage as a ranking index. Whether a passage was added, changed or
    emptied since is asked at most every RECHECK_SECONDS (one indexed query); when one was,
    a small index is rebuilt at once, a large one in a background thread while queries keep
    the one they have (a rebuild over 50,000 passages takes seconds): only the first query of
    a process waits for it."""
    loaded = _cache.get("index")
    now = time.monotonic()
    if loaded is not None and now - _checked.get("index", 0.0) < RECHECK_SECONDS:
        return loaded
    token = _token()
    _checked["index"] = now
    if loaded is not None and loaded.token == token:
        return loaded
    if loaded is None or loaded.index.size < BACKGROUND_REBUILD_FROM:
        with _cache_lock:
            _cache["index"] = _build(token)
        return _cache["index"]
    if not _rebuilding.is_set():
        _rebuilding.set()
        threading.Thread(target=_rebuild_in_background, args=(token,), daemon=True).start()
    return loaded


_rebuilding = threading.Event()
# Below this many passages a rebuild takes well under a second: it is done at once.
BACKGROUND_REBUILD_FROM = 5_000


def _rebuild_in_background(token: tuple[Any, ...]) -> None:
    from django.db import connection

    try:
        _cache["index"] = _build(token)
    finally:
        _rebuilding.clear()
        connection.close()  # this thread's own connection


def _build(token: tuple[Any, ...]) -> _Loaded:
    rows = list(
        Passage.objects.exclude(text="")
        .order_by("pk")
        .values_list("pk", "kind", "object_id", "language", "city_id", "terms", "embedding")
    )
    names = sorted({row[1] for row in rows})
    code = {name: number for number, name in enumerate(names)}
    return _Loaded(
        token=token,
        ids=np.asarray([row[0] for row in rows], dtype=np.int64),
        kinds=names,
        kind_codes=np.asarray([code[row[1]] for row in rows], dtype=np.int16),
        object_ids=np.asarray([row[2] for row in rows], dtype=np.int64),
        languages=[row[3] for row in rows],
        cities=np.asarray([row[4] for row in rows], dtype=np.int64),
        # PostgreSQL's driver returns a BinaryField as a memoryview, SQLite's as bytes
        index=PassageIndex.build(
            [None if row[6] is None else bytes(row[6]) for row in rows], [row[5] for row in rows]
        ),
    )


# --- the query ---------------------------------------------------------------------------------


@dataclass
class Query:
    """What to look for: terms and maybe a vector, the city whose work is excluded, the object
    the panel is about (itself and its dismissed matches excluded)."""

    terms: Terms
    vector: npt.NDArray[np.float32] | None
    exclude_city: int | None = None
    source: tuple[str, int] | None = None
    category: tuple[str, str] | None = None
    indicators: set[int] = field(default_factory=set)


def query_for_object(kind: str, obj: Any) -> Query:
    """The query a challenge's or an idea's panel runs: its stored passages' embeddings (their
    mean) when the worker has computed them, its text's terms now."""
    source = SOURCES[kind]
    texts = [text for _language, text in source.texts(obj)]
    stored = [
        bytes(data)
        for data in Passage.objects.filter(kind=kind, object_id=obj.pk)
        .exclude(embedding=None)
        .values_list("embedding", flat=True)
        if data
    ]
    vector = None
    if stored and embedding_model.available():
        mean = np.mean([vector_of(data) for data in stored], axis=0)
        vector = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
    return Query(
        terms=content_terms("\n".join(texts)),
        vector=vector,
        exclude_city=city_of(kind, obj),
        source=(kind, obj.pk),
        category=source.category(obj),
        indicators=source.indicators(obj),
    )


def query_for_text(text: str) -> Query:
    """The query for a text typed in (cut to MAX_QUERY_CHARS), embedded now if the model is
    installed."""
    text = text[:MAX_QUERY_CHARS]
    model = embedding_model.embedder()
    vector = model.passage(text) if model is not None and text.strip() else None
    return Query(terms=content_terms(text), vector=vector)


def _dismissed(source: tuple[str, int] | None) -> set[tuple[str, int]]:
    if source is None:
        return set()
    return set(
        SimilarDismissal.objects.filter(source_kind=source[0], source_id=source[1]).values_list(
            "match_kind", "match_id"
        )
    )


def _shown_objects(user: Any, kind: str, ids: Iterable[int]) -> dict[int, Any]:
    """The objects of ``ids`` the reader may be shown: visible to ``user`` now (their kind's
    scoped read; the operator, ``user`` None, skips it) and shared beyond their city."""
    wanted = list(ids)
    if not wanted:
        return {}
    base = (
        kinds.kind(kind).visible(user)
        if user is not None
        else source_model(kind)._default_manager.all()
    )
    return {obj.pk: obj for obj in SOURCES[kind].shared(base.filter(pk__in=wanted))}


def similar(user: Any, query: Query, limit: int = DEFAULT_LIMIT) -> list[Match]:
    """The objects most similar to ``query`` that ``user`` may see, best first, at most
    ``limit``: other cities' shared work (or anyone's for a text), never the source, never a
    dismissed match."""
    limit = max(1, min(limit, MAX_LIMIT))
    loaded = passage_index()
    if not loaded.index.size or query.terms.empty:
        return []
    offered = [
        code for code, name in enumerate(loaded.kinds) if name in SOURCES and SOURCES[name].offered
    ]
    allowed = np.isin(loaded.kind_codes, np.asarray(offered, dtype=np.int16))
    if query.exclude_city is not None:
        allowed &= loaded.cities != query.exclude_city
    dismissed = _dismissed(query.source)
    if query.source is not None:
        dismissed.add(query.source)
    for kind, pk in dismissed:
        if kind in loaded.kinds:
            code = loaded.kinds.index(kind)
            allowed &= ~((loaded.kind_codes == code) & (loaded.object_ids == pk))
    vector = query.vector if embedding_model.available() else None
    depth = limit * 4
    while True:
        hits = ranked(loaded.index, vector, query.terms.counts, allowed, depth)
        matches = _matches(user, query, loaded, hits, limit)
        if len(matches) >= limit or len(hits) < depth:
            return matches
        depth *= 4


def _matches(
    user: Any, query: Query, loaded: _Loaded, hits: list[tuple[int, float]], limit: int
) -> list[Match]:
    best: dict[tuple[str, int], tuple[int, float]] = {}
    for row, score in hits:
        key = (loaded.kinds[int(loaded.kind_codes[row])], int(loaded.object_ids[row]))
        if key not in best:
            best[key] = (row, score)
    by_kind: dict[str, list[int]] = {}
    for kind, pk in best:
        by_kind.setdefault(kind, []).append(pk)
    shown: dict[tuple[str, int], Any] = {}
    for kind, ids in by_kind.items():
        for pk, obj in _shown_objects(user, kind, ids).items():
            shown[(kind, pk)] = obj
    kept = [(key, row, score) for key, (row, score) in best.items() if key in shown][:limit]
    texts = dict(
        Passage.objects.filter(pk__in=[int(loaded.ids[row]) for _key, row, _s in kept]).values_list(
            "pk", "text"
        )
    )
    indicator_names = _indicator_names(user, query.indicators)
    # Indicators belong to one city each: two cities "share" one when they measure the same
    # thing under the same name (or both use a shared metric definition of that name).
    wanted = {name.casefold() for name in indicator_names.values()}
    out = []
    for (kind, pk), row, score in kept:
        obj = shown[(kind, pk)]
        source = SOURCES[kind]
        kind_of = kinds.kind(kind)
        passage_cosine = (
            float(loaded.index.vectors[row] @ query.vector) if query.vector is not None else None
        )
        category = source.category(obj)
        common = []
        if indicator_names:
            theirs = _indicator_names(user, source.indicators(obj))
            common = sorted({name for name in theirs.values() if name.casefold() in wanted})
        why = explain(
            query.terms,
            content_terms(texts.get(int(loaded.ids[row]), "")),
            cosine=passage_cosine if passage_cosine is not None else 0.0,
            min_cosine=MIN_COSINE,
            category=category[1] if category and query.category == category else None,
            indicators=common,
        )
        out.append(
            Match(
                kind=kind,
                id=pk,
                city=_city_name(kind_of, obj),
                title=kind_of.title(obj),
                language=loaded.languages[row],
                score=score,
                cosine=passage_cosine,
                why=why,
                url=kind_of.url(obj),
            )
        )
    return out


def _city_name(kind_of: kinds.Kind, obj: Any) -> str:
    from civiclab.network.models import City

    city = getattr(obj, "city", None)
    if city is None:
        city = City.objects.filter(pk=kind_of.city_id(obj)).first()
    return city.name if city is not None else ""


def _indicator_names(user: Any, ids: set[int]) -> dict[int, str]:
    """The names of the query's indicators the reader may see (a shared indicator is named
    only if the reader could open it)."""
    if not ids:
        return {}
    from civiclab.indicators.models import Indicator
    from civiclab.indicators.queries import visible_indicators

    found = visible_indicators(user) if user is not None else Indicator.objects.all()
    return dict(found.filter(pk__in=ids).values_list("pk", "name"))


def language_of(language: str | None, text: str) -> str:
    return language or guess_language(text)
