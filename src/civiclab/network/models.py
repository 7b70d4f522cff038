"""The network of cities: networks, cohorts, cities, their i-teams, and memberships."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Role, Visibility


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Network(models.Model):
    """A network of cities supporting each other, e.g. a City Accelerator."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cohort(models.Model):
    """Cities working on one theme for a period."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"))
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="cohort_slug_per_network"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    """A city (or town) in the network, the owner of its data and work."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="cities")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. US"))
    region = models.CharField(_("region"), max_length=100, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=8,
        choices=[(v, lbl) for v, lbl in VISIBILITY_CHOICES if v != Visibility.TEAM],
        default=Visibility.NETWORK,
        help_text=_("Who can see the city's page: the network, or everyone."),
    )
    cohorts = models.ManyToManyField(Cohort, related_name="cities", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """An innovation team inside a city."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"))
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=VISIBILITY_CHOICES, default=Visibility.NETWORK
    )

    class Meta:
        ordering = ["city__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="team_slug_per_city"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city.name})"


ROLE_CHOICES = [
    (Role.NETWORK_ADMIN.value, _("Network admin")),
    (Role.CITY_ADMIN.value, _("City admin")),
    (Role.MEMBER.value, _("Member")),
    (Role.VIEWER.value, _("Viewer")),
]


class Membership(models.Model):
    """A person's role in a city (and optionally one of its teams), or across a network."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=16, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city__name", "user__email"]
        constraints = [
            # Network admins hold a network-wide role; everyone else belongs to a city.
            models.CheckConstraint(
                condition=Q(role=Role.NETWORK_ADMIN, city__isnull=True, team__isnull=True)
                | (~Q(role=Role.NETWORK_ADMIN) & Q(city__isnull=False)),
                name="membership_city_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "city"],
                condition=Q(city__isnull=False),
                name="one_membership_per_user_and_city",
            ),
            models.UniqueConstraint(
                fields=["user", "network"],
                condition=Q(role=Role.NETWORK_ADMIN),
                name="one_network_admin_role_per_user",
            ),
        ]

    def __str__(self) -> str:
        where = self.city.name if self.city is not None else self.network.name
        return f"{self.user} — {self.get_role_display()} — {where}"

    @property
    def visibility(self) -> Visibility:
        """Memberships are seen by the city's members (see ``visible_memberships``)."""
        return Visibility.CITY

    def clean(self) -> None:
        if self.team is not None and self.team.city_id != self.city_id:
            raise ValidationError({"team": _("The team must belong to the membership's city.")})
