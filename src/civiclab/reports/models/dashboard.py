"""dashboard: a person's override of a solution's proposed status, with its narrative."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civiclab.portfolio.models import SOLUTION_STATUSES

__all__ = ["NARRATIVE_LIMIT", "StatusOverride"]

NARRATIVE_LIMIT = 2_000


class StatusOverride(models.Model):
    """A status set by a person. The latest one for a solution is the status shown, with its
    narrative; ``proposed`` keeps what the data said at the time (an override that agrees
    with it is only recorded, ``agrees``)."""

    solution = models.ForeignKey(
        "portfolio.Solution", on_delete=models.CASCADE, related_name="status_overrides"
    )
    status = models.CharField(_("status"), max_length=16, choices=SOLUTION_STATUSES)
    narrative = models.TextField(_("why"), max_length=NARRATIVE_LIMIT)
    proposed = models.CharField(max_length=16, blank=True)
    agrees = models.BooleanField(default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["solution", "-at"], name="reports_override_latest")]

    def __str__(self) -> str:
        return f"{self.solution_id}: {self.status}"
