"""Randomisation of a plan's units: the method, strata and seed asked; the assignment shown
with its balance table, its counts per arm, its SHA-256 and a link to the dataset it was
saved as (``services.assignments.randomise``, the function the API calls)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civiclab.core.errors import DomainError
from civiclab.core.forms import add_service_errors
from civiclab.datasets.queries import visible_datasets
from civiclab.evaluation.forms import RandomiseForm
from civiclab.evaluation.queries import visible_assignments
from civiclab.evaluation.views.common import may_edit, plan_or_404, refusal_text


@login_required
def randomise(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    plan = plan_or_404(request, evaluation_id)
    editable = may_edit(request.user, plan)
    datasets = {
        str(d.pk): d
        for d in visible_datasets(request.user)
        .filter(city=plan.city, current_version__isnull=False)
        .order_by("name")
    }
    initial: dict[str, Any] = {
        "unit_column": plan.unit_column,
        "strata": ", ".join((plan.columns or {}).get("strata", [])),
        "covariates": ", ".join((plan.columns or {}).get("covariates", [])),
    }
    if plan.outcome_dataset_id and str(plan.outcome_dataset_id) in datasets:
        initial["dataset"] = str(plan.outcome_dataset_id)
    posted = request.method == "POST"
    if posted and not editable:
        raise PermissionDenied
    form = RandomiseForm(
        request.POST if posted else None,
        initial=initial,
        datasets=[(key, d.name) for key, d in datasets.items()],
    )
    status = 200
    if posted and form.is_valid():
        from civiclab.evaluation.services.assignments import randomise as assign

        try:
            made = assign(
                request.user, plan, datasets[form.cleaned_data["dataset"]], **form.options()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(
                request,
                _("Units assigned (seed %(seed)s). The assignment is saved as a dataset.")
                % {"seed": made.seed},
            )
            return redirect(reverse("evaluation:assignment", args=[plan.pk]) + f"?id={made.pk}")
        status = 400
    return render(
        request,
        "evaluation/randomise.html",
        {
            "plan": plan,
            "solution": plan.solution,
            "city": plan.city,
            "form": form,
            "can_edit": editable,
            "assignments": visible_assignments(request.user).filter(plan=plan),
        },
        status=status,
    )


def assignment(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The plan's newest assignment, or the one its ``?id=`` names."""
    plan = plan_or_404(request, evaluation_id)
    candidates = visible_assignments(request.user).filter(plan=plan)
    wanted = request.GET.get("id", "")
    if wanted:
        candidates = candidates.filter(pk=int(wanted) if wanted.isdigit() else 0)
    made = candidates.first()
    if made is None:
        raise Http404
    saved = made.saved_version.dataset if made.saved_version else None
    if saved is not None and not visible_datasets(request.user).filter(pk=saved.pk).exists():
        saved = None
    return render(
        request,
        "evaluation/assignment.html",
        {
            "plan": plan,
            "solution": plan.solution,
            "city": plan.city,
            "assignment": made,
            "saved": saved,
            "counts": sorted((made.counts or {}).items()),
        },
    )
