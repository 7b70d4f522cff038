"""Fork and adapt: copy another city's shared challenge or solution into one's own city.

Every write goes through the portfolio's and the indicators' own services, so their checks
(may the person create in the city, edit the challenge, share so widely) and their audit
events apply; the fork itself is recorded as ``fork.create``. The origin must be visible to the
person now (``exchange.kinds``) and shared with the network or the public: a city's own work
is not copied out of it.

Re-pointing: an indicator definition reads columns of its dataset (``spec_columns``). For each
indicator of the origin solution the person may see, the adapting city's datasets the person
may see are searched for one holding every column with the same type (``matching_dataset``);
found, the indicator is created there through ``indicators.services.create_indicator`` (or the
city's identical indicator on it is reused) and linked to the copy; not found, the report says
which columns are missing or of another type. Indicators the person may not see are not read
and not mentioned. Targets are not copied: they were set against the origin's baseline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import Visibility
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, visible_datasets
from civiclab.exchange import kinds
from civiclab.exchange.models.forks import Fork
from civiclab.indicators import services as indicators
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City
from civiclab.portfolio import services as portfolio
from civiclab.portfolio.models import Challenge, Idea, Solution

SHARED = (Visibility.NETWORK.value, Visibility.PUBLIC.value)
# What each kind of origin may become.
AS_KINDS = {"challenge": ("challenge", "idea"), "solution": ("solution", "idea")}
# At most this many milestones and indicators are copied from one solution (documented).
MAX_MILESTONES = 100
MAX_INDICATORS = 50
# Lineage is followed at most this many generations each way (documented).
MAX_GENERATIONS = 50


@dataclass(frozen=True)
class Match:
    """The dataset an indicator definition is re-pointed to, or why none fits."""

    dataset: Dataset | None
    missing: dict[str, str]  # column → the type the definition needs, absent from the best fit
    mismatched: dict[str, list[str]]  # column → [needed type, the dataset's type]
    nearest: Dataset | None = None


def spec_columns(spec: dict[str, Any]) -> list[str]:
    """Every column an indicator spec reads, in the order it names them."""
    found: list[str] = []

    def add(name: Any) -> None:
        if isinstance(name, str) and name and name not in found:
            found.append(name)

    def filters(items: Any) -> None:
        for item in items or []:
            if isinstance(item, dict):
                add(item.get("column"))

    def measure(m: Any) -> None:
        if not isinstance(m, dict):
            return
        for key in ("column", "start", "end"):
            add(m.get(key))
        filters(m.get("where"))
        filters(m.get("numerator_filters"))
        filters(m.get("denominator_filters"))
        for key in ("numerator", "denominator", "of"):
            measure(m.get(key))

    measure(spec.get("measure"))
    time = spec.get("time")
    if isinstance(time, dict):
        add(time.get("column"))
    filters(spec.get("filters"))
    breakdown = spec.get("breakdown")
    for name in breakdown if isinstance(breakdown, list) else [breakdown]:
        add(name)
    add(spec.get("equity"))
    return found


def needed_types(dataset: Dataset, spec: dict[str, Any]) -> dict[str, str]:
    """The columns ``spec`` reads with their types in ``dataset`` (its current version)."""
    types = column_types(dataset.current_version)
    return {name: types.get(name, "") for name in spec_columns(spec)}


# Column types the indicator engine reads alike (numbers, words, dates): a column of one type
# matches a column of another in its family; the indicator service then checks the whole spec.
FAMILIES = {
    "integer": "number",
    "decimal": "number",
    "text": "words",
    "category": "words",
    "date": "time",
    "timestamp": "time",
}


def compatible(needed: str, found: str) -> bool:
    """Whether a column of type ``found`` can stand for one of type ``needed``."""
    return not needed or needed == found or FAMILIES.get(needed, needed) == FAMILIES.get(found)


def matching_dataset(by: Any, city: City, needed: dict[str, str], prefer: str = "") -> Match:
    """The city's dataset (one ``by`` may see, with data) holding every ``needed`` column with
    the same type — the one slugged ``prefer`` first, then by name; else the nearest miss."""
    candidates = Dataset.objects.filter(city=city, current_version__isnull=False)
    if by is not None:
        candidates = candidates.filter(pk__in=visible_datasets(by).values("pk"))
    best: tuple[int, Match] | None = None
    for dataset in sorted(
        candidates.select_related("current_version", "city"),
        key=lambda d: (d.slug != prefer, d.name, d.pk),
    ):
        types = column_types(dataset.current_version)
        missing = {c: t for c, t in needed.items() if c not in types}
        mismatched = {
            c: [t, types[c]]
            for c, t in needed.items()
            if c in types and not compatible(t, types[c])
        }
        if not missing and not mismatched:
            return Match(dataset, {}, {})
        score = 2 * len(missing) + len(mismatched)  # a column of another type is nearer
        if best is None or score < best[0]:
            best = (score, Match(None, missing, mismatched, nearest=dataset))
    if best is None:
        return Match(None, dict(needed), {})
    return best[1]


def _same_definition(a: dict[str, Any], b: dict[str, Any]) -> bool:
    drop = {"dataset"}
    return {k: v for k, v in a.items() if k not in drop} == {
        k: v for k, v in b.items() if k not in drop
    }


def repoint_indicator(
    by: Any, origin: Indicator, city: City, *, name: str | None = None, visibility: str = "city"
) -> tuple[Indicator | None, dict[str, Any]]:
    """Create (or reuse) ``city``'s indicator with ``origin``'s definition over a dataset of
    its own with the same columns; the report entry says what happened and why."""
    entry: dict[str, Any] = {"origin_indicator": origin.pk, "name": origin.name}
    needed = needed_types(origin.dataset, origin.spec)
    match = matching_dataset(by, city, needed, prefer=origin.dataset.slug)
    if match.dataset is None:
        entry.update(
            status="not_repointed",
            reason="no_dataset" if match.nearest is None else "columns",
            indicator=None,
            dataset=match.nearest.name if match.nearest else "",
            missing=sorted(match.missing),
            mismatched={c: t for c, t in sorted(match.mismatched.items())},
        )
        return None, entry
    dataset = match.dataset
    entry["dataset"] = dataset.name
    for existing in Indicator.objects.filter(city=city, dataset=dataset):
        if _same_definition(existing.spec, origin.spec) and (
            by is None or visible_indicators(by).filter(pk=existing.pk).exists()
        ):
            entry.update(status="reused", indicator=existing.pk)
            return existing, entry
    spec = {k: v for k, v in origin.spec.items() if k != "dataset"}
    try:
        with transaction.atomic():
            created = _create_named(by, dataset, name or origin.name, spec, visibility)
    except ValidationError as exc:
        entry.update(
            status="not_repointed",
            reason="invalid",
            indicator=None,
            message="; ".join(_messages(exc)),
        )
        return None, entry
    entry.update(status="repointed", indicator=created.pk)
    return created, entry


def _create_named(
    by: Any, dataset: Dataset, name: str, spec: dict[str, Any], visibility: str
) -> Indicator:
    """create_indicator, with "(2)", "(3)"… after a name the city already uses."""
    taken = set(Indicator.objects.filter(city=dataset.city).values_list("name", flat=True))
    candidate, n = name, 1
    while candidate in taken and n < 50:
        n += 1
        candidate = f"{name} ({n})"
    return indicators.create_indicator(
        by, dataset, candidate[:200], spec, visibility=_within(visibility, dataset.visibility)
    )


def _within(visibility: str, limit: str) -> str:
    return limit if Visibility(visibility).breadth > Visibility(limit).breadth else visibility


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
    return list(exc.messages)


def _origin(by: Any, origin_kind: str, origin_id: int) -> Challenge | Solution:
    if origin_kind not in AS_KINDS:
        raise ValidationError({"origin_kind": _("Adapt a challenge or a solution.")})
    if by is None:
        model = Challenge if origin_kind == "challenge" else Solution
        obj = model.objects.select_related("city").filter(pk=origin_id).first()
    else:
        obj = kinds.visible_object(origin_kind, by, origin_id)  # type: ignore[assignment]
    if obj is None:
        # The same answer whether it does not exist or may not be seen: a guess learns nothing.
        raise ValidationError(
            {
                "origin_id": _("No such challenge.")
                if origin_kind == "challenge"
                else _("No such solution.")
            }
        )
    assert isinstance(obj, Challenge | Solution)
    if obj.visibility not in SHARED:
        raise ValidationError(
            {"origin_id": _("Only work shared with the network (or the public) can be adapted.")}
        )
    return obj


@transaction.atomic
def fork(
    by: Any,
    origin_kind: str,
    origin_id: int,
    city: City,
    as_kind: str,
    *,
    challenge: Challenge | None = None,
    title: str = "",
    visibility: str = Visibility.CITY,
) -> Fork:
    """Copy the origin into ``city`` as ``as_kind`` (an idea or a solution under ``challenge``,
    one of the city's; or a new challenge), re-pointing its indicators; record the fork."""
    origin = _origin(by, origin_kind, origin_id)
    if as_kind not in AS_KINDS[origin_kind]:
        raise ValidationError(
            {
                "as_kind": _("A challenge can be adapted as a challenge or an idea.")
                if origin_kind == "challenge"
                else _("A solution can be adapted as a solution or an idea.")
            }
        )
    if origin.city_id == city.pk:
        raise ValidationError(
            {"city": _("This is already your city's work: adapt another city's.")}
        )
    if as_kind in ("idea", "solution"):
        if challenge is None:
            raise ValidationError({"challenge": _("Choose the challenge the copy belongs to.")})
        if challenge.city_id != city.pk:
            raise ValidationError({"challenge": _("The challenge belongs to another city.")})
    if visibility not in {v.value for v in Visibility}:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    title = (title or origin.title).strip()[:200]
    if not title:
        raise ValidationError({"title": _("Give the copy a title.")})
    report: list[dict[str, Any]] = []
    copy: Challenge | Idea | Solution
    if as_kind == "challenge":
        assert isinstance(origin, Challenge)
        copy = portfolio.create_challenge(
            by,
            city,
            title,
            visibility=visibility,
            problem_statement=origin.problem_statement,
            priority_area=origin.priority_area,
            target_population=origin.target_population,
        )
    elif as_kind == "idea":
        assert challenge is not None
        copy = portfolio.add_part(
            by,
            challenge,
            Idea,
            title=title,
            description=_idea_text(origin),
            origin="other_city",
            origin_detail=origin.city.name[:200],
        )
        if isinstance(origin, Solution):
            report = [
                {
                    "origin_indicator": i.pk,
                    "name": i.name,
                    "status": "not_copied",
                    "reason": "idea",
                    "indicator": None,
                }
                for i in _origin_indicators(by, origin)
            ]
    else:
        assert isinstance(origin, Solution) and challenge is not None
        copy = portfolio.create_solution(
            by,
            challenge,
            title,
            visibility=visibility or None,
            description=origin.description,
            goal_statement=origin.goal_statement,
        )
        _copy_milestones(by, origin, copy)
        for indicator in _origin_indicators(by, origin):
            created, entry = repoint_indicator(
                by, indicator, city, visibility=_within(visibility, copy.visibility)
            )
            if created is not None:
                portfolio.link_indicator(by, copy, created)
            report.append(entry)
    made = Fork.objects.create(
        origin_kind=origin_kind,
        origin_id=origin.pk,
        copy_kind=as_kind,
        copy_id=copy.pk,
        city=city,
        by=by if getattr(by, "is_authenticated", False) else None,
        report=report,
    )
    record(
        by,
        "fork.create",
        made,
        city=city,
        origin=f"{origin_kind}:{origin.pk}",
        copy=f"{as_kind}:{copy.pk}",
        repointed=sum(1 for e in report if e["status"] in ("repointed", "reused")),
        not_repointed=sum(1 for e in report if e["status"] not in ("repointed", "reused")),
    )
    return made


def _idea_text(origin: Challenge | Solution) -> str:
    if isinstance(origin, Solution):
        parts = [origin.description, origin.goal_statement]
    else:
        parts = [origin.problem_statement]
    return "\n\n".join(p for p in parts if p)[:10_000]


def _origin_indicators(by: Any, origin: Solution) -> list[Indicator]:
    """The origin's indicators ``by`` may see (the others are neither read nor mentioned)."""
    linked = Indicator.objects.filter(solution_targets__solution=origin)
    if by is not None:
        linked = linked.filter(pk__in=visible_indicators(by).values("pk"))
    return list(
        linked.select_related("dataset", "dataset__current_version", "dataset__city").order_by(
            "solution_targets__pk"
        )[:MAX_INDICATORS]
    )


def _copy_milestones(by: Any, origin: Solution, copy: Solution) -> None:
    """The origin's milestones, as far apart as they were, starting from today; not done."""
    milestones = list(origin.milestones.all()[:MAX_MILESTONES])
    if not milestones:
        return
    start = origin.start_date or min(m.due_on for m in milestones)
    today = timezone.localdate()
    for m in milestones:
        due = today + max(dt.timedelta(0), m.due_on - start)
        portfolio.add_milestone(by, copy, m.title, due, notes=m.notes)
