"""The pipeline pages: a city's funding profile, its applications by status, one application
(its history, readiness checklist, notes and links), the forms to start and edit one, and its
status changes.

Thin: reads through ``funding.queries`` (a hidden application is a 404), writes through
``funding.services.pipeline`` (a refusal is a 403, a ValidationError shows on the form, a
refused transition is said in words)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.errors import DomainError
from civiclab.core.forms import add_service_errors
from civiclab.core.http import HtmxRequest
from civiclab.core.permissions import Action, widest_visibility
from civiclab.core.scoping import actor_for, user_can
from civiclab.funding.forms.pipeline import ApplicationForm, ProfileForm, StatusForm
from civiclab.funding.models import (
    APPLICATION_STATUSES,
    CHECKLIST,
    TRANSITIONS,
    Application,
    Opportunity,
)
from civiclab.funding.queries import pipeline as queries
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import city_target, may_see_profile, saved_profile
from civiclab.funding.services import pipeline as services
from civiclab.network.models import City
from civiclab.network.queries import visible_cities, visible_teams
from civiclab.portfolio.models import Challenge, Milestone, Solution
from civiclab.portfolio.queries import visible


def _city(request: HttpRequest, slug: str) -> City:
    return get_object_or_404(visible_cities(request.user), slug=slug)


def application_or_404(request: HttpRequest, application_id: int) -> Application:
    return get_object_or_404(queries.visible_applications(request.user), pk=application_id)


# -- the profile --------------------------------------------------------------------------------
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    """How the city applies: shown to its people, set by its admins."""
    city = _city(request, slug)
    if not may_see_profile(request.user, city):
        raise Http404
    may_edit = user_can(request.user, Action.EDIT, city_target(city), services.PROFILE_POLICY)
    saved = saved_profile(city)
    initial = {
        "applicant_codes": saved.applicant_codes if saved else ["02"],
        "partners": ProfileForm.partners_text(saved.partners if saved else []),
        "registration_expires": saved.registration_expires if saved else None,
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_profile(
                    request.user,
                    city,
                    form.cleaned_data["applicant_codes"],
                    form.cleaned_data["partners"],
                    form.cleaned_data["registration_expires"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Funding profile saved."))
                return redirect("funding:profile", city.slug)
    from civiclab.funding.queries.profile import profile_for

    return render(
        request,
        "funding/profile.html",
        {
            "city": city,
            "form": form,
            "may_edit": may_edit,
            "profile": profile_for(city),
            "saved": saved,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# -- the board ----------------------------------------------------------------------------------
def pipeline(request: HttpRequest, slug: str) -> HttpResponse:
    """The city's applications by status, with amounts, deadlines, owners and readiness."""
    city = _city(request, slug)
    team = None
    if request.GET.get("team"):
        team = get_object_or_404(visible_teams(request.user), city=city, slug=request.GET["team"])
    applications = list(
        queries.pipeline_of(request.user, city, team).order_by("deadline", "pk")[:1000]
    )
    columns = [
        (value, label, [(a, services.readiness(a)) for a in applications if a.status == value])
        for value, label in APPLICATION_STATUSES
    ]
    return render(
        request,
        "funding/pipeline.html",
        {
            "city": city,
            "team": team,
            "columns": columns,
            "totals": queries.totals(queries.pipeline_of(request.user, city, team)),
            "may_create": _may_create(request.user, city),
            "may_see_profile": may_see_profile(request.user, city),
        },
    )


def _may_create(user: Any, city: City) -> bool:
    return user_can(user, Action.CREATE, city_target(city), services.APPLICATION_POLICY)


# -- one application ----------------------------------------------------------------------------
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = application_or_404(request, application_id)
    return render(
        request,
        "funding/application.html",
        {
            "application": application,
            "city": application.city,
            "history": application.status_changes.select_related("by"),
            "checklist": _checklist(application),
            "readiness": services.readiness(application),
            "linked": queries.linked_for(request.user, application),
            "may_edit": user_can(request.user, Action.EDIT, application),
            "next_statuses": _next_statuses(application),
            "status_form": StatusForm(),
        },
    )


def _checklist(application: Application) -> list[tuple[str, Any, bool]]:
    done = application.checklist if isinstance(application.checklist, dict) else {}
    return [(key, label, bool(done.get(key))) for key, label in CHECKLIST]


def _next_statuses(application: Application) -> list[tuple[str, Any]]:
    allowed = TRANSITIONS.get(application.status, frozenset())
    return [(value, label) for value, label in APPLICATION_STATUSES if value in allowed]


def _form(
    request: HttpRequest, city: City, application: Application | None, initial: dict[str, Any]
) -> ApplicationForm:
    user = request.user
    solutions = visible(Solution, user).filter(city=city)
    return ApplicationForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        owners=get_user_model().objects.filter(memberships__city=city).distinct(),
        teams=visible_teams(user).filter(city=city),
        challenges=visible(Challenge, user).filter(city=city),
        solutions=solutions,
        milestones=visible(Milestone, user).filter(solution__in=solutions.values("pk")),
        widest=widest_visibility(actor_for(user), city.network_id, city.pk),
        current_visibility=application.visibility if application else None,
        awarded=application is not None and application.status == "awarded",
    )


FORM_FIELDS = (
    "title", "funder", "owner", "team", "visibility", "challenge", "solution", "deadline",
    "amount_requested", "amount_awarded", "match_amount", "match_source", "currency", "notes",
)  # fmt: skip


@login_required
def application_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Start an application: for an opportunity (``?opportunity=``) or a fund outside the
    catalogue."""
    city = _city(request, slug)
    if not _may_create(request.user, city):
        raise PermissionDenied
    opportunity: Opportunity | None = None
    wanted = request.GET.get("opportunity") or request.POST.get("opportunity")
    if wanted:
        if not str(wanted).isdigit() or len(str(wanted)) > 18:
            raise Http404
        opportunity = get_object_or_404(visible_opportunities(request.user), pk=int(wanted))
    initial: dict[str, Any] = {"visibility": "city", "currency": "USD", "owner": request.user}
    if opportunity is not None:
        initial.update(
            title=opportunity.title[:300],
            deadline=opportunity.close_date,
            currency=opportunity.currency,
        )
    form = _form(request, city, None, initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in FORM_FIELDS}
        fields.pop("amount_awarded", None)
        milestones = list(form.cleaned_data.get("milestones") or [])
        team, visibility = fields.pop("team"), fields.pop("visibility")
        try:
            made = services.create_application(
                request.user,
                city,
                opportunity=opportunity,
                team=team,
                visibility=visibility,
                milestones=milestones,
                **fields,
            )
        except PermissionDenied:
            form.add_error("visibility", _("You may not share it that widely."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Application started."))
            return redirect("funding:application", made.pk)
    return _form_page(request, form, city, None, opportunity)


@login_required
def application_edit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = application_or_404(request, application_id)
    if not user_can(request.user, Action.EDIT, application):
        raise PermissionDenied
    initial = {name: getattr(application, name) for name in FORM_FIELDS}
    initial["milestones"] = list(application.milestones.all())
    form = _form(request, application.city, application, initial)
    if request.method == "POST" and form.is_valid():
        changes = {
            k: v
            for k, v in form.cleaned_data.items()
            if k in FORM_FIELDS and v != getattr(application, k)
        }
        for name in ("title", "funder", "match_source", "notes"):
            if name in changes and changes[name] is None:
                changes[name] = ""
        milestones = list(form.cleaned_data.get("milestones") or [])
        try:
            services.update_application(
                request.user,
                Application.objects.get(pk=application.pk),
                changes,
                milestones=milestones,
            )
        except PermissionDenied:
            form.add_error("visibility", _("You may not share it that widely."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Application saved."))
            return redirect("funding:application", application.pk)
    return _form_page(request, form, application.city, application, application.opportunity)


def _form_page(
    request: HttpRequest,
    form: ApplicationForm,
    city: City,
    application: Application | None,
    opportunity: Opportunity | None,
) -> HttpResponse:
    return render(
        request,
        "funding/application_form.html",
        {"form": form, "city": city, "application": application, "opportunity": opportunity},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def application_status(request: HttpRequest, application_id: int) -> HttpResponse:
    """Move the application to its next status (refusals said in words)."""
    application = application_or_404(request, application_id)
    if not user_can(request.user, Action.EDIT, application):
        raise PermissionDenied
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status; amounts are numbers of at least 0."))
        return redirect("funding:application", application.pk)
    try:
        services.change_status(
            request.user,
            application,
            form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            on=form.cleaned_data["on"],
            amount_awarded=form.cleaned_data["amount_awarded"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Status changed."))
    return redirect("funding:application", application.pk)


@login_required
@require_POST
def application_checklist(request: HtmxRequest, application_id: int) -> HttpResponse:
    """Tick or untick one readiness item; htmx swaps the checklist in place."""
    application = application_or_404(request, application_id)
    if not user_can(request.user, Action.EDIT, application):
        raise PermissionDenied
    key = request.POST.get("item", "")
    try:
        services.set_checklist(request.user, application, key, request.POST.get("done") == "1")
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(" ".join(exc.messages), status=422)
        messages.error(request, " ".join(exc.messages))
    if request.htmx:
        return render(
            request,
            "funding/partials/checklist.html",
            {
                "application": application,
                "checklist": _checklist(application),
                "readiness": services.readiness(application),
                "may_edit": True,
            },
        )
    return redirect("funding:application", application.pk)
