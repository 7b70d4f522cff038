"""Sign-in throttling: too many failures in a minute for an account or an IP locks it a while.

State lives in the database (not a per-process cache) so every server worker agrees.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civiclab.accounts.models import LoginFailure, LoginLock


def keys_for(email: str, ip: str | None) -> list[str]:
    keys = [f"account:{email.strip().lower()}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def locked_for_seconds(keys: list[str]) -> int:
    """Seconds until every key is unlocked (0 when none is locked)."""
    now = timezone.now()
    until = (
        LoginLock.objects.filter(key__in=keys, until__gt=now)
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )
    return math.ceil((until - now).total_seconds()) if until else 0


@transaction.atomic
def register_failure(keys: list[str]) -> None:
    now = timezone.now()
    window_start = now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    LoginFailure.objects.bulk_create([LoginFailure(key=k, at=now) for k in keys])
    # Old failures no longer count for anything.
    LoginFailure.objects.filter(at__lt=window_start).delete()
    for key in keys:
        recent = LoginFailure.objects.filter(key=key, at__gte=window_start).count()
        if recent >= settings.LOGIN_MAX_FAILURES:
            until = now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
            LoginLock.objects.update_or_create(key=key, defaults={"until": until})


@transaction.atomic
def register_success(email: str) -> None:
    LoginFailure.objects.filter(key__in=keys_for(email, None)).delete()


def client_ip(request: object) -> str | None:
    """The address a sign-in came from, for the per-IP limit.

    Behind ``CIVICLAB_PROXY_COUNT`` proxies the client is that many X-Forwarded-For entries
    from the right: entries further left were written by the client itself, and believing
    them would let an attacker pick a fresh "IP" for every try.
    """
    meta = getattr(request, "META", {})
    hops = settings.PROXY_COUNT
    if hops:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return meta.get("REMOTE_ADDR")
