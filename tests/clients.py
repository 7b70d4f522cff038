"""The web test client every test signs in with (one definition instead of six)."""

from __future__ import annotations

from typing import Any

from django.test import Client


def as_user(user: Any, *, csrf_token: str | None = None) -> Client:
    """A browser session signed in as ``user`` (None: anonymous). With ``csrf_token``, Django
    checks CSRF as for a real browser, whose cookie holds that token."""
    client = Client(enforce_csrf_checks=csrf_token is not None)
    if user is not None:
        client.force_login(user)
    if csrf_token is not None:
        client.cookies["csrftoken"] = csrf_token
    return client


def body(response: Any) -> str:
    """A response's HTML as text."""
    return str(response.content.decode())
