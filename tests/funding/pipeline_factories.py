"""Opportunities and applications for the pipeline's tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from civiclab.funding.models import Application, ApplicationStatusChange, Opportunity
from civiclab.network.models import City

_ids = itertools.count(1)


def opportunity(**fields: Any) -> Opportunity:
    number = next(_ids)
    fields.setdefault("external_id", str(350_000 + number))
    fields.setdefault("number", f"HUD-FR-{number}")
    fields.setdefault("title", "Neighborhood revitalization grants")
    fields.setdefault("agency_name", "Department of Housing and Urban Development")
    fields.setdefault("applicant_codes", ["02"])
    fields.setdefault("post_date", dt.date(2026, 10, 1))
    fields.setdefault("close_date", dt.date(2027, 3, 1))
    return Opportunity.objects.create(**fields)


def application(city: City, **fields: Any) -> Application:
    """An application made directly (not through the service), with its first status."""
    fields.setdefault("title", "Blight grant")
    fields.setdefault("visibility", "city")
    made = Application.objects.create(city=city, **fields)
    ApplicationStatusChange.objects.create(application=made, to_status=made.status)
    return made


def award(city: City, amount: int, **fields: Any) -> Application:
    fields.setdefault("decided_on", dt.date(2026, 11, 1))
    return application(city, status="awarded", amount_awarded=Decimal(amount), **fields)
