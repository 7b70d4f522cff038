"""public: which solution updates a city publishes, and the rendered results briefs.

A solution's progress updates are written for the team; a city marks the few it wants
residents to read (``PublicUpdate``), and only those reach the public feed. A results brief
(``ResultsBrief``) is rendered by the worker and kept keyed by the data version it shows, so a
change to the data makes the next request render a new one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["PublicUpdate", "ResultsBrief"]


class PublicUpdate(models.Model):
    """A solution update the city marked public (its solution must be public to be shown)."""

    update = models.OneToOneField(
        "portfolio.Update", on_delete=models.CASCADE, related_name="public_mark"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"public update {self.update_id}"


class ResultsBrief(models.Model):
    """The PDF of one solution's results brief in one language, for one data version."""

    class State(models.TextChoices):
        QUEUED = "queued"
        DONE = "done"
        FAILED = "failed"

    solution = models.ForeignKey("portfolio.Solution", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    version = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    pdf = models.BinaryField(blank=True, default=b"")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "language", "version"], name="one_brief_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"brief {self.solution_id} {self.language} {self.state}"
