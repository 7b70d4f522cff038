"""dashboard: what needs attention now in a city (or across a network admin's cities), the
portfolio at a glance, recent activity — every read scoped to the user.

A fixed number of queries however many rows: each kind of item is one query over all the
cities asked for (then grouped in Python), never one per row. Indicator readings and
solution statuses come from ``queries.status`` (cached per data version); the boundary
outline is cached per dataset version.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civiclab.core.scoping import actor_for
from civiclab.datasets.freshness import freshness
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City
from civiclab.network.queries import visible_cities
from civiclab.portfolio.models import (
    PHASES,
    SOLUTION_STAGES,
    Challenge,
    Decision,
    Milestone,
    Risk,
    Solution,
    Update,
)
from civiclab.portfolio.queries import visible
from civiclab.reports.queries.status import SolutionStatus, reading_key, readings, statuses_of
from civiclab.reports.rules.sparkline import sparkline_svg

DUE_DAYS = 14  # milestones due and decisions due within this many days
FUNDING_DAYS = 30  # funding deadlines within this many days
HIGH_SEVERITY = 9  # an open risk of likelihood × impact at least this needs attention
ROW_LIMIT = 500  # at most this many rows of one kind are read
SHOWN = 8  # items of one kind shown on a city's dashboard
ACTIVE_STAGES = ("prepare", "deliver", "sustain")

# The kinds of attention item, in the order the page shows them.
KINDS = (
    "indicator_off_track",
    "indicator_signal",
    "milestone_slipping",
    "milestone_due",
    "risk",
    "decision_due",
    "funding_deadline",
    "stale_data",
)


@dataclass
class Item:
    kind: str
    city_id: int
    title: str
    url: str
    detail: str = ""
    on: dt.date | None = None
    severity: int = 0
    sparkline: SafeString = field(default_factory=lambda: mark_safe(""))


def kind_labels() -> dict[str, str]:
    return {
        "indicator_off_track": _("Indicators off track"),
        "indicator_signal": _("Indicators with a new signal"),
        "milestone_slipping": _("Milestones slipping"),
        "milestone_due": _("Milestones due in the next 14 days"),
        "risk": _("Open risks, highest first"),
        "decision_due": _("Decisions due"),
        "funding_deadline": _("Funding deadlines"),
        "stale_data": _("Stale data"),
    }


def dashboard_cities(user: Any) -> tuple[list[City], bool]:
    """The cities ``user``'s dashboard covers and whether it is a network view: a network
    admin's cities across their networks, or the cities where the user is a member."""
    actor = actor_for(user)
    networks = actor.network_admin_of()
    ids = {g.city_id for g in actor.grants if g.city_id is not None}
    cities = visible_cities(user).select_related("network")
    if networks:
        mine = cities.filter(Q(network_id__in=networks) | Q(pk__in=ids))
        return list(mine.order_by("name")), True
    return list(cities.filter(pk__in=ids).order_by("name")), False


def _indicator_items(user: Any, cities: dict[int, City], today: dt.date) -> list[Item]:
    indicators = list(
        visible_indicators(user)
        .filter(city_id__in=cities)
        .select_related("dataset")
        .order_by("name")[:ROW_LIMIT]
    )
    read = readings(((i, i.target_value, i.target_date) for i in indicators), today)
    items = []
    signal_words = {
        "shift": _("shift"),
        "trend": _("trend"),
        "astronomical": _("point beyond the limits"),
    }
    for indicator in indicators:
        reading = read[reading_key(indicator, indicator.target_value, indicator.target_date, today)]
        city = cities[indicator.city_id]
        url = reverse("indicators:indicator", args=(city.slug, indicator.slug))
        spark = mark_safe(sparkline_svg(reading.values[-24:], indicator.name))
        if reading.goal_status == "off_track":
            items.append(
                Item(
                    "indicator_off_track",
                    city.pk,
                    indicator.name,
                    url,
                    _("projected to miss its target"),
                    severity=2,
                    sparkline=spark,
                )
            )
        if reading.new_signal:
            detail = signal_words.get(reading.new_signal, reading.new_signal)
            if reading.worse:
                detail = _("%(signal)s, for the worse") % {"signal": detail}
            items.append(
                Item(
                    "indicator_signal",
                    city.pk,
                    indicator.name,
                    url,
                    str(detail),
                    severity=2 if reading.worse else 1,
                    sparkline=spark,
                )
            )
    return items


def _milestone_items(user: Any, cities: dict[int, City], today: dt.date) -> list[Item]:
    rows = (
        visible(Milestone, user)
        .filter(solution__city_id__in=cities, done_on__isnull=True)
        .filter(due_on__lte=today + dt.timedelta(days=DUE_DAYS))
        .exclude(solution__stage="stopped")
        .select_related("solution")
        .order_by("due_on", "pk")[:ROW_LIMIT]
    )
    items = []
    for m in rows:
        url = reverse("portfolio:solution", args=(m.solution_id,))
        if m.due_on < today:
            days = (today - m.due_on).days
            detail = ngettext(
                "%(solution)s · %(days)s day late", "%(solution)s · %(days)s days late", days
            ) % {"solution": m.solution, "days": days}
            items.append(
                Item("milestone_slipping", m.solution.city_id, m.title, url, detail, m.due_on, days)
            )
        else:
            items.append(
                Item("milestone_due", m.solution.city_id, m.title, url, str(m.solution), m.due_on)
            )
    return items


def _risk_items(user: Any, cities: dict[int, City]) -> list[Item]:
    rows = (
        visible(Risk, user)
        .filter(solution__city_id__in=cities, status__in=("open", "mitigating"))
        .exclude(solution__stage="stopped")
        .annotate(sev=F("likelihood") * F("impact"))
        .select_related("solution")
        .order_by("-sev", "pk")[:ROW_LIMIT]
    )
    return [
        Item(
            "risk",
            r.solution.city_id,
            r.title,
            reverse("portfolio:solution", args=(r.solution_id,)),
            _("%(solution)s · severity %(severity)s") % {"solution": r.solution, "severity": r.sev},
            severity=r.sev,
        )
        for r in rows
    ]


def _decision_items(user: Any, cities: dict[int, City], today: dt.date) -> list[Item]:
    """Solutions whose stage ends within DUE_DAYS (or has ended) with no gate decision taken
    since DUE_DAYS before that end: the next stage-gate decision is due."""
    recent = Decision.objects.filter(
        solution=OuterRef("pk"), decided_on__gte=OuterRef("end_date") - dt.timedelta(days=DUE_DAYS)
    )
    rows = (
        visible(Solution, user)
        .filter(city_id__in=cities, stage__in=ACTIVE_STAGES, end_date__isnull=False)
        .filter(end_date__lte=today + dt.timedelta(days=DUE_DAYS))
        .annotate(decided=Exists(recent))
        .filter(decided=False)
        .order_by("end_date", "pk")[:ROW_LIMIT]
    )
    return [
        Item(
            "decision_due",
            s.city_id,
            s.title,
            reverse("portfolio:solution", args=(s.pk,)),
            _("%(stage)s ends %(date)s") % {"stage": s.get_stage_display(), "date": s.end_date},
            s.end_date,
        )
        for s in rows
    ]


def _funding_items(user: Any, cities: dict[int, City], today: dt.date) -> list[Item]:
    from civiclab.funding.queries.pipeline import upcoming_deadlines, visible_applications

    applications = (
        visible_applications(user)
        .filter(city_id__in=cities)
        .filter(deadline__lte=today + dt.timedelta(days=FUNDING_DAYS))
        .select_related("opportunity")
    )
    return [
        Item(
            "funding_deadline",
            d.application.city_id,
            d.title,
            reverse("funding:application", args=(d.application.pk,)),
            str(d.on),
            d.on,
        )
        for d in upcoming_deadlines(applications, since=today, limit=ROW_LIMIT)
        if d.application is not None and d.on <= today + dt.timedelta(days=FUNDING_DAYS)
    ]


def _stale_items(user: Any, cities: dict[int, City], now: dt.datetime) -> list[Item]:
    datasets = (
        visible_datasets(user)
        .filter(city_id__in=cities)
        .exclude(update_frequency__in=("", "once"))
        .select_related("current_version")
        .order_by("name")[:ROW_LIMIT]
    )
    items = []
    words = {"due": _("update due"), "overdue": _("update overdue")}
    for d in datasets:
        last = d.current_version.created_at if d.current_version else None
        state = freshness(last, d.update_frequency, now)
        if state.is_stale:
            city = cities[d.city_id]
            url = reverse("datasets:dataset", args=(city.slug, d.slug))
            items.append(
                Item(
                    "stale_data",
                    d.city_id,
                    d.name,
                    url,
                    str(words[state.state]),
                    severity=2 if state.state == "overdue" else 1,
                )
            )
    return items


def attention(user: Any, cities: list[City], today: dt.date | None = None) -> list[Item]:
    """Everything that needs attention now in ``cities``, as ``user`` may see it."""
    now = timezone.now()
    today = today or timezone.localdate()
    by_pk = {c.pk: c for c in cities}
    if not by_pk:
        return []
    return [
        *_indicator_items(user, by_pk, today),
        *_milestone_items(user, by_pk, today),
        *_risk_items(user, by_pk),
        *_decision_items(user, by_pk, today),
        *_funding_items(user, by_pk, today),
        *_stale_items(user, by_pk, now),
    ]


def needs_attention(item: Item) -> bool:
    """Whether an item counts in the attention totals (a low open risk is listed, not counted)."""
    return item.kind != "risk" or item.severity >= HIGH_SEVERITY


@dataclass
class Glance:
    """The portfolio at a glance: (key, label, count, url) per phase and per stage."""

    phases: list[tuple[str, str, int, str]]
    stages: list[tuple[str, str, int, str]]


def glance(user: Any, city: City) -> Glance:
    phases = Counter(
        dict(
            visible(Challenge, user)
            .filter(city=city)
            .values_list("phase")
            .annotate(n=Count("pk"))
            .values_list("phase", "n")
        )
    )
    stages = Counter(
        dict(
            visible(Solution, user)
            .filter(city=city)
            .values_list("stage")
            .annotate(n=Count("pk"))
            .values_list("stage", "n")
        )
    )
    table = reverse("portfolio:table")
    return Glance(
        [(k, str(v), phases[k], f"{table}?city={city.slug}&phase={k}") for k, v in PHASES],
        [(k, str(v), stages[k], f"{table}?city={city.slug}&stage={k}") for k, v in SOLUTION_STAGES],
    )


def active_solutions(user: Any, cities: list[City]) -> QuerySet[Solution]:
    return (
        visible(Solution, user)
        .filter(city__in=cities, stage__in=ACTIVE_STAGES)
        .order_by("title", "pk")
    )


def solution_statuses(
    user: Any, cities: list[City], today: dt.date | None = None
) -> list[tuple[Solution, SolutionStatus]]:
    solutions = list(active_solutions(user, cities)[:ROW_LIMIT])
    statuses = statuses_of(solutions, user, today)
    return [(s, statuses[s.pk]) for s in solutions]


def activity(user: Any, city: City) -> list[tuple[dt.datetime, str, str, str]]:
    """Recent activity: (when, who, what, url) of the latest updates and audit events."""
    from civiclab.audit.queries import visible_events

    found = []
    for u in (
        visible(Update, user).filter(solution__city=city).select_related("solution", "by")[:SHOWN]
    ):
        found.append(
            (
                u.at,
                str(u.by or ""),
                f"{u.solution}: {u.body[:140]}",
                reverse("portfolio:solution", args=(u.solution_id,)),
            )
        )
    for e in visible_events(user).filter(city=city).order_by("-at", "-pk")[:SHOWN]:
        found.append((e.at, e.actor_label, f"{e.action} · {e.object_repr}", ""))
    found.sort(key=lambda row: row[0], reverse=True)
    return found[:SHOWN]


@dataclass
class CityRow:
    """One city on the network admin's dashboard."""

    city: City
    counts: dict[str, int]
    total: int
    statuses: dict[str, int]
    cohorts: list[str]


def network_rows(user: Any, cities: list[City], today: dt.date | None = None) -> list[CityRow]:
    """Per city: attention counts by kind, status chips' counts, cohorts."""
    items = attention(user, cities, today)
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for item in items:
        if needs_attention(item):
            counts[item.city_id][item.kind] += 1
    statuses: dict[int, Counter[str]] = defaultdict(Counter)
    for solution, status in solution_statuses(user, cities, today):
        statuses[solution.city_id][status.status] += 1
    cohorts: dict[int, list[str]] = defaultdict(list)
    through = City.cohorts.through
    for city_id, name in through.objects.filter(city_id__in=[c.pk for c in cities]).values_list(
        "city_id", "cohort__name"
    ):
        cohorts[city_id].append(name)
    return [
        CityRow(
            c,
            dict(counts[c.pk]),
            sum(counts[c.pk].values()),
            dict(statuses[c.pk]),
            sorted(cohorts[c.pk]),
        )
        for c in cities
    ]


OUTLINE_SECONDS = 7 * 24 * 3600
OUTLINE_POINTS = 400  # simplified to about 1/400 of the boundary's extent
OUTLINE_SHAPES = 500  # at most this many areas drawn


def outline(user: Any, city: City) -> SafeString:
    """The city's first boundary layer ``user`` may see, its areas drawn as an inline SVG
    outline ('' when there is none), cached per boundary dataset version."""
    from django.core.cache import cache

    from civiclab.geo.queries import boundaries_of

    found = boundaries_of(city, user)
    if not found or found[0].dataset.current_version_id is None:
        return mark_safe("")
    boundary = found[0]
    key = f"reports:outline:{boundary.pk}:{boundary.dataset.current_version_id}:{city.pk}"
    svg = cache.get(key)
    if svg is None:
        svg = _outline_svg(boundary, str(_("Outline of %(city)s") % {"city": city.name}))
        cache.set(key, svg, OUTLINE_SECONDS)
    return mark_safe(svg)


def _outline_svg(boundary: Any, label: str) -> str:
    import shapely

    from civiclab.datasets.engine import QueryError
    from civiclab.datasets.ingest.columns import quote_ident
    from civiclab.datasets.queries import column_types, version_query
    from civiclab.geo.spatial.coordinates import typed_location
    from civiclab.reports.rules.outline import outline_svg

    version = boundary.dataset.current_version
    located = typed_location(column_types(version))
    if located is None or located.kind != "geometry":
        return ""
    try:
        with version_query(version, boundary.dataset.slug) as query:
            table = query.execute_arrow(
                f"SELECT {quote_ident(located.columns[0])} AS g "
                f"FROM {quote_ident(boundary.dataset.slug)}",
                [],
            )
    except QueryError:
        return ""
    shapes = shapely.from_wkb(table.column("g").to_numpy(zero_copy_only=False), on_invalid="ignore")
    shapes = shapes[~shapely.is_missing(shapes)]
    if not len(shapes):
        return ""
    shapes = shapes[:OUTLINE_SHAPES]
    west, south, east, north = shapely.total_bounds(shapes)
    tolerance = max(east - west, north - south) / OUTLINE_POINTS
    rings = []
    for shape in shapely.simplify(shapes, tolerance, preserve_topology=True):
        for polygon in getattr(shape, "geoms", [shape]):
            if polygon.geom_type == "Polygon" and not polygon.is_empty:
                rings.append([(x, y) for x, y, *_rest in polygon.exterior.coords])
    return outline_svg(rings, label)


# --- the data version the rendered dashboard is cached under ---------------------------------

VERSION_KEY = "reports:dashboard:data-version"
# Apps whose rows a dashboard reads: any write to one of their models is a new data version.
WATCHED_APPS = frozenset(
    {"portfolio", "indicators", "datasets", "funding", "geo", "network", "reports", "audit"}
)
PAGE_SECONDS = 60  # a safety net: a write another process made shows within a minute


def data_version() -> str:
    """An opaque token that changes whenever data a dashboard reads changes (in this process,
    and in any process sharing the cache)."""
    import uuid

    from django.core.cache import cache

    token = cache.get(VERSION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.add(VERSION_KEY, token, None)
        token = cache.get(VERSION_KEY, token)
    return str(token)


def bump_data_version(sender: Any = None, **_kwargs: Any) -> None:
    """Receiver of post_save / post_delete / m2m_changed: a watched app's row changed."""
    import uuid

    from django.core.cache import cache

    label = getattr(getattr(sender, "_meta", None), "app_label", None)
    if sender is None or label in WATCHED_APPS:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)


@dataclass
class CohortRow:
    """One cohort on the network admin's dashboard: the sums of its cities' rows."""

    name: str
    cities: int
    total: int
    statuses: dict[str, int]


def cohort_rows(rows: list[CityRow]) -> list[CohortRow]:
    """The cities' rows summed per cohort (a city in two cohorts counts in both), by name."""
    found: dict[str, CohortRow] = {}
    for row in rows:
        for name in row.cohorts:
            cohort = found.setdefault(name, CohortRow(name, 0, 0, {}))
            cohort.cities += 1
            cohort.total += row.total
            for status, n in row.statuses.items():
                cohort.statuses[status] = cohort.statuses.get(status, 0) + n
    return [found[name] for name in sorted(found)]
