""" "Look elsewhere first": the passages the similarity ranks, and the matches a team set aside.

A ``Passage`` is derived from one object (a challenge, an idea, a solution, a case study) in one
language: its text, its content terms and its embedding, with the model that computed it. It
copies no visibility: who may see the object is read from the object's kind at query time
(``exchange.kinds``), so a passage is exactly as private as its object is now. ``city`` is the
owner (it never changes), kept so that "other cities" is one filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Passage", "SimilarDismissal"]


class Passage(models.Model):
    kind = models.CharField(max_length=16)
    object_id = models.PositiveBigIntegerField()
    language = models.CharField(max_length=8)
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    # SHA-256 of the text: an unchanged text is not embedded again.
    text_hash = models.CharField(max_length=64)
    # The content terms, each repeated by its count (similarity.text.stored_terms).
    terms = models.TextField(blank=True)
    # 384 little-endian float32 (similarity.ranking.vector_bytes); null until the worker (or
    # without the model installed) has computed it.
    embedding = models.BinaryField(null=True, blank=True)
    model_name = models.CharField(max_length=64, blank=True)
    model_version = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # An emptied passage (its object or language is gone) is kept, text and terms blank, so
    # that other processes see the change (the newest updated_at) and drop it from their
    # index; ``civiclab exchange reembed`` removes them.

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "language"], name="one_passage_per_object_language"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "object_id"], name="passage_object"),
            # "has any passage changed?" reads this index's last entry (queries.similar).
            models.Index(fields=["updated_at"], name="passage_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} ({self.language})"

    @property
    def model_key(self) -> tuple[str, str]:
        return (self.model_name, self.model_version)


class SimilarDismissal(models.Model):
    """A team's "not relevant" on a match shown for one of its challenges or ideas (the
    source): the match disappears from that source's panel for everyone."""

    source_kind = models.CharField(max_length=16)
    source_id = models.PositiveBigIntegerField()
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    match_kind = models.CharField(max_length=16)
    match_id = models.PositiveBigIntegerField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("dismissed at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "match_kind", "match_id"],
                name="one_similar_dismissal",
            )
        ]

    def __str__(self) -> str:
        # Kinds and ids only: the audit log keeps this, and a title may later become private.
        return f"{self.match_kind} #{self.match_id} for {self.source_kind} #{self.source_id}"
