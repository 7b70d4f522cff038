"""pipeline routes (see funding/api/__init__.py): a city's profile, applications and their
status, funding leveraged, one opportunity with its eligibility, history and who applied."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.accounts.models import User
from civiclab.core.api import ERRORS, READ_ERRORS, ErrorResponse, Id, Page
from civiclab.funding import labels
from civiclab.funding.models import Application, Opportunity
from civiclab.funding.queries import pipeline as queries
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import home_city, may_see_profile, saved_profile
from civiclab.funding.schemas.pipeline import (
    ApplicationDetail,
    ApplicationFilters,
    ApplicationIn,
    ApplicationOut,
    ApplicationUpdate,
    LeveragedOut,
    LeveragedQuery,
    OpportunityDetail,
    ProfileIn,
    ProfileOut,
    StatusIn,
)
from civiclab.funding.services import pipeline
from civiclab.network.models import City
from civiclab.network.queries import visible_cities, visible_cohorts, visible_networks
from civiclab.portfolio.models import Challenge, Milestone, Solution
from civiclab.portfolio.queries import visible

router = Router(tags=["funding"])
APPLICATIONS = "/applications"
APPLICATION = APPLICATIONS + "/{application_id}"
# A status change may conflict with the application's current status (409).
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse}


# -- the profile --------------------------------------------------------------------------------
def _profile_city(request: ApiRequest, slug: str) -> City:
    city = get_object_or_404(visible_cities(request.auth), slug=slug)
    if not may_see_profile(request.auth, city):
        # A city's profile is its own: another city's people are told nothing about it.
        raise City.DoesNotExist
    return city


def _profile_out(city: City) -> dict[str, Any]:
    saved = saved_profile(city)
    codes = saved.applicant_codes if saved else ["02"]
    return {
        "city": city.slug,
        "saved": saved is not None,
        "applicant_codes": [{"code": c, "label": labels.applicant_label(c)} for c in codes],
        "partners": [
            {"name": p["name"], "code": p["code"], "label": labels.applicant_label(p["code"])}
            for p in (saved.partners if saved else [])
        ],
        "registration_expires": saved.registration_expires if saved else None,
    }


@router.get(
    "/cities/{slug}/profile",
    response={200: ProfileOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_funding_profile",
    summary="How a city applies for funding: its applicant types and partners",
    description="The city's members and the network's admins read it; others get a `404`.",
)
def get_funding_profile(request: ApiRequest, slug: str) -> dict[str, Any]:
    return _profile_out(_profile_city(request, slug))


@router.put(
    "/cities/{slug}/profile",
    response={200: ProfileOut, **ERRORS},
    operation_id="set_funding_profile",
    summary="Set how a city applies (its admins and the network's)",
    description=(
        "Known applicant-type codes only (not 25 or 99, which send the reader to an "
        "opportunity's text); at most 50 partners, each named in at most 200 characters."
    ),
)
def set_funding_profile(request: ApiRequest, slug: str, payload: ProfileIn) -> dict[str, Any]:
    city = _profile_city(request, slug)
    pipeline.set_profile(
        request.auth,
        city,
        payload.applicant_codes,
        [p.dict() for p in payload.partners],
        payload.registration_expires,
    )
    return _profile_out(city)


# -- applications -------------------------------------------------------------------------------
def _application(request: ApiRequest, application_id: int) -> Application:
    return get_object_or_404(queries.visible_applications(request.auth), pk=application_id)


def _answer(request: ApiRequest, application_id: int) -> Application:
    return _application(request, application_id)


def _refs(request: ApiRequest, city: City, fields: dict[str, Any]) -> dict[str, Any]:
    """Ids and slugs in a body → the objects (one the caller may not see: a 422 naming it)."""
    user = request.auth
    lookups: dict[str, Any] = {
        "challenge": visible(Challenge, user),
        "solution": visible(Solution, user),
        "opportunity": visible_opportunities(user),
    }
    errors: dict[str, str] = {}
    for name, queryset in lookups.items():
        if fields.get(name) is not None:
            found = queryset.filter(pk=fields[name]).first()
            if found is None:
                errors[name] = _("Not found.")
            fields[name] = found
    if fields.get("team") is not None:
        found_team = city.teams.filter(slug=fields["team"]).first()
        if found_team is None:
            errors["team"] = _("The city has no such team.")
        fields["team"] = found_team
    if fields.get("owner") is not None:
        fields["owner"] = User.objects.filter(pk=fields["owner"]).first()
        if fields["owner"] is None:
            errors["owner"] = _("The owner must be a member of the city.")
    if fields.get("milestones") is not None:
        wanted = fields["milestones"]
        found_milestones = list(visible(Milestone, user).filter(pk__in=wanted))
        if len(found_milestones) != len(set(wanted)):
            errors["milestones"] = _("Not found.")
        fields["milestones"] = found_milestones
    if errors:
        raise ValidationError(errors)
    for name in ("title", "funder", "match_source", "notes"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return fields


@router.get(
    APPLICATIONS,
    response=list[ApplicationOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_funding_applications",
    summary="Applications you can see (a city's are private unless it shared them)",
)
@paginate(Page)
def list_funding_applications(request: ApiRequest, filters: Query[ApplicationFilters]) -> Any:
    found = queries.visible_applications(request.auth).order_by("deadline", "pk")
    if filters.city:
        found = found.filter(city__slug=filters.city)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.opportunity:
        found = found.filter(opportunity_id=filters.opportunity)
    return found


@router.post(
    APPLICATIONS,
    response={201: ApplicationDetail, **ERRORS},
    operation_id="create_funding_application",
    summary="Start an application (members of the city)",
    description=(
        "For an `opportunity` of the catalogue (title and deadline default to its own) or a "
        "fund outside it (`funder` and `title`). It starts as a prospect, visible to the city "
        "(`visibility`: sharing it wider needs a city admin)."
    ),
)
def create_funding_application(
    request: ApiRequest, payload: ApplicationIn, response: HttpResponse
) -> Status:
    city = get_object_or_404(visible_cities(request.auth), slug=payload.city)
    fields = _refs(request, city, payload.dict(exclude={"city"}, exclude_none=True))
    milestones = fields.pop("milestones", None)
    made = pipeline.create_application(request.auth, city, milestones=milestones, **fields)
    response["Location"] = f"/api/v1/funding{APPLICATIONS}/{made.pk}"
    return Status(201, _answer(request, made.pk))


@router.get(
    APPLICATION,
    response={200: ApplicationDetail, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_funding_application",
    summary="An application, its readiness and its status history",
)
def get_funding_application(request: ApiRequest, application_id: Id) -> Application:
    return _answer(request, application_id)


@router.patch(
    APPLICATION,
    response={200: ApplicationDetail, **ERRORS},
    operation_id="update_funding_application",
    summary="Change an application (its status moves through /status)",
    description="Only the fields sent change; `null` empties a field that may be empty.",
)
def update_funding_application(
    request: ApiRequest, application_id: Id, payload: ApplicationUpdate
) -> Application:
    found = _application(request, application_id)
    changes = payload.dict(exclude_unset=True)
    checklist = changes.pop("checklist", None) or {}
    for name in ("visibility", "currency"):
        if name in changes and changes[name] is None:
            del changes[name]
    if "visibility" in changes:
        changes["visibility"] = str(changes["visibility"])
    changes = _refs(request, found.city, changes)
    milestones = changes.pop("milestones", None)
    pipeline.update_application(request.auth, found, changes, milestones=milestones)
    for key, done in checklist.items():
        pipeline.set_checklist(request.auth, found, key, done)
    return _answer(request, application_id)


@router.post(
    APPLICATION + "/status",
    response={200: ApplicationDetail, **WRITE_ERRORS},
    operation_id="change_funding_application_status",
    summary="Move an application to its next status",
    description=(
        "prospect → drafting → submitted → awarded / declined / withdrawn (a decision can be "
        "corrected, a withdrawal resumed). A move the table does not allow is a `409` "
        "`transition_refused` naming the statuses it may take; `awarded` needs "
        "`amount_awarded` (`422`)."
    ),
)
def change_funding_application_status(
    request: ApiRequest, application_id: Id, payload: StatusIn
) -> Application:
    found = _application(request, application_id)
    pipeline.change_status(
        request.auth,
        found,
        payload.status,
        note=payload.note,
        on=payload.on,
        amount_awarded=payload.amount_awarded,
    )
    return _answer(request, application_id)


# -- funding leveraged --------------------------------------------------------------------------
def _leveraged_object(request: ApiRequest, scope: str, pk: int | None) -> Any:
    user = request.auth
    if scope == "network":
        networks = visible_networks(user)
        if pk is None:
            # The reader's own network (a network admin's: the first they see).
            city = home_city(user)
            network = city.network if city is not None else networks.order_by("name").first()
            if network is None:
                raise ValidationError({"id": _("Name the network (id).")})
            return network
        return get_object_or_404(networks, pk=pk)
    if pk is None:
        raise ValidationError({"id": _("This scope needs the id of what it sums.")})
    querysets = {
        "city": visible_cities(user),
        "cohort": visible_cohorts(user),
        "challenge": visible(Challenge, user),
        "solution": visible(Solution, user),
    }
    return get_object_or_404(querysets[scope], pk=pk)


def _totals(totals: list[queries.Total]) -> list[dict[str, Any]]:
    return [t.__dict__ for t in totals]


@router.get(
    "/leveraged",
    response={200: LeveragedOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_funding_leveraged",
    summary="Funding leveraged: awards and match funds of awarded applications",
    description=(
        "Summed over the applications *you* may see: a city's private award counts for its "
        "people and the network's admins only, so the network's headline number is the one "
        "you may see. One total per currency. The network scope adds its parts by city, "
        "cohort, priority area and year, as on the network's page."
    ),
)
def get_funding_leveraged(request: ApiRequest, query: Query[LeveragedQuery]) -> dict[str, Any]:
    obj = _leveraged_object(request, query.scope, query.id)
    answer: dict[str, Any] = {
        "scope": query.scope,
        "id": obj.pk,
        "totals": _totals(queries.leveraged(request.auth, query.scope, obj)),
    }
    if query.scope == "network":
        parts = queries.network_breakdown(request.auth, obj)
        answer["by_city"] = [
            {"key": c.slug, "label": c.name, "totals": _totals(t)} for c, t in parts.by_city
        ]
        answer["by_cohort"] = [
            {"key": c.slug, "label": c.name, "totals": _totals(t)} for c, t in parts.by_cohort
        ]
        answer["by_priority_area"] = [
            {"key": p, "label": labels.priority_label(p), "totals": _totals(t)}
            for p, t in parts.by_priority
        ]
        answer["by_year"] = [
            {"key": str(y), "label": str(y), "totals": _totals(t)} for y, t in parts.by_year
        ]
    return answer


# -- one opportunity ----------------------------------------------------------------------------
@router.get(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityDetail, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_funding_opportunity",
    summary="One opportunity: details, eligibility for a city with reasons, history, who applied",
    description=(
        "`city` (slug, default your own) must be one whose funding profile you may read. "
        "`applied` lists the applications of the network's cities that you may see."
    ),
)
def get_funding_opportunity(
    request: ApiRequest, opportunity_id: Id, city: str | None = None
) -> dict[str, Any]:
    user = request.auth
    opportunity = get_object_or_404(visible_opportunities(user), pk=opportunity_id)
    if city:
        chosen = get_object_or_404(visible_cities(user), slug=city)
        if not may_see_profile(user, chosen):
            raise City.DoesNotExist
    else:
        chosen = home_city(user)
    return opportunity_document(user, opportunity, chosen)


def opportunity_document(user: Any, opportunity: Opportunity, city: City | None) -> dict[str, Any]:
    eligibility = queries.eligibility_for(user, opportunity, city)
    return {
        **{f: getattr(opportunity, f) for f in OPPORTUNITY_FIELDS},
        "categories": [
            {"code": code, "label": label}
            for code, label in zip(
                opportunity.activity_categories, opportunity.activity_labels, strict=True
            )
        ],
        "grants_gov_url": queries.grants_gov_url(opportunity),
        "eligibility": None
        if eligibility is None or city is None
        else {
            "city": city.slug,
            "status": str(eligibility.status),
            "label": labels.status_label(eligibility.status),
            "reasons": labels.reasons_text(eligibility),
        },
        "history": [
            {
                "kind": c.kind,
                "label": c.get_kind_display(),
                "field": c.field,
                "before": c.before,
                "after": c.after,
                "at": c.at,
            }
            for c in opportunity.changes.all()[:200]
        ],
        "applied": [
            {
                "city": a.city.slug,
                "city_name": a.city.name,
                "status": a.status,
                "amount_awarded": a.amount_awarded,
                "currency": a.application.currency,
            }
            for a in queries.who_applied(user, opportunity)
        ],
    }


OPPORTUNITY_FIELDS = (
    "id", "source", "external_id", "number", "title", "doc_type", "agency_code", "agency_name",
    "funder_type", "instruments", "assistance_listings", "applicant_codes", "eligibility_text",
    "post_date", "close_date", "close_date_explanation", "archive_date", "estimated_post_date",
    "estimated_close_date", "award_ceiling", "award_floor", "total_funding", "expected_awards",
    "cost_sharing", "currency", "description", "url",
)  # fmt: skip
