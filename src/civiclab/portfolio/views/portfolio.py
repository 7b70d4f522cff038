"""HTML views across the portfolio: the table of challenges and solutions (and its CSV), the
timeline of milestones and the network view of what other cities shared.

Each reads only through ``queries``: rows a user may not see are never fetched."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from civiclab.core.csv_cells import SafeWriter
from civiclab.core.permissions import Visibility
from civiclab.core.scoping import actor_for
from civiclab.network.models import City
from civiclab.network.queries import visible_cities, visible_cohorts
from civiclab.portfolio.filtersets import ChallengeFilterSet, with_legacy_cohort
from civiclab.portfolio.forms.solutions import CohortFilterForm, TimelineFilterForm
from civiclab.portfolio.models import Challenge, Milestone, Solution
from civiclab.portfolio.queries import key_facts, visible, visible_challenges
from civiclab.portfolio.rules.charts import GanttInput, gantt_layout

SHARED = [Visibility.NETWORK.value, Visibility.PUBLIC.value]


@dataclass
class PortfolioRow:
    """One challenge of the table with the solutions shown under it."""

    challenge: Challenge
    solutions: list[Solution]
    next_milestone: Milestone | None
    last_update: dt.datetime | None


def portfolio_challenges(user: Any, filters: ChallengeFilterSet) -> QuerySet[Challenge]:
    """The challenges ``user`` may see, filtered, with their idea count and their visible
    solutions (``shown_solutions``: each with ``open_milestones`` and ``last_update``); with a
    ``status`` filter, only the solutions in that status are shown."""
    challenges = (
        filters.qs if filters.is_valid() or not filters.is_bound else Challenge.objects.none()
    )
    solutions = _shown_solutions(user, filters)
    shown = (
        solutions.annotate(
            last_update=Max("updates__at"),
            milestone_total=Count("milestones", distinct=True),
            milestone_done=Count(
                "milestones", filter=Q(milestones__done_on__isnull=False), distinct=True
            ),
        )
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.filter(done_on__isnull=True).order_by("due_on", "pk"),
                to_attr="open_milestones",
            )
        )
        .order_by("title", "pk")
    )
    return (
        challenges.annotate(idea_count=Count("ideas", distinct=True))
        .prefetch_related(Prefetch("solutions", queryset=shown, to_attr="shown_solutions"))
        .order_by("city__name", "title", "pk")
    )


def _shown_solutions(user: Any, filters: ChallengeFilterSet) -> QuerySet[Solution]:
    solutions = visible(Solution, user)
    status = filters.chosen().get("status")
    return solutions.filter(status=status) if status else solutions


def portfolio_rows(user: Any, filters: ChallengeFilterSet) -> list[PortfolioRow]:
    rows = []
    for challenge in portfolio_challenges(user, filters):
        solutions = challenge.shown_solutions  # type: ignore[attr-defined]
        upcoming = [s.open_milestones[0] for s in solutions if s.open_milestones]
        updates = [s.last_update for s in solutions if s.last_update]
        rows.append(
            PortfolioRow(
                challenge,
                solutions,
                min(upcoming, key=lambda m: (m.due_on, m.pk), default=None),
                max(updates, default=None),
            )
        )
    return rows


def table_filters(request: HttpRequest) -> ChallengeFilterSet:
    """The board's and the API's filters, from the query string (``?cohort=<id>`` still read)."""
    data = with_legacy_cohort(request.GET, request.user) if request.GET else None
    return ChallengeFilterSet(data, user=request.user)


def _table_facts(user: Any, filters: ChallengeFilterSet) -> dict[str, int]:
    """The key facts of the table's rows: its challenges and the solutions shown under them."""
    challenges = portfolio_challenges(user, filters)
    solutions = _shown_solutions(user, filters).filter(challenge__in=challenges.values("pk"))
    return key_facts(user, challenges, solutions)


def portfolio_table(request: HttpRequest) -> HttpResponse:
    filters = table_filters(request)
    return render(
        request,
        "portfolio/portfolio_table.html",
        {
            "form": filters.form,
            "rows": portfolio_rows(request.user, filters),
            "facts": _table_facts(request.user, filters),
            "query": request.GET.urlencode(),
        },
        status=400 if filters.refused else 200,
    )


CSV_COLUMNS = [
    "city",
    "challenge",
    "phase",
    "priority_area",
    "ideas",
    "solution",
    "stage",
    "status",
    "next_milestone",
    "next_milestone_due",
    "last_update",
]


def portfolio_csv(request: HttpRequest) -> HttpResponse:
    """The table's filtered rows, one line per solution (or per challenge without one)."""
    filters = table_filters(request)
    if filters.refused:
        problems = [f"{name}: {' '.join(errors)}" for name, errors in filters.errors.items()]
        return HttpResponseBadRequest("\n".join(problems), content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portfolio.csv"'
    writer = SafeWriter(response)
    writer.writerow(CSV_COLUMNS)
    for row in portfolio_rows(request.user, filters):
        c = row.challenge
        start = [c.city.name, c.title, c.phase, c.priority_area, c.idea_count]  # type: ignore[attr-defined]
        if not row.solutions:
            writer.writerow([*start, "", "", "", "", "", ""])
        for s in row.solutions:
            nxt = s.open_milestones[0] if s.open_milestones else None  # type: ignore[attr-defined]
            last = s.last_update  # type: ignore[attr-defined]
            writer.writerow(
                [
                    *start,
                    s.title,
                    s.stage,
                    s.status,
                    nxt.title if nxt else "",
                    nxt.due_on.isoformat() if nxt else "",
                    last.date().isoformat() if last else "",
                ]
            )
    return response


def milestone_state_filter(state: str, today: dt.date) -> Q:
    """The database side of ``Milestone.state``."""
    if state == "done":
        return Q(done_on__isnull=False)
    if state == "slipping":
        return Q(done_on__isnull=True, due_on__lt=today)
    return Q(done_on__isnull=True, due_on__gte=today)


def gantt_context(milestones: list[tuple[Milestone, str]], today: dt.date) -> dict[str, Any]:
    """The Gantt-style chart of ``(milestone, state)`` pairs (milestones with their solution
    loaded): one row per solution, in the order of its first milestone; its counts by state."""
    by_solution: dict[int, list[tuple[Milestone, str]]] = {}
    for milestone, state in milestones:
        by_solution.setdefault(milestone.solution_id, []).append((milestone, state))
    rows = []
    for items in by_solution.values():
        solution = items[0][0].solution
        marks = [(m, m.due_on, state) for m, state in items]
        rows.append(
            GanttInput(solution, solution.title, solution.start_date, solution.end_date, marks)
        )
    states = [state for _m, state in milestones]
    return {
        "gantt": gantt_layout(rows, today) if rows else None,
        "gantt_rows": milestones,
        "gantt_counts": {
            "total": len(milestones),
            "solutions": len(by_solution),
            **{state: states.count(state) for state in ("done", "slipping", "upcoming")},
        },
    }


def timeline(request: HttpRequest) -> HttpResponse:
    form = TimelineFilterForm(
        request.GET or None, cities=visible_cities(request.user).order_by("name")
    )
    filters = form.values() if form.is_bound else {}
    today = timezone.localdate()
    milestones = (
        visible(Milestone, request.user)
        .select_related("solution", "solution__city")
        .order_by("due_on", "pk")
    )
    if filters.get("city"):
        milestones = milestones.filter(solution__city__slug=filters["city"])
    if filters.get("state"):
        milestones = milestones.filter(milestone_state_filter(filters["state"], today))
    pairs = [(m, m.state(today)) for m in milestones]
    months = [
        (dt.date(year, month, 1), list(items))
        for (year, month), items in groupby(
            pairs, key=lambda pair: (pair[0].due_on.year, pair[0].due_on.month)
        )
    ]
    context = {"form": form, "months": months, **gantt_context(pairs, today)}
    return render(request, "portfolio/timeline.html", context)


@dataclass
class SharedCity:
    """What one other city shared with the network."""

    city: City
    challenges: list[Challenge] = field(default_factory=list)
    solutions: list[Solution] = field(default_factory=list)


@login_required
def network_view(request: HttpRequest) -> HttpResponse:
    """The challenges and solutions other cities shared with the network (or the public)."""
    cohorts = visible_cohorts(request.user)
    data = with_legacy_cohort(request.GET, request.user) if request.GET else None
    form = CohortFilterForm(data, cohorts=cohorts)
    filters = form.values() if form.is_bound else {}
    own = {g.city_id for g in actor_for(request.user).grants if g.city_id is not None}
    challenges = (
        visible_challenges(request.user).filter(visibility__in=SHARED).exclude(city_id__in=own)
    )
    solutions = (
        visible(Solution, request.user)
        .filter(visibility__in=SHARED)
        .exclude(city_id__in=own)
        .select_related("city", "challenge")
    )
    if filters.get("cohort"):
        in_cohort = City.objects.filter(cohorts__in=cohorts.filter(slug=filters["cohort"]))
        challenges = challenges.filter(city__in=in_cohort)
        solutions = solutions.filter(city__in=in_cohort)
    by_city: dict[int, SharedCity] = {}
    for challenge in challenges.order_by("city__name", "title", "pk"):
        by_city.setdefault(challenge.city_id, SharedCity(challenge.city)).challenges.append(
            challenge
        )
    for solution in solutions.order_by("city__name", "title", "pk"):
        by_city.setdefault(solution.city_id, SharedCity(solution.city)).solutions.append(solution)
    cities = sorted(by_city.values(), key=lambda shared: shared.city.name)
    return render(
        request,
        "portfolio/network.html",
        {"form": form, "cities": cities, "facts": key_facts(request.user, challenges, solutions)},
    )
