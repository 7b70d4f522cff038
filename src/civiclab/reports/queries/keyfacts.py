"""The network's key facts, live: counted from the data, grouped, and listed by the same query.

Each fact is one queryset of what a reader may see (``counted``); a number on the page is that
queryset narrowed by filters and counted in SQL (``grouped``), and its link lists the same
queryset narrowed by the same filters plus the group's key (``listed``), so a count and its
list cannot disagree. Everything is derived from scoped reads (``portfolio.queries.visible``,
``evaluation.queries.visible_results``, ``funding.queries.pipeline.visible_applications``):
a private object is counted only for those who could open it — a count never tells another
city's people that it exists.

The facts (docs/reports/keyfacts.md says the same for readers):

- ``problems``: challenges, not closed (``portfolio.queries.key_facts``' "problems tackled");
  year: of creation.
- ``ideas``: ideas generated for those challenges the reader sees; year: of creation.
- ``solutions``: solutions developed (not stopped); year: of creation.
- ``evaluated``: solutions with at least one finished evaluation result the reader may see;
  year: of the first such result.
- ``funding``: awarded applications with an amount (``funding.queries.pipeline.awarded``),
  summed per currency (never across currencies); year: of the decision.
- ``outcomes``: evaluated effects achieved — evaluations whose newest finished result has a
  confidence interval wholly on the better side of zero (above when higher is better, below
  when lower is better); year: of that result.

Who counts what: a person counts what they could open, except that a network admin's
network-wide role counts as a network member's here — the network's key facts are what its
cities chose to share with the network (``network`` and ``public`` objects), plus, for an
admin who also belongs to a city, that city's work as its people see it. A visitor counts
public objects only. (``reader``)

Priority area: the area of the object's challenge, only when the reader may see that
challenge (else the empty key, "not shown") — an application's challenge is its own, else its
solution's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, ExtractYear
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Actor, Grant, Role
from civiclab.core.scoping import actor_for, attach_actor
from civiclab.evaluation.models import EvaluationResult
from civiclab.evaluation.queries import visible_evaluations, visible_results
from civiclab.funding.queries.pipeline import awarded, visible_applications
from civiclab.network.models import City, Cohort
from civiclab.network.queries import visible_cities, visible_cohorts
from civiclab.portfolio.models import PRIORITY_AREAS, Challenge, Idea, Solution
from civiclab.portfolio.queries import visible

FACTS = ("problems", "ideas", "solutions", "evaluated", "funding", "outcomes")
FACT_LABELS = {
    "problems": _("Problems tackled"),
    "ideas": _("Ideas generated"),
    "solutions": _("Solutions developed"),
    "evaluated": _("Solutions with evaluated results"),
    "funding": _("Funding leveraged"),
    "outcomes": _("Outcomes achieved"),
}
FACT_HELP = {
    "problems": _("Challenges the cities work on (closed ones excluded)."),
    "ideas": _("Ideas generated for those challenges."),
    "solutions": _("Solutions prepared, in delivery or sustained (stopped ones excluded)."),
    "evaluated": _("Solutions with at least one finished evaluation result."),
    "funding": _("Awarded funding applications; amounts per currency, never added across."),
    "outcomes": _(
        "Evaluations whose newest result found an effect on the better side of zero "
        "(its whole confidence interval)."
    ),
}
GROUPS = ("city", "cohort", "priority", "year")
GROUP_LABELS = {
    "city": _("City"),
    "cohort": _("Cohort"),
    "priority": _("Priority area"),
    "year": _("Year"),
}
# The empty key of the priority and year groups: the area is not shown (no challenge, or one
# the reader may not see), the year is unknown (an award without a decision date).
NONE_KEY = "none"
YEAR_MIN, YEAR_MAX = 1900, 2200


@dataclass(frozen=True)
class Filters:
    """What the numbers are narrowed to; a group's cell adds its own key."""

    network: str = ""  # network slug
    city: str = ""  # city slug
    cohort: int | None = None  # cohort id
    priority: str = ""  # a PRIORITY_AREAS key, or NONE_KEY
    year: int | None = None  # a year, or 0 for "unknown"

    def with_key(self, group: str, key: Any) -> Filters:
        if group == "year":
            return replace(self, year=0 if key is None else int(key))
        if group == "priority":
            return replace(self, priority=key or NONE_KEY)
        if group == "cohort":
            return replace(self, cohort=int(key))
        return replace(self, city=str(key))

    def as_params(self) -> dict[str, str]:
        params = {
            "network": self.network,
            "city": self.city,
            "cohort": "" if self.cohort is None else str(self.cohort),
            "priority": self.priority,
            "year": "" if self.year is None else str(self.year),
        }
        return {k: v for k, v in params.items() if v}


class SharedReader:
    """A network admin as the key facts read them: the same person, with each network-wide
    admin role read as a plain network role (``network``-shared and public objects of the
    network), and their city roles unchanged. Every scoped query reads the actor cached on the
    user object, so the stand-in carries its own."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: Any, actor: Actor) -> None:
        self.pk = self.id = user.pk
        self.email = getattr(user, "email", "")
        shared = tuple(
            Grant(g.network_id, g.city_id, Role.VIEWER, g.team_id)
            if g.role is Role.NETWORK_ADMIN
            else g
            for g in actor.grants
        )
        attach_actor(self, Actor(actor.user_id, actor.authenticated, shared))


def reader(user: Any) -> Any:
    """Who the key facts count for: ``user``, or for a network admin a ``SharedReader``."""
    if isinstance(user, SharedReader):
        return user
    actor = actor_for(user)
    if not actor.network_admin_of():
        return user
    return SharedReader(user, actor)


@dataclass(frozen=True)
class _Fact:
    """Where a fact's objects keep their city, their challenge and their year."""

    city: str
    challenge: str | None
    base: Callable[[Any], QuerySet[Any]]


def _evaluated_solutions(user: Any) -> QuerySet[Solution]:
    done = visible_results(user).filter(state=EvaluationResult.State.DONE)
    first = (
        done.filter(plan__solution=OuterRef("pk"))
        .order_by()
        .values("plan__solution")
        .annotate(first=Min("finished_at"))
        .values("first")
    )
    return (
        visible(Solution, user)
        .filter(pk__in=done.values("plan__solution_id"))
        .annotate(kf_date=Subquery(first))
        .select_related("city", "challenge")
    )


def _outcomes(user: Any) -> QuerySet[EvaluationResult]:
    """The newest finished result of each visible evaluation, where it found an effect whose
    whole confidence interval is on the better side of zero."""
    newest = EvaluationResult.objects.filter(
        plan=OuterRef("pk"), state=EvaluationResult.State.DONE
    ).order_by(F("finished_at").desc(nulls_last=True), "-pk")
    plans = visible_evaluations(user).annotate(newest=Subquery(newest.values("pk")[:1]))
    low = Cast(KeyTextTransform("ci_low", "estimate"), FloatField())
    high = Cast(KeyTextTransform("ci_high", "estimate"), FloatField())
    return (
        visible_results(user)
        .filter(pk__in=plans.values("newest"))
        .annotate(kf_low=low, kf_high=high, kf_date=F("finished_at"))
        .filter(
            Q(plan__lower_is_better=False, kf_low__gt=0)
            | Q(plan__lower_is_better=True, kf_high__lt=0)
        )
        .select_related("plan", "plan__city", "plan__solution")
    )


FACT_SPECS: dict[str, _Fact] = {
    "problems": _Fact(
        "city",
        "",
        lambda user: (
            visible(Challenge, user)
            .exclude(phase="closed")
            .annotate(kf_date=F("created_at"))
            .select_related("city")
        ),
    ),
    "ideas": _Fact(
        "challenge__city",
        "challenge",
        lambda user: (
            visible(Idea, user)
            .annotate(kf_date=F("created_at"))
            .select_related("challenge", "challenge__city")
        ),
    ),
    "solutions": _Fact(
        "city",
        "challenge",
        lambda user: (
            visible(Solution, user)
            .exclude(stage="stopped")
            .annotate(kf_date=F("created_at"))
            .select_related("city", "challenge")
        ),
    ),
    "evaluated": _Fact("city", "challenge", _evaluated_solutions),
    "funding": _Fact(
        "city",
        None,
        lambda user: awarded(visible_applications(user)).annotate(kf_date=F("decided_on")),
    ),
    "outcomes": _Fact("plan__city", "plan__solution__challenge", _outcomes),
}


def _area(user: Any, challenge: str | None) -> Any:
    """The priority area of the object's challenge, only where ``user`` may see it."""
    shown = visible(Challenge, user)
    if challenge == "":  # the object is the challenge
        return F("priority_area")
    if challenge is not None:
        return Case(
            When(
                Exists(shown.filter(pk=OuterRef(f"{challenge}_id"))),
                then=F(f"{challenge}__priority_area"),
            ),
            default=Value(""),
            output_field=CharField(),
        )
    # An application: its own challenge, else its solution's.
    return Case(
        When(
            Exists(shown.filter(pk=OuterRef("challenge_id"))),
            then=F("challenge__priority_area"),
        ),
        When(
            Exists(shown.filter(pk=OuterRef("solution__challenge_id"))),
            then=F("solution__challenge__priority_area"),
        ),
        default=Value(""),
        output_field=CharField(),
    )


def counted(user: Any, fact: str, filters: Filters = Filters()) -> QuerySet[Any]:
    """The objects ``fact`` counts for ``user`` under ``filters`` (what a number's link lists)."""
    user = reader(user)
    spec = FACT_SPECS[fact]
    rows = (
        spec.base(user)
        .annotate(
            kf_city=F(f"{spec.city}_id"),
            kf_area=_area(user, spec.challenge),
            kf_year=ExtractYear("kf_date"),
        )
        .order_by()
    )
    if filters.network:
        rows = rows.filter(**{f"{spec.city}__network__slug": filters.network})
    if filters.city:
        rows = rows.filter(**{f"{spec.city}__slug": filters.city})
    if filters.cohort is not None:
        rows = rows.filter(
            **{
                f"{spec.city}__cohorts__in": visible_cohorts(user)
                .filter(pk=filters.cohort)
                .values("pk")
            }
        )
    if filters.priority:
        rows = rows.filter(kf_area="" if filters.priority == NONE_KEY else filters.priority)
    if filters.year is not None:
        rows = (
            rows.filter(kf_year__isnull=True)
            if filters.year == 0
            else rows.filter(kf_year=filters.year)
        )
    return rows


def listed(user: Any, fact: str, filters: Filters = Filters()) -> QuerySet[Any]:
    """``counted`` in a reading order: newest first."""
    return counted(user, fact, filters).order_by(F("kf_date").desc(nulls_last=True), "-pk")


@dataclass(frozen=True)
class Money:
    currency: str
    awarded: Decimal
    match: Decimal
    applications: int


@dataclass
class Cell:
    """One number: how many objects, and for funding their sums per currency."""

    count: int = 0
    money: list[Money] = field(default_factory=list)


@dataclass
class Row:
    """One group (a city, a cohort, a priority area, a year, or the whole) and its facts."""

    key: Any
    label: str
    filters: Filters
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class KeyFacts:
    group: str
    filters: Filters
    total: Row
    rows: list[Row]


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _group_values(user: Any, fact: str, rows: QuerySet[Any], group: str) -> QuerySet[Any]:
    if group == "city":
        return rows.values("kf_city")
    if group == "cohort":
        # One row per (object, cohort of its city), kept to the cohorts the reader sees.
        path = f"{FACT_SPECS[fact].city}__cohorts"
        return (
            rows.annotate(kf_cohort=F(path))
            .filter(kf_cohort__in=visible_cohorts(user).values("pk"))
            .values("kf_cohort")
        )
    if group == "priority":
        return rows.values("kf_area")
    return rows.values("kf_year")


_GROUP_FIELD = {"city": "kf_city", "cohort": "kf_cohort", "priority": "kf_area", "year": "kf_year"}


def _cells(user: Any, fact: str, filters: Filters, group: str | None) -> dict[Any, Cell]:
    """One query: the fact's count (and sums) per group key (``None``: the whole)."""
    rows = counted(user, fact, filters)
    cells: dict[Any, Cell] = {}
    if group is None:
        if fact != "funding":
            return {None: Cell(count=rows.aggregate(n=Count("pk", distinct=True))["n"])}
        grouped, key_field = rows.annotate(kf_all=Value(None, CharField())), "kf_all"
    else:
        grouped, key_field = _group_values(user, fact, rows, group), _GROUP_FIELD[group]
    if fact == "funding":
        for row in grouped.values(key_field, "currency").annotate(
            n=Count("pk", distinct=True),
            awarded_sum=Sum("amount_awarded"),
            match_sum=Sum("match_amount"),
        ):
            cell = cells.setdefault(row[key_field], Cell())
            cell.count += row["n"]
            cell.money.append(
                Money(
                    row["currency"], _money(row["awarded_sum"]), _money(row["match_sum"]), row["n"]
                )
            )
        for cell in cells.values():
            cell.money.sort(key=lambda m: m.currency)
        return cells
    for row in grouped.annotate(n=Count("pk", distinct=True)):
        cells[row[key_field]] = Cell(count=row["n"])
    return cells


def _labels(user: Any, group: str, keys: set[Any]) -> dict[Any, tuple[str, Any]]:
    """The label and filter key of each group key (one query for cities or cohorts)."""
    if group == "city":
        cities = City.objects.filter(pk__in=keys).values_list("pk", "name", "slug")
        return {pk: (name, slug) for pk, name, slug in cities}
    if group == "cohort":
        cohorts = Cohort.objects.filter(pk__in=keys).values_list("pk", "name")
        return {pk: (name, pk) for pk, name in cohorts}
    if group == "priority":
        names = dict(PRIORITY_AREAS)
        return {
            k: (str(names.get(k, _("Not shown"))) if k else str(_("Not shown")), k) for k in keys
        }
    return {k: (str(k) if k is not None else str(_("Unknown")), k) for k in keys}


def key_facts(user: Any, group: str = "city", filters: Filters = Filters()) -> KeyFacts:
    """Every fact for ``user``, in total and per ``group`` (one or two queries per fact, and
    one for the groups' names)."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    user = reader(user)
    total = Row(None, str(_("All")), filters)
    per_fact: dict[str, dict[Any, Cell]] = {}
    for fact in FACTS:
        total.cells[fact] = _cells(user, fact, filters, None).get(None, Cell())
        per_fact[fact] = _cells(user, fact, filters, group)
    keys = {key for cells in per_fact.values() for key in cells}
    labels = _labels(user, group, keys)
    rows = []
    for key in keys:
        label, filter_key = labels.get(key, (str(key), key))
        row = Row(key, label, filters.with_key(group, filter_key))
        row.cells = {fact: per_fact[fact].get(key, Cell()) for fact in FACTS}
        rows.append(row)
    if group == "year":
        rows.sort(key=lambda r: -(r.key or 0))
    else:
        rows.sort(key=lambda r: (r.key in ("", None), r.label.lower()))
    return KeyFacts(group, filters, total, rows)


def filter_choices(user: Any) -> dict[str, Any]:
    """What the page's filters offer: the networks, cities and cohorts the reader sees."""
    user = reader(user)
    return {
        "cities": list(visible_cities(user).order_by("name").values_list("slug", "name")),
        "cohorts": list(visible_cohorts(user).order_by("name").values_list("pk", "name")),
        "priorities": [(k, str(v)) for k, v in PRIORITY_AREAS],
    }
