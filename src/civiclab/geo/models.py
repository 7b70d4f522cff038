"""Boundaries: polygon datasets (neighbourhoods, districts, tracts) attached to a city, drawn
as the base of its maps and used to name the area of each row."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Boundary(models.Model):
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="boundaries")
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="boundary_uses"
    )
    label_column = models.CharField(_("column naming each area"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["city", "dataset"], name="one_boundary_per_dataset")
        ]

    def __str__(self) -> str:
        return f"{self.dataset} by {self.label_column}"
