"""dashboard: overriding a solution's proposed status (checked, validated, audited)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action
from civiclab.core.services import check
from civiclab.portfolio.models import SOLUTION_STATUSES, Solution
from civiclab.reports.models import NARRATIVE_LIMIT, StatusOverride
from civiclab.reports.queries.status import statuses_of


def override_status(by: Any, solution: Solution, status: str, narrative: str) -> StatusOverride:
    """Set ``solution``'s status against (or in agreement with) the data's proposal: only
    those who may edit the solution, only with a narrative. An override that agrees with the
    proposal is recorded (``agrees``) and changes nothing shown but the narrative."""
    check(by, Action.EDIT, solution, DEFAULT_POLICY)
    narrative = (narrative or "").strip()
    errors: dict[str, str] = {}
    if status not in dict(SOLUTION_STATUSES):
        errors["status"] = _("Choose on track, at risk or off track.")
    if not narrative:
        errors["narrative"] = _("Say why: an override needs a narrative.")
    elif len(narrative) > NARRATIVE_LIMIT:
        errors["narrative"] = _("At most %(limit)s characters.") % {"limit": NARRATIVE_LIMIT}
    if errors:
        raise ValidationError(errors)
    proposed = statuses_of([solution])[solution.pk].proposed or ""
    with transaction.atomic():
        override = StatusOverride.objects.create(
            solution=solution,
            status=status,
            narrative=narrative,
            proposed=proposed,
            agrees=status == proposed,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        record(
            by,
            "reports.status_override",
            solution,
            status=status,
            proposed=proposed,
            agrees=override.agrees,
        )
    return override
