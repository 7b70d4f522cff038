"""A city's funding profile as the eligibility rules read it."""

from __future__ import annotations

from typing import Any

from civiclab.funding.catalogue.applicants import BY_CODE, CITY
from civiclab.funding.catalogue.eligibility import Partner, Profile
from civiclab.funding.models import FundingProfile

DEFAULT_PROFILE = Profile((CITY,))


def profile_for(city: Any) -> Profile:
    """How ``city`` applies (its FundingProfile), or as a city or township government (02)
    when it has none or ``city`` is None."""
    if city is None:
        return DEFAULT_PROFILE
    saved = FundingProfile.objects.filter(city=city).first()
    if saved is None:
        return DEFAULT_PROFILE
    codes = tuple(str(c) for c in saved.applicant_codes or [] if str(c) in BY_CODE)
    partners = tuple(
        Partner(str(p.get("name", "")), str(p.get("code", "")))
        for p in saved.partners or []
        if isinstance(p, dict) and str(p.get("code", "")) in BY_CODE
    )
    return Profile(codes or (CITY,), partners)
