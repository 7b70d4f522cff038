"""What changed between an opportunity as stored and the record just read: the catalogue's
history (deadline extended, ceiling changed, forecast posted, closed…)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civiclab.funding.catalogue.records import DocType, OpportunityRecord

# The fields whose changes have a kind of their own; any other field read is "changed".
_AMOUNTS = {
    "award_ceiling": "ceiling_changed",
    "award_floor": "floor_changed",
    "total_funding": "funding_changed",
}
# Fields every import compares for a plain "changed" (one change lists them all).
_DETAILS = (
    "number",
    "title",
    "category",
    "instruments",
    "activity_categories",
    "assistance_listings",
    "agency_code",
    "agency_name",
    "post_date",
    "close_date_explanation",
    "expected_awards",
    "cost_sharing",
    "description",
    "url",
    "estimated_post_date",
    "estimated_close_date",
    "fiscal_year",
)


@dataclass(frozen=True)
class Change:
    kind: str  # models.CHANGE_KINDS
    field: str = ""
    before: str = ""
    after: str = ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _closed(close_date: object, archive_date: object, today: dt.date) -> bool:
    past_close = isinstance(close_date, dt.date) and close_date < today
    archived = isinstance(archive_date, dt.date) and archive_date <= today
    return past_close or archived


def changes(
    before: Mapping[str, Any] | None, after: OpportunityRecord, today: dt.date | None = None
) -> list[Change]:
    """The changes from ``before`` (the stored opportunity's fields, None when it is new) to
    ``after``, in the order a reader expects them."""
    if before is None:
        return [Change("created", after=after.title)]
    today = today or dt.datetime.now(dt.UTC).date()
    found: list[Change] = []
    if before.get("doc_type") == DocType.FORECAST and after.doc_type == DocType.SYNOPSIS:
        found.append(Change("posted", "doc_type", DocType.FORECAST, DocType.SYNOPSIS))

    old, new = before.get("close_date"), after.close_date
    if old != new:
        if old is None:
            found.append(Change("deadline_set", "close_date", "", _text(new)))
        elif new is None:
            found.append(Change("changed", "close_date", _text(old), ""))
        elif new > old:
            found.append(Change("deadline_extended", "close_date", _text(old), _text(new)))
        else:
            found.append(Change("deadline_moved_earlier", "close_date", _text(old), _text(new)))

    was_closed = _closed(old, before.get("archive_date"), today)
    is_closed = _closed(new, after.archive_date, today)
    if is_closed and not was_closed:
        found.append(Change("closed", "close_date", _text(old), _text(new)))
    elif was_closed and not is_closed:
        found.append(Change("reopened", "close_date", _text(old), _text(new)))
    if before.get("archive_date") is None and after.archive_date is not None:
        found.append(Change("archived", "archive_date", "", _text(after.archive_date)))

    for name, kind in _AMOUNTS.items():
        if before.get(name) != getattr(after, name):
            found.append(Change(kind, name, _text(before.get(name)), _text(getattr(after, name))))

    old_codes = sorted(before.get("applicant_codes") or [])
    if old_codes != sorted(after.applicant_codes):
        found.append(
            Change(
                "eligibility_changed",
                "applicant_codes",
                _text(old_codes),
                _text(sorted(after.applicant_codes)),
            )
        )
    elif (before.get("eligibility_text") or "") != after.eligibility_text:
        found.append(Change("eligibility_changed", "eligibility_text"))

    details = [
        name
        for name in _DETAILS
        if _text(before.get(name)) != _text(getattr(after, name))
        and not (name == "post_date" and found and found[0].kind == "posted")
    ]
    if details:
        found.append(Change("changed", "details", after=", ".join(details)))
    return found
