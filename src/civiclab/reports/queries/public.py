"""Public results: what a resident may read without logging in, and its data version.

Every read here is made as the anonymous reader (``ANONYMOUS``) through the owning apps'
scoped queries, so only PUBLIC objects are ever fetched: a public solution's city-only
indicator, its network-only evaluation or award are not shown, nor counted. A city has a
results page when it is public itself and has at least one public solution.

``data_version`` is the cheap key of everything a page shows (a handful of aggregate
queries): the ETag, the Last-Modified date and the key the rendered page and the results
brief are cached under — any change to the data changes it, so caches never need clearing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab import __version__
from civiclab.core.permissions import Visibility
from civiclab.datasets.freshness import freshness
from civiclab.datasets.queries import visible_datasets
from civiclab.evaluation.models import EvaluationResult
from civiclab.evaluation.queries import solution_results
from civiclab.evaluation.templatetags.evaluation_text import render_message
from civiclab.exchange.case_chart import run_chart_svg
from civiclab.exchange.queries.cases import cases_of_solution
from civiclab.funding.queries.pipeline import Total, leveraged
from civiclab.indicators.engine.runchart import point_signals
from civiclab.indicators.engine.spec import parse_spec
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City
from civiclab.portfolio.models import Solution, SolutionIndicator, Update
from civiclab.portfolio.queries import visible
from civiclab.reports.models import PublicUpdate
from civiclab.reports.queries.status import SolutionStatus, status_of, statuses_of

ANONYMOUS = AnonymousUser()
LANGUAGES = ("en", "fr")
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


# -- what is public ------------------------------------------------------------------------
def public_solutions(city: City | None = None) -> QuerySet[Solution]:
    """The solutions anyone may read (of ``city``), newest change first."""
    solutions = visible(Solution, ANONYMOUS).filter(visibility=Visibility.PUBLIC)
    if city is not None:
        solutions = solutions.filter(city=city)
    return solutions.select_related("city", "challenge").order_by("-updated_at", "-pk")


def public_cities() -> QuerySet[City]:
    """Public cities with at least one public solution (the index of results pages)."""
    return City.objects.filter(
        visibility=Visibility.PUBLIC, pk__in=public_solutions().values("city_id")
    ).order_by("name")


def public_city(slug: str) -> City | None:
    return public_cities().filter(slug=slug).first()


def public_solution(city: City, solution_id: int) -> Solution | None:
    return public_solutions(city).filter(pk=solution_id).first()


def public_targets(solutions: Any) -> QuerySet[SolutionIndicator]:
    """The indicator targets of ``solutions`` whose indicator (and its dataset) is public."""
    indicators = visible_indicators(ANONYMOUS).filter(visibility=Visibility.PUBLIC)
    return (
        SolutionIndicator.objects.filter(solution__in=solutions, indicator__in=indicators)
        .select_related(
            "indicator",
            "indicator__dataset",
            "indicator__dataset__current_version",
            "indicator__city",
        )
        .order_by("solution_id", "pk")
    )


def public_results(solution: Solution) -> list[EvaluationResult]:
    """The solution's finished evaluation results anyone may read, whose outcome indicator
    (if any) and outcome dataset (if any) are public too."""
    indicators = set(visible_indicators(ANONYMOUS).values_list("pk", flat=True))
    datasets = set(visible_datasets(ANONYMOUS).values_list("pk", flat=True))
    shown = []
    for result in solution_results(ANONYMOUS, solution):
        plan = result.plan
        if plan.visibility != Visibility.PUBLIC:
            continue
        if plan.outcome_indicator_id is not None and plan.outcome_indicator_id not in indicators:
            continue
        if plan.outcome_dataset_id is not None and plan.outcome_dataset_id not in datasets:
            continue
        shown.append(result)
    return shown


def public_updates(city: City) -> QuerySet[PublicUpdate]:
    return (
        PublicUpdate.objects.filter(update__solution__in=public_solutions(city))
        .select_related("update", "update__solution")
        .order_by("-update__at", "-pk")
    )


def status_changes(city: City) -> QuerySet[Update]:
    """Updates that changed a public solution's status (only the status is public)."""
    return (
        Update.objects.filter(solution__in=public_solutions(city))
        .exclude(status="")
        .select_related("solution")
        .order_by("-at", "-pk")
    )


# -- the data version ----------------------------------------------------------------------
@dataclass(frozen=True)
class DataVersion:
    """``key``: a short hash of everything shown (the ETag); ``modified``: the newest change."""

    key: str
    modified: dt.datetime

    @property
    def etag(self) -> str:
        return f'"{self.key}"'


def _newest(*moments: dt.datetime | None) -> dt.datetime:
    present = [m for m in moments if m is not None]
    return max(present) if present else EPOCH


def data_version(city: City, solution: Solution | None = None, language: str = "") -> DataVersion:
    """The version of a city's (or one solution's) public results in three queries: the public
    solutions, their public indicators' datasets' versions, and one statement of scalar
    subqueries for the newest result, award, case, update and public mark (raw SQL: the
    ORM would spend longer building it than the database spends answering)."""
    solutions = public_solutions(city)
    if solution is not None:
        solutions = solutions.filter(pk=solution.pk)
    rows = list(solutions.order_by("pk").values_list("pk", "updated_at"))
    ids = [pk for pk, _at in rows]
    targets = list(
        public_targets(ids)
        .order_by("pk")
        .values_list(
            "pk",
            "indicator__updated_at",
            "indicator__dataset__current_version_id",
            "indicator__dataset__current_version__created_at",
            "indicator__dataset__update_frequency",
        )
    )
    # Freshness changes with the clock, not the data: its state is part of the version.
    now = timezone.now()
    states = [freshness(t[3], t[4] or "", now).state for t in targets]
    facts: list[dt.datetime | None] = [at for _pk, at in rows]
    facts += [t[1] for t in targets] + [t[3] for t in targets]
    facts += _newest_of(city, ids)
    raw = "|".join(
        [__version__, language, str(city.pk), city.name, city.default_language, str(ids)]
        + [str(targets), str(states)]
        + [m.isoformat() if m else "-" for m in facts]
    )
    key = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return DataVersion(key=key, modified=_newest(*facts))


def _newest_of(city: City, ids: list[int]) -> list[dt.datetime | None]:
    """The newest public evaluation result, public award of the city, public case, update and
    public mark of the solutions ``ids`` (already known to be public)."""
    from civiclab.evaluation.models import EvaluationPlan
    from civiclab.exchange.models import CaseStudy
    from civiclab.funding.models import Application

    marks = ", ".join(["%s"] * len(ids)) or "NULL"
    table = {
        m: connection.ops.quote_name(m._meta.db_table)
        for m in (EvaluationResult, EvaluationPlan, Application, CaseStudy, Update, PublicUpdate)
    }
    sql = f"""SELECT
      (SELECT MAX(r.finished_at) FROM {table[EvaluationResult]} r
         JOIN {table[EvaluationPlan]} p ON p.id = r.plan_id
        WHERE p.solution_id IN ({marks}) AND p.visibility = %s),
      (SELECT MAX(a.updated_at) FROM {table[Application]} a
        WHERE a.city_id = %s AND a.visibility = %s),
      (SELECT MAX(c.updated_at) FROM {table[CaseStudy]} c
        WHERE c.solution_id IN ({marks}) AND c.visibility = %s),
      (SELECT MAX(u.at) FROM {table[Update]} u WHERE u.solution_id IN ({marks})),
      (SELECT MAX(m.at) FROM {table[PublicUpdate]} m
         JOIN {table[Update]} u ON u.id = m.update_id WHERE u.solution_id IN ({marks}))"""
    public = str(Visibility.PUBLIC)
    params: list[int | str] = [*ids, public, city.pk, public, *ids, public, *ids, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return [_aware(value) for value in row]


def _aware(value: Any) -> dt.datetime | None:
    """A raw SQL timestamp as an aware datetime (SQLite returns text, PostgreSQL datetimes)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value  # type: ignore[no-any-return]


# -- what a page shows ---------------------------------------------------------------------
@dataclass
class IndicatorView:
    name: str
    slug: str
    unit: str
    lower_is_better: bool
    rows: list[dict[str, Any]]  # period, value, n
    svg: str
    target: float | None
    target_date: dt.date | None
    baseline: float | None
    latest: float | None
    progress_percent: float | None
    direction: str | None
    equity: list[dict[str, Any]]
    equity_widening: bool
    freshness: str  # fresh | due | overdue | none
    updated: dt.datetime | None
    error: str = ""
    table_rows: list[dict[str, Any]] = field(default_factory=list)  # the table beside the chart

    def __post_init__(self) -> None:
        if not self.table_rows:
            self.table_rows = self.rows


@dataclass
class SolutionView:
    solution: Solution
    status: SolutionStatus
    indicators: list[IndicatorView]
    results: list[dict[str, Any]]  # {title, sentences: [str], strength}
    funding: list[Total]
    lessons: str
    case_url: str
    updated: dt.datetime
    stale: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _freshness_of(dataset: Any) -> str:
    try:  # another part of issue 15 adds a query for it; until then the pure rule
        from civiclab.datasets.queries import freshness_of  # type: ignore[attr-defined]

        return str(freshness_of(dataset).state)
    except ImportError:
        version = dataset.current_version
        last = version.created_at if version is not None else None
        return freshness(last, dataset.update_frequency or "", timezone.now()).state


def _chart_svg(
    name: str, rows: list[dict[str, Any]], median: Any, target: Any, signals: Any
) -> str:
    title = _("%(name)s over time") % {"name": name}
    svg = run_chart_svg(
        [r["value"] for r in rows],
        labels=[r["period"] or "" for r in rows],
        median=median,
        target=target,
        signals=signals,
        title=title,
    )
    if not svg:
        return ""
    first = next((r for r in rows if r["value"] is not None), None)
    last = next((r for r in reversed(rows) if r["value"] is not None), None)
    desc = _("From %(first)s in %(start)s to %(last)s in %(end)s.") % {
        "first": _fmt(first["value"]) if first else "—",
        "start": first["period"] if first else "—",
        "last": _fmt(last["value"]) if last else "—",
        "end": last["period"] if last else "—",
    }
    if target is not None:
        desc += " " + _("The dotted line is the target, %(target)s.") % {"target": _fmt(target)}
    from html import escape

    return svg.replace("</title>", f"</title><desc>{escape(desc)}</desc>", 1)


def _fmt(value: Any) -> str:
    from civiclab.evaluation.templatetags.evaluation_text import number

    return number(value)


def indicator_view(target: SolutionIndicator) -> IndicatorView:
    from civiclab.indicators.services import report

    indicator = target.indicator
    found = report(indicator)
    spec = parse_spec(indicator.spec)
    overall = found["series"]["overall"]
    rows = [{"period": p["period"], "value": p["value"], "n": p["n"]} for p in overall]
    goal_value = target.target_value if target.target_value is not None else indicator.target_value
    chart = found["run_chart"]
    signals = sorted({i for s in point_signals(chart.signals) for i in s.points})
    equity = []
    widening = False
    if found["equity"] is not None:
        widening = found["equity"].widening_while_improving
        for gap in found["equity"].gaps:
            if gap.difference is None:
                continue
            equity.append(
                {
                    "period": gap.period, "best_group": gap.best_group, "best": gap.best,
                    "worst_group": gap.worst_group, "worst": gap.worst, "gap": gap.difference,
                }
            )  # fmt: skip
    goal = found["goal"]
    version = indicator.dataset.current_version
    return IndicatorView(
        name=indicator.name,
        slug=indicator.slug,
        unit=getattr(spec, "unit", None) or "",
        lower_is_better=spec.polarity == "lower_is_better",
        rows=rows,
        svg=_chart_svg(indicator.name, rows, chart.median, goal_value, signals),
        target=goal_value,
        target_date=target.target_date or indicator.target_date,
        baseline=goal.baseline,
        latest=goal.latest,
        progress_percent=goal.progress_percent,
        direction=goal.direction,
        equity=equity[-8:],
        equity_widening=widening,
        freshness=_freshness_of(indicator.dataset),
        updated=version.created_at if version is not None else None,
        error=str(found.get("error") or ""),
    )


def result_view(result: EvaluationResult) -> dict[str, Any]:
    return {
        "title": result.plan.title,
        "sentences": [render_message(m) for m in result.sentences or []],
        "strength": result.strength,
        "finished_at": result.finished_at,
    }


def solution_view(solution: Solution, language: str) -> SolutionView:
    """Everything the public solution page and the results brief show (in the active
    language: the caller activates it)."""
    targets = list(public_targets([solution.pk]).filter(solution=solution))
    indicators = [indicator_view(t) for t in targets]
    results = [result_view(r) for r in public_results(solution)]
    case = (
        cases_of_solution(ANONYMOUS, solution)
        .filter(state="published", visibility=Visibility.PUBLIC)
        .first()
    )
    lessons = ""
    if case is not None:
        other = "en" if language == "fr" else "fr"
        lessons = getattr(case, f"lessons_{language}", "") or getattr(case, f"lessons_{other}", "")
    updated = _newest(
        solution.updated_at,
        *(i.updated for i in indicators),
        *(r["finished_at"] for r in results),
        case.updated_at if case is not None else None,
    )
    return SolutionView(
        solution=solution,
        status=status_of(solution, ANONYMOUS),
        indicators=indicators,
        results=results,
        funding=leveraged(ANONYMOUS, "solution", solution),
        lessons=lessons,
        case_url="",
        updated=updated,
        stale=any(i.freshness in ("due", "overdue") for i in indicators),
    )


@dataclass
class CitySolutionRow:
    solution: Solution
    status: SolutionStatus
    key: IndicatorView | None


def city_rows(city: City) -> list[CitySolutionRow]:
    """A city's public solutions with their status and key (first public) indicator."""
    solutions = list(public_solutions(city)[:200])
    first: dict[int, SolutionIndicator] = {}
    for target in public_targets([s.pk for s in solutions]):
        first.setdefault(target.solution_id, target)
    # As a visitor reads them: a reason never names an indicator that is not public.
    statuses = statuses_of(solutions, ANONYMOUS)
    return [
        CitySolutionRow(
            solution=s,
            status=statuses[s.pk],
            key=indicator_view(first[s.pk]) if s.pk in first else None,
        )
        for s in solutions
    ]


def city_funding(city: City) -> list[Total]:
    """Funding leveraged by the city's public awards."""
    return leveraged(ANONYMOUS, "city", city)
