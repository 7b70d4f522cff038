"""Grants.gov's applicant types (the ``EligibleApplicants`` codes) and how sources spell them.

The codes are Grants.gov's (XML extract ``EligibleApplicants``; search2/fetchOpportunity
``applicantTypes``): 00–25 with gaps, and 99. ``25`` ("Others") and ``99`` ("Unrestricted")
both send the reader to the text field "Additional Information on Eligibility"; ``00`` (state
governments) is how most federal money reaches cities, as a pass-through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ApplicantType:
    code: str
    label: str  # Grants.gov's own wording (English); translated where shown


APPLICANT_TYPES: tuple[ApplicantType, ...] = (
    ApplicantType("00", "State governments"),
    ApplicantType("01", "County governments"),
    ApplicantType("02", "City or township governments"),
    ApplicantType("04", "Special district governments"),
    ApplicantType("05", "Independent school districts"),
    ApplicantType("06", "Public and State controlled institutions of higher education"),
    ApplicantType("07", "Native American tribal governments (Federally recognized)"),
    ApplicantType("08", "Public housing authorities/Indian housing authorities"),
    ApplicantType(
        "11",
        "Native American tribal organizations (other than Federally recognized tribal governments)",
    ),
    ApplicantType(
        "12",
        "Nonprofits having a 501(c)(3) status with the IRS, other than institutions of "
        "higher education",
    ),
    ApplicantType(
        "13",
        "Nonprofits that do not have a 501(c)(3) status with the IRS, other than institutions "
        "of higher education",
    ),
    ApplicantType("20", "Private institutions of higher education"),
    ApplicantType("21", "Individuals"),
    ApplicantType("22", "For profit organizations other than small businesses"),
    ApplicantType("23", "Small businesses"),
    ApplicantType(
        "25",
        'Others (see text field entitled "Additional Information on Eligibility" for '
        "clarification)",
    ),
    ApplicantType(
        "99",
        "Unrestricted (i.e., open to any type of entity above), subject to any clarification "
        'in text field entitled "Additional Information on Eligibility"',
    ),
)
BY_CODE: dict[str, ApplicantType] = {t.code: t for t in APPLICANT_TYPES}
CODES: tuple[str, ...] = tuple(BY_CODE)

STATE = "00"
CITY = "02"
READ_THE_TEXT = frozenset({"25", "99"})

# One bit per code, so that "any of these codes" is one integer test in SQL (``mask & bits``).
BIT: dict[str, int] = {code: 1 << index for index, code in enumerate(CODES)}


def mask_of(codes: object) -> int:
    """The bit mask of ``codes`` (unknown codes are ignored: they were refused on reading)."""
    total = 0
    for code in codes if isinstance(codes, (list, tuple, set, frozenset)) else ():
        total |= BIT.get(str(code), 0)
    return total


def codes_of(mask: int) -> list[str]:
    return [code for code in CODES if mask & BIT[code]]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# The APIs and CSV exports spell applicant types as their descriptions, with small variations
# (``Public housing authorities/Indian housing authorities`` vs ``Public and Indian housing
# authorities``); the first words decide.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("state government", "00"),
    ("county government", "01"),
    ("city or township government", "02"),
    ("special district government", "04"),
    ("independent school district", "05"),
    ("public and state controlled institution", "06"),
    ("native american tribal government", "07"),
    ("public housing authorit", "08"),
    ("public and indian housing authorit", "08"),
    ("native american tribal organization", "11"),
    ("nonprofits having a 501 c 3", "12"),
    ("nonprofits that do not have a 501 c 3", "13"),
    ("private institutions of higher education", "20"),
    ("individual", "21"),
    ("for profit organizations other than small business", "22"),
    ("small business", "23"),
    ("others", "25"),
    ("other", "25"),
    ("unrestricted", "99"),
)


def code_for(text: str) -> str | None:
    """The code of an applicant type as a source spells it: a code ("02", "2") or a
    description ("City or township governments"); None when it is not one."""
    stripped = text.strip()
    if stripped.isdigit() and len(stripped) <= 2:
        code = stripped.zfill(2)
        return code if code in BY_CODE else None
    key = _key(stripped)
    for prefix, code in _PREFIXES:
        if key.startswith(prefix):
            return code
    return None
