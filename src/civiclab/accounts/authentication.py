"""How an API request is authenticated: a bearer token, else the session, else anonymous."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.utils import check_csrf

from civiclab.accounts.models import User
from civiclab.accounts.tokens import user_for_token


class ApiAuth:
    """Bearer token first; else the browser session (with CSRF on writes); else anonymous.

    A request that sends an Authorization header with a bad token is refused outright
    rather than treated as anonymous, so a revoked token never silently "works".
    """

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, allow_anonymous: bool = False) -> None:
        self.allow_anonymous = allow_anonymous

    def __call__(self, request: HttpRequest) -> Any:
        user = self.identify(request)
        if request.headers.get("Authorization"):
            return user
        if user is not None:
            if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request):
                raise AuthenticationError(403, _("CSRF check failed for a session request."))
            return user
        if self.allow_anonymous:
            return AnonymousUser()
        return None

    @staticmethod
    def identify(request: HttpRequest) -> Any:
        """Who the request comes from — its token's user, else the signed-in session's, else
        None — without the CSRF check, which reads the body (uploads need to know first)."""
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _space, raw = header.partition(" ")
            user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                raise AuthenticationError(401, _("Invalid or revoked API token."))
            request.user = user
            return user
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


AUTH = ApiAuth()
AUTH_OR_ANONYMOUS = ApiAuth(allow_anonymous=True)


class ApiRequest(HttpRequest):
    """The request an API route receives: django-ninja sets ``auth`` to what the route's
    authentication returned (a user; ``AnonymousUser`` on routes open to anonymous readers)."""

    auth: Any


class SignedInRequest(HttpRequest):
    """The request of a page that requires a sign-in (``@login_required``): ``user`` is a
    real :class:`~civiclab.accounts.models.User`, never ``AnonymousUser``."""

    user: User
