"""Scoped reads of the directory: who finds whom, and what of them shows.

The one rule, as a filter on memberships (``shown_memberships``): a person's membership of a
city shows to a reader when the person chose *network* and the reader belongs to that network,
or chose *my city* (the default, also when they never chose) and the reader belongs to that
city — or when the reader is the person. *Hidden* shows to nobody else. A person is listed
when one of their memberships shows; the cities, teams and roles shown are those memberships
only. Every list, count and filter is built on that filter, so a hidden or city-only person
never appears to others, in results or in counts. What they work on is read through the
exchange's kinds (``visible_ids``): only what the reader may see now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Field, Q, QuerySet

from civiclab.accounts.models import User
from civiclab.core.permissions import scopes_for
from civiclab.core.scoping import actor_for
from civiclab.core.textprep import fold
from civiclab.exchange import kinds
from civiclab.exchange.models.directory import MY_CITY, NETWORK, SKILL, TOPIC, DirectoryEntry
from civiclab.network.models import Membership

PAGE_SIZE = 50
# The challenges and solutions shown per person at most (of each kind), and how many owned
# rows one page reads at most before the reader's visibility is applied.
WORK_LIMIT = 10
WORK_SCAN_LIMIT = 5_000


def shown_memberships(reader: Any) -> QuerySet[Membership]:
    """The memberships of cities ``reader`` may see in the directory."""
    actor = actor_for(reader)
    if not actor.authenticated:
        return Membership.objects.none()
    scopes = scopes_for(actor)
    my_city = Q(user__directory_entry__isnull=True) | Q(user__directory_entry__visibility=MY_CITY)
    return Membership.objects.filter(city__isnull=False, user__is_active=True).filter(
        Q(user_id=actor.user_id)
        | Q(user__directory_entry__visibility=NETWORK, network_id__in=scopes.network_ids)
        | (my_city & Q(city_id__in=scopes.city_ids))
    )


def tag_key(label: str) -> str:
    """How a topic or skill is compared: folded, spaces collapsed ("Données ouvertes" →
    "donnees ouvertes")."""
    return " ".join(fold(label).split())


def visible_people(
    reader: Any,
    *,
    q: str = "",
    city: str = "",
    topic: str = "",
    skill: str = "",
) -> QuerySet[User]:
    """The people ``reader`` finds, filtered by a city (slug), a topic, a skill and words of
    their name, headline or tags; by name."""
    memberships = shown_memberships(reader)
    if city:
        memberships = memberships.filter(city__slug=city)
    people = User.objects.filter(pk__in=memberships.values("user_id"))
    if topic:
        people = people.filter(
            directory_entry__tags__kind=TOPIC, directory_entry__tags__key=tag_key(topic)
        )
    if skill:
        people = people.filter(
            pk__in=DirectoryEntry.objects.filter(tags__kind=SKILL, tags__key=tag_key(skill)).values(
                "user_id"
            )
        )
    for word in q.split()[:10]:
        people = people.filter(
            Q(full_name__icontains=word)
            | Q(directory_entry__headline__icontains=word)
            | Q(directory_entry__tags__key__contains=tag_key(word))
        )
    return people.distinct().order_by("full_name", "email")


@dataclass
class Card:
    """One person as the reader sees them in the directory."""

    user_id: int
    name: str
    headline: str = ""
    email: str | None = None
    places: list[dict[str, Any]] = field(default_factory=list)  # city, team, role
    topics: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    work: list[dict[str, Any]] = field(default_factory=list)  # kind, id, title, url


def cards(reader: Any, people: list[User]) -> list[Card]:
    """The cards of ``people`` (already found through ``visible_people``), in their order,
    with only what each chose to show and what ``reader`` may see of their work."""
    from civiclab.accounts.people import display_name

    ids = [p.pk for p in people]
    entries = {
        e.user_id: e
        for e in DirectoryEntry.objects.filter(user_id__in=ids).prefetch_related("tags")
    }
    places: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for membership in (
        shown_memberships(reader)
        .filter(user_id__in=ids)
        .select_related("city", "team")
        .order_by("city__name")
    ):
        city = membership.city
        if city is None:  # a network-only membership: shown_memberships leaves them out
            continue
        entry = entries.get(membership.user_id)
        team = membership.team
        places[membership.user_id].append(
            {
                "city": city.name,
                "city_slug": city.slug,
                "team": team.name if team is not None and _shows(entry, "show_team") else None,
                "role": membership.get_role_display() if _shows(entry, "show_role") else None,
            }
        )
    work = _work(reader, [p.pk for p in people if _shows(entries.get(p.pk), "show_work")])
    found = []
    for person in people:
        entry = entries.get(person.pk)
        tags = list(entry.tags.all()) if entry else []
        found.append(
            Card(
                user_id=person.pk,
                name=display_name(person),
                headline=entry.headline if entry else "",
                email=person.email if _shows(entry, "show_email") else None,
                places=places.get(person.pk, []),
                topics=[t.label for t in tags if t.kind == TOPIC],
                skills=[t.label for t in tags if t.kind == SKILL],
                work=work.get(person.pk, []),
            )
        )
    return found


def _shows(entry: DirectoryEntry | None, name: str) -> bool:
    """Whether ``entry`` shows ``name`` (the field's default for who never chose)."""
    if entry is not None:
        return bool(getattr(entry, name))
    model_field = DirectoryEntry._meta.get_field(name)
    return isinstance(model_field, Field) and bool(model_field.default)


def _work(reader: Any, owner_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Challenges and solutions the people own, those ``reader`` may see only (through each
    kind's scoped read, at query time)."""
    from civiclab.portfolio.models import Challenge, Solution

    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not owner_ids:
        return found
    for name, model in (("challenge", Challenge), ("solution", Solution)):
        owned = list(
            model.objects.filter(owner_id__in=owner_ids)
            .order_by("-updated_at", "-pk")
            .values_list("pk", "owner_id")[:WORK_SCAN_LIMIT]
        )
        shown = kinds.visible_ids(name, reader, [pk for pk, _owner in owned])
        kept: dict[int, list[int]] = defaultdict(list)
        for pk, owner in owned:
            if pk in shown and len(kept[owner]) < WORK_LIMIT:
                kept[owner].append(pk)
        objects = model.objects.in_bulk([pk for pks in kept.values() for pk in pks])
        kind = kinds.kind(name)
        for owner, pks in kept.items():
            found[owner].extend(
                {
                    "kind": name,
                    "id": pk,
                    "title": kind.title(objects[pk]),
                    "url": kind.url(objects[pk]),
                }
                for pk in pks
            )
    return found


def entry_of(user: Any) -> DirectoryEntry:
    """The person's own entry (an unsaved default one when they never chose)."""
    return DirectoryEntry.objects.filter(user=user).first() or DirectoryEntry(user=user)
