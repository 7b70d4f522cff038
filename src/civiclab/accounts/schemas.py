from __future__ import annotations

from ninja import Schema


class MembershipBrief(Schema):
    network: str
    city: str | None
    team: str | None
    role: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    language: str
    memberships: list[MembershipBrief]
