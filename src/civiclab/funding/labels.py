"""The navigator's words in the reader's language: eligibility and its reasons."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civiclab.funding.catalogue.applicants import BY_CODE
from civiclab.funding.catalogue.eligibility import Eligibility, Reason, Status

STATUS_LABELS = {
    Status.ELIGIBLE: gettext_lazy("Eligible"),
    Status.POSSIBLE: gettext_lazy("Possibly eligible"),
    Status.INELIGIBLE: gettext_lazy("Not eligible"),
}


def status_label(status: Status | str) -> str:
    return str(STATUS_LABELS[Status(status)])


def applicant_label(code: str) -> str:
    """An applicant type in the reader's language (Grants.gov's wording is the msgid)."""
    applicant = BY_CODE.get(code)
    return _(applicant.label) if applicant else code


def reason_text(reason: Reason) -> str:
    """A reason in the reader's language: its template translated, then filled (applicant
    types in the fields translated too)."""
    fields = dict(reason.fields)
    if "code" in fields and "applicant" in fields:
        fields["applicant"] = applicant_label(fields["code"])
    return _(reason.template).format(**fields)


def reasons_text(eligibility: Eligibility) -> list[str]:
    return [reason_text(r) for r in eligibility.reasons]


def priority_label(area: str) -> str:
    """A challenge's priority area in the reader's language ("" — no visible challenge)."""
    from civiclab.portfolio.models import PRIORITY_AREAS

    if not area:
        return _("No challenge you can see")
    return str(dict(PRIORITY_AREAS).get(area, area))
