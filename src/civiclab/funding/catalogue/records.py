"""One funding opportunity as every reader (XML extract, search2 JSON, CSV, the form) gives it.

The fields follow the Grants.gov XML extract (``OpportunitySynopsisDetail_1_0`` and
``OpportunityForecastDetail_1_0``); other sources fill what they have and leave the rest empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class DocType(StrEnum):
    FORECAST = "forecast"
    SYNOPSIS = "synopsis"


# Grants.gov's OpportunityCategory: D discretionary, M mandatory, C continuation, E earmark,
# O other.
CATEGORIES = {
    "D": "Discretionary",
    "M": "Mandatory",
    "C": "Continuation",
    "E": "Earmark",
    "O": "Other",
}
# FundingInstrumentType: G grant, CA cooperative agreement, PC procurement contract, O other.
INSTRUMENTS = {
    "G": "Grant",
    "CA": "Cooperative Agreement",
    "PC": "Procurement Contract",
    "O": "Other",
}
# CategoryOfFundingActivity (IIJ: the Infrastructure Investment and Jobs Act).
ACTIVITY_CATEGORIES = {
    "ACA": "Affordable Care Act",
    "AG": "Agriculture",
    "AR": "Arts",
    "BC": "Business and Commerce",
    "CD": "Community Development",
    "CP": "Consumer Protection",
    "DPR": "Disaster Prevention and Relief",
    "ED": "Education",
    "ELT": "Employment, Labor and Training",
    "EN": "Energy",
    "ENV": "Environment",
    "FN": "Food and Nutrition",
    "HL": "Health",
    "HO": "Housing",
    "HU": "Humanities",
    "IIJ": "Infrastructure Investment and Jobs Act",
    "IS": "Information and Statistics",
    "ISS": "Income Security and Social Services",
    "LJL": "Law, Justice and Legal Services",
    "NR": "Natural Resources",
    "OZ": "Opportunity Zone Benefits",
    "RA": "Recovery Act",
    "RD": "Regional Development",
    "ST": "Science and Technology and other Research and Development",
    "T": "Transportation",
    "O": "Other",
}


@dataclass
class OpportunityRecord:
    """An opportunity as read; ``line`` is where its record starts in the file (for errors)."""

    opportunity_id: str
    number: str
    title: str
    doc_type: DocType = DocType.SYNOPSIS
    category: str = ""  # CATEGORIES key
    instruments: list[str] = field(default_factory=list)  # INSTRUMENTS keys
    activity_categories: list[str] = field(default_factory=list)  # ACTIVITY_CATEGORIES keys
    assistance_listings: list[str] = field(default_factory=list)  # e.g. "14.218"
    applicant_codes: list[str] = field(default_factory=list)  # applicants.CODES
    eligibility_text: str = ""
    agency_code: str = ""
    agency_name: str = ""
    post_date: dt.date | None = None
    close_date: dt.date | None = None
    close_date_explanation: str = ""
    archive_date: dt.date | None = None
    last_updated: dt.date | None = None
    award_ceiling: int | None = None
    award_floor: int | None = None
    total_funding: int | None = None
    expected_awards: int | None = None
    cost_sharing: bool | None = None
    description: str = ""  # plain text (HTML removed)
    url: str = ""
    # Forecasts: when the synopsis and the application deadline are expected.
    estimated_post_date: dt.date | None = None
    estimated_close_date: dt.date | None = None
    fiscal_year: int | None = None
    line: int | None = None
