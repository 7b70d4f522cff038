"""Eligibility a city can trust: an opportunity's applicant types read against a city's profile.

Three answers, each with its reasons (English templates with named fields; the pages and the
API show them in the reader's language, ``funding/labels.py``):

- **eligible**: the opportunity lists an applicant type the city applies as (a city or township
  government is ``02``; a consolidated city-county may also apply as a county, ``01``…);
- **possible**: never a plain yes — a partner the team works with is listed (a nonprofit, the
  housing authority), or the state is (``00``: a possible pass-through), or the opportunity
  sends the reader to its text (``25`` others, ``99`` unrestricted), or it lists no applicant
  types at all (forecasts often do not);
- **ineligible**: none of those; the reasons name who is eligible and how the city applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from civiclab.funding.catalogue.applicants import BY_CODE, CITY, READ_THE_TEXT, STATE


class Status(StrEnum):
    ELIGIBLE = "eligible"
    POSSIBLE = "possible"
    INELIGIBLE = "ineligible"

    @property
    def rank(self) -> int:
        """Larger is better: eligible 2, possible 1, ineligible 0."""
        return {Status.ELIGIBLE: 2, Status.POSSIBLE: 1, Status.INELIGIBLE: 0}[self]


# The reasons' English templates; the same strings are the msgids of their translations.
APPLIES_AS = "{applicant} are eligible (code {code}), and your city applies as one."
PARTNER = "{partner} could apply as {applicant} (code {code}): apply with it as your partner."
PASS_THROUGH = (
    "Only state governments are eligible (code 00): the state may pass the funds through to "
    "cities. Ask your state agency."
)
STATE_TOO = "State governments are eligible too (code 00): a pass-through is also possible."
STATE_AMONG = (
    "State governments are among the eligible applicants (code 00): the state may pass the "
    "funds through to cities. Ask your state agency."
)
READ_TEXT = (
    "The opportunity describes who may apply in its text ({applicant}, code {code}): "
    "read it before counting on it."
)
NOT_STATED = (
    "The opportunity lists no eligible applicants yet: read its text before counting on it."
)
NOT_LISTED = "Eligible applicants are: {applicants}. Your city applies as {own}."
ELSEWHERE = "This fund is for applicants in {country}; your city is in {own}."


@dataclass(frozen=True)
class Partner:
    """An organisation the team works with, and the applicant type it would apply as."""

    name: str
    code: str


@dataclass(frozen=True)
class Profile:
    """How a city applies: as which applicant types itself, and with which partners."""

    codes: tuple[str, ...] = (CITY,)
    partners: tuple[Partner, ...] = ()
    # The city's country (ISO 3166): a fund for applicants of another country is not for it
    # (a US federal grant is not a French commune's). Empty: not known, not checked.
    country: str = ""


@dataclass(frozen=True)
class Reason:
    template: str
    fields: dict[str, str] = field(default_factory=dict)

    def english(self) -> str:
        return self.template.format(**self.fields)


@dataclass(frozen=True)
class Eligibility:
    status: Status
    reasons: tuple[Reason, ...]


def _label(code: str) -> str:
    applicant = BY_CODE.get(code)
    return applicant.label if applicant else code


def _normalised(codes: Iterable[str]) -> list[str]:
    """The listed codes, sorted and unique; "2" is read as "02" (sources drop the zero)."""
    found = set()
    for code in codes:
        text = str(code).strip()
        found.add(text.zfill(2) if text.isdigit() and len(text) == 1 else text)
    return sorted(found)


def assess(codes: Iterable[str], profile: Profile, country: str = "") -> Eligibility:
    """Whether a city with ``profile`` may apply to an opportunity open to ``codes``.

    The reasons of a possible answer come in this order: the partners who could apply, the
    codes that send the reader to the text, then the state's pass-through ("only the state"
    when the state is the one listed type, "among" or "too" otherwise)."""
    if country and profile.country and country.upper() != profile.country.upper():
        return Eligibility(
            Status.INELIGIBLE,
            (Reason(ELSEWHERE, {"country": country.upper(), "own": profile.country.upper()}),),
        )
    listed = _normalised(codes)
    own = [c for c in listed if c in profile.codes and c not in READ_THE_TEXT]
    if own:
        reasons = [Reason(APPLIES_AS, {"applicant": _label(c), "code": c}) for c in own]
        return Eligibility(Status.ELIGIBLE, tuple(reasons))
    reasons = []
    for partner in profile.partners:
        if partner.code in listed and partner.code not in READ_THE_TEXT:
            reasons.append(
                Reason(
                    PARTNER,
                    {
                        "partner": partner.name,
                        "applicant": _label(partner.code),
                        "code": partner.code,
                    },
                )
            )
    partner_is_state = any(p.code == STATE for p in profile.partners)
    for code in listed:
        if code in READ_THE_TEXT:
            reasons.append(Reason(READ_TEXT, {"applicant": _label(code), "code": code}))
    if STATE in listed and not partner_is_state:
        if reasons:
            reasons.append(Reason(STATE_TOO))
        elif listed == [STATE]:
            reasons.append(Reason(PASS_THROUGH))
        else:
            reasons.append(Reason(STATE_AMONG))
    if not listed:
        reasons.append(Reason(NOT_STATED))
    if reasons:
        return Eligibility(Status.POSSIBLE, tuple(reasons))
    return Eligibility(
        Status.INELIGIBLE,
        (
            Reason(
                NOT_LISTED,
                {
                    "applicants": "; ".join(f"{_label(c)} ({c})" for c in listed),
                    "own": "; ".join(f"{_label(c)} ({c})" for c in profile.codes) or "—",
                },
            ),
        ),
    )


def profile_codes(profile: Profile) -> tuple[set[str], set[str]]:
    """The codes that make an opportunity eligible, and those that make it possible
    (partners', the state's, read-the-text): the SQL filter's two masks (``applicants.mask_of``)."""
    eligible = {c for c in profile.codes if c not in READ_THE_TEXT}
    possible = {p.code for p in profile.partners} | {STATE} | set(READ_THE_TEXT)
    return eligible, possible - eligible


def all_templates() -> Sequence[str]:
    """Every reason's template (the translations test checks each has a French msgstr)."""
    return (
        APPLIES_AS,
        PARTNER,
        PASS_THROUGH,
        STATE_TOO,
        STATE_AMONG,
        READ_TEXT,
        NOT_STATED,
        NOT_LISTED,
        ELSEWHERE,
    )
