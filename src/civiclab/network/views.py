"""HTML views of the network: thin wrappers around queries and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.audit.queries import can_read_audit, filter_events
from civiclab.core.csv_cells import SafeWriter
from civiclab.core.forms import add_service_errors
from civiclab.core.http import HtmxRequest
from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.network import services
from civiclab.network.forms import (
    AddMemberForm,
    AuditFilterForm,
    CityForm,
    MembershipForm,
    TeamForm,
)
from civiclab.network.models import City, Membership, Team
from civiclab.network.queries import (
    AUDIT_EXPORT_MAX_ROWS,
    CITY_FIELDS,
    CITY_POLICY,
    MEMBERSHIP_POLICY,
    TEAM_FIELDS,
    TEAM_POLICY,
    audit_events,
    audit_people,
    audit_rows,
    visible_cities,
    visible_cohorts,
    visible_memberships,
    visible_networks,
    visible_teams,
)


def _city(request: HttpRequest, slug: str) -> City:
    return get_object_or_404(visible_cities(request.user), slug=slug)


def _can_manage_people(request: HttpRequest, city: City) -> bool:
    return user_can(request.user, Action.EDIT, services.city_scope_target(city), MEMBERSHIP_POLICY)


def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "network/overview.html",
        {
            "networks": visible_networks(request.user),
            "cohorts": visible_cohorts(request.user),
            "cities": visible_cities(request.user).prefetch_related("cohorts"),
        },
    )


def my_city(request: HttpRequest) -> HttpResponse:
    """The City tab: the user's own city, or the list of cities to choose from."""
    if request.user.is_authenticated:
        slug = (
            request.user.memberships.filter(city__isnull=False)
            .order_by("created_at")
            .values_list("city__slug", flat=True)
            .first()
        )
        if slug:
            return redirect("network:city", slug=slug)
    return redirect("network:overview")


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(request, slug)
    can_see_members = (
        request.user.is_authenticated
        and visible_memberships(request.user).filter(city=city).exists()
    )
    return render(
        request,
        "network/city_detail.html",
        {
            "city": city,
            "teams": visible_teams(request.user).filter(city=city),
            "members": (
                visible_memberships(request.user).filter(city=city) if can_see_members else None
            ),
            "can_edit": user_can(request.user, Action.EDIT, city, CITY_POLICY, CITY_FIELDS),
            "can_manage_people": _can_manage_people(request, city),
            "can_add_team": user_can(
                request.user, Action.CREATE, services.city_scope_target(city), TEAM_POLICY
            ),
            "can_read_audit": can_read_audit(request.user, city),
        },
    )


@login_required
def city_edit(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(request, slug)
    if not user_can(request.user, Action.EDIT, city, CITY_POLICY, CITY_FIELDS):
        raise PermissionDenied
    form = CityForm(request.POST or None, instance=City.objects.get(pk=city.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_city(
                request.user, city, **{f: form.cleaned_data[f] for f in form.changed_data}
            )
        except PermissionDenied:
            form.add_error("visibility", _("Only city admins can change who sees the city."))
        else:
            messages.success(request, _("City saved."))
            return redirect("network:city", slug=city.slug)
    return _form_page(request, form, _("Edit city"), city)


def _team(request: HttpRequest, slug: str, team_slug: str) -> Team:
    # The team's own visibility decides, so a public team of a network-only city shows.
    return get_object_or_404(visible_teams(request.user), city__slug=slug, slug=team_slug)


def team_detail(request: HttpRequest, slug: str, team_slug: str) -> HttpResponse:
    team = _team(request, slug, team_slug)
    city = team.city
    members = visible_memberships(request.user).filter(team=team)
    return render(
        request,
        "network/team_detail.html",
        {
            "city": city,
            "team": team,
            "members": members,
            "can_edit": user_can(request.user, Action.EDIT, team, TEAM_POLICY, TEAM_FIELDS),
            "can_delete": user_can(request.user, Action.DELETE, team, TEAM_POLICY, TEAM_FIELDS),
        },
    )


@login_required
def team_form(request: HttpRequest, slug: str, team_slug: str | None = None) -> HttpResponse:
    city = _city(request, slug)
    team = (
        get_object_or_404(visible_teams(request.user), city=city, slug=team_slug)
        if team_slug
        else None
    )
    form = TeamForm(request.POST or None, instance=team or Team(city=city))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if team is None:
                team = services.create_team(request.user, city, **data)
            else:
                team = services.update_team(
                    request.user, team, **{f: data[f] for f in form.changed_data}
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("network:team", slug=city.slug, team_slug=team.slug)
    elif not user_can(
        request.user,
        Action.EDIT if team else Action.CREATE,
        team or services.city_scope_target(city),
        TEAM_POLICY,
        TEAM_FIELDS,
    ):
        raise PermissionDenied
    return _form_page(request, form, _("Edit team") if team else _("Add a team"), city)


def _form_page(request: HttpRequest, form: object, title: str, city: City) -> HttpResponse:
    back = {"back_url": reverse("network:city", args=[city.slug]), "back_label": city.name}
    return render(request, "core/form_page.html", {"form": form, "title": title, **back})


@login_required
@require_POST
def team_delete(request: HttpRequest, slug: str, team_slug: str) -> HttpResponse:
    city = _city(request, slug)
    team = get_object_or_404(visible_teams(request.user), city=city, slug=team_slug)
    services.delete_team(request.user, team)
    messages.success(request, _("Team deleted."))
    return redirect("network:city", slug=city.slug)


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """Member management for city admins: list, add (inviting by email), change, remove."""
    city = _city(request, slug)
    if not _can_manage_people(request, city):
        raise PermissionDenied
    form = AddMemberForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        try:
            _add_member(request, city, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(email)s added.") % {"email": form.cleaned_data["email"]})
            return redirect("network:members", slug=city.slug)
    return render(
        request,
        "network/members.html",
        {"city": city, "form": form, "rows": _member_rows(request, city)},
    )


def _member_rows(request: HttpRequest, city: City) -> list[tuple[object, MembershipForm]]:
    teams = list(city.teams.all())
    return [(m, _row_form(m, teams)) for m in visible_memberships(request.user).filter(city=city)]


def _row_form(membership: Membership, teams: list[Team], data: object = None) -> MembershipForm:
    return MembershipForm(
        data,
        teams=teams,
        initial={"role": membership.role, "team": membership.team_id},
        prefix=f"m{membership.pk}",
    )


def _add_member(request: HttpRequest, city: City, data: dict) -> None:
    users = get_user_model().objects
    user = users.filter(email__iexact=data["email"]).first()
    invited = user is None
    if user is None:
        user = services.create_user(data["email"], full_name=data["full_name"], by=request.user)
    services.add_membership(request.user, user, city, data["role"], data["team"])
    if invited:
        reset = PasswordResetForm({"email": user.email})
        if reset.is_valid():
            reset.save(
                request=request,
                use_https=request.is_secure(),
                subject_template_name="registration/invitation_subject.txt",
                email_template_name="registration/invitation_email.txt",
                # Passed into the template's context as is (the stubs say str values).
                extra_email_context={"city": city, "inviter": request.user},  # type: ignore[dict-item]
            )


@login_required
@require_POST
def member_update(request: HtmxRequest, slug: str, membership_id: int) -> HttpResponse:
    city = _city(request, slug)
    membership = get_object_or_404(visible_memberships(request.user), pk=membership_id, city=city)
    teams = list(city.teams.all())
    form = _row_form(membership, teams, request.POST)
    error = None
    if form.is_valid():
        try:
            services.change_membership(
                request.user, membership, form.cleaned_data["role"], form.cleaned_data["team"]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Choose a valid role and team.")
    if request.htmx:
        membership.refresh_from_db()
        row_form = _row_form(membership, teams)
        return render(
            request,
            "network/partials/member_row.html",
            {
                "city": city,
                "m": membership,
                "row_form": row_form,
                "error": error,
                "saved": error is None,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Membership saved."))
    return redirect("network:members", slug=city.slug)


@login_required
@require_POST
def member_remove(request: HtmxRequest, slug: str, membership_id: int) -> HttpResponse:
    city = _city(request, slug)
    membership = get_object_or_404(visible_memberships(request.user), pk=membership_id, city=city)
    try:
        services.remove_membership(request.user, membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(email)s removed.") % {"email": membership.user.email})
    return redirect("network:members", slug=city.slug)


def _audit(request: HttpRequest, slug: str | None) -> tuple[City | None, Any, AuditFilterForm]:
    """The city (or None), the reader's events with the filters applied, and the filter form."""
    city = get_object_or_404(visible_cities(request.user), slug=slug) if slug else None
    if not can_read_audit(request.user, city):
        raise PermissionDenied
    events = audit_events(request.user, city)
    form = AuditFilterForm(request.GET, people=audit_people(request.user, events))
    return city, filter_events(events, **form.filters()), form


@login_required
def audit_log(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The audit log of one city (its admins) or of the whole network (network admins)."""
    city, events, form = _audit(request, slug)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network/audit_log.html",
        {
            "city": city,
            "page": page,
            "rows": audit_rows(request.user, page.object_list),
            "form": form,
            "query": query.urlencode(),
            "export_max": AUDIT_EXPORT_MAX_ROWS,
        },
    )


@login_required
def audit_export(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The filtered events of the log page as CSV: exactly what the reader may see."""
    city, events, form = _audit(request, slug)
    if form.errors:
        return HttpResponseBadRequest(
            _("Fix the filters first: %(errors)s")
            % {"errors": " ".join(str(m) for ms in form.errors.values() for m in ms)},
            content_type="text/plain; charset=utf-8",
        )
    # One row past the cap tells whether the export would be cut short.
    rows = list(events[: AUDIT_EXPORT_MAX_ROWS + 1])
    if len(rows) > AUDIT_EXPORT_MAX_ROWS:
        return HttpResponseBadRequest(
            _("More than %(max)s events: narrow the filters to export them.")
            % {"max": AUDIT_EXPORT_MAX_ROWS},
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"audit-{city.slug}.csv" if city is not None else "audit.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = SafeWriter(response)
    writer.writerow(
        [_("When"), _("Who"), _("Action"), _("Object kind"), _("Object"), _("City"), _("Link")]
    )
    for row in audit_rows(request.user, rows):
        url = request.build_absolute_uri(row.url) if row.url else ""
        writer.writerow(
            [row.at.isoformat(), row.who, row.action, row.kind, row.object, row.city, url]
        )
    return response
