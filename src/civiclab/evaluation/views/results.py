"""The result of an evaluation: the plain-language sentences (translated), the strength of
the evidence, the estimate with its interval, the effect chart, the checks, and the deviations
from the plan. While the worker computes it, the page polls its progress (htmx), as an import
does.

Analyses never run in a request: "Run the analysis" asks ``services.analysis`` for the
plan's result for its content and data now — cached, or queued for the worker."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from civiclab.core.errors import DomainError
from civiclab.evaluation.models import EvaluationPlan, EvaluationResult
from civiclab.evaluation.queries import latest_result, visible_results
from civiclab.evaluation.templatetags.evaluation_text import render_message
from civiclab.evaluation.views.charts import effect_chart
from civiclab.evaluation.views.common import may_edit, plan_or_404, refusal_text

FINISHED = (EvaluationResult.State.DONE, EvaluationResult.State.FAILED)


def _result(request: HttpRequest, plan: EvaluationPlan, rid: int | None) -> EvaluationResult | None:
    if rid is None:
        return latest_result(plan)
    found = visible_results(request.user).filter(plan=plan, pk=rid).first()
    if found is None:
        raise Http404
    return found


def result_context(plan: EvaluationPlan, result: EvaluationResult | None) -> dict[str, Any]:
    """What the result page and its partials show (also the demo's test of its numbers)."""
    context: dict[str, Any] = {"plan": plan, "result": result}
    if result is None:
        return context
    estimate = result.estimate or {}
    context.update(
        finished=result.state in FINISHED,
        percent=round((result.progress or 0) * 100),
        sentences=[render_message(m) for m in result.sentences or []],
        estimate=estimate,
        checks=[
            {"passed": c.get("passed"), "code": c.get("code"), "text": render_message(c["message"])}
            for c in estimate.get("checks", [])
            if isinstance(c, dict) and c.get("message")
        ],
        warnings=[render_message(w) for w in estimate.get("warnings", [])],
        error=render_message(result.error) if result.error else "",
        chart=effect_chart(estimate.get("chart")),
        deviations=result.deviations or [],
        amended_since=_amended_since(plan, result),
    )
    return context


def _amended_since(plan: EvaluationPlan, result: EvaluationResult) -> bool:
    """The plan changed after this result was computed (its hash is no longer the plan's)."""
    from civiclab.evaluation.services.plans import current_hash

    return result.plan_hash != current_hash(plan)


def result_page(
    request: HttpRequest, evaluation_id: int, result_id: int | None = None
) -> HttpResponse:
    plan = plan_or_404(request, evaluation_id)
    result = _result(request, plan, result_id)
    context = result_context(plan, result)
    context.update(
        solution=plan.solution,
        city=plan.city,
        can_edit=may_edit(request.user, plan),
        history=visible_results(request.user).filter(plan=plan)[:10],
    )
    return render(request, "evaluation/result.html", context)


def result_status(request: HttpRequest, evaluation_id: int, result_id: int) -> HttpResponse:
    """The result's state for the page's poll; once finished, the page reloads (286 stops
    the polling, HX-Refresh reloads the page with the result)."""
    plan = plan_or_404(request, evaluation_id)
    result = _result(request, plan, result_id)
    context = result_context(plan, result)
    response = render(request, "evaluation/partials/result_status.html", context)
    if context.get("finished"):
        response.status_code = 286
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def analyse(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """Queue the analysis of the plan as it is now (or find it computed)."""
    from civiclab.evaluation.services.analysis import request_analysis

    plan = plan_or_404(request, evaluation_id)
    if not may_edit(request.user, plan):
        raise PermissionDenied
    try:
        result = request_analysis(request.user, plan, force=request.POST.get("again") == "1")
    except DomainError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("evaluation:plan", plan.pk)
    return redirect("evaluation:result", plan.pk, result.pk)
