"""API shapes of the network: what clients send and receive."""

from __future__ import annotations

from ninja import Field, Schema
from pydantic import StrictInt

from civiclab.core.permissions import Role, Visibility
from civiclab.core.schemas import FIELD_INT_MAX, InputSchema, StrictId


class CityOut(Schema):
    id: int
    slug: str
    name: str
    country: str
    region: str
    population: int | None
    timezone: str
    default_language: str
    visibility: str
    network: str = Field(alias="network.slug")
    cohorts: list[str] = Field(default_factory=list)

    @staticmethod
    def resolve_cohorts(obj: object) -> list[str]:
        return [c.slug for c in obj.cohorts.all()]  # type: ignore[attr-defined]


class CityCreate(InputSchema):
    slug: str = Field(pattern=r"^[a-z0-9-]+$", max_length=50)
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    region: str = ""
    population: int | None = Field(None, ge=0, le=FIELD_INT_MAX)
    timezone: str = "UTC"
    default_language: str = "en"
    visibility: Visibility = Visibility.NETWORK
    network: str | None = Field(None, description="Network slug; defaults to your network")


class CityUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    region: str | None = None
    population: int | None = Field(None, ge=0, le=FIELD_INT_MAX)
    timezone: str | None = None
    default_language: str | None = None
    description: str | None = None
    visibility: Visibility | None = None


class TeamOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    visibility: str
    city: str = Field(alias="city.slug")


class TeamCreate(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(None, pattern=r"^[a-z0-9-]+$", max_length=50)
    description: str = ""
    visibility: Visibility = Visibility.NETWORK


class TeamUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    visibility: Visibility | None = None


class MembershipOut(Schema):
    id: int
    email: str = Field(alias="user.email")
    full_name: str = Field(alias="user.full_name")
    role: str
    city: str | None = None
    team: int | None = Field(None, alias="team_id")
    network: str = Field(alias="network.slug")

    @staticmethod
    def resolve_city(obj: object) -> str | None:
        city = obj.city  # type: ignore[attr-defined]
        return city.slug if city else None


class MembershipCreate(InputSchema):
    email: str = Field(description="An existing user's email address")
    city: str = Field(description="City slug")
    role: Role
    team: StrictId | None = None


class MembershipUpdate(InputSchema):
    role: Role | None = None
    team: StrictInt | None = Field(
        None, ge=0, le=2**63 - 1, description="Team id; send 0 to clear the team"
    )
