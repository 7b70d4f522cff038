"""Opportunities for the search tests, indexed as the import indexes them."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

from django.utils import timezone

from civiclab.funding.catalogue.applicants import mask_of
from civiclab.funding.models import Opportunity
from civiclab.funding.search_index import reindex

TODAY = timezone.localdate()
_ids = count(1)


def opportunity(**fields: Any) -> Opportunity:
    """An open Grants.gov opportunity for cities (02) unless ``fields`` say otherwise; indexed."""
    n = next(_ids)
    fields.setdefault("external_id", str(900000 + n))
    fields.setdefault("number", f"TEST-{n:04d}")
    fields.setdefault("title", f"Opportunity {n}")
    fields.setdefault("agency_code", "AGY")
    fields.setdefault("agency_name", "Test agency")
    fields.setdefault("applicant_codes", ["02"])
    fields.setdefault("post_date", TODAY - dt.timedelta(days=10))
    fields.setdefault("close_date", TODAY + dt.timedelta(days=30))
    fields.setdefault("instruments", ["G"])
    fields["applicant_mask"] = mask_of(fields["applicant_codes"])
    made = Opportunity.objects.create(**fields)
    reindex([made.pk])
    made.refresh_from_db()
    return made
