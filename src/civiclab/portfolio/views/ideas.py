"""HTML views of ideas: a new idea, an idea's page (scores, decisions, advancing it to a
solution) and a challenge's impact × feasibility matrix.

An idea is seen and changed with its challenge (``queries.visible(Idea, user)``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.accounts.models import User
from civiclab.accounts.people import display_name
from civiclab.audit.models import AuditEvent
from civiclab.core.forms import add_service_errors, save_or_show_errors
from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.portfolio import services
from civiclab.portfolio.forms.challenges import (
    AdvanceForm,
    DecisionForm,
    IdeaForm,
    ScoreForm,
    criterion_label,
)
from civiclab.portfolio.models import IDEA_STATUSES, Idea, Solution
from civiclab.portfolio.queries import visible
from civiclab.portfolio.rules.charts import matrix_layout
from civiclab.portfolio.rules.scoring import quadrant
from civiclab.portfolio.views.challenges import (
    QUADRANTS,
    _challenge,
    _city_indicators,
    _require_edit,
    _summaries,
    quadrant_labels,
    solution_url,
)


@login_required
def idea_new(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    _require_edit(request, challenge)
    form = IdeaForm(request.POST or None, areas=list(challenge.opportunity_areas.all()))
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if request.user.is_authenticated:
            fields["created_by"] = request.user
        try:
            idea = services.add_part(request.user, challenge, Idea, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Idea added."))
            return redirect("portfolio:idea", pk=idea.pk)
    return render(request, "portfolio/idea_form.html", {"form": form, "challenge": challenge})


def _idea(request: HttpRequest, pk: int) -> Idea:
    query = visible(Idea, request.user).select_related(
        "challenge", "challenge__city", "challenge__team", "opportunity_area", "decided_by"
    )
    return get_object_or_404(query, pk=pk)


def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _idea_page(request, _idea(request, pk))


def _idea_page(
    request: HttpRequest,
    idea: Idea,
    score_form: ScoreForm | None = None,
    decision_form: DecisionForm | None = None,
    advance_form: AdvanceForm | None = None,
) -> HttpResponse:
    user = request.user
    challenge = idea.challenge
    rubric = challenge.criteria.criteria
    summary = _summaries(challenge, [idea])[idea.pk]
    labels = {item["key"]: criterion_label(item) for item in rubric}
    can_edit = user_can(user, Action.EDIT, challenge)
    if score_form is None and can_edit:
        assert isinstance(user, User)  # who may edit is signed in
        mine = idea.scores.filter(reviewer=user).values_list("criterion", "value")
        score_form = ScoreForm(rubric=rubric, initial={f"score_{c}": v for c, v in mine})
    if advance_form is None and can_edit:
        advance_form = AdvanceForm(
            initial={"title": idea.title},
            indicators=_city_indicators(user, challenge.city),
            widest=services.widest_within(user, challenge),
        )
    decisions = (
        AuditEvent.objects.filter(
            object_type="portfolio.idea", object_id=str(idea.pk), action="idea.decide"
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
    statuses = dict(IDEA_STATUSES)
    return render(
        request,
        "portfolio/idea_detail.html",
        {
            "idea": idea,
            "challenge": challenge,
            "can_edit": can_edit,
            "summary": summary,
            "rows": [(labels.get(row.criterion, row.criterion), row) for row in summary.criteria],
            "score_form": score_form,
            "decision_form": decision_form or (DecisionForm() if can_edit else None),
            "advance_form": advance_form,
            "decisions": [
                {
                    "at": event.at,
                    # By name: the label is an email address ("command line" without one).
                    "by": display_name(event.actor) if event.actor else _("command line"),
                    "status": statuses.get(event.details.get("status"), ""),
                    "reason": event.details.get("reason", ""),
                }
                for event in decisions
            ],
            "solutions": visible(Solution, user).filter(idea=idea).order_by("title"),
        },
    )


def _idea_saved(
    request: HttpRequest, form: Any, idea: Idea, write: Callable[[], Any], done: str
) -> HttpResponse | None:
    """Score or decide an idea: back to its page, or None with the refusal on the form."""
    idea_page = reverse("portfolio:idea", args=[idea.pk])
    return save_or_show_errors(request, form, write, done, idea_page)


@login_required
@require_POST
def idea_score(request: HttpRequest, pk: int) -> HttpResponse:
    idea = _idea(request, pk)
    form = ScoreForm(request.POST, rubric=idea.challenge.criteria.criteria)
    if form.is_valid():
        write = partial(services.score_idea, request.user, idea, form.scores())
        done = _idea_saved(request, form, idea, write, _("Your scores are saved."))
        if done is not None:
            return done
    return _idea_page(request, idea, score_form=form)


@login_required
@require_POST
def idea_decide(request: HttpRequest, pk: int) -> HttpResponse:
    idea = _idea(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        status, reason = form.cleaned_data["status"], form.cleaned_data["reason"]
        write = partial(services.decide_idea, request.user, idea, status, reason)
        done = _idea_saved(request, form, idea, write, _("Decision recorded."))
        if done is not None:
            return done
    return _idea_page(request, idea, decision_form=form)


@login_required
@require_POST
def idea_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """Prepare a solution from the idea, with its indicator target and first milestone."""
    idea = _idea(request, pk)
    challenge = idea.challenge
    if not user_can(request.user, Action.EDIT, challenge):
        raise PermissionDenied
    form = AdvanceForm(
        request.POST,
        indicators=_city_indicators(request.user, challenge.city),
        widest=services.widest_within(request.user, challenge),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with (
                transaction.atomic()
            ):  # the solution comes with its target and milestone or not at all
                solution = services.create_solution(
                    request.user,
                    challenge,
                    data["title"],
                    idea=idea,
                    goal_statement=data["goal_statement"],
                    visibility=data["visibility"] or None,
                )
                if data["indicator"] is not None:
                    services.link_indicator(
                        request.user,
                        solution,
                        data["indicator"],
                        data["target_value"],
                        data["target_date"],
                    )
                if data["milestone_title"].strip():
                    services.add_milestone(
                        request.user, solution, data["milestone_title"], data["milestone_due"]
                    )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:  # they may edit the challenge: it is the sharing that was refused
            form.add_error("visibility", _("You may not share a solution this widely."))
        else:
            messages.success(request, _("Solution created from the idea."))
            return redirect(solution_url(solution.pk))
    return _idea_page(request, idea, advance_form=form)


def idea_matrix(request: HttpRequest, pk: int) -> HttpResponse:
    """The ideas on the impact × feasibility 2×2, with their scores in a table beside it."""
    challenge = _challenge(request, pk)
    ideas = list(challenge.ideas.order_by("pk"))
    summaries = _summaries(challenge, ideas)
    keys = challenge.criteria.keys
    labels = quadrant_labels()
    cells: dict[str, list[Any]] = {key: [] for key in QUADRANTS}
    rows, unscored = [], []
    placed: list[tuple[dict[str, Any], float, float, str]] = []
    for idea in ideas:
        means = {row.criterion: row.mean for row in summaries[idea.pk].criteria}
        impact, feasibility = means.get("impact"), means.get("feasibility")
        where = quadrant(impact, feasibility)
        entry: dict[str, Any] = {
            "idea": idea,
            "impact": impact,
            "feasibility": feasibility,
            "quadrant": labels[where][0] if where else None,
            "quadrant_key": where or "",
        }
        rows.append(entry)
        if where is None or impact is None or feasibility is None:
            unscored.append(idea)
        else:
            cells[where].append(entry)
            placed.append((entry, impact, feasibility, idea.title))
    counts = {key: len(cells[key]) for key in QUADRANTS}
    return render(
        request,
        "portfolio/idea_matrix.html",
        {
            "challenge": challenge,
            "chart": matrix_layout(placed) if placed else None,
            "counts": counts,
            "has_axes": "impact" in keys and "feasibility" in keys,
            "quadrants": [
                {"key": key, "label": labels[key][0], "hint": labels[key][1], "ideas": cells[key]}
                for key in QUADRANTS
            ],
            "rows": rows,
            "unscored": unscored,
        },
    )
