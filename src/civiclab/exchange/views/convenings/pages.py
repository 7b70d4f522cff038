"""The convenings pages: the list, one convening (agenda, answers, notes), the organisers'
forms, the answer (htmx swaps the answer box), cancelling.

Thin: reads through ``exchange.queries.convenings`` (a convening one may not see is a 404),
writes through ``exchange.services.convenings`` (a refusal is a 403, a ValidationError shows
on the form, a closed convening is said in words)."""

from __future__ import annotations

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
from civiclab.core.http import HtmxRequest
from civiclab.exchange.forms.convenings import CancelForm, ConveningForm, NotesForm
from civiclab.exchange.models.convenings import GOING, MAYBE, NOT_GOING, WAITLIST, Convening
from civiclab.exchange.queries import convenings as queries
from civiclab.exchange.services import convenings as services
from civiclab.exchange.views.convenings.feeds import cohort_feed_url, feed_urls, network_feed_url


def convening_or_404(request: HttpRequest, pk: int) -> Convening:
    return get_object_or_404(queries.with_counts(queries.visible_convenings(request.user)), pk=pk)


@login_required
def convening_list(request: HttpRequest) -> HttpResponse:
    """Upcoming convenings one may see (``?past=1``: those over), and one's feed address."""
    show_past = request.GET.get("past") == "1"
    found = queries.with_counts(queries.visible_convenings(request.user))
    found = queries.past(found) if show_past else queries.upcoming(found)
    return render(
        request,
        "exchange/convenings/list.html",
        {
            "convenings": list(found[: queries.LIST_LIMIT]),
            "show_past": show_past,
            "feed_url": feed_urls(request.user)["person"],
            "may_create": queries.organised_networks(request.user).exists(),
        },
    )


def _answer_context(request: HttpRequest, convening: Convening) -> dict[str, Any]:
    response = queries.response_of(request.user, convening)
    return {
        "convening": convening,
        "response": response,
        "position": (
            queries.waitlist_position(request.user, convening) if response == WAITLIST else None
        ),
        "answers": [(GOING, _("Going")), (MAYBE, _("Maybe")), (NOT_GOING, _("Not going"))],
        "full": convening.capacity is not None and convening.going_count >= convening.capacity,  # type: ignore[attr-defined]
    }


@login_required
def convening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    convening = convening_or_404(request, pk)
    organiser = queries.may_organise(request.user, convening.network_id)
    context = {
        **_answer_context(request, convening),
        "agenda": list(convening.agenda.all()),
        "organiser": organiser,
        "attendees": list(queries.attendees(convening)) if organiser else [],
        "network_feed": network_feed_url(request.user, convening.network),
        "cohort_feed": (
            cohort_feed_url(request.user, convening.cohort) if convening.cohort else None
        ),
        "cancel_form": CancelForm(),
    }
    return render(request, "exchange/convenings/detail.html", context)


def _form_page(
    request: HttpRequest, form: ConveningForm, convening: Convening | None
) -> HttpResponse:
    return render(
        request,
        "exchange/convenings/form.html",
        {"form": form, "convening": convening},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def convening_new(request: HttpRequest) -> HttpResponse:
    networks = queries.organised_networks(request.user)
    if not networks.exists():
        raise PermissionDenied
    form = ConveningForm(
        request.POST if request.method == "POST" else None,
        networks=networks,
        initial={"network": networks.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.create_convening(
                request.user,
                form.cleaned_data["network"],
                agenda=form.cleaned_data["agenda"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Convening created."))
            return redirect("exchange:convening", made.pk)
    return _form_page(request, form, None)


@login_required
def convening_edit(request: HttpRequest, pk: int) -> HttpResponse:
    convening = convening_or_404(request, pk)
    if not queries.may_organise(request.user, convening.network_id):
        raise PermissionDenied
    networks = queries.organised_networks(request.user).filter(pk=convening.network_id)
    form = ConveningForm(
        request.POST if request.method == "POST" else None,
        networks=networks,
        initial=ConveningForm.initial_for(convening),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_convening(
                request.user,
                convening,
                form.service_fields(),
                agenda=form.cleaned_data["agenda"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Convening saved."))
            return redirect("exchange:convening", convening.pk)
    return _form_page(request, form, convening)


@login_required
@require_POST
def convening_rsvp(request: HtmxRequest, pk: int) -> HttpResponse:
    """Answer; htmx gets the answer box back, a plain form a redirect to the page."""
    convening = convening_or_404(request, pk)
    error = None
    try:
        rsvp = services.set_rsvp(request.user, convening, request.POST.get("response", ""))
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except DomainError as exc:
        error = str(exc)
    else:
        if rsvp.response == WAITLIST:
            error = _(
                "This convening is full: you are on the waiting list, and will be going as "
                "soon as a place frees up."
            )
    if request.htmx:
        convening = convening_or_404(request, pk)
        context = {**_answer_context(request, convening), "message": error}
        return render(request, "exchange/convenings/partials/answer.html", context)
    if error:
        messages.warning(request, error)
    else:
        messages.success(request, _("Answer saved."))
    return redirect("exchange:convening", convening.pk)


@login_required
@require_POST
def convening_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    convening = convening_or_404(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_convening(request.user, convening, reason)
    except DomainError as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Convening cancelled."))
    return redirect("exchange:convening", convening.pk)


@login_required
def convening_notes(request: HttpRequest, pk: int) -> HttpResponse:
    convening = convening_or_404(request, pk)
    if not queries.may_organise(request.user, convening.network_id):
        raise PermissionDenied
    form = NotesForm(
        request.POST if request.method == "POST" else None, initial={"notes": convening.notes}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_notes(request.user, convening, form.cleaned_data["notes"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Notes saved."))
            return redirect("exchange:convening", convening.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Notes: %(title)s") % {"title": convening.title},
            "back_url": reverse("exchange:convening", args=(convening.pk,)),
            "back_label": convening.title,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
