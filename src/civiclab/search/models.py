"""The site search's entries: which object each row of the full-text index stands for.

The index (``search.index.SITE``, ``core.fulltext``) is keyed by one integer; the objects it
covers live in several tables whose ids overlap, so each indexed object has one entry here,
and the entry's id is its index row's. Visibility is never stored: a search restricts the
entries to those whose object is in the kind's scoped query (``search.kinds``) at that moment.
"""

from __future__ import annotations

from django.db import models

KIND_CHOICES = [
    ("challenge", "challenge"),
    ("idea", "idea"),
    ("solution", "solution"),
    ("dataset", "dataset"),
    ("indicator", "indicator"),
    ("person", "person"),
]


class SearchEntry(models.Model):
    """One indexed object: its kind and id (the index row with this entry's id holds its
    prepared text)."""

    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique"),
        ]
        indexes = [models.Index(fields=["object_id", "kind"], name="search_entry_object")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
