"""Fork and adapt: a copy of another city's shared challenge or solution, linked to its origin.

A ``Fork`` records one adaptation: what was copied (``origin_kind``/``origin_id``: a challenge
or a solution of another city, shared with the network or the public when it was copied), what
it became in the adapting city (``copy_kind``/``copy_id``: a challenge, an idea or a solution),
who made it, when, and the re-pointing report (which indicator definitions now read the city's
own datasets, and why the others could not). Forks of forks chain through the copy of one being
the origin of the next, so the lineage is read both ways from these rows.

Visibility is never copied here: a fork is seen exactly when its copy is (``queries.forks``),
and an origin or a descendant is shown only when the reader may see it now (``kinds``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Fork"]

ORIGIN_KINDS = [("challenge", _("Challenge")), ("solution", _("Solution"))]
COPY_KINDS = [("challenge", _("Challenge")), ("idea", _("Idea")), ("solution", _("Solution"))]


class Fork(models.Model):
    origin_kind = models.CharField(_("adapted from (kind)"), max_length=16, choices=ORIGIN_KINDS)
    origin_id = models.PositiveBigIntegerField(_("adapted from (id)"))
    copy_kind = models.CharField(_("adapted as"), max_length=16, choices=COPY_KINDS)
    copy_id = models.PositiveBigIntegerField(_("copy (id)"))
    # The adapting city (the copy's), so the audit log and the copy's city agree.
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # [{"origin_indicator": id, "name": str, "status": "repointed" | "reused" | "not_repointed"
    #   | "not_copied", "indicator": id | None, "dataset": str, "reason": code, "details": {…}}]
    report = models.JSONField(_("re-pointing report"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["copy_kind", "copy_id"], name="one_fork_per_copy"),
        ]
        indexes = [models.Index(fields=["origin_kind", "origin_id"], name="fork_origin")]

    def __str__(self) -> str:
        return f"{self.origin_kind} {self.origin_id} → {self.copy_kind} {self.copy_id}"
