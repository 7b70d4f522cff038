"""Building blocks that every content model shares."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Visibility

VISIBILITY_CHOICES = [
    (Visibility.TEAM.value, _("Team only")),
    (Visibility.CITY.value, _("City")),
    (Visibility.NETWORK.value, _("Network")),
    (Visibility.PUBLIC.value, _("Public")),
]


class CityOwnedContent(models.Model):
    """Abstract base for every content object: an owning city, maybe a team, a visibility.

    Later domains (challenges, datasets, indicators…) inherit from it, and
    ``civiclab.core.scoping.visible_to`` scopes their querysets.
    """

    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "network.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=VISIBILITY_CHOICES, default=Visibility.CITY
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
