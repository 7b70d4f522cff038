"""Plans: create, edit, lock, amend, delete — every write checked, validated and audited.

Creating or changing a solution's evaluation is editing the solution: the solution's rules
apply (``check(by, EDIT, solution)``), and the plan is never visible to more people than the
solution (portfolio's rule, ``wider_than``). Made without a visibility, it is as wide as its
maker may set, within the solution.

**Locking** freezes a plan. Its canonical content is the JSON object of ``PLAN_FIELDS`` (the
pre-registered fields; foreign keys as ids, dates as ISO text), written with sorted keys,
``separators=(",", ":")`` and UTF-8 (``ensure_ascii=False``); ``content_hash`` is the SHA-256
of those bytes. Anyone may recompute it from ``/api/v1/evaluations/{id}/plan.json``, whose
``content`` is exactly that object.

Lock is refused when outcome data of the analysis window already exist — the plan would no
longer be pre-registered — unless the plan says ``registered_after_data``; its results then say
"registered after data". The window starts at ``intervention_date`` (or at the moment of the
lock when the plan has none), and the outcome data exist when (``outcome_data_exist``):

- an indicator: its series has a period starting on or after the window's start, with a value;
- a dataset column with a time column: some row's time is on or after the window's start and
  its outcome is not empty;
- a dataset column without a time column: the dataset's current version was made on or after
  the window's start and its outcome column has a value (outcomes loaded for the pilot).

After the lock, a plan changes only by ``amend_plan`` (a ``PlanAmendment``: field, before,
after, reason, who, when), visible to everyone who may see the evaluation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.errors import DomainError
from civiclab.core.permissions import Action, Visibility, widest_visibility
from civiclab.core.scoping import actor_for
from civiclab.core.services import changed_values, check, check_may_share
from civiclab.datasets.models import Dataset
from civiclab.evaluation.models import (
    COLUMN_KEYS,
    COLUMN_LIST_KEYS,
    EvaluationPlan,
    PlanAmendment,
)
from civiclab.evaluation.queries import EVALUATION_POLICY
from civiclab.evaluation.stats.types import Design
from civiclab.indicators.models import Indicator
from civiclab.portfolio.models import Solution
from civiclab.portfolio.services import wider_than

# ``by=None`` is the command line, run by the operator of the server.
SYSTEM = None

# The pre-registered fields: their canonical JSON is what the lock hashes.
PLAN_FIELDS = (
    "solution", "title", "question", "hypothesis", "outcome_indicator", "outcome_dataset",
    "outcome_column", "unit_column", "time_column", "outcome_kind", "outcome_label",
    "outcome_unit", "lower_is_better",
    "secondary_outcomes", "unit_label", "design", "comparison_group", "exclusions",
    "intervention_date", "analysis_date", "minimum_detectable_effect", "alpha", "power_target",
    "columns", "control_arm", "season_period", "donors", "registered_after_data",
)  # fmt: skip
# What an edit may change besides the pre-registered content (never part of the hash).
OTHER_FIELDS = ("visibility", "team")
# What an amendment may change: the content less the solution (a plan stays with its solution).
AMENDABLE = tuple(name for name in PLAN_FIELDS if name != "solution")
HASH_VERSION = 1


class PlanLocked(DomainError):
    """An edit of a locked plan: it changes only by an amendment with a reason."""

    status = 409
    code = "plan_locked"


class LockRefused(DomainError):
    """The plan cannot be locked (incomplete, or outcome data of its window already exist)."""

    status = 409
    code = "lock_refused"


def check_plan(by: Any, action: Action, plan: EvaluationPlan) -> None:
    """Refuse unless ``by`` may do ``action`` to ``plan`` *and* to its solution as it is now
    (viewing: see it; anything else: edit it), so narrowing a solution later narrows who may
    touch its evaluations even where the plan's own visibility is wider. An unsaved stand-in
    without a solution (the power page's "history from this dataset") is checked as itself."""
    check(by, action, plan, EVALUATION_POLICY)
    if plan.solution_id is not None:
        needed = Action.VIEW if action == Action.VIEW else Action.EDIT
        check(by, needed, plan.solution, EVALUATION_POLICY)


# -- canonical content and its hash -------------------------------------------------------------
def _json_value(plan: EvaluationPlan, name: str) -> Any:
    field = plan._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return getattr(plan, field.attname)
    value = getattr(plan, name)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def canonical_content(plan: EvaluationPlan) -> dict[str, Any]:
    """The pre-registered fields as plain JSON values (what the hash covers)."""
    return {name: _json_value(plan, name) for name in PLAN_FIELDS}


def canonical_bytes(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hash_content(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def current_hash(plan: EvaluationPlan) -> str:
    """The hash of the plan as it is now (after its amendments): results are cached by it."""
    return hash_content(canonical_content(plan))


def plan_document(plan: EvaluationPlan) -> dict[str, Any]:
    """The exportable record of a plan: its content, the hash, the lock, the amendments."""
    return {
        "id": plan.pk,
        "hash_algorithm": "sha256",
        "hash_version": HASH_VERSION,
        "canonical_form": "JSON of `content`, keys sorted, separators (',', ':'), UTF-8",
        "locked": plan.is_locked,
        "locked_at": plan.locked_at.isoformat() if plan.locked_at else None,
        "locked_content": plan.locked_content or None,
        "locked_hash": plan.content_hash or None,
        "content": canonical_content(plan),
        "content_hash": current_hash(plan),
        "amendments": [
            {
                "field": a.field,
                "before": a.before,
                "after": a.after,
                "reason": a.reason,
                "at": a.at.isoformat(),
                "content_hash": a.content_hash,
            }
            for a in plan.amendments.all()
        ],
        "assignments": [
            {
                "method": a.method,
                "seed": a.seed,
                "sha256": a.assignment_hash,
                "counts": a.counts,
                "created_at": a.created_at.isoformat(),
            }
            for a in plan.assignments.order_by("created_at", "pk")
        ],
    }


# -- validation ---------------------------------------------------------------------------------
def _validate(plan: EvaluationPlan) -> None:
    # Each field read as its type first (an amendment's "2027-01-01" becomes a date), so the
    # checks below compare values, not text.
    plan.clean_fields(exclude=["solution", "city", "team"])
    errors: dict[str, str] = {}
    city_id = plan.city_id
    indicator = plan.outcome_indicator
    dataset = plan.outcome_dataset
    if indicator is not None and indicator.city_id != city_id:
        errors["outcome_indicator"] = _("The indicator belongs to another city.")
    if dataset is not None and dataset.city_id != city_id:
        errors["outcome_dataset"] = _("The dataset belongs to another city.")
    if indicator is not None and dataset is not None:
        errors["outcome_dataset"] = _("Choose an indicator or a dataset column, not both.")
    if dataset is not None and not plan.outcome_column:
        errors["outcome_column"] = _("Name the dataset's outcome column.")
    if dataset is not None and not plan.unit_column:
        errors["unit_column"] = _("Name the column that identifies each unit.")
    if dataset is not None and dataset.current_version_id is not None:
        from civiclab.datasets.queries import column_types

        known = column_types(dataset.current_version)
        for name in ("outcome_column", "unit_column", "time_column"):
            value = getattr(plan, name)
            if value and value not in known:
                errors[name] = _("The dataset has no column %(column)s.") % {"column": repr(value)}
    if not isinstance(plan.columns, dict):
        errors["columns"] = _("The analysis columns are an object of column names.")
    else:
        unknown = set(plan.columns) - set(COLUMN_KEYS) - set(COLUMN_LIST_KEYS)
        if unknown:
            errors["columns"] = _("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
        for key in COLUMN_KEYS:
            if plan.columns.get(key) not in (None, "") and not isinstance(plan.columns[key], str):
                errors["columns"] = _("%(key)s is one column name.") % {"key": key}
        for key in COLUMN_LIST_KEYS:
            value = plan.columns.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors["columns"] = _("%(key)s is a list of column names.") % {"key": key}
    if not isinstance(plan.secondary_outcomes, list):
        errors["secondary_outcomes"] = _("The secondary outcomes are a list.")
    if not isinstance(plan.donors, list) or not all(isinstance(d, str) for d in plan.donors):
        errors["donors"] = _("The donor cities are a list of city slugs.")
    if not 0 < plan.alpha < 0.5:
        errors["alpha"] = _("The significance level is between 0 and 0.5.")
    if not 0 < plan.power_target < 1:
        errors["power_target"] = _("The power is between 0 and 1.")
    if plan.minimum_detectable_effect is not None and plan.minimum_detectable_effect <= 0:
        errors["minimum_detectable_effect"] = _("The minimum detectable effect is positive.")
    if (
        plan.analysis_date
        and plan.intervention_date
        and plan.analysis_date < plan.intervention_date
    ):
        errors["analysis_date"] = _("The analysis comes after the intervention starts.")
    if errors:
        raise ValidationError(errors)
    plan.full_clean()


def _check_sources_visible(by: Any, plan: EvaluationPlan) -> None:
    """The outcome must be something ``by`` may see (or the plan would read hidden data)."""
    if by is None:
        return
    from civiclab.datasets.queries import visible_datasets
    from civiclab.indicators.queries import visible_indicators

    if (
        plan.outcome_indicator_id is not None
        and not visible_indicators(by).filter(pk=plan.outcome_indicator_id).exists()
    ):
        raise ValidationError({"outcome_indicator": _("No such indicator.")})
    if (
        plan.outcome_dataset_id is not None
        and not visible_datasets(by).filter(pk=plan.outcome_dataset_id).exists()
    ):
        raise ValidationError({"outcome_dataset": _("No such dataset.")})


def widest_for(by: Any, solution: Solution) -> Visibility:
    """The widest visibility ``by`` may give an evaluation of ``solution``: what they may set
    in its city, never wider than the solution (the command line: the solution's)."""
    parent = Visibility(solution.visibility)
    if by is None:
        return parent
    mine = widest_visibility(actor_for(by), solution.city.network_id, solution.city_id)
    return parent if wider_than(mine, parent) else mine


def _not_wider(visibility: str, solution: Solution) -> None:
    if wider_than(visibility, solution.visibility):
        raise ValidationError(
            {
                "visibility": _(
                    "The solution is visible to fewer people (%(solution)s): its evaluation "
                    "cannot be %(visibility)s."
                )
                % {"solution": solution.visibility, "visibility": visibility}
            }
        )


# -- writes -------------------------------------------------------------------------------------
@transaction.atomic
def create_plan(
    by: Any, solution: Solution, title: str, design: str, **fields: Any
) -> EvaluationPlan:
    """Draft an evaluation plan for ``solution`` (unlocked: editable until locked)."""
    check(by, Action.EDIT, solution, EVALUATION_POLICY)
    visibility = fields.pop("visibility", None) or widest_for(by, solution).value
    _not_wider(visibility, solution)
    check_may_share(by, solution, visibility)
    unknown = set(fields) - set(PLAN_FIELDS) - {"team"}
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    fields.setdefault("team", solution.team)
    plan = EvaluationPlan(
        solution=solution,
        city=solution.city,
        visibility=visibility,
        title=title,
        design=design,
        **fields,
    )
    if plan.team is not None and plan.team.city_id != plan.city_id:
        raise ValidationError({"team": _("The team belongs to another city.")})
    if getattr(by, "is_authenticated", False):
        plan.owner = by
    _validate(plan)
    _check_sources_visible(by, plan)
    plan.save()
    record(by, "evaluation.create", plan, solution=solution.pk, design=design)
    return plan


@transaction.atomic
def update_plan(by: Any, plan: EvaluationPlan, changes: dict[str, Any]) -> EvaluationPlan:
    """Edit a draft plan. A locked plan refuses every change of its content (amend it)."""
    check_plan(by, Action.EDIT, plan)
    unknown = set(changes) - set(AMENDABLE) - set(OTHER_FIELDS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed.") for name in sorted(unknown)}
        )
    content = [name for name in changes if name in AMENDABLE]
    if plan.is_locked and any(changes[n] != getattr(plan, n) for n in content):
        raise PlanLocked(
            _(
                "The plan is locked: it was pre-registered on %(date)s and can no longer be "
                "edited. Record a change as an amendment, with its reason."
            )
            % {"date": f"{plan.locked_at:%Y-%m-%d}"},
            details={"fields": sorted(content)},
        )
    if "visibility" in changes:
        _not_wider(changes["visibility"], plan.solution)
        if changes["visibility"] != plan.visibility:
            check(by, Action.PUBLISH, plan, EVALUATION_POLICY)
    before = {key: getattr(plan, key) for key in changes}
    for key, value in changes.items():
        setattr(plan, key, value)
    if plan.team is not None and plan.team.city_id != plan.city_id:
        raise ValidationError({"team": _("The team belongs to another city.")})
    _validate(plan)
    _check_sources_visible(by, plan)
    plan.save()
    record(by, "evaluation.update", plan, changes=changed_values(before, changes))
    return plan


@transaction.atomic
def delete_plan(by: Any, plan: EvaluationPlan) -> None:
    check_plan(by, Action.DELETE, plan)
    record(
        by,
        "evaluation.delete",
        plan,
        locked=plan.is_locked,
        content_hash=plan.content_hash or current_hash(plan),
    )
    plan.delete()


def _missing_for_lock(plan: EvaluationPlan) -> list[str]:
    missing = []
    if not plan.question.strip():
        missing.append("question")
    if plan.outcome_indicator_id is None and plan.outcome_dataset_id is None:
        missing.append("primary outcome")
    if plan.design in (Design.ITS, Design.DID, Design.PRE_POST, Design.SYNTHETIC_CONTROL) and (
        plan.intervention_date is None
    ):
        missing.append("intervention start")
    if plan.analysis_date is None:
        missing.append("analysis date")
    return missing


def window_start(plan: EvaluationPlan, now: dt.datetime | None = None) -> dt.date:
    """The first day of the analysis window: the intervention's start, else today."""
    if plan.intervention_date is not None:
        return plan.intervention_date
    return timezone.localdate(now or timezone.now())


def outcome_data_exist(plan: EvaluationPlan, start: dt.date) -> bool:
    """Whether outcome data of the window starting on ``start`` exist (the rule above)."""
    if plan.outcome_indicator is not None:
        return _indicator_has_data(plan.outcome_indicator, start)
    if plan.outcome_dataset is not None:
        return _dataset_has_data(plan, plan.outcome_dataset, start)
    return False


def _indicator_has_data(indicator: Indicator, start: dt.date) -> bool:
    from civiclab.indicators.services import results

    return any(
        p.get("value") is not None and p.get("start") and p["start"] >= start.isoformat()
        for p in results(indicator).get("overall", [])
    )


def _dataset_has_data(plan: EvaluationPlan, dataset: Dataset, start: dt.date) -> bool:
    from civiclab.datasets.queries import column_types, version_query

    version = dataset.current_version
    if version is None or not plan.outcome_column:
        return False
    types = column_types(version)
    if plan.outcome_column not in types:
        return False
    outcome = _quoted(plan.outcome_column)
    if plan.time_column and plan.time_column in types:
        time = _quoted(plan.time_column)
        sql = (
            f"SELECT count(*) FROM data WHERE {outcome} IS NOT NULL "
            f"AND CAST({time} AS DATE) >= CAST(? AS DATE)"
        )
        params: list[Any] = [start.isoformat()]
    else:
        if timezone.localdate(version.created_at) < start:
            return False
        sql, params = f"SELECT count(*) FROM data WHERE {outcome} IS NOT NULL", []
    with version_query(version) as query:
        rows = query.execute(sql, params).rows
    return bool(rows and rows[0][0])


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


@transaction.atomic
def lock_plan(by: Any, plan: EvaluationPlan) -> EvaluationPlan:
    """Freeze the plan: its content and hash are recorded; it changes only by amendments."""
    check_plan(by, Action.EDIT, plan)
    # Two locks at once: the second waits for the first, then finds the plan locked.
    EvaluationPlan.objects.select_for_update().filter(pk=plan.pk).exists()
    plan.refresh_from_db()
    if plan.is_locked:
        raise LockRefused(
            _("The plan is already locked (on %(date)s).") % {"date": f"{plan.locked_at:%Y-%m-%d}"},
            code="already_locked",
        )
    missing = _missing_for_lock(plan)
    if missing:
        raise LockRefused(
            _("The plan cannot be pre-registered without: %(missing)s.")
            % {"missing": ", ".join(missing)},
            code="plan_incomplete",
            details={"missing": missing},
        )
    now = timezone.now()
    start = window_start(plan, now)
    if not plan.registered_after_data and outcome_data_exist(plan, start):
        raise LockRefused(
            _(
                "Outcome data for the analysis window (from %(start)s) already exist, so the "
                "plan would not be pre-registered. Say so (registered after data) to lock it "
                "anyway; its results will say so."
            )
            % {"start": f"{start:%Y-%m-%d}"},
            code="outcome_data_exist",
            details={"window_start": start.isoformat()},
        )
    content = canonical_content(plan)
    plan.locked_content = content
    plan.content_hash = hash_content(content)
    plan.locked_at = now
    plan.locked_by = by if getattr(by, "is_authenticated", False) else None
    plan.save(update_fields=["locked_content", "content_hash", "locked_at", "locked_by"])
    record(
        by,
        "evaluation.lock",
        plan,
        content_hash=plan.content_hash,
        registered_after_data=plan.registered_after_data,
    )
    return plan


@transaction.atomic
def amend_plan(by: Any, plan: EvaluationPlan, field: str, value: Any, reason: str) -> PlanAmendment:
    """Change one field of a locked plan, with the reason: recorded beside the plan and shown
    with its results as a deviation from the pre-registration."""
    check_plan(by, Action.EDIT, plan)
    if not plan.is_locked:
        raise DomainError(
            _("The plan is not locked yet: edit it directly."), code="plan_not_locked"
        )
    if field not in AMENDABLE:
        raise ValidationError({"field": _("%(field)s cannot be amended.") % {"field": repr(field)}})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the plan changes.")})
    before = _json_value(plan, field)
    model_field = plan._meta.get_field(field)
    if isinstance(model_field, models.ForeignKey):
        setattr(plan, model_field.attname, value)
        plan._state.fields_cache.pop(field, None)  # the related object is read afresh
    else:
        setattr(plan, field, value)
    _validate(plan)
    _check_sources_visible(by, plan)
    after = _json_value(plan, field)
    if after == before:
        raise ValidationError({field: _("The amendment changes nothing.")})
    plan.save()
    amendment = PlanAmendment.objects.create(
        plan=plan,
        field=field,
        before=before,
        after=after,
        reason=reason.strip(),
        by=by if getattr(by, "is_authenticated", False) else None,
        content_hash=current_hash(plan),
    )
    record(by, "evaluation.amend", plan, field=field, before=before, after=after, reason=reason)
    return amendment
