"""A city's funding profile: how it applies (its own applicant types and its partners)."""

from __future__ import annotations

from typing import Any

from civiclab.core.permissions import Action, Target, Visibility
from civiclab.core.scoping import user_can
from civiclab.funding.catalogue.applicants import BY_CODE, CITY
from civiclab.funding.catalogue.eligibility import Partner, Profile
from civiclab.funding.models import FundingProfile


def profile_for(city: Any) -> Profile:
    """The eligibility profile of ``city``: its saved codes and partners, or a city or township
    government (``02``) without partners when it has saved none."""
    saved = FundingProfile.objects.filter(city=city).first() if city is not None else None
    if saved is None:
        return Profile(codes=(CITY,), country=city.country if city is not None else "")
    codes = tuple(str(c) for c in saved.applicant_codes or [] if str(c) in BY_CODE) or (CITY,)
    partners = tuple(
        Partner(name=str(p.get("name", "")), code=str(p.get("code", "")))
        for p in saved.partners or []
        if isinstance(p, dict) and str(p.get("code", "")) in BY_CODE
    )
    return Profile(codes=codes, partners=partners, country=city.country)


def city_target(city: Any) -> Target:
    """A city's private things (its profile) as the rules read them: visible to the city."""
    return Target(city.network_id, city.pk, Visibility.CITY)


def may_see_profile(user: Any, city: Any) -> bool:
    """A profile names the city's partners: the city's members and the network's admins."""
    return user_can(user, Action.VIEW, city_target(city))


def saved_profile(city: Any) -> FundingProfile | None:
    return FundingProfile.objects.filter(city=city).first()


def home_city(user: Any) -> Any:
    """The city a person works in first (their oldest membership in a city), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = (
        user.memberships.filter(city__isnull=False)
        .select_related("city", "city__network")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.city if membership else None
