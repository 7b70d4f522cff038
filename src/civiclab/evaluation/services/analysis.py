"""Analyses: queued to the worker, cached per (plan content hash, data version).

``request_analysis`` never computes: it finds the result for the plan as it is now and the
data as they are now, or makes one (state ``queued``) and queues ``tasks.run_analysis`` when
the transaction commits; the page and the API answer at once with the result's state and
progress. ``run_result`` (in the worker) reads the data through the one door, calls
``stats.router.analyse``, rates the evidence (``stats.evidence``) and words it
(``stats.wording``). A refusal of the statistics (``EvaluationError``) is kept on the result as
its message; nothing is computed that could mislead.

An exploratory analysis of a dataset without a plan (``analyse_dataset``, the CLI's
``evaluate analyse``) runs the same router at once and is labelled "not pre-registered".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import math
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from civiclab.audit.services import record
from civiclab.core.permissions import Action
from civiclab.core.services import check
from civiclab.evaluation.models import EvaluationPlan, EvaluationResult
from civiclab.evaluation.queries import EVALUATION_POLICY
from civiclab.evaluation.services.data import data_key, load_plan_data, version_frame
from civiclab.evaluation.services.plans import check_plan, current_hash
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    EvaluationError,
    Message,
    Strength,
)

if TYPE_CHECKING:
    import pandas as pd

    from civiclab.datasets.models import Dataset
    from civiclab.evaluation.stats.types import Estimate

logger = logging.getLogger(__name__)
# A result still running after this long lost its worker: asking again queues it afresh.
STALE_AFTER = dt.timedelta(minutes=30)

NOT_PRE_REGISTERED = Message("not_pre_registered", "Exploratory analysis: not pre-registered.", {})


def message_dict(message: Message) -> dict[str, Any]:
    return json_safe(
        {
            "code": message.code,
            "template": message.template,
            "params": message.params,
            "text": english(message),
        }
    )


def english(message: Message) -> str:
    """The message in English with its numbers rounded for reading (the pages format them
    in the reader's language from ``params``)."""
    return message.template.format(
        **{key: _readable(value) for key, value in message.params.items()}
    )


def _readable(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    if not math.isfinite(value):
        return "–"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


@transaction.atomic
def request_analysis(
    by: Any, plan: EvaluationPlan, *, force: bool = False, queue: bool = True
) -> EvaluationResult:
    """The plan's result for its content and data now: cached, or queued for the worker
    (``queue=False``: the caller runs it, as the command line does)."""
    check_plan(by, Action.EDIT, plan)
    plan_hash, key = result_key(plan), data_key(plan)
    result, made = EvaluationResult.objects.get_or_create(
        plan=plan,
        plan_hash=plan_hash,
        data_version=key,
        defaults={
            "requested_by": by if getattr(by, "is_authenticated", False) else None,
            "pre_registered": plan.is_locked and not plan.registered_after_data,
            "registered_after_data": plan.registered_after_data,
        },
    )
    stale = (
        result.state == EvaluationResult.State.RUNNING
        and result.started_at is not None
        and result.started_at < timezone.now() - STALE_AFTER
    )  # its worker stopped before finishing it
    again = result.state == EvaluationResult.State.FAILED or force or stale
    if made or (again and (result.state != EvaluationResult.State.RUNNING or stale)):
        if not made:
            EvaluationResult.objects.filter(pk=result.pk).update(
                state=EvaluationResult.State.QUEUED, progress=0.0, stage="", error={},
                started_at=None, finished_at=None,
            )  # fmt: skip
            result.refresh_from_db()
        record(by, "evaluation.analyse", plan, result=result.pk, data_version=key)
        result_id = result.pk
        if queue:
            transaction.on_commit(lambda: _queue(result_id))
    return result


def result_key(plan: EvaluationPlan) -> str:
    """What a result is cached by on the plan's side: its content (``current_hash``) and
    whether it was locked — the same content analysed before and after the lock is worded
    differently (not pre-registered / pre-registered)."""
    state = "locked" if plan.is_locked else "draft"
    return hashlib.sha256(f"{current_hash(plan)}:{state}".encode()).hexdigest()


def _queue(result_id: int) -> None:
    from civiclab.evaluation.tasks import run_analysis

    run_analysis(result_id)


def _progress(result: EvaluationResult, progress: float, stage: str) -> None:
    EvaluationResult.objects.filter(pk=result.pk).update(progress=progress, stage=stage)


def run_result(result_id: int) -> None:
    """Compute one result (the worker): running → done, or failed with its message."""
    claimed = EvaluationResult.objects.filter(
        pk=result_id, state=EvaluationResult.State.QUEUED
    ).update(state=EvaluationResult.State.RUNNING, started_at=timezone.now(), progress=0.05)
    if not claimed:
        return
    result = EvaluationResult.objects.select_related("plan", "plan__city").get(pk=result_id)
    plan = result.plan
    try:
        _progress(result, 0.1, "loading data")
        data = load_plan_data(plan)
        _progress(result, 0.4, "estimating")
        estimate = run_estimator(data.frame, data.spec)
        _progress(result, 0.9, "wording")
        strength, sentences = judge(estimate, data.spec, plan)
    except EvaluationError as exc:
        _fail(result, message_dict(exc.message))
        return
    except Exception as exc:  # an estimator's crash is reported, never half-stored
        logger.exception("evaluation result %s failed", result_id)
        _fail(
            result,
            message_dict(
                Message(
                    "analysis_failed",
                    "The analysis could not be computed: {error}",
                    {"error": f"{type(exc).__name__}: {exc}"[:500]},
                )
            ),
        )
        return
    EvaluationResult.objects.filter(pk=result.pk).update(
        state=EvaluationResult.State.DONE,
        progress=1.0,
        stage="",
        estimate=json_safe(estimate.as_dict()),
        strength=str(strength),
        sentences=[message_dict(m) for m in sentences],
        deviations=deviations(plan),
        error={},
        finished_at=timezone.now(),
    )


def _fail(result: EvaluationResult, error: dict[str, Any]) -> None:
    EvaluationResult.objects.filter(pk=result.pk).update(
        state=EvaluationResult.State.FAILED, error=error, finished_at=timezone.now(), stage=""
    )


def deviations(plan: EvaluationPlan) -> list[dict[str, Any]]:
    """The amendments since the lock: how the analysis deviates from the pre-registration."""
    return [
        {"field": a.field, "before": a.before, "after": a.after, "reason": a.reason,
         "at": a.at.isoformat()}
        for a in plan.amendments.all()
    ]  # fmt: skip


def run_estimator(frame: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    """The design's estimator, after the router's pre-flight checks."""
    from civiclab.evaluation.stats import router

    return router.analyse(frame, spec)


def judge(
    estimate: Estimate, spec: AnalysisSpec, plan: EvaluationPlan | None
) -> tuple[Strength, list[Message]]:
    """The evidence's strength (``stats.evidence``: from the design, its checks and the
    pre-registration) and the result's sentences (``stats.wording``). A plan that was never
    locked, or no plan at all, is labelled "not pre-registered"."""
    from civiclab.evaluation.stats import evidence, wording

    registered = plan is not None and plan.is_locked
    after = plan is not None and plan.registered_after_data
    deviations = plan.amendments.count() if plan is not None else 0
    strength, _reasons = evidence.rate(
        estimate, registered=registered, registered_after_data=after, deviations=deviations
    )
    sentences = wording.sentences(
        estimate,
        strength,
        outcome_label=outcome_label(plan, spec),
        unit_label=plan.outcome_unit if plan is not None else "",
        n_label=plural(plan.unit_label)
        if plan is not None and plan.unit_label
        else spec.columns.unit,
        lower_is_better=spec.lower_is_better,
        registered=registered,
        registered_after_data=after,
        deviations=deviations,
    )
    said = any("not pre-registered" in m.template for m in sentences)
    if not registered and not said:
        sentences.append(NOT_PRE_REGISTERED)
    return strength, sentences


def outcome_label(plan: EvaluationPlan | None, spec: AnalysisSpec) -> str:
    if plan is not None and plan.outcome_label:
        return plan.outcome_label
    if plan is not None and plan.outcome_indicator is not None:
        return plan.outcome_indicator.name
    return spec.columns.outcome


def plural(label: str) -> str:
    """The units counted, in the plural ("properties"); "units" when the plan names none."""
    label = label.strip()
    if not label:
        return "units"
    if label.endswith("s"):
        return label
    if label.endswith("y") and label[-2:-1] not in tuple("aeiou"):
        return label[:-1] + "ies"
    return label + "s"


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON: every non-finite number (a synthetic control has no SE: NaN) as
    None, numpy values as Python's, dates as ISO text — so it is stored and sent as valid JSON."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(item) for item in value]
    if hasattr(value, "isoformat"):  # dates, datetimes, pandas timestamps
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return json_safe(value.tolist())
    return str(value)


def analyse_dataset(
    by: Any, dataset: Dataset, spec: AnalysisSpec
) -> tuple[Estimate, Strength, list[Message]]:
    """An exploratory analysis of a dataset the caller may see, without a plan (at once)."""
    from civiclab.evaluation.services.data import aligned_time, needed_columns

    check(by, Action.VIEW, dataset, EVALUATION_POLICY)
    version = dataset.current_version
    if version is None:
        raise EvaluationError(
            Message("no_data", "The dataset {name} has no rows yet.", {"name": dataset.name})
        )
    frame = version_frame(version, needed_columns(spec.columns))
    when = aligned_time(frame, spec.columns.time, spec.intervention_time)
    spec = dataclasses.replace(spec, intervention_time=when)
    estimate = run_estimator(frame, spec)
    strength, sentences = judge(estimate, spec, None)
    return estimate, strength, sentences
