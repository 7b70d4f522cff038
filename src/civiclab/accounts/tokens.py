"""API tokens: ``clb_<prefix>_<secret>``, shown once, stored as a SHA-256 digest.

A slow password hash is unnecessary here: the secret has 256 bits of entropy, so a digest
cannot be brute-forced, and a fast one keeps every API request cheap.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from civiclab.accounts.models import ApiToken
from civiclab.accounts.queries import home_network
from civiclab.audit.services import record

TOKEN_PREFIX = "clb_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the full token string; never stored, shown to the user once


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(user: Any, name: str, by: Any = None) -> IssuedToken:
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API token", prefix=prefix, digest=digest(raw)
    )
    record(
        by,
        "token.create",
        token,
        object_type="accounts.apitoken",
        network=home_network(user),
        owner=user.email,
    )
    return IssuedToken(token=token, secret=raw)


@transaction.atomic
def revoke_token(token: ApiToken, by: Any = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            by,
            "token.revoke",
            token,
            object_type="accounts.apitoken",
            network=home_network(token.user),
            owner=token.user.email,
        )


def user_for_token(raw: str) -> Any | None:
    """The active user a bearer token belongs to, or None if unknown, revoked or inactive."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write at most once a minute per token so reads do not become writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
