"""The "adapt in my city" form: where the copy goes, as what, under which challenge."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Role, Visibility
from civiclab.core.scoping import actor_for
from civiclab.exchange.services.forks import AS_KINDS
from civiclab.network.models import City
from civiclab.portfolio.models import Challenge
from civiclab.portfolio.queries import visible_challenges

AS_LABELS = {
    "challenge": _("A new challenge"),
    "idea": _("An idea under one of our challenges"),
    "solution": _("A solution under one of our challenges"),
}


def working_cities(user: Any, exclude: int | None = None) -> Any:
    """The cities where ``user`` works (member or city admin), but ``exclude``."""
    ids = {
        g.city_id
        for g in actor_for(user).grants
        if g.city_id is not None and g.role.rank >= Role.MEMBER.rank
    }
    cities = City.objects.filter(pk__in=ids).order_by("name")
    return cities.exclude(pk=exclude) if exclude is not None else cities


class ForkForm(forms.Form):
    city = forms.ModelChoiceField(label=_("Adapt it in"), queryset=City.objects.none())
    as_kind = forms.ChoiceField(label=_("As"))
    challenge = forms.ModelChoiceField(
        label=_("Under the challenge"),
        queryset=Challenge.objects.none(),
        required=False,
        help_text=_("For an idea or a solution: one of your city's challenges."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=[(v, lbl) for v, lbl in VISIBILITY_CHOICES if v != Visibility.TEAM],
        initial=Visibility.CITY,
        help_text=_("Who sees the copy: your city until you share it."),
    )

    def __init__(self, *args: Any, user: Any, origin_kind: str, origin: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cities = working_cities(user, exclude=origin.city_id)
        self.fields["city"].queryset = cities  # type: ignore[attr-defined]
        self.fields["challenge"].queryset = (  # type: ignore[attr-defined]
            visible_challenges(user).filter(city__in=cities).order_by("city__name", "title")
        )
        self.fields["challenge"].label_from_instance = lambda c: f"{c.city.name} — {c.title}"  # type: ignore[attr-defined]
        self.fields["as_kind"].choices = [(k, AS_LABELS[k]) for k in AS_KINDS[origin_kind]]  # type: ignore[attr-defined]
        self.fields["title"].initial = origin.title
        if cities.count() == 1:
            self.fields["city"].initial = cities.first()
