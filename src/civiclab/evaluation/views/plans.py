"""The plan pages: the evaluations of a solution and of a city, the plan (its content, lock
and SHA-256, amendments with their reasons), its form while unlocked, the lock, amendments and
the plan's JSON record.

Thin like every view: every read goes through ``evaluation.queries`` (a hidden plan is a 404),
every write is a ``services.plans`` call (a refusal is a 403; a ValidationError shows on the
form; a domain refusal — locked, incomplete, outcome data exist — is said in words)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.errors import DomainError
from civiclab.core.forms import add_service_errors
from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.datasets.queries import visible_datasets
from civiclab.evaluation.forms import AmendForm, PlanForm
from civiclab.evaluation.models import EvaluationPlan
from civiclab.evaluation.queries import (
    evaluations_of,
    latest_result,
    visible_assignments,
    visible_evaluations,
)
from civiclab.evaluation.services import plans as services
from civiclab.evaluation.views.common import may_edit, plan_or_404, refusal_text
from civiclab.indicators.queries import visible_indicators
from civiclab.network.queries import visible_cities
from civiclab.portfolio.models import Solution
from civiclab.portfolio.queries import visible


def _solution_or_404(request: HttpRequest, pk: int) -> Solution:
    return get_object_or_404(
        visible(Solution, request.user).select_related("city", "city__network", "challenge"),
        pk=pk,
    )


def solution_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluations of one solution."""
    solution = _solution_or_404(request, pk)
    return render(
        request,
        "evaluation/list.html",
        {
            "solution": solution,
            "city": solution.city,
            "plans": _with_results(evaluations_of(request.user, solution)),
            "may_create": user_can(request.user, Action.EDIT, solution),
        },
    )


def city_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The evaluations of a city's solutions."""
    city = get_object_or_404(visible_cities(request.user), slug=slug)
    return render(
        request,
        "evaluation/list.html",
        {
            "city": city,
            "plans": _with_results(visible_evaluations(request.user).filter(city=city)),
        },
    )


def _with_results(plans: Any) -> list[tuple[EvaluationPlan, Any]]:
    return [(plan, latest_result(plan)) for plan in plans]


def _form(request: HttpRequest, solution: Solution, instance: EvaluationPlan) -> PlanForm:
    user = request.user
    return PlanForm(
        request.POST if request.method == "POST" else None,
        instance=instance,
        indicators=visible_indicators(user).filter(city=solution.city).order_by("name"),
        datasets=visible_datasets(user).filter(city=solution.city).order_by("name"),
        widest=services.widest_for(user, solution),
    )


@login_required
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft an evaluation of a solution (editable until it is locked)."""
    solution = _solution_or_404(request, pk)
    if not user_can(request.user, Action.EDIT, solution):
        raise PermissionDenied
    form = _form(request, solution, EvaluationPlan(solution=solution, city=solution.city))
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        title, design = fields.pop("title"), fields.pop("design")
        try:
            plan = services.create_plan(request.user, solution, title, design, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Evaluation plan saved (a draft until you lock it)."))
            return redirect("evaluation:plan", plan.pk)
    return _form_page(request, form, solution, None)


@login_required
def plan_edit(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    plan = plan_or_404(request, evaluation_id)
    if not may_edit(request.user, plan):
        raise PermissionDenied
    if plan.is_locked:
        messages.info(request, _("The plan is locked: record a change as an amendment."))
        return redirect("evaluation:amend", plan.pk)
    # The form validates a copy: the service compares against the stored plan.
    form = _form(request, plan.solution, EvaluationPlan.objects.get(pk=plan.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(request.user, plan, form.changes())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Evaluation plan saved."))
            return redirect("evaluation:plan", plan.pk)
    return _form_page(request, form, plan.solution, plan)


def _form_page(
    request: HttpRequest, form: PlanForm, solution: Solution, plan: EvaluationPlan | None
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "evaluation/plan_form.html",
        {"form": form, "solution": solution, "city": solution.city, "plan": plan},
        status=status,
    )


def plan_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The plan: its pre-registered content, the lock and its hash, the amendments."""
    plan = plan_or_404(request, evaluation_id)
    return render(
        request,
        "evaluation/plan_detail.html",
        {
            "plan": plan,
            "solution": plan.solution,
            "city": plan.city,
            "amendments": plan.amendments.select_related("by"),
            "assignment": visible_assignments(request.user).filter(plan=plan).first(),
            "result": latest_result(plan),
            "can_edit": may_edit(request.user, plan),
            "can_delete": user_can(request.user, Action.DELETE, plan),
            "columns": _columns(plan),
        },
    )


def _columns(plan: EvaluationPlan) -> list[tuple[str, str]]:
    from civiclab.evaluation.forms import COLUMN_LABELS

    shown = []
    for key, label in COLUMN_LABELS.items():
        value = (plan.columns or {}).get(key)
        if value:
            shown.append((str(label), value if isinstance(value, str) else ", ".join(value)))
    return shown


@login_required
@require_POST
def plan_lock(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """Pre-register the plan: its content is frozen and hashed (SHA-256)."""
    plan = plan_or_404(request, evaluation_id)
    if not may_edit(request.user, plan):
        raise PermissionDenied
    try:
        services.lock_plan(request.user, plan)
    except DomainError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("The plan is locked: it is pre-registered."))
    return redirect("evaluation:plan", plan.pk)


@login_required
def plan_amend(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """Change one field of a locked plan, with the reason."""
    plan = plan_or_404(request, evaluation_id)
    if not may_edit(request.user, plan):
        raise PermissionDenied
    if not plan.is_locked:
        return redirect("evaluation:edit", plan.pk)
    form = AmendForm(
        request.POST if request.method == "POST" else None,
        plan=plan,
        amendable=services.AMENDABLE,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.amend_plan(request.user, plan, data["field"], data["parsed"], data["reason"])
        except ValidationError as exc:
            _amend_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Amendment recorded."))
            return redirect(reverse("evaluation:plan", args=[plan.pk]) + "#amendments")
        plan.refresh_from_db()
    return render(
        request,
        "evaluation/amend.html",
        {"form": form, "plan": plan, "solution": plan.solution, "city": plan.city},
        status=400 if form.is_bound and form.errors else 200,
    )


def _amend_errors(form: AmendForm, exc: ValidationError) -> None:
    """A service's error about the amended field shows beside the value."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error("reason" if name == "reason" else "value", errors)
    else:
        add_service_errors(form, exc)


def plan_json(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The plan's record (content, hash, lock, amendments) to download: anyone may recompute
    the SHA-256 from its ``content``."""
    plan = plan_or_404(request, evaluation_id)
    body = json.dumps(services.plan_document(plan), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluation-plan-{plan.pk}.json"'
    return response


@login_required
@require_POST
def plan_delete(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    plan = plan_or_404(request, evaluation_id)
    if not user_can(request.user, Action.DELETE, plan):
        raise PermissionDenied
    solution_pk = plan.solution_id
    services.delete_plan(request.user, plan)
    messages.success(request, _("Evaluation deleted."))
    return redirect("evaluation:solution", solution_pk)
