"""API shapes of the catalogue's imports and of funds entered by hand."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema
from civiclab.funding.catalogue.applicants import CODES
from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS

# A bigint column: amounts up to 2^63 - 1.
AMOUNT_MAX = 2**63 - 1
ApplicantCode = Literal[CODES]  # type: ignore[valid-type]
ActivityCode = Literal[tuple(ACTIVITY_CATEGORIES)]  # type: ignore[valid-type]
InstrumentCode = Literal[tuple(INSTRUMENTS)]  # type: ignore[valid-type]
FunderType = Literal[
    "federal", "state", "regional", "national", "european", "philanthropic", "corporate", "other"
]


class CatalogueImportOut(Schema):
    id: int
    file_name: str
    sha256: str
    format: str
    status: str
    created: int
    updated: int
    unchanged: int
    error: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


class FundOut(Schema):
    id: int
    external_id: str
    source: str
    title: str
    number: str
    description: str
    funder_name: str = Field(alias="agency_name")
    funder_type: str
    country: str
    eligibility_text: str
    applicant_codes: list[str]
    activity_categories: list[str]
    instruments: list[str]
    post_date: dt.date | None
    close_date: dt.date | None
    close_date_explanation: str
    award_ceiling: int | None
    award_floor: int | None
    total_funding: int | None
    currency: str
    cost_sharing: bool | None
    url: str
    network: str | None = Field(None, alias="network.slug")


class FundFields(InputSchema):
    number: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=20_000)
    funder_name: str | None = Field(None, max_length=300)
    funder_type: FunderType | None = None
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    eligibility_text: str | None = Field(None, max_length=20_000)
    applicant_codes: list[ApplicantCode] | None = Field(None, max_length=len(CODES))
    activity_categories: list[ActivityCode] | None = Field(  # type: ignore[valid-type]
        None, max_length=len(ACTIVITY_CATEGORIES)
    )
    instruments: list[InstrumentCode] | None = Field(  # type: ignore[valid-type]
        None, max_length=len(INSTRUMENTS)
    )
    post_date: dt.date | None = None
    close_date: dt.date | None = None
    close_date_explanation: str | None = Field(None, max_length=4_000)
    award_ceiling: int | None = Field(None, ge=0, le=AMOUNT_MAX)
    award_floor: int | None = Field(None, ge=0, le=AMOUNT_MAX)
    total_funding: int | None = Field(None, ge=0, le=AMOUNT_MAX)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    cost_sharing: bool | None = None
    url: str | None = Field(None, max_length=500)


class FundCreate(FundFields):
    title: str = Field(min_length=1, max_length=500)
    network: str | None = Field(None, description="Network slug; defaults to your network")


class FundUpdate(FundFields):
    title: str | None = Field(None, min_length=1, max_length=500)
