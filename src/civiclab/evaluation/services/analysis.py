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

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from civiclab.audit.services import record
from civiclab.core.permissions import Action
from civiclab.core.services import check
from civiclab.evaluation.models import EvaluationPlan, EvaluationResult
from civiclab.evaluation.queries import EVALUATION_POLICY
from civiclab.evaluation.services.data import data_key, load_plan_data, version_frame
from civiclab.evaluation.services.plans import current_hash
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

NOT_PRE_REGISTERED = Message("not_pre_registered", "Exploratory analysis: not pre-registered.", {})
REGISTERED_AFTER_DATA = Message(
    "registered_after_data", "Registered after data: the plan was locked once outcomes existed.", {}
)


def message_dict(message: Message) -> dict[str, Any]:
    return {
        "code": message.code,
        "template": message.template,
        "params": message.params,
        "text": message.english(),
    }


@transaction.atomic
def request_analysis(by: Any, plan: EvaluationPlan, *, force: bool = False) -> EvaluationResult:
    """The plan's result for its content and data now: cached, or queued for the worker."""
    check(by, Action.EDIT, plan, EVALUATION_POLICY)
    plan_hash, key = current_hash(plan), data_key(plan)
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
    again = result.state == EvaluationResult.State.FAILED or force
    if made or (again and result.state != EvaluationResult.State.RUNNING):
        if not made:
            EvaluationResult.objects.filter(pk=result.pk).update(
                state=EvaluationResult.State.QUEUED, progress=0.0, stage="", error={},
                started_at=None, finished_at=None,
            )  # fmt: skip
            result.refresh_from_db()
        record(by, "evaluation.analyse", plan, result=result.pk, data_version=key)
        result_id = result.pk
        transaction.on_commit(lambda: _queue(result_id))
    return result


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
        estimate=estimate.as_dict(),
        strength=str(strength) if strength else "",
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
) -> tuple[Strength | None, list[Message]]:
    """The evidence's strength (from the design and its checks) and the result's sentences:
    the effect, the strength, and its reasons — which say "not pre-registered" for an
    exploratory analysis or an unlocked plan, and "registered after data" when it was."""
    from civiclab.evaluation.stats import evidence, wording

    registered = plan is not None and plan.is_locked
    registered_after_data = plan is not None and plan.registered_after_data
    changes = len(deviations(plan)) if plan is not None and plan.is_locked else 0
    strength, _reasons = evidence.rate(
        estimate,
        registered=registered,
        registered_after_data=registered_after_data,
        deviations=changes,
    )
    if plan is not None and plan.outcome_indicator is not None:
        outcome_label = plan.outcome_indicator.name
    else:
        outcome_label = (plan.outcome_column if plan is not None else "") or spec.columns.outcome
    sentences = wording.sentences(
        estimate,
        strength,
        outcome_label=outcome_label,
        unit_label="",  # the outcome's unit of measure: the plan does not record one yet
        n_label=(plan.unit_label if plan is not None else "") or spec.columns.unit,
        lower_is_better=plan.lower_is_better if plan is not None else spec.lower_is_better,
        registered=registered,
        registered_after_data=registered_after_data,
        deviations=changes,
    )
    return strength, sentences


def analyse_dataset(
    by: Any, dataset: Dataset, spec: AnalysisSpec
) -> tuple[Estimate, Strength | None, list[Message]]:
    """An exploratory analysis of a dataset the caller may see, without a plan (at once)."""
    from civiclab.evaluation.services.data import needed_columns

    check(by, Action.VIEW, dataset, EVALUATION_POLICY)
    version = dataset.current_version
    if version is None:
        raise EvaluationError(
            Message("no_data", "The dataset {name} has no rows yet.", {"name": dataset.name})
        )
    frame = version_frame(version, needed_columns(spec.columns))
    estimate = run_estimator(frame, spec)
    strength, sentences = judge(estimate, spec, None)
    return estimate, strength, sentences
