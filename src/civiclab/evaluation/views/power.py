"""The power calculator: the units needed, the smallest detectable effect or the power, with a
chart of power against sample size. For a plan (its design, outcome and significance level
by default) or for a city; the SD and ICC typed, or estimated from the city's history — the
plan's outcome, or an indicator or a dataset column the reader picks among those they may see.

The numbers come from ``services.power`` (``plan_power``, ``calculate``), the functions the API
calls; a history picked on the page stands in as an unsaved plan's outcome."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from civiclab.core.errors import DomainError
from civiclab.datasets.queries import visible_datasets
from civiclab.evaluation.forms import PowerForm
from civiclab.evaluation.models import EvaluationPlan
from civiclab.evaluation.stats.types import Design, OutcomeKind
from civiclab.evaluation.views.charts import power_chart
from civiclab.evaluation.views.common import plan_or_404, refusal_text
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City
from civiclab.network.queries import visible_cities

PLAN_OUTCOME = "plan"


def _sources(request: HttpRequest, city: City, plan: EvaluationPlan | None) -> list[Any]:
    """The histories one may size a study from: the plan's outcome, the city's indicators and
    datasets the reader may see."""
    choices: list[Any] = []
    if plan is not None and (plan.outcome_indicator_id or plan.outcome_dataset_id):
        choices.append((PLAN_OUTCOME, _("The plan's outcome")))
    indicators = visible_indicators(request.user).filter(city=city).order_by("name")
    datasets = visible_datasets(request.user).filter(city=city).order_by("name")
    if indicators:
        choices.append((_("Indicators"), [(f"indicator:{i.pk}", i.name) for i in indicators]))
    if datasets:
        choices.append((_("Datasets"), [(f"dataset:{d.pk}", d.name) for d in datasets]))
    return choices


def plan_power(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    plan = plan_or_404(request, evaluation_id)
    return _calculator(request, plan.city, plan)


def city_power(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(visible_cities(request.user), slug=slug)
    return _calculator(request, city, None)


def _calculator(request: HttpRequest, city: City, plan: EvaluationPlan | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if plan is not None:
        initial = {
            "design": plan.design,
            "outcome_kind": plan.outcome_kind,
            "alpha": plan.alpha,
            "power": plan.power_target,
            "mde": plan.minimum_detectable_effect,
        }
    asked = "design" in request.GET
    form = PowerForm(
        request.GET if asked else None, initial=initial, sources=_sources(request, city, plan)
    )
    answer, error = None, ""
    if asked and form.is_valid():
        try:
            answer = _answer(request, city, plan, form)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except DomainError as exc:
            error = refusal_text(exc)
    context = {
        "city": city,
        "plan": plan,
        "solution": plan.solution if plan else None,
        "form": form,
        "answer": answer,
        "error": error,
        "chart": power_chart(answer["curve"], answer["target"]) if answer else None,
    }
    template = (
        "evaluation/partials/power_result.html"
        if request.headers.get("HX-Request")
        else "evaluation/power.html"
    )
    return render(request, template, context)


def _answer(
    request: HttpRequest, city: City, plan: EvaluationPlan | None, form: PowerForm
) -> dict[str, Any]:
    from civiclab.evaluation.services import power

    question = form.question()
    source = form.cleaned_data.get("history") or ""
    if source == PLAN_OUTCOME and plan is not None:
        answer = power.plan_power(request.user, plan, {**question, "from_history": True})
    elif source:
        # The history picked stands in as an unsaved plan's outcome (never saved: it names
        # the data the service reads, through the one door, for someone who may see them).
        stand_in = _stand_in(request, city, form, source)
        answer = power.plan_power(request.user, stand_in, {**question, "from_history": True})
    elif plan is not None:
        answer = power.plan_power(request.user, plan, question)
    else:
        answer = power.calculate(question)
    answer["target"] = question.get("power", 0.8)
    return answer


def _stand_in(request: HttpRequest, city: City, form: PowerForm, source: str) -> EvaluationPlan:
    """An unsaved plan whose outcome is the history picked (never saved: it only names the
    data ``services.power.history_baseline`` reads, through the one door)."""
    kind, _colon, pk = source.partition(":")
    data = form.cleaned_data
    if kind == "indicator":
        indicator = get_object_or_404(visible_indicators(request.user), city=city, pk=pk)
        # One series: its mean and SD over time (a before/after plan reads it as it is).
        return EvaluationPlan(
            city=city,
            team=indicator.team,
            visibility=indicator.visibility,
            outcome_indicator=indicator,
            design=Design.PRE_POST.value,
        )
    dataset = get_object_or_404(visible_datasets(request.user), city=city, pk=pk)
    return EvaluationPlan(
        city=city,
        team=dataset.team,
        visibility=dataset.visibility,
        outcome_dataset=dataset,
        outcome_column=data.get("history_column") or "",
        unit_column=data.get("history_unit") or "",
        time_column=data.get("history_time") or "",
        design=data.get("design") or Design.RCT.value,
        outcome_kind=data.get("outcome_kind") or OutcomeKind.CONTINUOUS.value,
    )
