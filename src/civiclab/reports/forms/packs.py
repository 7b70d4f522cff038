"""packs: the new-review form and the meeting form (decisions and actions as rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Role
from civiclab.network.models import City, Cohort, Membership, Team
from civiclab.reports.models.packs import (
    CADENCES,
    ITEM_TEXT_LIMIT,
    ITEMS_PER_MEETING,
    NOTES_LIMIT,
    SCOPES,
    TITLE_LIMIT,
    Review,
)
from civiclab.reports.queries import packs as queries

# Rows of each kind the meeting form starts with ("Add a row" adds more, up to the limit).
START_ROWS = 3


class ReviewForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_LIMIT)
    scope = forms.ChoiceField(label=_("What is reviewed"), choices=SCOPES)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    city = forms.ModelChoiceField(
        label=_("City (its whole portfolio)"), queryset=City.objects.none(), required=False
    )
    cohort = forms.ModelChoiceField(
        label=_("Cohort"), queryset=Cohort.objects.none(), required=False
    )
    cadence = forms.ChoiceField(label=_("Cadence"), choices=CADENCES, initial="monthly")
    next_meeting_on = forms.DateField(
        label=_("Next meeting"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from civiclab.core.scoping import actor_for

        actor = actor_for(user)
        cities = {g.city_id for g in actor.grants if g.city_id and g.role is not Role.VIEWER}
        networks = actor.network_admin_of()
        city_rule = Q(pk__in=cities) | Q(network_id__in=networks)
        self.fields["city"].queryset = City.objects.filter(city_rule)  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            Q(city__in=City.objects.filter(city_rule))
        ).select_related("city")
        self.fields["cohort"].queryset = Cohort.objects.filter(  # type: ignore[attr-defined]
            network_id__in=networks
        )
        self.initial.setdefault("next_meeting_on", timezone.localdate() + dt.timedelta(days=7))


def owner_choices(review: Review) -> list[tuple[str, str]]:
    """The people who may own an item: the review's readers (at most 300 listed)."""
    rule = Q(network_id=review.network_id, role=Role.NETWORK_ADMIN)
    if review.city_id:
        rule |= Q(city_id=review.city_id)
    elif review.cohort_id:
        rule |= Q(city__cohorts=review.cohort_id)
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__in=Membership.objects.filter(rule))
        .distinct()
        .order_by("email")[:300]
    )
    found = [("", "—")]
    for user in users:
        if queries.may_be_owner(user, review):
            found.append((str(user.pk), str(user)))
    return found


class MeetingForm(forms.Form):
    """The meeting: its date, notes, new decisions and actions (rows ``decision-N-…`` and
    ``action-N-…``), and which carried items are now done."""

    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        review: Review,
        solutions: list[tuple[str, str]],
        *args: Any,
        add: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        self.solution_choices = [("", "—"), *solutions]
        self.owner_choices = owner_choices(review)
        self.initial.setdefault("held_on", timezone.localdate())
        data = self.data or {}
        for kind in ("decision", "action"):
            count = START_ROWS
            while count < ITEMS_PER_MEETING and f"{kind}-{count}-text" in data:
                count += 1
            if kind == add:
                count = min(count + 1, ITEMS_PER_MEETING)
            for n in range(count):
                self._add_row(kind, n)

    def _add_row(self, kind: str, n: int) -> None:
        self.fields[f"{kind}-{n}-text"] = forms.CharField(
            label=_("Decision") if kind == "decision" else _("Action"),
            required=False, max_length=ITEM_TEXT_LIMIT,
        )  # fmt: skip
        self.fields[f"{kind}-{n}-solution"] = forms.ChoiceField(
            label=_("Solution"), required=False, choices=self.solution_choices
        )
        self.fields[f"{kind}-{n}-owner"] = forms.ChoiceField(
            label=_("Owner"), required=False, choices=self.owner_choices
        )
        self.fields[f"{kind}-{n}-due_on"] = forms.DateField(
            label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )

    def rows(self, kind: str) -> list[list[Any]]:
        names = sorted(
            {int(name.split("-")[1]) for name in self.fields if name.startswith(f"{kind}-")}
        )
        return [
            [self[f"{kind}-{n}-{part}"] for part in ("text", "solution", "owner", "due_on")]
            for n in names
        ]

    def items(self, kind: str) -> list[dict[str, Any]]:
        found = []
        for n in sorted(
            {int(name.split("-")[1]) for name in self.fields if name.startswith(f"{kind}-")}
        ):
            text = (self.cleaned_data.get(f"{kind}-{n}-text") or "").strip()
            if not text:
                continue
            solution = self.cleaned_data.get(f"{kind}-{n}-solution")
            owner = self.cleaned_data.get(f"{kind}-{n}-owner")
            found.append(
                {
                    "text": text,
                    "solution": int(solution) if solution else None,
                    "owner": int(owner) if owner else None,
                    "due_on": self.cleaned_data.get(f"{kind}-{n}-due_on"),
                }
            )
        return found

    def done_ids(self, name: str) -> list[int]:
        values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
        return [int(v) for v in values if str(v).isdigit() and len(str(v)) < 19]
