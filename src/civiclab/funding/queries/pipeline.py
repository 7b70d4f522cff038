"""Scoped reads of applications and funding leveraged.

Funding leveraged is derived from applications, so it is as private as they are: every sum is
computed over the applications the reader may see (``visible_applications``). A city's private
award is counted for the city's members and the network's admins, never for another city's
people — the network's headline number is what *the reader* may see, not a secret total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from civiclab.core.scoping import visible_to
from civiclab.funding.models import (
    CLOSED_STATUSES,
    SCOPE,
    Application,
    Opportunity,
)
from civiclab.portfolio.models import Challenge, Milestone, Solution
from civiclab.portfolio.queries import visible

LEVERAGED_SCOPES = ("network", "city", "cohort", "challenge", "solution")
CENTS = Decimal("0.01")


def _money(value: Decimal | None) -> Decimal:
    """A sum to the cent, the same on every database (SQLite drops trailing zeros)."""
    return (value or Decimal(0)).quantize(CENTS)


def visible_applications(user: Any) -> QuerySet[Application]:
    """The applications ``user`` may see (their own visibility: the city's unless shared)."""
    return visible_to(Application.objects.all(), user, SCOPE[Application]).select_related(
        "city", "city__network", "team", "opportunity", "owner", "challenge", "solution"
    )


def awarded(applications: QuerySet[Application]) -> QuerySet[Application]:
    """The applications that count as funding leveraged: awarded, with an amount."""
    return applications.filter(status="awarded", amount_awarded__isnull=False)


@dataclass(frozen=True)
class Total:
    """Funding leveraged in one currency: the awards, the match funds raised alongside them,
    and how many awarded applications they add up."""

    currency: str
    awarded: Decimal
    match: Decimal
    applications: int


def totals(applications: QuerySet[Application]) -> list[Total]:
    """The sums of ``applications``' awards (only those awarded), one per currency — amounts
    in different currencies are never added together."""
    rows = (
        awarded(applications)
        .order_by()
        .values("currency")
        .annotate(
            awarded_sum=Sum("amount_awarded"),
            match_sum=Sum("match_amount"),
            count=Count("pk"),
        )
        .order_by("currency")
    )
    return [
        Total(
            currency=row["currency"],
            awarded=_money(row["awarded_sum"]),
            match=_money(row["match_sum"]),
            applications=row["count"],
        )
        for row in rows
    ]


def counted_in(user: Any, scope: str, obj: Any) -> QuerySet[Application]:
    """The visible applications a scope's funding leveraged counts (awarded or not): a
    solution's, a challenge's (its own and its solutions'), a city's, a cohort's cities', a
    network's cities'. ``obj`` is the solution, challenge, city, cohort or network."""
    return in_scope(visible_applications(user), scope, obj)


def in_scope(applications: QuerySet[Application], scope: str, obj: Any) -> QuerySet[Application]:
    """``applications`` narrowed to a scope (the command line, run by the operator, counts
    every application; everyone else only those they may see: ``counted_in``)."""
    if scope == "solution":
        return applications.filter(solution=obj)
    if scope == "challenge":
        return applications.filter(Q(challenge=obj) | Q(solution__challenge=obj))
    if scope == "city":
        return applications.filter(city=obj)
    if scope == "cohort":
        return applications.filter(city__cohorts=obj)
    if scope == "network":
        return applications.filter(city__network=obj)
    raise ValueError(f"unknown scope {scope!r}")


def leveraged(user: Any, scope: str, obj: Any) -> list[Total]:
    """Funding leveraged in ``scope`` as ``user`` may see it (see the module's docstring)."""
    return totals(counted_in(user, scope, obj))


@dataclass
class Breakdown:
    """The network's headline number and its parts: by city, cohort, priority area and year
    (the year of the decision). Each part keeps the filter that lists what it counts."""

    headline: list[Total]
    by_city: list[tuple[Any, list[Total]]] = field(default_factory=list)
    by_cohort: list[tuple[Any, list[Total]]] = field(default_factory=list)
    by_priority: list[tuple[str, list[Total]]] = field(default_factory=list)
    by_year: list[tuple[int, list[Total]]] = field(default_factory=list)


def _visible_challenge_areas(user: Any, applications: list[Application]) -> dict[int, str]:
    """The priority area of each application's challenge (its own or its solution's), only
    where the reader may see that challenge: a hidden challenge's area is not revealed."""
    wanted = {a.challenge_id for a in applications if a.challenge_id} | {
        a.solution.challenge_id for a in applications if a.solution_id and a.solution
    }
    areas = dict(visible(Challenge, user).filter(pk__in=wanted).values_list("pk", "priority_area"))
    found = {}
    for application in applications:
        challenge_id = application.challenge_id or (
            application.solution.challenge_id if application.solution else None
        )
        found[application.pk] = areas.get(challenge_id, "") if challenge_id else ""
    return found


def _add(groups: dict[Any, dict[str, list[Any]]], key: Any, application: Application) -> None:
    bucket = groups[key].setdefault(application.currency, [Decimal(0), Decimal(0), 0])
    bucket[0] += application.amount_awarded or Decimal(0)
    bucket[1] += application.match_amount or Decimal(0)
    bucket[2] += 1


def _as_totals(groups: dict[str, list[Any]]) -> list[Total]:
    return [
        Total(currency, _money(values[0]), _money(values[1]), values[2])
        for currency, values in sorted(groups.items())
    ]


def network_breakdown(user: Any, network: Any) -> Breakdown:
    """The network's funding leveraged as ``user`` may see it, and its parts."""
    applications = list(
        awarded(counted_in(user, "network", network)).prefetch_related("city__cohorts")
    )
    areas = _visible_challenge_areas(user, applications)
    cities: dict[Any, dict[str, list[Any]]] = defaultdict(dict)
    cohorts: dict[Any, dict[str, list[Any]]] = defaultdict(dict)
    priorities: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    years: dict[int, dict[str, list[Any]]] = defaultdict(dict)
    whole: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    for application in applications:
        _add(whole, "network", application)
        _add(cities, application.city, application)
        for cohort in application.city.cohorts.all():
            if cohort.network_id == network.pk:
                _add(cohorts, cohort, application)
        _add(priorities, areas[application.pk], application)
        if application.decided_on is not None:
            _add(years, application.decided_on.year, application)
    return Breakdown(
        headline=_as_totals(whole["network"]),
        by_city=[(c, _as_totals(g)) for c, g in sorted(cities.items(), key=lambda i: i[0].name)],
        by_cohort=[(c, _as_totals(g)) for c, g in sorted(cohorts.items(), key=lambda i: i[0].name)],
        by_priority=sorted(((p, _as_totals(g)) for p, g in priorities.items()), key=lambda i: i[0]),
        by_year=sorted(((y, _as_totals(g)) for y, g in years.items()), reverse=True),
    )


def network_counted(
    user: Any,
    network: Any,
    *,
    city: str = "",
    cohort: str = "",
    priority: str | None = None,
    year: int | None = None,
) -> list[Application]:
    """The awarded applications one number of the network's breakdown counts (its link)."""
    applications = awarded(counted_in(user, "network", network))
    if city:
        applications = applications.filter(city__slug=city)
    if cohort:
        applications = applications.filter(
            city__cohorts__slug=cohort, city__cohorts__network=network
        )
    if year is not None:
        applications = applications.filter(decided_on__year=year)
    found = list(applications.order_by("-decided_on", "pk"))
    if priority is not None:
        areas = _visible_challenge_areas(user, found)
        found = [a for a in found if areas[a.pk] == priority]
    return found


@dataclass(frozen=True)
class Applicant:
    """One city's application to an opportunity, as "who applied" shows it."""

    application: Application
    city: Any
    status: str
    amount_awarded: Decimal | None


def who_applied(user: Any, opportunity: Opportunity, *, except_city: Any = None) -> list[Applicant]:
    """The applications to ``opportunity`` that ``user`` may see (other cities' only when they
    shared them), newest decision first; the amount awarded only for an award."""
    applications = visible_applications(user).filter(opportunity=opportunity)
    if except_city is not None:
        applications = applications.exclude(city=except_city)
    return [
        Applicant(
            application=a,
            city=a.city,
            status=a.status,
            amount_awarded=a.amount_awarded if a.status == "awarded" else None,
        )
        for a in applications.order_by("city__name", "pk")
    ]


def pipeline_of(user: Any, city: Any, team: Any = None) -> QuerySet[Application]:
    """A city's applications ``user`` may see (one team's when ``team`` is given)."""
    applications = visible_applications(user).filter(city=city)
    if team is not None:
        applications = applications.filter(team=team)
    return applications


@dataclass(frozen=True)
class Deadline:
    """One date of the calendar: an application's deadline, the close date of an
    opportunity the city has in its pipeline when it differs from the application's, or the
    day the city's SAM.gov registration expires (``application`` None)."""

    on: dt.date
    kind: str  # "deadline" | "closes" | "registration"
    title: str
    application: Application | None


def upcoming_deadlines(
    applications: QuerySet[Application], *, since: dt.date, limit: int = 500
) -> list[Deadline]:
    """The open applications' deadlines and their opportunities' close dates from ``since``,
    soonest first (at most ``limit``)."""
    dates: list[Deadline] = []
    open_ones = applications.exclude(status__in=CLOSED_STATUSES).filter(
        Q(deadline__gte=since) | Q(opportunity__close_date__gte=since)
    )
    for application in open_ones.order_by("deadline", "pk")[:limit]:
        if application.deadline is not None and application.deadline >= since:
            dates.append(Deadline(application.deadline, "deadline", application.title, application))
        opportunity = application.opportunity
        closes = opportunity.close_date if opportunity is not None else None
        if (
            opportunity is not None
            and closes is not None
            and closes >= since
            and closes != application.deadline
        ):
            dates.append(Deadline(closes, "closes", opportunity.title, application))
    dates.sort(key=lambda d: (d.on, d.application.pk if d.application else 0, d.kind))
    return dates[:limit]


def with_registration(
    user: Any, city: Any, dates: list[Deadline], *, since: dt.date, limit: int = 500
) -> list[Deadline]:
    """``dates`` and the day the city's SAM.gov registration expires, when it is upcoming and
    ``user`` may read the city's profile (an application submitted after it is refused)."""
    from civiclab.funding.queries.profile import may_see_profile, saved_profile

    profile = saved_profile(city) if may_see_profile(user, city) else None
    expires = profile.registration_expires if profile is not None else None
    if expires is None or expires < since:
        return dates
    found = [*dates, Deadline(expires, "registration", "SAM.gov", None)]
    found.sort(key=lambda d: (d.on, d.application.pk if d.application else 0, d.kind))
    return found[:limit]


def linked_for(user: Any, application: Application) -> dict[str, Any]:
    """The challenge, solution and milestones an application links to, each only when
    ``user`` may see it (an application may be shared wider than what it pays for)."""
    challenge = (
        visible(Challenge, user).filter(pk=application.challenge_id).first()
        if application.challenge_id
        else None
    )
    solution = (
        visible(Solution, user).filter(pk=application.solution_id).first()
        if application.solution_id
        else None
    )
    milestones = (
        list(
            visible(Milestone, user)
            .filter(pk__in=application.milestones.values("pk"))
            .order_by("due_on", "pk")
        )
        if solution is not None
        else []
    )
    return {"challenge": challenge, "solution": solution, "milestones": milestones}


GRANTS_GOV_DETAIL = "https://www.grants.gov/search-results-detail/{id}"


def grants_gov_url(opportunity: Opportunity) -> str | None:
    """The opportunity's page on Grants.gov (for its own records only)."""
    if opportunity.source != "grants.gov" or not opportunity.external_id.isdigit():
        return None
    return GRANTS_GOV_DETAIL.format(id=opportunity.external_id)


def eligibility_for(user: Any, opportunity: Opportunity, city: Any) -> Any:
    """The opportunity's eligibility for ``city`` with its reasons, or None when ``user`` may
    not read the city's profile (its partners are the city's own)."""
    from civiclab.funding.catalogue.eligibility import assess
    from civiclab.funding.queries.profile import may_see_profile, profile_for

    if city is None or not may_see_profile(user, city):
        return None
    return assess(opportunity.applicant_codes or [], profile_for(city), opportunity.country)
