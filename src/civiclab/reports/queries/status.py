"""A solution's status as delivery shows it: proposed from its data, or overridden by a person.

The one interface the dashboard, the review packs and the public pages read a status through.
The proposal comes from ``reports.rules.status`` (indicators' run-chart signals and goal
projections, milestones); each indicator's reading is cached per (dataset version, spec,
baseline, target), from the indicator's cached results (never computed in a request: an
indicator whose series was not computed yet counts as no data). ``statuses_of`` reads many
solutions in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civiclab.reports.rules.status import (
    IndicatorInput,
    MilestoneInput,
    Proposal,
    Reading,
    propose,
    read_indicator,
)

CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SolutionStatus:
    """``status``: on_track | at_risk | off_track (portfolio's SOLUTION_STATUSES);
    ``proposed``: what the data say, with ``reason`` in one sentence (the reader's language);
    ``overridden``: a person set ``status`` against the proposal, with ``narrative``."""

    status: str
    label: str
    proposed: str | None = None
    reason: str = ""
    overridden: bool = False
    narrative: str = ""
    override: Any = None  # the latest StatusOverride (agreeing or not), or None


def status_label(status: str | None) -> str:
    from civiclab.portfolio.models import SOLUTION_STATUSES

    return str(dict(SOLUTION_STATUSES).get(status or "", status or ""))


def reason_text(proposal: Proposal) -> str:
    """The proposal's reason in one sentence, in the active language."""
    p = proposal.params
    code = proposal.code
    if code == "indicator_off_track":
        return _("Projected to miss its target by the target date: %(indicator)s.") % p
    if code == "milestones_slipping":
        return (
            ngettext(
                "%(count)s milestones are past due; the oldest, %(milestone)s, by %(days)s day.",
                "%(count)s milestones are past due; the oldest, %(milestone)s, by %(days)s days.",
                int(p["days"]),
            )
            % p
        )
    if code == "indicator_at_risk":
        return _("Projected to cover only part of the way to its target: %(indicator)s.") % p
    if code == "milestone_slipping":
        return (
            ngettext(
                "The milestone %(milestone)s is %(days)s day past due.",
                "The milestone %(milestone)s is %(days)s days past due.",
                int(p["days"]),
            )
            % p
        )
    if code == "signal_worse":
        if p.get("rule") == "trend":
            return _("A new trend for the worse in its latest values: %(indicator)s.") % p
        if p.get("rule") == "shift":
            return _("A new shift for the worse in its latest values: %(indicator)s.") % p
        return _("Its latest value is beyond the natural limits, for the worse: %(indicator)s.") % p
    if code == "indicators_on_track":
        return (
            ngettext(
                "Its indicator is on course for its target; no milestone is late.",
                "Its %(count)s indicators are on course for their targets; no milestone is late.",
                int(p["count"]),
            )
            % p
        )
    if code == "milestones_on_time":
        return _("No milestone is late, and no indicator has a target to judge by.")
    return _("No indicator with a target and no milestone: nothing to propose a status from.")


# --- indicators' readings, cached ------------------------------------------------------------


def _spec_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def reading_key(
    indicator: Any, target: float | None, target_date: dt.date | None, today: dt.date
) -> str:
    """The cache key of one reading: anything that changes it changes the key."""
    raw = (
        f"{indicator.pk}:{indicator.dataset.current_version_id}:{_spec_hash(indicator.spec)}:"
        f"{indicator.baseline_start}:{indicator.baseline_end}:{target}:{target_date}:{today}"
    )
    return "reports:reading:" + hashlib.sha1(raw.encode()).hexdigest()


def readings(
    wanted: Iterable[tuple[Any, float | None, dt.date | None]], today: dt.date | None = None
) -> dict[str, Reading]:
    """Readings of (indicator, target, target date) by ``reading_key``: from the cache, or
    from the indicators' cached results in one query for all the missing ones."""
    from civiclab.datasets.filters.language import SpecError
    from civiclab.indicators.engine.spec import parse_spec
    from civiclab.indicators.models import IndicatorResult
    from civiclab.indicators.services import baseline_of

    today = today or timezone.localdate()
    keyed = {reading_key(i, t, d, today): (i, t, d) for i, t, d in wanted}
    found: dict[str, Reading] = cache.get_many(list(keyed)) if keyed else {}
    missing = {k: v for k, v in keyed.items() if k not in found}
    if not missing:
        return found
    wanted_results = {
        (i.pk, i.dataset.current_version_id, _spec_hash(i.spec)) for i, _t, _d in missing.values()
    }
    series: dict[int, list[dict[str, Any]]] = {}
    for row in IndicatorResult.objects.filter(
        indicator_id__in={i.pk for i, _t, _d in missing.values()}
    ).values("indicator_id", "version_id", "spec_hash", "series"):
        if (row["indicator_id"], row["version_id"], row["spec_hash"]) in wanted_results:
            series[row["indicator_id"]] = (row["series"] or {}).get("overall") or []
    made: dict[str, Reading] = {}
    for key, (indicator, target, target_date) in missing.items():
        overall = series.get(indicator.pk, [])
        try:
            spec = parse_spec(indicator.spec)
            lower, period = (
                spec.polarity == "lower_is_better",
                spec.time.period if spec.time else None,
            )
        except (ValueError, SpecError):  # a broken spec reads as no data, never a 500
            lower, period = True, None
        made[key] = read_indicator(
            IndicatorInput(
                name=indicator.name,
                values=[p["value"] for p in overall],
                starts=[dt.date.fromisoformat(p["start"]) if p["start"] else None for p in overall],
                baseline=baseline_of(overall, indicator.baseline_start, indicator.baseline_end),
                target=target,
                target_date=target_date,
                lower_is_better=lower,
                period=period,
            )
        )
    # A reading without a computed series is not kept: the worker may compute it any moment
    # (for the same dataset version and spec, so the key would not change).
    done = {
        key: made[key] for key, (indicator, _t, _d) in missing.items() if indicator.pk in series
    }
    cache.set_many(done, CACHE_SECONDS)
    return {**found, **made}


# --- statuses --------------------------------------------------------------------------------


def statuses_of(
    solutions: Iterable[Any], user: Any = None, today: dt.date | None = None
) -> dict[int, SolutionStatus]:
    """The status of each solution (by pk), in at most five queries however many there are.
    With ``user``, an indicator they may not see is not named in a reason."""
    from civiclab.indicators.queries import visible_indicators
    from civiclab.portfolio.models import Milestone, SolutionIndicator
    from civiclab.reports.models import StatusOverride

    today = today or timezone.localdate()
    by_pk = {s.pk: s for s in solutions}
    if not by_pk:
        return {}
    targets = list(
        SolutionIndicator.objects.filter(solution_id__in=by_pk).select_related(
            "indicator", "indicator__dataset"
        )
    )
    milestones: dict[int, list[MilestoneInput]] = {pk: [] for pk in by_pk}
    for sid, title, due_on, done_on in Milestone.objects.filter(solution_id__in=by_pk).values_list(
        "solution_id", "title", "due_on", "done_on"
    ):
        milestones[sid].append(MilestoneInput(title, due_on, done_on))
    latest: dict[int, Any] = {}
    for override in StatusOverride.objects.filter(solution_id__in=by_pk).select_related("by"):
        latest.setdefault(override.solution_id, override)  # ordered newest first
    shown: set[int] | None = None
    if user is not None and targets:
        shown = set(
            visible_indicators(user)
            .filter(pk__in={t.indicator_id for t in targets})
            .values_list("pk", flat=True)
        )

    def goal(t: Any) -> tuple[float | None, dt.date | None]:
        if t.target_value is not None:
            return t.target_value, t.target_date or t.indicator.target_date
        return t.indicator.target_value, t.indicator.target_date

    read = readings(((t.indicator, *goal(t)) for t in targets), today)
    per_solution: dict[int, list[tuple[str, Reading]]] = {pk: [] for pk in by_pk}
    for t in targets:
        name = (
            t.indicator.name
            if shown is None or t.indicator_id in shown
            else _("an indicator you cannot see")
        )
        per_solution[t.solution_id].append((name, read[reading_key(t.indicator, *goal(t), today)]))
    result = {}
    for pk, solution in by_pk.items():
        proposal = propose(per_solution[pk], milestones[pk], today)
        result[pk] = _status(solution, proposal, latest.get(pk))
    return result


def _status(solution: Any, proposal: Proposal, override: Any) -> SolutionStatus:
    proposed = proposal.status
    if override is not None and not override.agrees:
        status, narrative = override.status, override.narrative
        overridden = override.status != proposed
    else:
        status = proposed or solution.status
        overridden, narrative = False, override.narrative if override is not None else ""
    return SolutionStatus(
        status=status,
        label=status_label(status),
        proposed=proposed,
        reason=reason_text(proposal),
        overridden=overridden,
        narrative=narrative,
        override=override,
    )


def status_of(solution: Any, user: Any = None) -> SolutionStatus:
    """The status of one solution the caller may already see (no visibility check here: the
    caller read ``solution`` through a scoped query). Give ``user`` (the reader; an anonymous
    one for a public page) so that a reason never names an indicator they may not see."""
    return statuses_of([solution], user)[solution.pk]
