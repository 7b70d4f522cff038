"""API shapes of the pipeline: a city's profile, applications and their status, funding
leveraged, and one opportunity as its page shows it."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from civiclab.accounts.people import PersonOut, person_for
from civiclab.core.permissions import Visibility
from civiclab.core.schemas import InputSchema, StrictId

Status = Literal["prospect", "drafting", "submitted", "awarded", "declined", "withdrawn"]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD")]
Code = Annotated[str, Field(min_length=2, max_length=2, description="An applicant-type code")]


# -- the profile --------------------------------------------------------------------------------
class PartnerIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    code: Code


class ProfileIn(InputSchema):
    applicant_codes: list[Code] = Field(
        min_length=1, max_length=20, description="The types the city applies as (e.g. 02)"
    )
    partners: list[PartnerIn] = Field(default_factory=list, max_length=50)
    registration_expires: dt.date | None = None


class ApplicantTypeOut(Schema):
    code: str
    label: str


class PartnerOut(Schema):
    name: str
    code: str
    label: str


class ProfileOut(Schema):
    city: str
    saved: bool = Field(description="False: the default (a city or township government)")
    applicant_codes: list[ApplicantTypeOut]
    partners: list[PartnerOut]
    registration_expires: dt.date | None = None


# -- applications -------------------------------------------------------------------------------
class ApplicationFilters(Schema):
    city: str | None = Field(None, max_length=50, description="Only this city's (slug)")
    status: Status | None = None
    opportunity: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None


class ApplicationFields(InputSchema):
    title: str | None = Field(None, max_length=300)
    funder: str | None = Field(None, max_length=300, description="A fund outside the catalogue")
    team: str | None = Field(None, max_length=50, description="A team of the city (slug)")
    visibility: Visibility | None = None
    owner: StrictId | None = Field(None, description="A member of the city (user id)")
    challenge: StrictId | None = None
    solution: StrictId | None = None
    milestones: list[StrictId] | None = Field(None, max_length=200)
    deadline: dt.date | None = None
    amount_requested: Money | None = None
    match_amount: Money | None = None
    match_source: str | None = Field(None, max_length=300)
    currency: Currency | None = None
    notes: str | None = Field(None, max_length=10_000)


class ApplicationIn(ApplicationFields):
    city: str = Field(max_length=50, description="The city applying (slug)")
    opportunity: StrictId | None = Field(
        None, description="The opportunity (title and deadline default to its own)"
    )


class ApplicationUpdate(ApplicationFields):
    amount_awarded: Money | None = None
    checklist: dict[str, bool] | None = Field(
        None, description="Readiness items to tick or untick (registration, match, letters…)"
    )


class StatusIn(InputSchema):
    status: Status
    note: str = Field("", max_length=10_000)
    on: dt.date | None = Field(None, description="When it happened (default: today)")
    amount_awarded: Money | None = Field(None, description="Needed to mark it awarded")


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    note: str
    at: datetime
    by: PersonOut | None = None

    @staticmethod
    def resolve_by(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.by, obj.application.city, context)


class ApplicationOut(Schema):
    id: int
    title: str
    city: str = Field(alias="city.slug")
    team: str | None = None
    visibility: str
    status: str
    opportunity: int | None = Field(None, alias="opportunity_id")
    funder: str
    owner: PersonOut | None = None
    deadline: dt.date | None = None
    amount_requested: Decimal | None = None
    amount_awarded: Decimal | None = None
    match_amount: Decimal | None = None
    currency: str
    readiness: list[int] = Field(description="[items done, items in the checklist]")
    updated_at: datetime

    @staticmethod
    def resolve_team(obj: Any) -> str | None:
        return obj.team.slug if obj.team_id else None

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.owner, obj.city, context)

    @staticmethod
    def resolve_readiness(obj: Any) -> list[int]:
        from civiclab.funding.services.pipeline import readiness

        return list(readiness(obj))


class ApplicationDetail(ApplicationOut):
    match_source: str
    notes: str
    checklist: dict[str, bool]
    submitted_on: dt.date | None = None
    decided_on: dt.date | None = None
    challenge: int | None = Field(None, description="Shown only if you may see it")
    solution: int | None = Field(None, description="Shown only if you may see it")
    milestones: list[int] = Field(description="Those you may see")
    history: list[StatusChangeOut]

    @staticmethod
    def resolve_checklist(obj: Any) -> dict[str, bool]:
        checklist = obj.checklist if isinstance(obj.checklist, dict) else {}
        return {str(key): bool(done) for key, done in checklist.items()}

    @staticmethod
    def resolve_challenge(obj: Any, context: Any) -> int | None:
        shown = _linked(obj, context)["challenge"]
        return shown.pk if shown else None

    @staticmethod
    def resolve_solution(obj: Any, context: Any) -> int | None:
        shown = _linked(obj, context)["solution"]
        return shown.pk if shown else None

    @staticmethod
    def resolve_milestones(obj: Any, context: Any) -> list[int]:
        return [m.pk for m in _linked(obj, context)["milestones"]]

    @staticmethod
    def resolve_history(obj: Any) -> list[Any]:
        return list(obj.status_changes.select_related("by", "application__city"))


def _reader(context: Any) -> Any:
    request = (context or {}).get("request")
    return getattr(request, "auth", None) or getattr(request, "user", None)


def _linked(obj: Any, context: Any) -> dict[str, Any]:
    """What the application links to that the reader may see (read once per answer)."""
    from civiclab.funding.queries.pipeline import linked_for

    cached = getattr(obj, "_linked_for_reader", None)
    if cached is None:
        cached = linked_for(_reader(context), obj)
        obj._linked_for_reader = cached
    return cached


# -- funding leveraged --------------------------------------------------------------------------
class LeveragedQuery(Schema):
    scope: Literal["network", "city", "cohort", "challenge", "solution"] = "network"
    id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = Field(
        None,
        description="The network's, city's, cohort's, challenge's or solution's id "
        "(network: default your own)",
    )


class TotalOut(Schema):
    currency: str
    awarded: Decimal
    match: Decimal
    applications: int


class LeveragedPart(Schema):
    key: str = Field(description="The city's or cohort's slug, the priority area, the year")
    label: str
    totals: list[TotalOut]


class LeveragedOut(Schema):
    scope: str
    id: int
    totals: list[TotalOut] = Field(description="One per currency; from the applications you see")
    by_city: list[LeveragedPart] = Field(default_factory=list, description="network only")
    by_cohort: list[LeveragedPart] = Field(default_factory=list, description="network only")
    by_priority_area: list[LeveragedPart] = Field(default_factory=list, description="network only")
    by_year: list[LeveragedPart] = Field(default_factory=list, description="network only")


# -- one opportunity ----------------------------------------------------------------------------
class EligibilityOut(Schema):
    city: str
    status: str = Field(description="eligible, possible or ineligible")
    label: str
    reasons: list[str]


class ChangeOut(Schema):
    kind: str
    label: str
    field: str
    before: str
    after: str
    at: datetime


class ApplicantOut(Schema):
    city: str
    city_name: str
    status: str
    amount_awarded: Decimal | None = None
    currency: str


class CategoryOut(Schema):
    code: str
    label: str


class OpportunityDetail(Schema):
    id: int
    source: str
    external_id: str
    number: str
    title: str
    stage: str = Field(alias="doc_type")
    agency_code: str
    agency_name: str
    funder_type: str
    instruments: list[str]
    categories: list[CategoryOut]
    assistance_listings: list[str]
    applicant_codes: list[str]
    eligibility_text: str
    post_date: dt.date | None = None
    close_date: dt.date | None = None
    close_date_explanation: str
    archive_date: dt.date | None = None
    estimated_post_date: dt.date | None = None
    estimated_close_date: dt.date | None = None
    award_ceiling: int | None = None
    award_floor: int | None = None
    total_funding: int | None = None
    expected_awards: int | None = None
    cost_sharing: bool | None = None
    currency: str
    description: str
    url: str
    grants_gov_url: str | None = None
    eligibility: EligibilityOut | None = Field(
        None, description="For the city asked (default: yours); none for anonymous readers"
    )
    history: list[ChangeOut]
    applied: list[ApplicantOut] = Field(
        description="Applications of the network's cities that you may see"
    )
