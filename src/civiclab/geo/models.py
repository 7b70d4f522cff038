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


class BaseLayer(models.Model):
    """A dataset of shapes (street centrelines, parcels, neighbourhoods) the city marks to be
    drawn under the data of every map, thin and grey, so a map orients its reader even without
    base-map tiles. Drawn only for those who may see the dataset (``queries.base_layers_of``)."""

    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="base_layers")
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="base_layer_uses"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["city", "dataset"], name="one_base_layer_per_dataset")
        ]

    def __str__(self) -> str:
        return f"{self.dataset} (base layer)"
