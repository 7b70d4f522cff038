"""Throttling of sign-in and password-reset requests, per account and per IP address.

Sign-in: failures are counted per account and per address. An account locks after a few
failures on it; an address only at a much higher count, reached only by failures on many
accounts (a locked account's further tries are refused before they count). A city hall is one
NAT address, so one person's mistyped password must not lock everyone behind it.

Password reset: requests are counted per email address typed (whether it has an account or
not, so the answer reveals nothing) and per address.

State lives in the database (not a per-process cache) so every server worker agrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civiclab.accounts.models import LoginFailure, LoginLock

# The rule for the client's address is core's: the access log reads it too.
from civiclab.core.http import client_ip as client_ip


@dataclass(frozen=True)
class Limit:
    """``most`` events within ``window`` seconds lock the key for ``lockout`` seconds."""

    prefix: str
    most: int
    window: int
    lockout: int

    def key(self, value: str) -> str:
        return f"{self.prefix}:{value}"


def sign_in_limits() -> tuple[Limit, Limit]:
    """(per account, per IP address): the address's limit is the much higher one."""
    window, lockout = settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.LOGIN_LOCKOUT_SECONDS
    return (
        Limit("account", settings.LOGIN_MAX_FAILURES, window, lockout),
        Limit("ip", settings.LOGIN_MAX_FAILURES_PER_IP, window, lockout),
    )


def reset_limits() -> tuple[Limit, Limit]:
    """(per email typed, per IP address); a limit reached waits out the rest of the window."""
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    return (
        Limit("reset-email", settings.PASSWORD_RESET_MAX_PER_EMAIL, window, window),
        Limit("reset-ip", settings.PASSWORD_RESET_MAX_PER_IP, window, window),
    )


def _counted(limits: tuple[Limit, Limit], email: str, ip: str | None) -> list[tuple[Limit, str]]:
    per_email, per_ip = limits
    counted = [(per_email, per_email.key(email.strip().lower()))]
    if ip:
        counted.append((per_ip, per_ip.key(ip)))
    return counted


def keys_for(email: str, ip: str | None) -> list[str]:
    """The sign-in keys of an attempt: its account, and its address when known."""
    return [key for _limit, key in _counted(sign_in_limits(), email, ip)]


def reset_keys_for(email: str, ip: str | None) -> list[str]:
    """The password-reset keys of a request: the email typed, and its address when known."""
    return [key for _limit, key in _counted(reset_limits(), email, ip)]


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


def register_failure(keys: list[str]) -> None:
    """Count a failed sign-in against its keys (from :func:`keys_for`)."""
    _register(sign_in_limits(), keys)


def register_reset_request(keys: list[str]) -> None:
    """Count a password-reset request against its keys (from :func:`reset_keys_for`)."""
    _register(reset_limits(), keys)


@transaction.atomic
def _register(limits: tuple[Limit, ...], keys: list[str]) -> None:
    now = timezone.now()
    LoginFailure.objects.bulk_create([LoginFailure(key=k, at=now) for k in keys])
    # Events older than the longest window no longer count for anything.
    longest = max(settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.PASSWORD_RESET_WINDOW_SECONDS)
    LoginFailure.objects.filter(at__lt=now - timedelta(seconds=longest)).delete()
    by_prefix = {limit.prefix: limit for limit in limits}
    for key in keys:
        limit = by_prefix[key.partition(":")[0]]
        since = now - timedelta(seconds=limit.window)
        if LoginFailure.objects.filter(key=key, at__gte=since).count() >= limit.most:
            until = now + timedelta(seconds=limit.lockout)
            LoginLock.objects.update_or_create(key=key, defaults={"until": until})


@transaction.atomic
def register_success(email: str) -> None:
    LoginFailure.objects.filter(key__in=keys_for(email, None)).delete()
