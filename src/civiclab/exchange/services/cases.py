"""Case studies: generated from a solution, edited by its team, published — every write
checked, validated and audited.

Who may do what (``core`` rules, ``CASE_POLICY``):

- **write a case** of a solution, and **edit** it: the people who may edit the solution (its
  city's members; its team's, when it has one) — never another city;
- **publish** it (share it with the network or the public), or change the visibility of a
  published case: those who may publish in its city (city admins, network admins).

What the team does not type is copied from the apps that own it (``derived``): the
challenge's evidence, the indicators' series and goals **frozen** at publication, the
evaluation's finished result and its evidence strength, the funding leveraged, the cost, the
milestones, the facets. Only what is already shared beyond the city is copied — evidence and
indicators narrower than the case's visibility are left out and listed in ``withheld`` — and
each is read as the writer may see it (``portfolio.queries.with_sources_shown`` for a finding's
number). Generating and publishing refresh them; afterwards a published case keeps them as
they were, whatever the data does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.errors import DomainError
from civiclab.core.permissions import DEFAULT_POLICY, Action, Target, Visibility
from civiclab.core.services import apply_changes, check
from civiclab.exchange import library_search
from civiclab.exchange.models import CaseStudy
from civiclab.exchange.models.cases import (
    BILINGUAL_FIELDS,
    CASE_TEXT_LIMIT,
    CONTACTS_LIMIT,
    FUNDING_NONE,
    STRENGTH_NONE,
    TITLE_LIMIT,
)
from civiclab.portfolio.models import Evidence, Solution, scope

# ``by=None`` is the command line, run by the operator of the server.
SYSTEM = None
CASE_POLICY = DEFAULT_POLICY
CASE_VISIBILITY_VALUES = (Visibility.NETWORK.value, Visibility.PUBLIC.value)
EDITABLE = (
    *(f"{field}_{lang}" for field in BILINGUAL_FIELDS for lang in ("en", "fr")),
    "contacts",
    "visibility",
)
LIMITS = {
    **{f"title_{lang}": TITLE_LIMIT for lang in ("en", "fr")},
    **{
        f"{field}_{lang}": CASE_TEXT_LIMIT
        for field in BILINGUAL_FIELDS[1:]
        for lang in ("en", "fr")
    },
    "contacts": CONTACTS_LIMIT,
}
# At most this many evidence items, indicators and milestones are copied into a case.
MAX_ITEMS = 50
# Population bounds of the size bands.
SIZE_BOUNDS = ((50_000, "small"), (250_000, "medium"), (1_000_000, "large"))
STRENGTH_ORDER = ("strong", "moderate", "suggestive", "weak")


class CaseError(DomainError):
    """A case the exchange refuses to write or publish as asked."""

    code = "invalid_case"


class CaseConflict(CaseError):
    """A step the case's state does not allow (publishing a published case)."""

    status = 409
    code = "case_state"


# -- reading what the other apps own -------------------------------------------------------------
def size_band(population: int | None) -> str:
    if population is None:
        return "unknown"
    for bound, band in SIZE_BOUNDS:
        if population < bound:
            return band
    return "very_large"


def _breadth(value: str) -> int:
    return Visibility(value).breadth


def _evidence(
    by: Any, solution: Solution, visibility: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from civiclab.portfolio.queries import visible, with_sources_shown

    rows = Evidence.objects.filter(challenge_id=solution.challenge_id)
    if by is not None:
        rows = visible(Evidence, by).filter(challenge_id=solution.challenge_id)
    # The command line sees every source; a person, what they may see now.
    rows = with_sources_shown(rows, by) if by is not None else rows
    kept, withheld = [], []
    for item in rows.order_by("pk")[: MAX_ITEMS * 2]:
        if _breadth(item.visibility) < _breadth(visibility):
            withheld.append({"kind": "evidence", "id": item.pk, "title": item.title,
                             "reason": "narrower"})  # fmt: skip
            continue
        if item.kind == "insight" and not item.consent:
            withheld.append({"kind": "evidence", "id": item.pk, "title": item.title,
                             "reason": "no_consent"})  # fmt: skip
            continue
        shown = getattr(item, "snapshot_shown", True)
        snapshot = item.shown_snapshot if shown else None
        kept.append(
            {
                "id": item.pk,
                "kind": item.kind,
                "title": item.title,
                "body": item.body,
                "url": item.url,
                "observed_on": item.observed_on.isoformat() if item.observed_on else None,
                "snapshot": snapshot.model_dump(mode="json", exclude_none=True) if snapshot else {},
                "visibility": item.visibility,
            }
        )
        if len(kept) >= MAX_ITEMS:
            break
    return kept, withheld


def _indicators(
    by: Any, solution: Solution, visibility: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each of the solution's indicators, its series and goal frozen now."""
    from civiclab.datasets.engine import QueryError
    from civiclab.datasets.filters.language import SpecError
    from civiclab.indicators import services as indicators
    from civiclab.indicators.engine.runchart import point_signals
    from civiclab.indicators.engine.spec import parse_spec
    from civiclab.indicators.labels import y_label
    from civiclab.indicators.models import Indicator
    from civiclab.indicators.queries import visible_indicators

    allowed = Indicator.objects.all() if by is None else visible_indicators(by)
    targets = list(solution.targets.select_related("indicator", "indicator__dataset")[:MAX_ITEMS])
    seen = set(
        allowed.filter(pk__in=[t.indicator_id for t in targets]).values_list("pk", flat=True)
    )
    kept, withheld = [], []
    for target in targets:
        indicator = target.indicator
        if indicator.pk not in seen:
            continue  # not the writer's to see: not even named
        if min(_breadth(indicator.visibility), _breadth(indicator.dataset.visibility)) < _breadth(
            visibility
        ):
            withheld.append({"kind": "indicator", "id": indicator.pk, "title": indicator.name,
                             "reason": "narrower"})  # fmt: skip
            continue
        try:
            report = indicators.report(indicator)
            unit = y_label(parse_spec(indicator.spec))
        except (SpecError, ValidationError, QueryError):
            withheld.append({"kind": "indicator", "id": indicator.pk, "title": indicator.name,
                             "reason": "failed"})  # fmt: skip
            continue
        overall = report["series"]["overall"]
        goal = report["goal"]
        target_date = target.target_date or indicator.target_date
        kept.append(
            {
                "id": indicator.pk,
                "name": indicator.name,
                "unit": unit,
                "points": [{"period": p["period"], "value": p["value"]} for p in overall],
                "median": report["run_chart"].median,
                "signals": sorted(
                    {i for s in point_signals(report["run_chart"].signals) for i in s.points}
                ),
                "target": target.target_value
                if target.target_value is not None
                else indicator.target_value,
                "target_date": target_date.isoformat() if target_date is not None else None,
                "baseline": goal.baseline,
                "latest": goal.latest,
                "status": goal.status,
                "frozen_at": timezone.now().isoformat(),
            }
        )
    return kept, withheld


def _evaluation(by: Any, solution: Solution) -> dict[str, Any]:
    """The solution's newest finished evaluation result (the strongest, when several plans
    have one), its sentences in both languages: never typed by hand."""
    from civiclab.evaluation.models import EvaluationResult
    from civiclab.evaluation.queries import solution_results
    from civiclab.evaluation.templatetags.evaluation_text import render_message

    if by is None:
        newest: dict[int, EvaluationResult] = {}
        for result in EvaluationResult.objects.filter(
            plan__solution=solution, state=EvaluationResult.State.DONE
        ).order_by("plan_id", "-finished_at", "-pk"):
            newest.setdefault(result.plan_id, result)
        results = list(newest.values())
    else:
        results = solution_results(by, solution)
    if not results:
        return {}

    def rank(result: EvaluationResult) -> tuple[int, Any]:
        order = STRENGTH_ORDER.index(result.strength) if result.strength in STRENGTH_ORDER else 9
        return (order, -(result.finished_at.timestamp() if result.finished_at else 0))

    best = sorted(results, key=rank)[0]
    sentences = []
    for message in best.sentences or []:
        texts = {}
        for language in ("en", "fr"):
            with translation.override(language):
                texts[language] = render_message(message)
        sentences.append({"text": texts["en"], "text_en": texts["en"], "text_fr": texts["fr"]})
    return {
        "result_id": best.pk,
        "plan_id": best.plan_id,
        "plan": best.plan.title,
        "design": best.plan.design,
        "strength": best.strength or STRENGTH_NONE,
        "pre_registered": best.pre_registered,
        "finished_at": best.finished_at.isoformat() if best.finished_at else None,
        "sentences": sentences,
    }


def _funding(by: Any, solution: Solution) -> tuple[list[dict[str, Any]], str]:
    """Funding leveraged for the solution (``funding.queries.pipeline``) and its main source
    (the funder type of the largest award)."""
    from civiclab.funding.models import Application
    from civiclab.funding.queries import pipeline

    applications = (
        pipeline.in_scope(Application.objects.all(), "solution", solution)
        if by is None
        else pipeline.counted_in(by, "solution", solution)
    )
    totals = pipeline.totals(applications)
    biggest = (
        pipeline.awarded(applications)
        .select_related("opportunity")
        .order_by("-amount_awarded", "pk")
        .first()
    )
    return (
        [
            {
                "currency": t.currency,
                "awarded": str(t.awarded),
                "match": str(t.match),
                "applications": t.applications,
            }
            for t in totals
        ],
        _funder_type(biggest) if biggest is not None else FUNDING_NONE,
    )


def _funder_type(application: Any) -> str:
    """The kind of funder of an award: its catalogue opportunity's funder type; for a fund
    entered by hand, its funder when that names a type, else "other"."""
    from civiclab.funding.models import FUNDER_TYPES

    if application.opportunity is not None:
        return str(application.opportunity.funder_type)
    funder = (application.funder or "").strip().lower()
    return funder if funder in dict(FUNDER_TYPES) else "other"


def _timeline(solution: Solution) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "title": m.title,
            "due_on": m.due_on.isoformat(),
            "done_on": m.done_on.isoformat() if m.done_on else None,
            "state": m.state(today),
        }
        for m in solution.milestones.all()[:MAX_ITEMS]
    ]


def derived(by: Any, solution: Solution, visibility: str) -> dict[str, Any]:
    """Every field of a case copied from the apps that own it, as ``by`` may see them."""
    city = solution.city
    evidence, withheld_evidence = _evidence(by, solution, visibility)
    indicators, withheld_indicators = _indicators(by, solution, visibility)
    evaluation = _evaluation(by, solution)
    funding, source = _funding(by, solution)
    cost = solution.budget_spent if solution.budget_spent is not None else solution.budget_planned
    return {
        "evidence": evidence,
        "indicators": indicators,
        "withheld": withheld_evidence + withheld_indicators,
        "evaluation": evaluation,
        "strength": evaluation.get("strength", STRENGTH_NONE),
        "funding": funding,
        "funding_source": source,
        "cost": Decimal(cost) if cost is not None else None,
        "currency": solution.currency or (funding[0]["currency"] if funding else ""),
        "timeline": _timeline(solution),
        "priority_area": solution.challenge.priority_area,
        "size_band": size_band(city.population),
        "country": city.country.upper(),
        "region": city.region,
        "stage": solution.stage,
    }


def _languages(case: CaseStudy) -> None:
    case.has_en = any(getattr(case, f"{field}_en").strip() for field in BILINGUAL_FIELDS)
    case.has_fr = any(getattr(case, f"{field}_fr").strip() for field in BILINGUAL_FIELDS)


def _target(solution: Solution, visibility: str) -> Target:
    return Target(
        solution.city.network_id, solution.city_id, Visibility(visibility), solution.team_id
    )


def _check_solution(by: Any, solution: Solution) -> None:
    check(by, Action.EDIT, solution, DEFAULT_POLICY, scope(Solution))


def _clean_visibility(value: Any) -> str:
    if value not in CASE_VISIBILITY_VALUES:
        raise ValidationError(
            {"visibility": _("A case is shared with the network or the public (not %(value)s).")
             % {"value": repr(value)}}
        )  # fmt: skip
    return str(value)


# -- writes ----------------------------------------------------------------------------------------
@transaction.atomic
def generate_case(
    by: Any, solution: Solution, *, visibility: str = Visibility.NETWORK
) -> CaseStudy:
    """A draft case of ``solution``, its text from the challenge and the solution (in the
    city's language), the rest copied from the apps that own it."""
    visibility = _clean_visibility(visibility)
    _check_solution(by, solution)
    check(by, Action.CREATE, _target(solution, visibility), CASE_POLICY)
    challenge = solution.challenge
    language = "fr" if (solution.city.default_language or "").startswith("fr") else "en"
    approach = "\n\n".join(
        part for part in (solution.description, solution.goal_statement) if part.strip()
    )
    case = CaseStudy(
        solution=solution,
        city=solution.city,
        team=solution.team,
        visibility=visibility,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **{
            f"title_{language}": solution.title[:TITLE_LIMIT],
            f"problem_{language}": challenge.problem_statement[:CASE_TEXT_LIMIT],
            f"approach_{language}": approach[:CASE_TEXT_LIMIT],
        },
        **derived(by, solution, visibility),
    )
    _languages(case)
    case.full_clean()
    case.save()
    record(by, "case.create", case, solution=solution.pk, language=language)
    return case


def _validated(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError(
            {"__all__": _("These fields of a case cannot be changed: %(fields)s.")
             % {"fields": ", ".join(unknown)}}
        )  # fmt: skip
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "visibility":
            cleaned[key] = _clean_visibility(value)
            continue
        text = "" if value is None else str(value).replace("\r\n", "\n").strip()
        if len(text) > LIMITS[key]:
            raise ValidationError(
                {key: _("At most %(limit)d characters.") % {"limit": LIMITS[key]}}
            )
        cleaned[key] = text
    return cleaned


@transaction.atomic
def update_case(by: Any, case: CaseStudy, **changes: Any) -> CaseStudy:
    """Change a case's text, contacts or visibility (a published case's visibility:
    publishing, so its city's admins)."""
    cleaned = _validated(changes)
    case = (
        CaseStudy.objects.select_for_update()
        .select_related("city", "city__network")
        .get(pk=case.pk)
    )
    if case.solution_id is not None:
        _check_solution(by, Solution.objects.select_related("city").get(pk=case.solution_id))
    check(by, Action.EDIT, case, CASE_POLICY)
    if (
        "visibility" in cleaned
        and cleaned["visibility"] != case.visibility
        and case.state == "published"
    ):
        check(by, Action.PUBLISH, case, CASE_POLICY)
        if _breadth(cleaned["visibility"]) > _breadth(case.visibility):
            # Wider than what was checked at publication: its copies are checked again.
            _drop_narrower(case, cleaned["visibility"])
    # A draft's visibility is where it will be shared: it widens nothing yet.
    policy = CASE_POLICY if case.state == "published" else _DRAFT_POLICY
    before_has = (case.has_en, case.has_fr)
    changed = apply_changes(by, case, cleaned, policy)
    _languages(case)
    if (case.has_en, case.has_fr) != before_has:
        case.save(update_fields=["has_en", "has_fr"])
    if not case.has_en and not case.has_fr:
        raise ValidationError(
            {"__all__": _("A case needs a title or a text in English or French.")}
        )
    library_search.reindex_case(case)
    if changed:
        record(by, "case.update", case, changes=changed)
    return case


# Editing a draft's visibility is not publishing: its edit rule is the case's edit rule.
_DRAFT_POLICY = type(CASE_POLICY)(
    create=CASE_POLICY.create,
    edit=CASE_POLICY.edit,
    delete=CASE_POLICY.delete,
    publish=CASE_POLICY.edit,
)


def _drop_narrower(case: CaseStudy, visibility: str) -> None:
    """Take out of ``case`` the copies whose source is now narrower than ``visibility``."""
    from civiclab.indicators.models import Indicator

    wanted = _breadth(visibility)
    evidence_ids = [item["id"] for item in case.evidence]
    shared = {
        pk
        for pk, vis in Evidence.objects.filter(pk__in=evidence_ids).values_list("pk", "visibility")
        if _breadth(vis) >= wanted
    }
    kept = [item for item in case.evidence if item["id"] in shared]
    withheld = [
        {"kind": "evidence", "id": item["id"], "title": item["title"], "reason": "narrower"}
        for item in case.evidence
        if item["id"] not in shared
    ]
    indicator_ids = [item["id"] for item in case.indicators]
    open_indicators = {
        pk
        for pk, vis, dataset_vis in Indicator.objects.filter(pk__in=indicator_ids).values_list(
            "pk", "visibility", "dataset__visibility"
        )
        if min(_breadth(vis), _breadth(dataset_vis)) >= wanted
    }
    withheld += [
        {"kind": "indicator", "id": item["id"], "title": item["name"], "reason": "narrower"}
        for item in case.indicators
        if item["id"] not in open_indicators
    ]
    case.evidence = kept
    case.indicators = [item for item in case.indicators if item["id"] in open_indicators]
    case.withheld = [*case.withheld, *withheld]
    case.save(update_fields=["evidence", "indicators", "withheld"])


@transaction.atomic
def publish_case(by: Any, case: CaseStudy) -> CaseStudy:
    """Share a case with its audience: what it copies is read again and frozen now (the
    indicators' series and goals, the evaluation's result, the funding), then it is listed in
    the library. The team's text and evidence items are kept as edited."""
    case = (
        CaseStudy.objects.select_for_update()
        .select_related("city", "city__network")
        .get(pk=case.pk)
    )
    check(by, Action.PUBLISH, case, CASE_POLICY)
    if case.state == "published":
        raise CaseConflict(_("This case is already published."))
    if not (case.title_en or case.title_fr):
        raise ValidationError({"title_en": _("A case needs a title before it is published.")})
    if case.solution_id is not None:
        solution = Solution.objects.select_related("city", "challenge").get(pk=case.solution_id)
        fresh = derived(by, solution, case.visibility)
        edited_evidence = case.evidence
        for key, value in fresh.items():
            setattr(case, key, value)
        # The evidence items stay as the team kept them, less those now narrower.
        kept_ids = {item["id"] for item in fresh["evidence"]}
        case.evidence = [item for item in edited_evidence if item["id"] in kept_ids]
    case.state = "published"
    case.published_at = timezone.now()
    case.published_by = by if getattr(by, "is_authenticated", False) else None
    _languages(case)
    case.full_clean()
    case.save()
    library_search.reindex_case(case)
    record(by, "case.publish", case, visibility=case.visibility, strength=case.strength)
    return case
