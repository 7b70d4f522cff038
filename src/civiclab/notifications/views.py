"""The notifications' pages: the list, the bell, the choices, following a challenge, asking
for scores. Thin: reads through queries, writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civiclab.core.forms import add_service_errors
from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.notifications import queries, services
from civiclab.notifications.display import shown
from civiclab.notifications.forms import CHANNELS, PreferencesForm, ScoreRequestForm
from civiclab.portfolio.models import Challenge, Idea
from civiclab.portfolio.queries import visible, visible_challenges

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.in_app(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(item, shown(item)) for item in page.object_list]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "items": items, "unread": any(item.read_at is None for item, _s in items)},
    )


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The header's bell with its unread count (loaded by htmx, so pages keep their queries)."""
    count = queries.unread_count(request.user) if request.user.is_authenticated else 0
    return render(request, "notifications/partials/bell.html", {"count": count})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (``id``), or all of them."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() and len(raw) < 19 else None
    services.mark_read(request.user, ids)
    if ids is None:
        messages.success(request, _("All notifications marked read."))
    return redirect(_next(request, reverse("notifications:list")))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    current = queries.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.set_preferences(request.user, form.choices())
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "channels": [label for _key, label in CHANNELS]},
    )


@login_required
@require_POST
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = get_object_or_404(visible_challenges(request.user), pk=pk)
    if request.POST.get("follow") == "0":
        services.unfollow(request.user, challenge)
        messages.success(request, _("You no longer follow this challenge."))
    else:
        services.follow(request.user, challenge)
        messages.success(request, _("You follow this challenge: new evidence will be notified."))
    return redirect("portfolio:challenge", pk=challenge.pk)


@login_required
@require_http_methods(["GET", "POST"])
def request_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask people to score an idea."""
    idea = get_object_or_404(visible(Idea, request.user).select_related("challenge"), pk=pk)
    return _request_scores(request, idea.challenge, idea)


@login_required
@require_http_methods(["GET", "POST"])
def request_challenge_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask people to score all the ideas of a challenge (its idea matrix)."""
    challenge = get_object_or_404(visible_challenges(request.user), pk=pk)
    return _request_scores(request, challenge, None)


def _request_scores(request: HttpRequest, challenge: Challenge, idea: Idea | None) -> HttpResponse:
    candidates = [
        person for person in queries.people_who_may_score(challenge) if person.pk != request.user.pk
    ]
    form = ScoreRequestForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_scores(
                request.user,
                challenge,
                form.cleaned_data["people"],
                idea=idea,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The request to score was sent."))
            if idea is not None:
                return redirect("portfolio:idea", pk=idea.pk)
            return redirect("portfolio:idea_matrix", pk=challenge.pk)
    return render(
        request,
        "notifications/request_scores.html",
        {"form": form, "idea": idea, "challenge": challenge},
    )


def _next(request: HttpRequest, fallback: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return fallback


# -- panels on portfolio pages (apps.py contributes them) --------------------------------------
def follow_panel_context(challenge: Any, user: Any) -> dict[str, Any] | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return {"challenge": challenge, "following": queries.follows(user, challenge)}


def request_scores_panel_context(idea: Any, user: Any) -> dict[str, Any] | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if not user_can(user, Action.EDIT, idea.challenge):
        return None
    return {"idea": idea}
