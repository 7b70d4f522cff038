"""HTML views of challenges: the board, a challenge's page (phase, indicators, evidence log,
root-cause tree, opportunity areas, ideas, solutions), ideas with their scores, decisions and
the impact × feasibility matrix.

Every object is read through ``queries.visible``: what a user may not see is not found (404).
Every write goes through ``services``: a refusal is a 403, a ValidationError shows on the form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.forms import save_or_show_errors
from civiclab.core.http import HtmxRequest
from civiclab.core.permissions import Action, Target, Visibility, widest_visibility
from civiclab.core.scoping import actor_for, user_can
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City
from civiclab.network.queries import visible_cities, visible_teams
from civiclab.portfolio import services
from civiclab.portfolio.filtersets import ChallengeFilterSet
from civiclab.portfolio.forms.challenges import (
    CauseEvidenceForm,
    CauseForm,
    ChallengeForm,
    EvidenceForm,
    OpportunityAreaForm,
    PhaseForm,
    rubric_text,
)
from civiclab.portfolio.models import (
    EVIDENCE_KINDS,
    PHASES,
    Cause,
    Challenge,
    Evidence,
    Idea,
    OpportunityArea,
    Score,
    Solution,
    SolutionIndicator,
)
from civiclab.portfolio.queries import visible, visible_challenges, with_sources_shown
from civiclab.portfolio.rules.scoring import ScoreSummary, summarise

# The 2×2, read left to right, top to bottom: impact rises upwards, feasibility to the right.
QUADRANTS = ["big_bets", "quick_wins", "deprioritise", "small_steps"]


def quadrant_labels() -> dict[str, tuple[str, str]]:
    return {
        "big_bets": (_("Big bets"), _("High impact, hard to do")),
        "quick_wins": (_("Quick wins"), _("High impact and feasible: do these first")),
        "deprioritise": (_("Deprioritise"), _("Low impact, hard to do")),
        "small_steps": (_("Small steps"), _("Feasible, low impact")),
    }


# -- shared helpers ----------------------------------------------------------------------------
def _challenge(request: HttpRequest, pk: int) -> Challenge:
    return get_object_or_404(visible_challenges(request.user), pk=pk)


def _require_edit(request: HttpRequest, challenge: Challenge) -> None:
    if not user_can(request.user, Action.EDIT, challenge):
        raise PermissionDenied


def _creatable_cities(user: Any) -> list[City]:
    return [
        city
        for city in visible_cities(user).order_by("name")
        if user_can(user, Action.CREATE, Target(city.network_id, city.pk, Visibility.CITY))
    ]


def _widest(user: Any, city: City) -> Visibility:
    return widest_visibility(actor_for(user), city.network_id, city.pk)


def _city_indicators(user: Any, city: City) -> list[Indicator]:
    return list(visible_indicators(user).filter(city=city).order_by("name"))


def solution_url(pk: int) -> str:
    return reverse("portfolio:solution", args=[pk])


def _summaries(challenge: Challenge, ideas: list[Idea]) -> dict[int, ScoreSummary]:
    """Each idea's score summary, from one query."""
    rows: dict[int, list[tuple[int | str, str, int]]] = defaultdict(list)
    for score in Score.objects.filter(idea__in=ideas):
        rows[score.idea_id].append((score.reviewer_key, score.criterion, score.value))
    criteria = challenge.criteria.keys
    return {idea.pk: summarise(criteria, rows[idea.pk]) for idea in ideas}


# -- the board ---------------------------------------------------------------------------------
def board(request: HttpRequest) -> HttpResponse:
    """The challenges the user may see, in columns by phase; filtered like the portfolio table
    and the API (``ChallengeFilterSet``), a refused filter shown on the form with no rows."""
    user = request.user
    filters = ChallengeFilterSet(request.GET or None, user=user)
    challenges = filters.shown().annotate(
        idea_count=Count("ideas", distinct=True),
        solution_count=Count(
            "solutions",
            filter=Q(solutions__in=visible(Solution, user).values("pk")),
            distinct=True,
        ),
    )
    city_slug = filters.chosen().get("city", "")
    # From a city's board, "New challenge" creates in that city: offered only where one may.
    creatable = [c.slug for c in _creatable_cities(user)] if user.is_authenticated else []
    may_create = (city_slug in creatable) if city_slug else bool(creatable)
    refused = None
    if city_slug and user.is_authenticated and not may_create:
        refused = visible_cities(user).filter(slug=city_slug).values_list("name", flat=True).first()
    by_phase: dict[str, list[Challenge]] = defaultdict(list)
    for challenge in challenges.order_by("title"):
        # Who may edit a challenge may move it (services.set_phase checks it again).
        challenge.can_move = user_can(user, Action.EDIT, challenge)  # type: ignore[attr-defined]
        challenge.suggested_phase = _next_phase(challenge.phase)  # type: ignore[attr-defined]
        by_phase[challenge.phase].append(challenge)
    return render(
        request,
        "portfolio/board.html",
        {
            "columns": [(key, label, by_phase[key]) for key, label in PHASES],
            "phases": PHASES,
            "query": request.GET.urlencode(),
            "form": filters.form,
            "city_slug": city_slug,
            "may_create": may_create,
            "refused_city": refused,
        },
        status=400 if filters.refused else 200,
    )


def _next_phase(phase: str) -> str:
    """The phase a card's "Move to" offers first: the next one (the previous from the last)."""
    keys = [key for key, _label in PHASES]
    at = keys.index(phase) if phase in keys else 0
    return keys[at + 1] if at + 1 < len(keys) else keys[at - 1]


def _board_url(query: str) -> str:
    """The board with the filters it was opened with (only its own query string is kept)."""
    board_url, kept = reverse("portfolio:board"), QueryDict(query).urlencode()
    return f"{board_url}?{kept}" if kept else board_url


@require_POST
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a challenge to another phase from the board: by drag-and-drop or the keyboard
    (board.js, which asks for JSON) or by the card's "Move to" form without script.

    The same form (``PhaseForm``), service (``services.set_phase``: its permission check, its
    validation, its audit record) and refusals as the challenge page's phase form. A refusal
    answers JSON ``{"error": ..., "phase": <the phase it stays in>}`` (403 or 400) so the
    script puts the card back with the reason; without script, the board again with the reason.
    """
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not request.user.is_authenticated:
        if wants_json:
            return JsonResponse({"error": _("Sign in to move a challenge.")}, status=403)
        return redirect_to_login(reverse("portfolio:board"))
    challenge = _challenge(request, pk)
    was = challenge.phase
    form = PhaseForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error, status = _form_errors(form), 400
    else:
        try:
            services.set_phase(
                request.user, challenge, form.cleaned_data["phase"], form.cleaned_data["note"]
            )
        except PermissionDenied:
            error, status = _("You may not move this challenge."), 403
        except ValidationError as exc:
            error, status = _errors(exc), 400
    labels = dict(PHASES)
    if wants_json:
        if error:
            return JsonResponse({"error": error, "phase": was}, status=status)
        message = _("“%(title)s” moved to %(phase)s.") % {
            "title": challenge.title,
            "phase": labels[challenge.phase],
        }
        return JsonResponse(
            {
                "phase": challenge.phase,
                "next_phase": _next_phase(challenge.phase),
                "message": message,
            }
        )
    if status == 403:
        raise PermissionDenied
    if error:
        messages.error(request, f"{challenge.title}: {error}")
    else:
        messages.success(
            request,
            _("“%(title)s” moved to %(phase)s.")
            % {"title": challenge.title, "phase": labels[challenge.phase]},
        )
    return redirect(_board_url(request.POST.get("query", "")))


# -- challenges --------------------------------------------------------------------------------
def _challenge_form(request: HttpRequest, data: Any = None, challenge: Any = None) -> ChallengeForm:
    user = request.user
    if challenge is not None:
        cities = [challenge.city]
        initial = {
            "title": challenge.title,
            "problem_statement": challenge.problem_statement,
            "priority_area": challenge.priority_area,
            "team": str(challenge.team_id or ""),
            "target_population": challenge.target_population,
            "visibility": challenge.visibility,
            "rubric": rubric_text(challenge.criteria.criteria),
        }
    else:
        cities = _creatable_cities(user)
        initial = {"city": request.GET.get("city", "")}
    return ChallengeForm(
        data,
        initial=initial,
        cities=cities,
        teams=list(visible_teams(user).filter(city__in=cities)),
        widest={city.pk: _widest(user, city) for city in cities},
        current_visibility=challenge.visibility if challenge else None,
        fixed_city=challenge.city if challenge else None,
    )


def _challenge_page(challenge: Challenge) -> str:
    return reverse("portfolio:challenge", args=[challenge.pk])


def _challenge_saved(
    request: HttpRequest, form: ChallengeForm, write: Callable[[], Challenge], done: str
) -> HttpResponse | None:
    """Create or change a challenge: its page, or None with the refusal on the form."""
    refused = _("You may not share a challenge this widely.")
    return save_or_show_errors(request, form, write, done, _challenge_page, refused=refused)


@login_required
def challenge_new(request: HttpRequest) -> HttpResponse:
    form = _challenge_form(request, request.POST if request.method == "POST" else None)
    city_field = form.fields["city"]
    assert isinstance(city_field, forms.ChoiceField)
    if not city_field.choices:
        raise PermissionDenied
    # Asked for a city where they may not create: say so, and preselect no other city.
    asked = request.GET.get("city", "")
    refused = None
    if asked and asked not in form.cities:
        cities = visible_cities(request.user).filter(slug=asked)
        refused = cities.values_list("name", flat=True).first() or asked
        offered = cast("list[tuple[str, str]]", city_field.choices)  # as ChallengeForm set them
        city_field.choices = [("", _("— choose —")), *offered]
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        city, title = form.cleaned_data["city"], data.pop("title")
        write = partial(services.create_challenge, request.user, city, title, **data)
        done = _challenge_saved(request, form, write, _("Challenge created."))
        if done is not None:
            return done
    context = {"form": form, "challenge": None, "refused_city": refused}
    return render(request, "portfolio/challenge_form.html", context)


@login_required
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    _require_edit(request, challenge)
    form = _challenge_form(request, request.POST if request.method == "POST" else None, challenge)
    if request.method == "POST" and form.is_valid():
        fresh = Challenge.objects.get(pk=challenge.pk)
        write = partial(services.update_challenge, request.user, fresh, form.changes())
        done = _challenge_saved(request, form, write, _("Challenge saved."))
        if done is not None:
            return done
    return render(request, "portfolio/challenge_form.html", {"form": form, "challenge": challenge})


@login_required
def challenge_delete(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    if not user_can(request.user, Action.DELETE, challenge):
        raise PermissionDenied
    if request.method == "POST":
        services.delete_challenge(request.user, challenge)
        messages.success(request, _("Challenge deleted."))
        return redirect("portfolio:board")
    return render(request, "portfolio/challenge_delete.html", {"challenge": challenge})


def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    return render(
        request, "portfolio/challenge_detail.html", _challenge_context(request, challenge)
    )


def _challenge_context(request: HttpRequest, challenge: Challenge, **extra: Any) -> dict[str, Any]:
    user = request.user
    # Annotated with which sources, and frozen numbers, the user may read now.
    evidence = list(
        with_sources_shown(visible(Evidence, user).filter(challenge=challenge), user)
        .select_related("indicator", "indicator__city", "created_by")
        .prefetch_related("attachments")
    )
    for item in evidence:
        snapshot = item.shown_snapshot
        item.recorded_at = snapshot.recorded() if snapshot else None  # type: ignore[attr-defined]
    solutions = list(visible(Solution, user).filter(challenge=challenge).order_by("title"))
    targets = SolutionIndicator.objects.filter(solution__in=solutions).values_list(
        "indicator_id", flat=True
    )
    indicator_ids = list(dict.fromkeys([*(e.indicator_id for e in evidence), *targets]))
    indicators = Indicator.objects.filter(pk__in=[i for i in indicator_ids if i]).select_related(
        "city", "dataset"
    )
    ideas = list(challenge.ideas.select_related("opportunity_area").order_by("pk"))
    summaries = _summaries(challenge, ideas)
    for idea in ideas:
        idea.summary = summaries[idea.pk]  # type: ignore[attr-defined]
    can_edit = user_can(user, Action.EDIT, challenge)
    return {
        "challenge": challenge,
        "city": challenge.city,
        "can_edit": can_edit,
        "can_delete": user_can(user, Action.DELETE, challenge),
        "phase_form": PhaseForm(initial={"phase": challenge.phase}),
        "history": challenge.phase_changes.select_related("by"),
        "indicators": indicators,
        "evidence": evidence,
        "evidence_kinds": EVIDENCE_KINDS,
        "areas": challenge.opportunity_areas.all(),
        "ideas": ideas,
        "solutions": solutions,
        **_cause_context(request, challenge, evidence, can_edit),
        **extra,
    }


@login_required
@require_POST
def challenge_phase(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    form = PhaseForm(request.POST)
    if form.is_valid():
        phase, note = form.cleaned_data["phase"], form.cleaned_data["note"]
        write = partial(services.set_phase, request.user, challenge, phase, note)
        done = save_or_show_errors(
            request, form, write, _("Phase changed."), _challenge_page(challenge)
        )
        if done is not None:
            return done
    context = _challenge_context(request, challenge, phase_form=form)
    return render(request, "portfolio/challenge_detail.html", context)


# -- evidence ----------------------------------------------------------------------------------
def _evidence_form(
    request: HttpRequest, challenge: Challenge, kind: str, data: Any = None, evidence: Any = None
) -> EvidenceForm:
    widest = services.widest_within(request.user, challenge)
    initial: dict[str, Any] = {"visibility": widest.value}
    if evidence is not None:
        names = ("title", "body", "method", "observed_on", "consent", "url", "visibility")
        initial = {name: getattr(evidence, name) for name in names}
        initial["tags"] = ", ".join(evidence.shown_tags)
    return EvidenceForm(
        data,
        initial=initial,
        kind=kind,
        indicators=_city_indicators(request.user, challenge.city) if kind == "data" else [],
        widest=widest,
        current_visibility=evidence.visibility if evidence else None,
        editing=evidence is not None,
    )


def _evidence_saved(
    request: HttpRequest,
    form: EvidenceForm,
    challenge: Challenge,
    write: Callable[[], Any],
    done: str,
) -> HttpResponse | None:
    """Add or change evidence: back to the challenge's evidence, or None with the refusal."""
    url = _challenge_page(challenge) + "#evidence"
    refused = _("You may not share evidence this widely.")
    return save_or_show_errors(request, form, write, done, url, refused=refused)


@login_required
def evidence_new(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    _require_edit(request, challenge)
    kind = request.GET.get("kind", "insight")
    if kind not in dict(EVIDENCE_KINDS):
        kind = "insight"
    form = _evidence_form(request, challenge, kind, request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        title = fields.pop("title")
        write = partial(services.add_evidence, request.user, challenge, kind, title, **fields)
        done = _evidence_saved(request, form, challenge, write, _("Evidence added."))
        if done is not None:
            return done
    context = {"form": form, "challenge": challenge, "kind": kind, "evidence": None}
    context["evidence_kinds"] = EVIDENCE_KINDS
    context["kind_label"] = dict(EVIDENCE_KINDS)[kind]
    return render(request, "portfolio/evidence_form.html", context)


def _evidence(request: HttpRequest, pk: int) -> Evidence:
    query = visible(Evidence, request.user).select_related("challenge", "challenge__city")
    evidence = get_object_or_404(query, pk=pk)
    if not visible_challenges(request.user).filter(pk=evidence.challenge_id).exists():
        raise PermissionDenied
    return evidence


@login_required
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    challenge = evidence.challenge
    if not user_can(request.user, Action.EDIT, evidence):
        raise PermissionDenied
    form = _evidence_form(request, challenge, evidence.kind, request.POST or None, evidence)
    if request.method == "POST" and form.is_valid():
        fresh = Evidence.objects.get(pk=evidence.pk)
        write = partial(services.update_evidence, request.user, fresh, dict(form.cleaned_data))
        done = _evidence_saved(request, form, challenge, write, _("Evidence saved."))
        if done is not None:
            return done
    context = {"form": form, "challenge": challenge, "kind": evidence.kind, "evidence": evidence}
    context["kind_label"] = evidence.get_kind_display()
    return render(request, "portfolio/evidence_form.html", context)


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    services.delete_evidence(request.user, evidence)
    messages.success(request, _("Evidence deleted."))
    return redirect(reverse("portfolio:challenge", args=[evidence.challenge_id]) + "#evidence")


# -- the root-cause tree -----------------------------------------------------------------------
def _cause_context(
    request: HttpRequest, challenge: Challenge, evidence: list[Evidence], can_edit: bool
) -> dict[str, Any]:
    causes = list(challenge.causes.prefetch_related("evidence"))
    seen = {e.pk for e in evidence}
    children: dict[int | None, list[Cause]] = defaultdict(list)
    for cause in causes:
        children[cause.parent_id].append(cause)
    for cause in causes:
        cause.kids = children[cause.pk]  # type: ignore[attr-defined]
        linked = [e for e in cause.evidence.all() if e.pk in seen]
        cause.shown_evidence = linked  # type: ignore[attr-defined]
        cause.evidence_form = CauseEvidenceForm(  # type: ignore[attr-defined]
            initial={"evidence": [str(e.pk) for e in linked]},
            evidence=evidence,
            prefix=f"cause{cause.pk}",
        )
    return {"causes": children[None], "cause_count": len(causes), "can_edit": can_edit}


def _cause_response(
    request: HtmxRequest, challenge: Challenge, done: str, error: str | None
) -> HttpResponse:
    """The tree alone for htmx; otherwise back to the challenge's page."""
    if request.htmx:
        evidence = list(visible(Evidence, request.user).filter(challenge=challenge))
        can_edit = user_can(request.user, Action.EDIT, challenge)
        context = _cause_context(request, challenge, evidence, can_edit)
        context.update(challenge=challenge, cause_error=error, cause_done=None if error else done)
        return render(request, "portfolio/partials/causes.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(reverse("portfolio:challenge", args=[challenge.pk]) + "#causes")


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _form_errors(form: Any) -> str:
    return " ".join(str(m) for messages_ in form.errors.values() for m in messages_)


@login_required
@require_POST
def cause_add(request: HtmxRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    form = CauseForm(request.POST)
    error = None
    if not form.is_valid():
        error = _form_errors(form)
    else:
        parent = None
        if form.cleaned_data["parent"]:
            parent = challenge.causes.filter(pk=form.cleaned_data["parent"]).first()
            if parent is None:
                error = _("No such cause.")
        if error is None:
            try:
                services.add_part(
                    request.user, challenge, Cause, text=form.cleaned_data["text"], parent=parent
                )
            except ValidationError as exc:
                error = _errors(exc)
    return _cause_response(request, challenge, _("Cause added."), error)


def _cause(request: HttpRequest, pk: int) -> Cause:
    cause = get_object_or_404(visible(Cause, request.user).select_related("challenge"), pk=pk)
    return cause


@login_required
@require_POST
def cause_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    cause = _cause(request, pk)
    form = CauseForm(request.POST)
    error = None
    if not form.is_valid():
        error = _form_errors(form)
    else:
        try:
            services.update_part(request.user, cause, {"text": form.cleaned_data["text"]})
        except ValidationError as exc:
            error = _errors(exc)
    return _cause_response(request, cause.challenge, _("Cause saved."), error)


@login_required
@require_POST
def cause_delete(request: HtmxRequest, pk: int) -> HttpResponse:
    cause = _cause(request, pk)
    services.delete_part(request.user, cause)
    return _cause_response(request, cause.challenge, _("Cause deleted."), None)


@login_required
@require_POST
def cause_evidence(request: HtmxRequest, pk: int) -> HttpResponse:
    cause = _cause(request, pk)
    visible_evidence = list(visible(Evidence, request.user).filter(challenge=cause.challenge))
    form = CauseEvidenceForm(request.POST, evidence=visible_evidence, prefix=f"cause{cause.pk}")
    error = None
    if not form.is_valid():
        error = _form_errors(form)
    else:
        # Evidence the user cannot see stays linked: they cannot unlink what they cannot see.
        hidden = cause.evidence.exclude(pk__in=[e.pk for e in visible_evidence])
        try:
            services.link_cause_evidence(request.user, cause, [*form.chosen(), *hidden])
        except ValidationError as exc:
            error = _errors(exc)
    return _cause_response(request, cause.challenge, _("Evidence linked."), error)


# -- opportunity areas -------------------------------------------------------------------------
def _back_to(challenge_pk: int, anchor: str) -> HttpResponse:
    return redirect(reverse("portfolio:challenge", args=[challenge_pk]) + anchor)


@login_required
@require_POST
def area_add(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    form = OpportunityAreaForm(request.POST)
    if form.is_valid():
        services.add_part(request.user, challenge, OpportunityArea, **form.cleaned_data)
        messages.success(request, _("Opportunity area added."))
    else:
        messages.error(request, _form_errors(form))
    return _back_to(challenge.pk, "#opportunities")


def _area(request: HttpRequest, pk: int) -> OpportunityArea:
    return get_object_or_404(visible(OpportunityArea, request.user), pk=pk)


@login_required
@require_POST
def area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    form = OpportunityAreaForm(request.POST)
    if form.is_valid():
        services.update_part(request.user, area, form.cleaned_data)
        messages.success(request, _("Opportunity area saved."))
    else:
        messages.error(request, _form_errors(form))
    return _back_to(area.challenge_id, "#opportunities")


@login_required
@require_POST
def area_delete(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    services.delete_part(request.user, area)
    messages.success(request, _("Opportunity area deleted."))
    return _back_to(area.challenge_id, "#opportunities")
