"""The site search: every kind a person may see, grouped, counted and ranked.

``search(user, query)`` finds the objects holding *every* word of the query (in any form:
accents, case and English or French inflections ignored), among those ``user`` may see —
each kind restricted by its owning app's scoped query (``search.kinds``) inside the SQL, so a
private object is never fetched, counted or ranked. Case studies (published, as the library
lists them) and funding opportunities are read from their own indexes with their own scoped
queries. Each kind answers its count and its best ``per_kind`` hits.

Limits: a query of at most ``QUERY_LIMIT`` characters, of which the first ``QUERY_WORDS``
words are looked for; at most ``PER_KIND_LIMIT`` hits per kind (``PER_KIND`` by default).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civiclab.accounts.people import may_see_emails
from civiclab.core import fulltext
from civiclab.core.errors import DomainError
from civiclab.core.textprep import query_words
from civiclab.exchange.library_search import CASES
from civiclab.exchange.queries.cases import library_cases
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.search_index import OPPORTUNITIES
from civiclab.network.queries import visible_memberships
from civiclab.search.index import SITE
from civiclab.search.kinds import KINDS
from civiclab.search.models import SearchEntry
from civiclab.search.snippets import Part, snippet

QUERY_LIMIT = 200  # characters of a query
QUERY_WORDS = 12  # words looked for (the others are ignored)
PER_KIND = 5  # hits shown per kind by default
PER_KIND_LIMIT = 50  # at most, per kind
SUGGESTIONS = 3  # hits per kind under the box while typing
# The kinds in the order the results list them.
ORDER = ("challenge", "idea", "solution", "dataset", "indicator", "person", "case", "opportunity")


class SearchError(DomainError):
    status = 422
    code = "invalid_search"


@dataclass
class Hit:
    kind: str
    id: int
    title: str
    snippet: list[Part]
    city: str
    url: str
    email: str | None = None

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _matched in self.snippet)


@dataclass
class Group:
    kind: str
    label: Promise
    count: int
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    query: str
    words: list[str]
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def found(self) -> list[Group]:
        return [group for group in self.groups if group.count]


LABELS: dict[str, Promise] = {
    **{key: kind.label for key, kind in KINDS.items()},
    "case": _("Case studies"),
    "opportunity": _("Funding opportunities"),
}


def check_query(query: str, per_kind: int) -> None:
    if len(query) > QUERY_LIMIT:
        raise SearchError(
            str(_("A search is at most %(limit)s characters.") % {"limit": QUERY_LIMIT}),
            details={"field": "q", "limit": QUERY_LIMIT},
        )
    if not 1 <= per_kind <= PER_KIND_LIMIT:
        raise SearchError(
            str(_("Between 1 and %(limit)s results per kind.") % {"limit": PER_KIND_LIMIT}),
            details={"field": "per_kind", "limit": PER_KIND_LIMIT},
        )


def search(user: Any, query: str, *, per_kind: int = PER_KIND, language: str = "en") -> Results:
    """What ``user`` may see holding every word of ``query``, by kind (see the module)."""
    query = query.strip()
    check_query(query, per_kind)
    words = query_words(query, QUERY_WORDS)
    groups = [list(word.terms) for word in words]
    if not groups:
        return Results(query, [], [])
    terms = {term for group in groups for term in group}
    # The vectors are out of line on PostgreSQL: read through the GIN indexes only.
    with fulltext.index_scans() if groups else nullcontext():
        found = _site_groups(user, groups, terms, per_kind)
        found.append(_case_group(user, groups, terms, per_kind, language))
        found.append(_opportunity_group(user, groups, terms, per_kind))
    by_kind = {group.kind: group for group in found}
    return Results(query, [w.word for w in words], [by_kind[k] for k in ORDER if k in by_kind])


def _site_groups(user: Any, groups: list[list[str]], terms: set[str], per_kind: int) -> list[Group]:
    sql, params = fulltext.matching_sql(SITE, groups, require_all=True)
    # Each kind's scoped query, built once (its filters are the costly part to build).
    visible = {key: kind.visible(user) for key, kind in KINDS.items()}
    entries = {
        key: SearchEntry.objects.filter(kind=key, object_id__in=qs.order_by().values("pk"))
        for key, qs in visible.items()
    }
    allowed = Q()
    for key, qs in visible.items():
        allowed |= Q(kind=key, object_id__in=qs.order_by().values("pk"))
    counts = dict(
        SearchEntry.objects.filter(allowed, pk__in=RawSQL(sql, params))
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    out: list[Group] = []
    ranked: dict[str, list[int]] = {}
    for key in KINDS:
        count = counts.get(key, 0)
        out.append(Group(key, LABELS[key], count))
        if count:
            hits = fulltext.search(SITE, groups, per_kind, entries[key], require_all=True)
            ranked[key] = [entry_id for entry_id, _score in hits]
    if not ranked:
        return out
    all_ids = [entry_id for ids in ranked.values() for entry_id in ids]
    object_of = dict(SearchEntry.objects.filter(pk__in=all_ids).values_list("pk", "object_id"))
    for group in out:
        if group.kind not in ranked:
            continue
        kind = KINDS[group.kind]
        object_ids = [object_of[i] for i in ranked[group.kind] if i in object_of]
        # Read through the kind's scoped query again: what is shown is what may be seen.
        objects = visible[group.kind].select_related(*kind.related).in_bulk(object_ids)
        shown = [objects[pk] for pk in object_ids if pk in objects]
        if group.kind == "person":
            group.hits = _people_hits(user, shown, terms)
        else:
            group.hits = [
                Hit(
                    group.kind,
                    obj.pk,
                    kind.title(obj),
                    snippet(kind.body(obj), terms),
                    kind.city(obj).name if kind.city(obj) else "",
                    kind.url(obj),
                )
                for obj in shown
            ]
    return out


def _people_hits(user: Any, people: list[Any], terms: set[str]) -> list[Hit]:
    """People by name, with a city the reader shares with them; the email address only where
    ``accounts.people`` allows it (the reader works in that city)."""
    cities: dict[int, Any] = {}
    for membership in (
        visible_memberships(user)
        .filter(user_id__in=[p.pk for p in people], city__isnull=False)
        .order_by("pk")
    ):
        cities.setdefault(membership.user_id, membership.city)
    kind = KINDS["person"]
    hits = []
    for person in people:
        city = cities.get(person.pk)
        email = person.email if city is not None and may_see_emails(user, city) else None
        url = reverse("network:members", args=[city.slug]) if city is not None else ""
        hits.append(
            Hit("person", person.pk, kind.title(person), [], city.name if city else "", url, email)
        )
    return hits


def _external_group(
    key: str,
    index: fulltext.FulltextIndex,
    scoped: QuerySet[Any],
    groups: list[list[str]],
    per_kind: int,
    make_hit: Callable[[Any], Hit],
) -> Group:
    sql, params = fulltext.matching_sql(index, groups, require_all=True)
    count = scoped.filter(pk__in=RawSQL(sql, params)).count()
    group = Group(key, LABELS[key], count)
    if count:
        ids = [
            pk for pk, _score in fulltext.search(index, groups, per_kind, scoped, require_all=True)
        ]
        objects = scoped.in_bulk(ids)
        group.hits = [make_hit(objects[pk]) for pk in ids if pk in objects]
    return group


def _case_group(
    user: Any, groups: list[list[str]], terms: set[str], per_kind: int, language: str
) -> Group:
    def hit(case: Any) -> Hit:
        problem = getattr(case, f"problem_{language}", "") or case.problem_en or case.problem_fr
        return Hit(
            "case",
            case.pk,
            case.title_in(language),
            snippet(problem, terms),
            case.city.name,
            reverse("exchange:case", args=[case.pk]),
        )

    return _external_group("case", CASES, library_cases(user), groups, per_kind, hit)


def _opportunity_group(user: Any, groups: list[list[str]], terms: set[str], per_kind: int) -> Group:
    def hit(opportunity: Any) -> Hit:
        return Hit(
            "opportunity",
            opportunity.pk,
            str(opportunity.title),
            snippet(opportunity.description, terms),
            "",
            reverse("funding:opportunity", args=[opportunity.pk]),
        )

    return _external_group(
        "opportunity", OPPORTUNITIES, visible_opportunities(user), groups, per_kind, hit
    )
