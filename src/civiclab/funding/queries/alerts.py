"""A person's saved searches and digests (their own alone: nobody else, not even a city or
network admin, sees or changes them)."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from civiclab.funding.models import DigestItem, SavedSearch
from civiclab.portfolio.queries import visible_challenges


def own_searches(user: Any) -> QuerySet[SavedSearch]:
    """``user``'s saved searches and followed challenges (none for an anonymous visitor)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user_id=user.pk).select_related("city", "challenge")


def searches_with_counts(user: Any) -> QuerySet[SavedSearch]:
    """``own_searches`` with ``waiting`` (undismissed digest items) and ``challenge_shown``
    (the followed challenge is still visible to its follower: its title may be shown)."""
    shown = visible_challenges(user).values("pk")
    return own_searches(user).annotate(
        waiting=Count("items", filter=Q(items__dismissed_at__isnull=True)),
        challenge_shown=ExpressionWrapper(Q(challenge__in=shown), output_field=BooleanField()),
    )


def own_digest_items(user: Any) -> QuerySet[DigestItem]:
    """``user``'s digest items not dismissed, newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return DigestItem.objects.none()
    return (
        DigestItem.objects.filter(search__user_id=user.pk, dismissed_at__isnull=True)
        .select_related("search", "opportunity")
        .order_by("-created_at", "-pk")
    )


def waiting_count(user: Any) -> int:
    """How many digest items wait for ``user`` (one query, for a badge)."""
    return own_digest_items(user).count()
