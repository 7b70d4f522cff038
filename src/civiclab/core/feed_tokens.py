"""Tokens in calendar-feed addresses: a calendar app cannot log in, so the address itself says
who is asking. A token is signed (Django's signing, with the feed's own salt, so one kind of
feed's token opens no other) and carries a fingerprint of the person's password hash: changing
the password retires every feed address given before. Funding's deadline feeds and the
exchange's convening feeds use it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.crypto import salted_hmac

# A token longer than this is not looked at (a real one is about 60 characters).
TOKEN_LIMIT = 200


def _fingerprint(user: Any, salt: str) -> str:
    return salted_hmac(salt, f"{user.pk}:{user.password}").hexdigest()[:16]


def feed_token(user: Any, salt: str) -> str:
    """``user``'s token for the feeds signed with ``salt``: the same every time it is asked
    for (no timestamp), so the address a page shows is the one the calendar app subscribed to."""
    payload = {"u": user.pk, "f": _fingerprint(user, salt)}
    return signing.Signer(salt=salt).sign_object(payload, compress=True)


def _payload(token: str, salt: str) -> Any:
    # Addresses given before tokens were stable carry a timestamp (payload:time:signature).
    if token.count(":") == 2:
        return signing.loads(token, salt=salt)
    return signing.Signer(salt=salt).unsign_object(token)


def user_of_token(token: str, salt: str) -> Any:
    """The person a token names, or None (tampered, another feed's, unknown, inactive, or
    given before a password change)."""
    if len(token) > TOKEN_LIMIT:
        return None
    try:
        payload = _payload(token, salt)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    user = get_user_model().objects.filter(pk=payload["u"], is_active=True).first()
    if user is None or payload.get("f") != _fingerprint(user, salt):
        return None
    return user
