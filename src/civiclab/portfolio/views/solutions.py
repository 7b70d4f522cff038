"""HTML views of a solution: its page (goal, budget, indicators with targets, milestones,
risks, stage-gate decisions, progress updates) and the forms that change them.

Every object is read through ``queries.visible``: one the user may not see is not found (404).
Every write is a ``services`` call: a refusal is 403, a ValidationError shows on the form."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.forms import BaseForm, ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.forms import add_service_errors, save_or_show_errors
from civiclab.core.http import HtmxRequest
from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.indicators.queries import visible_indicators
from civiclab.portfolio import services
from civiclab.portfolio.forms.solutions import (
    DecisionForm,
    MilestoneForm,
    RiskForm,
    SolutionForm,
    TargetForm,
    UpdateForm,
)
from civiclab.portfolio.models import (
    Challenge,
    Milestone,
    Risk,
    Solution,
    SolutionIndicator,
)
from civiclab.portfolio.queries import visible
from civiclab.portfolio.views.portfolio import gantt_context

# The parts edited on their own page: the model, its form and the words of the page.
PARTS: dict[str, tuple[type[Milestone] | type[Risk], type[ModelForm]]] = {
    "milestones": (Milestone, MilestoneForm),
    "risks": (Risk, RiskForm),
}


def solution_or_404(request: HttpRequest, pk: int) -> Solution:
    return get_object_or_404(
        visible(Solution, request.user).select_related(
            "challenge", "city", "city__network", "team", "idea", "owner"
        ),
        pk=pk,
    )


def _require(request: HttpRequest, action: Action, obj: Model) -> None:
    if not user_can(request.user, action, obj):
        raise PermissionDenied


def linkable_indicators(request: HttpRequest, solution: Solution) -> Any:
    """The city's indicators the user may see and the solution is not measured by yet."""
    return (
        visible_indicators(request.user)
        .filter(city_id=solution.city_id)
        .exclude(solution_targets__solution=solution)
        .order_by("name")
    )


def _forms(request: HttpRequest, solution: Solution, bound: BaseForm | None) -> dict[str, Any]:
    """Each add form of the page, unbound unless it is the one just posted (with its errors)."""
    forms: dict[str, BaseForm] = {
        "milestone": MilestoneForm(prefix="milestone", city_id=solution.city_id),
        "risk": RiskForm(prefix="risk", city_id=solution.city_id),
        "decision": DecisionForm(prefix="decision"),
        "update": UpdateForm(prefix="update"),
        "target": TargetForm(prefix="target", indicators=linkable_indicators(request, solution)),
    }
    if bound is not None:
        forms[bound.prefix or ""] = bound
    return {f"{name}_form": form for name, form in forms.items()}


def count_milestones(solution: Solution, pairs: list[tuple[Milestone, str]]) -> None:
    """Set on ``solution`` the milestone counts its progress bar reads (the portfolio table
    annotates the same names in its query)."""
    solution.milestone_total = len(pairs)  # type: ignore[attr-defined]
    solution.milestone_done = sum(state == "done" for _m, state in pairs)  # type: ignore[attr-defined]


def solution_detail(request: HttpRequest, pk: int, bound: BaseForm | None = None) -> HttpResponse:
    solution = solution_or_404(request, pk)
    milestones = list(solution.milestones.select_related("owner"))
    risks = sorted(
        solution.risks.select_related("owner"), key=lambda r: (-r.severity, r.status == "closed")
    )
    planned, spent = solution.budget_planned, solution.budget_spent
    pairs = [(m, m.state()) for m in milestones]
    count_milestones(solution, pairs)
    context = {
        **gantt_context(pairs, timezone.localdate()),
        "solution": solution,
        "challenge": solution.challenge,
        "city": solution.city,
        "targets": solution.targets.select_related(
            "indicator", "indicator__city", "indicator__dataset"
        ),
        "milestones": pairs,
        "risks": risks,
        "decisions": solution.decisions.select_related("by").prefetch_related("attachments"),
        "updates": solution.updates.select_related("by"),
        "spent_percent": (spent / planned * 100) if planned and spent is not None else None,
        "can_edit": user_can(request.user, Action.EDIT, solution),
        "can_delete": user_can(request.user, Action.DELETE, solution),
        "challenge_url": _challenge_url(solution.challenge),
    }
    if context["can_edit"]:
        context.update(_forms(request, solution, bound))
    return render(request, "portfolio/solution_detail.html", context)


def _challenge_url(challenge: Challenge) -> str:
    return reverse("portfolio:challenge", args=[challenge.pk])


@login_required
def solution_new(request: HttpRequest) -> HttpResponse:
    """Prepare a solution for a challenge (``?challenge=<id>``, optionally ``&idea=<id>``)."""
    challenge = get_object_or_404(
        visible(Challenge, request.user).select_related("city"),
        pk=request.GET.get("challenge") or 0,
    )
    _require(request, Action.EDIT, challenge)
    widest = services.widest_within(request.user, challenge)
    initial = {"visibility": widest.value, "owner": request.user.pk}
    idea = challenge.ideas.filter(pk=request.GET.get("idea") or 0).first()
    if idea is not None:
        initial.update(idea=idea.pk, title=idea.title, description=idea.description)
    form = SolutionForm(request.POST or None, challenge=challenge, widest=widest, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "title"}
        title = form.cleaned_data["title"]
        write = partial(services.create_solution, request.user, challenge, title, **fields)
        saved = _saved(request, form, write)
        if saved is not None:
            return saved
    return _form_page(request, form, _("New solution"), _challenge_url(challenge), challenge.title)


@login_required
def solution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    _require(request, Action.EDIT, solution)
    # The form validates a copy: the service compares against the stored solution.
    copy = Solution.objects.get(pk=solution.pk)
    widest = services.widest_within(request.user, solution.challenge)
    form = SolutionForm(
        request.POST or None, instance=copy, challenge=solution.challenge, widest=widest
    )
    if request.method == "POST" and form.is_valid():
        saved = _saved(
            request, form, partial(services.update_solution, request.user, solution, form.changes())
        )
        if saved is not None:
            return saved
    back = reverse("portfolio:solution", args=[solution.pk])
    return _form_page(request, form, _("Edit solution"), back, solution.title)


def _saved(
    request: HttpRequest, form: BaseForm, save: Callable[[], Solution]
) -> HttpResponse | None:
    """Run ``save`` (the user may edit): the redirect to the solution, or None and form errors."""
    refused = _("You may not share a solution this widely.")
    return save_or_show_errors(
        request, form, save, _("Solution saved."), _solution_page, refused=refused
    )


def _solution_page(solution: Solution) -> str:
    return reverse("portfolio:solution", args=[solution.pk])


@login_required
def solution_delete(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    _require(request, Action.DELETE, solution)
    if request.method == "POST":
        challenge = solution.challenge
        services.delete_solution(request.user, solution)
        messages.success(request, _("Solution deleted."))
        return redirect(_challenge_url(challenge))
    return render(request, "portfolio/solution_delete.html", {"solution": solution})


def _form_page(
    request: HttpRequest, form: BaseForm, title: str, back_url: str, back_label: str
) -> HttpResponse:
    context = {"form": form, "title": title, "back_url": back_url, "back_label": back_label}
    return render(request, "core/form_page.html", context)


# -- the parts: added on the solution's page ------------------------------------------------------
def _added(request: HttpRequest, solution: Solution, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("portfolio:solution", pk=solution.pk)


def _add_part(
    request: HttpRequest,
    solution: Solution,
    form: BaseForm,
    add: Callable[..., Any],
    message: str,
) -> HttpResponse:
    """``add(user, solution, **fields)`` from a valid form; else the page again, with its errors."""
    if form.is_valid():
        write = partial(add, request.user, solution, **form.cleaned_data)
        done = save_or_show_errors(request, form, write, message, _solution_page(solution))
        if done is not None:
            return done
    return solution_detail(request, solution.pk, bound=form)


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    form = MilestoneForm(request.POST, prefix="milestone", city_id=solution.city_id)
    return _add_part(request, solution, form, services.add_milestone, _("Milestone added."))


@login_required
@require_POST
def risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    form = RiskForm(request.POST, prefix="risk", city_id=solution.city_id)
    return _add_part(request, solution, form, services.add_risk, _("Risk added."))


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    form = DecisionForm(request.POST, prefix="decision")
    return _add_part(request, solution, form, services.record_decision, _("Decision recorded."))


@login_required
@require_POST
def update_add(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    form = UpdateForm(request.POST, prefix="update")
    return _add_part(request, solution, form, services.post_update, _("Update posted."))


@login_required
@require_POST
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    indicators = linkable_indicators(request, solution)
    form = TargetForm(request.POST, prefix="target", indicators=indicators)
    return _add_part(request, solution, form, services.link_indicator, _("Indicator linked."))


@login_required
@require_POST
def target_remove(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    target = get_object_or_404(
        visible(SolutionIndicator, request.user), pk=target_pk, solution=solution
    )
    services.delete_part(request.user, target)
    return _added(request, solution, _("Indicator unlinked."))


# -- milestones and risks: edited on their own page, marked done, deleted -------------------------
def _part_or_404(request: HttpRequest, solution: Solution, kind: str, part_pk: int) -> Any:
    if kind not in PARTS:
        raise Http404
    model = PARTS[kind][0]
    return get_object_or_404(visible(model, request.user), pk=part_pk, solution=solution)


@login_required
def part_edit(request: HttpRequest, pk: int, kind: str, part_pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    part = _part_or_404(request, solution, kind, part_pk)
    _require(request, Action.EDIT, solution)
    model, form_class = PARTS[kind]
    extra: dict[str, Any] = {"city_id": solution.city_id}
    copy = model.objects.get(pk=part.pk)
    form = form_class(request.POST or None, instance=copy, **extra)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_part(request.user, part, changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _added(request, solution, _("Saved."))
    title = _("Edit milestone") if kind == "milestones" else _("Edit risk")
    back = reverse("portfolio:solution", args=[solution.pk])
    return _form_page(request, form, title, back, solution.title)


@login_required
@require_POST
def part_delete(request: HttpRequest, pk: int, kind: str, part_pk: int) -> HttpResponse:
    solution = solution_or_404(request, pk)
    part = _part_or_404(request, solution, kind, part_pk)
    services.delete_part(request.user, part)
    done = _("Milestone deleted.") if kind == "milestones" else _("Risk deleted.")
    return _added(request, solution, done)


@login_required
@require_POST
def milestone_done(request: HtmxRequest, pk: int, part_pk: int) -> HttpResponse:
    """Mark a milestone done today (or not done again); htmx gets the milestones back."""
    solution = solution_or_404(request, pk)
    milestone = _part_or_404(request, solution, "milestones", part_pk)
    done_on = None if request.POST.get("undo") else timezone.localdate()
    services.update_part(request.user, milestone, {"done_on": done_on})
    if request.htmx:
        pairs = [(m, m.state()) for m in solution.milestones.select_related("owner")]
        count_milestones(solution, pairs)
        context = {"solution": solution, "milestones": pairs, "can_edit": True}
        return render(request, "portfolio/partials/solution_milestones.html", context)
    return _added(request, solution, _("Milestone updated."))
