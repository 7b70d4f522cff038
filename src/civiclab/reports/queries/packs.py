"""packs: scoped reads of reviews, and the data a pack is assembled from.

A review is read by its audience (see ``models.packs``); its pack is gathered through the
lower apps' scoped queries *as that audience*, a stand-in reader holding the least grant every
reader of the review holds. So a pack never holds what one of its readers may not see — a
city-private solution never reaches a cohort's pack, a team-private one never a city's — and
the same pack is shown to each of them, frozen or live.

Everything is read in a fixed number of queries whatever the pack's size (one per kind of
row); indicator series come from the cached results (``IndicatorResult``), computed only
when an indicator has none for its current data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from civiclab.core.permissions import Action, Role, Target, Visibility, can, scopes_for
from civiclab.core.scoping import actor_for
from civiclab.evaluation.queries import visible_evaluations, visible_results
from civiclab.funding.queries.pipeline import upcoming_deadlines, visible_applications
from civiclab.indicators import services as indicator_services
from civiclab.indicators.engine.spec import parse_spec
from civiclab.indicators.models import IndicatorResult
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City
from civiclab.portfolio.models import Milestone, Risk, Solution, SolutionIndicator
from civiclab.portfolio.queries import visible
from civiclab.reports.models.packs import (
    CITY,
    COHORT,
    TEAM,
    PackPdf,
    Review,
    ReviewAction,
    ReviewDecision,
    ReviewMeeting,
)
from civiclab.reports.queries.status import statuses_of
from civiclab.reports.rules import packs as rules

# The most solutions one pack shows (a larger scope is cut, and the pack says so).
PACK_SOLUTIONS_LIMIT = 200
# Funding deadlines are shown this many days ahead.
FUNDING_HORIZON_DAYS = 90
# Decisions of earlier meetings shown as "recent" (besides the open ones).
RECENT_DECISIONS = 20


# --- who reads and who writes -------------------------------------------------------------


def _cohort_cities(cohort_id: int) -> list[int]:
    return list(
        City.cohorts.through.objects.filter(cohort_id=cohort_id).values_list("city_id", flat=True)
    )


def visible_reviews(user: Any) -> QuerySet[Review]:
    """The reviews ``user`` reads: a team's by the team's members and the city's admins; a
    city's by its members; a cohort's by the network's admins and the cohort cities' members."""
    actor = actor_for(user)
    if not actor.authenticated:
        return Review.objects.none()
    scopes = scopes_for(actor)
    cities = scopes.city_ids | scopes.admin_city_ids
    in_cohort = City.cohorts.through.objects.filter(
        cohort_id=OuterRef("cohort_id"), city_id__in=cities
    )
    rule = (
        Q(network_id__in=scopes.all_in_networks)
        | Q(scope=TEAM, team_id__in=scopes.team_ids)
        | Q(scope=TEAM, city_id__in=scopes.admin_city_ids)
        | Q(scope=CITY, city_id__in=cities)
        | Q(Exists(in_cohort), scope=COHORT)
    )
    return Review.objects.filter(rule).select_related(
        "network", "city", "team", "team__city", "cohort", "owner"
    )


def review_target(review: Review) -> Target | None:
    """The target the rules check a write on a team's or a city's review against (a cohort's
    review has none: only the network's admins write it)."""
    if review.scope == COHORT or review.city_id is None:
        return None
    visibility = Visibility.TEAM if review.scope == TEAM else Visibility.CITY
    return Target(review.network_id, review.city_id, visibility, review.team_id)


def may_write(user: Any, review: Review) -> bool:
    """Whether ``user`` may create the review or record its meetings: a member (or admin) of
    the scope's city — a team's review, only the team's members and the city's admins — and,
    for a cohort's review, the network's admins."""
    actor = actor_for(user)
    if not actor.authenticated:
        return False
    target = review_target(review)
    if target is None:
        return review.network_id in actor.network_admin_of()
    return can(actor, Action.CREATE, target)


def may_read_as(user: Any, review: Review) -> bool:
    """Whether ``user`` is one of the review's audience (an owner of an action must be)."""
    return visible_reviews(user).filter(pk=review.pk).exists() if review.pk else False


def may_be_owner(user: Any, review: Review) -> bool:
    """An item's owner reads the review (checked without saving it: the rules of
    ``visible_reviews`` applied to the review in hand)."""
    actor = actor_for(user)
    if not actor.authenticated:
        return False
    scopes = scopes_for(actor)
    if review.network_id in scopes.all_in_networks:
        return True
    cities = scopes.city_ids | scopes.admin_city_ids
    if review.scope == TEAM:
        return review.team_id in scopes.team_ids or review.city_id in scopes.admin_city_ids
    if review.scope == CITY:
        return review.city_id in cities
    return bool(set(_cohort_cities(review.cohort_id or 0)) & cities)


# --- the audience ----------------------------------------------------------------------------


class _Grants:
    def __init__(self, rows: list[tuple[int, int | None, str, int | None]]) -> None:
        self.rows = rows

    def values_list(self, *fields: str) -> list[tuple[int, int | None, str, int | None]]:
        return list(self.rows)


class Audience:
    """The least reader of a review, as a stand-in user the scoped queries read for: a member
    of the team (a team's review), a viewer of the city (a city's), a viewer of the network
    in no city (a cohort's: network-wide and public objects only)."""

    is_authenticated = True
    is_anonymous = False
    pk = None
    id = None

    def __init__(self, review: Review) -> None:
        if review.scope == TEAM:
            row = (review.network_id, review.city_id, Role.MEMBER.value, review.team_id)
        elif review.scope == CITY:
            row = (review.network_id, review.city_id, Role.VIEWER.value, None)
        else:
            row = (review.network_id, None, Role.VIEWER.value, None)
        self.memberships = _Grants([row])


def solutions_in_scope(review: Review) -> QuerySet[Solution]:
    """The live solutions the review covers, as its audience sees them."""
    solutions = visible(Solution, Audience(review)).exclude(stage="stopped")
    if review.scope == TEAM:
        solutions = solutions.filter(team_id=review.team_id or 0)
    elif review.scope == CITY:
        solutions = solutions.filter(city_id=review.city_id or 0)
    else:
        solutions = solutions.filter(city_id__in=_cohort_cities(review.cohort_id or 0))
    return solutions.select_related("city", "team", "owner").order_by("city__name", "title", "pk")


# --- the pack --------------------------------------------------------------------------------


def _spec_hash(spec: dict[str, Any]) -> str:
    # The cache key indicators' ``results`` uses (a mismatch only means computing afresh).
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _person(user: Any) -> str:
    return "" if user is None else str(user)


def item_dict(item: ReviewDecision | ReviewAction) -> dict[str, Any]:
    """One decision or action as a pack carries it."""
    return _item(item, "action" if isinstance(item, ReviewAction) else "decision")


def _item(item: ReviewDecision | ReviewAction, kind: str) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": kind,
        "text": item.text,
        "solution": item.solution_id,
        "solution_title": item.solution.title if item.solution is not None else "",
        "owner": _person(item.owner),
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "done_on": item.done_on.isoformat() if item.done_on else None,
        "meeting_on": item.meeting.held_on.isoformat(),
    }


def carried_items(review: Review, before: ReviewMeeting | None = None) -> dict[str, list[Any]]:
    """What the next pack carries from the meetings held (before ``before``, when given):
    every open action and decision, and the decisions of the last meeting even if done."""
    meetings = ReviewMeeting.objects.filter(review=review)
    if before is not None:
        meetings = meetings.filter(
            Q(held_on__lt=before.held_on) | Q(held_on=before.held_on, pk__lt=before.pk)
        )
    last = meetings.order_by("-held_on", "-pk").first()
    related = ("meeting", "solution", "owner")
    ids = meetings.values("pk")
    actions = ReviewAction.objects.filter(meeting__in=ids, done_on__isnull=True)
    decisions = ReviewDecision.objects.filter(meeting__in=ids).filter(
        Q(done_on__isnull=True) | Q(meeting=last)
    )
    found = {
        "actions": [_item(a, "action") for a in actions.select_related(*related)],
        "decisions": [
            _item(d, "decision")
            for d in decisions.select_related(*related).order_by("-meeting__held_on", "pk")[
                :RECENT_DECISIONS
            ]
        ],
    }
    # A solution narrowed since the meeting is no longer named to those who may not see it.
    named = {i["solution"] for items in found.values() for i in items if i["solution"]}
    shown = set(
        visible(Solution, Audience(review)).filter(pk__in=named).values_list("pk", flat=True)
    )
    for items in found.values():
        for i in items:
            if i["solution"] not in shown:
                i["solution"], i["solution_title"] = None, ""
    return found


def _scope_label(review: Review) -> str:
    if review.scope == TEAM and review.team is not None and review.city is not None:
        return f"{review.team.name} ({review.city.name})"
    if review.scope == CITY and review.city is not None:
        return review.city.name
    return review.cohort.name if review.cohort is not None else ""


def prepare_pack(
    review: Review, *, now: dt.datetime | None = None, before: ReviewMeeting | None = None
) -> dict[str, Any]:
    """The review's pack as of ``now``: what its audience sees of every solution in scope."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    audience = Audience(review)
    meetings = ReviewMeeting.objects.filter(review=review).order_by("-held_on", "-pk")
    last = meetings.only("pk", "held_on", "pack").first() if before is None else None
    since = last.held_on if last is not None else None
    previous_signals = _signals_of(last.pack) if last is not None else None
    next_on = review.next_meeting_on
    found = list(solutions_in_scope(review)[: PACK_SOLUTIONS_LIMIT + 1])
    truncated = len(found) > PACK_SOLUTIONS_LIMIT
    solutions = found[:PACK_SOLUTIONS_LIMIT]
    ids = [s.pk for s in solutions]

    targets: dict[int, list[SolutionIndicator]] = defaultdict(list)
    links = list(
        SolutionIndicator.objects.filter(
            solution_id__in=ids, indicator__in=visible_indicators(audience).values("pk")
        )
        .select_related("indicator", "indicator__dataset", "indicator__dataset__city")
        .order_by("solution_id", "pk")
    )
    for link in links:
        targets[link.solution_id].append(link)
    cached: dict[tuple[int, int | None, str], dict[str, Any]] = {}
    for row in IndicatorResult.objects.filter(
        indicator_id__in={link.indicator_id for link in links}
    ).values("indicator_id", "version_id", "spec_hash", "series"):
        cached[(row["indicator_id"], row["version_id"], row["spec_hash"])] = row["series"]

    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for m in Milestone.objects.filter(
        solution_id__in=ids, done_on__isnull=True, due_on__lte=next_on
    ):
        milestones[m.solution_id].append(m)
    risks: dict[int, list[Risk]] = defaultdict(list)
    for r in (
        Risk.objects.filter(solution_id__in=ids).exclude(status="closed").select_related("owner")
    ):
        risks[r.solution_id].append(r)
    plans = list(visible_evaluations(audience).filter(solution_id__in=ids).order_by("pk"))
    newest: dict[int, Any] = {}
    for result in (
        visible_results(audience)
        .filter(plan_id__in=[p.pk for p in plans])
        .order_by("plan_id", "-created_at", "-pk")
        .only("pk", "plan_id", "state", "strength", "finished_at", "created_at")
    ):
        newest.setdefault(result.plan_id, result)
    evaluations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for plan in plans:
        latest = newest.get(plan.pk)
        evaluations[plan.solution_id].append(
            {
                "id": plan.pk,
                "title": plan.title,
                "design": plan.design,
                "locked": plan.is_locked,
                "analysis_date": plan.analysis_date.isoformat() if plan.analysis_date else None,
                "state": latest.state if latest is not None else "none",
                "strength": latest.strength if latest is not None else "",
            }
        )
    applications = visible_applications(audience).filter(solution_id__in=ids)
    horizon = today + dt.timedelta(days=FUNDING_HORIZON_DAYS)
    funding: list[dict[str, Any]] = []
    funding_by_solution: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for deadline in upcoming_deadlines(applications, since=today, limit=200):
        if deadline.on > horizon or deadline.application is None:
            continue
        entry = {
            "on": deadline.on.isoformat(),
            "kind": deadline.kind,
            "title": deadline.title,
            "solution": deadline.application.solution_id,
        }
        funding.append(entry)
        funding_by_solution[deadline.application.solution_id or 0].append(entry)

    carried = carried_items(review, before)
    by_solution: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for item in carried["actions"] + carried["decisions"]:
        by_solution[item["solution"]].append(item)
    decisions_due = [
        item
        for item in carried["actions"] + carried["decisions"]
        if item["done_on"] is None and item["due_on"] and item["due_on"] <= next_on.isoformat()
    ]

    # Every status at once, as the audience reads them (a reason never names an indicator
    # one of the review's readers may not see).
    statuses = statuses_of(solutions, audience, today)
    entries = []
    for solution in solutions:
        if solution.end_date is not None and solution.end_date <= next_on:
            decisions_due.append(
                {
                    "kind": "end",
                    "text": solution.title,
                    "solution": solution.pk,
                    "solution_title": solution.title,
                    "due_on": solution.end_date.isoformat(),
                    "owner": _person(solution.owner),
                    "done_on": None,
                }
            )
        status = statuses[solution.pk]
        entries.append(
            {
                "id": solution.pk,
                "title": solution.title,
                "city": solution.city.name,
                "team": solution.team.name if solution.team is not None else "",
                "stage": solution.stage,
                "owner": _person(solution.owner),
                "status": {
                    "status": status.status,
                    "label": status.label,
                    "proposed": status.proposed,
                    "reason": status.reason,
                    "overridden": status.overridden,
                    "narrative": status.narrative,
                },
                "indicators": [
                    _indicator(link, cached, previous_signals) for link in targets[solution.pk]
                ],
                "milestones_slipping": [
                    _milestone(m, today) for m in milestones[solution.pk] if m.due_on < today
                ],
                "milestones_due": [
                    _milestone(m, today) for m in milestones[solution.pk] if m.due_on >= today
                ],
                "risks": [
                    {
                        "title": r.title,
                        "likelihood": r.likelihood,
                        "impact": r.impact,
                        "severity": r.severity,
                        "band": rules.severity_band(r.severity),
                        "status": r.status,
                        "owner": _person(r.owner),
                    }
                    for r in risks[solution.pk]
                ],
                "evaluations": evaluations[solution.pk],
                "funding": funding_by_solution[solution.pk],
                "carried": by_solution[solution.pk],
            }
        )
    review_info = {
        "id": review.pk,
        "title": review.title,
        "scope": review.scope,
        "scope_label": _scope_label(review),
        "cadence": review.cadence,
    }
    return rules.assemble(
        review=review_info,
        prepared_at=now,
        since=since,
        next_meeting_on=next_on,
        solutions=entries,
        carried=carried,
        decisions_due=decisions_due,
        funding_deadlines=funding,
        truncated=truncated,
    )


def _milestone(m: Milestone, today: dt.date) -> dict[str, Any]:
    return {"title": m.title, "due_on": m.due_on.isoformat(), "days_late": (today - m.due_on).days}


def _signals_of(pack: dict[str, Any]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for solution in pack.get("solutions", []):
        for indicator in solution.get("indicators", []):
            found[indicator.get("id", 0)].update(
                s.get("key", "") for s in indicator.get("signals", [])
            )
    return found


def _indicator(
    link: SolutionIndicator,
    cached: dict[tuple[int, int | None, str], dict[str, Any]],
    previous: dict[int, set[str]] | None,
) -> dict[str, Any]:
    indicator = link.indicator
    version = indicator.dataset.current_version_id
    series = cached.get((indicator.pk, version, _spec_hash(indicator.spec)))
    if series is None:
        series = indicator_services.results(indicator)
    overall = series.get("overall", [])
    try:
        spec = parse_spec(indicator.spec)
        lower = spec.polarity == "lower_is_better"
        period = spec.time.period if spec.time else None
    except Exception:  # an unreadable spec: shown with its error, never a failed pack
        lower, period = False, None
    target = link.target_value if link.target_value is not None else indicator.target_value
    target_date = link.target_date or indicator.target_date
    baseline = indicator_services.baseline_of(
        overall, indicator.baseline_start, indicator.baseline_end
    )
    return rules.indicator_entry(
        indicator_id=indicator.pk,
        name=indicator.name,
        overall=overall,
        baseline=baseline,
        target=target,
        target_date=target_date,
        lower_is_better=lower,
        period=period,
        previous_signals=previous.get(indicator.pk, set()) if previous is not None else None,
        error=series.get("error"),
    )


def meetings_of(review: Review) -> QuerySet[ReviewMeeting]:
    return ReviewMeeting.objects.filter(review=review).select_related("held_by").defer("pack")


def pdfs_of(user: Any, review: Review) -> QuerySet[PackPdf]:
    """The PDFs of a review the caller reads (the review was read through ``visible_reviews``)."""
    return PackPdf.objects.filter(review=review).defer("content")


def items_of_solution(user: Any, solution: Solution) -> dict[str, list[Any]]:
    """The open actions and recent decisions about ``solution`` in the reviews ``user`` reads
    (the solution itself was read through a scoped query)."""
    reviews = visible_reviews(user).values("pk")
    related = ("meeting", "meeting__review", "owner")
    actions = ReviewAction.objects.filter(
        solution=solution, meeting__review__in=reviews, done_on__isnull=True
    ).select_related(*related)[:20]
    decisions = (
        ReviewDecision.objects.filter(solution=solution, meeting__review__in=reviews)
        .select_related(*related)
        .order_by("-meeting__held_on", "-pk")[:10]
    )
    return {"actions": list(actions), "decisions": list(decisions)}
