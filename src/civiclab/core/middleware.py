"""Request-wide middleware: the server's time in a header, the interface language (explicit
choice, then the user's, then their city's), and query strings no database can take."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class ServerTimingMiddleware:
    """Says the server's time for each request in a ``Server-Timing`` header: ``app`` the
    whole request through every middleware below, ``db`` the time and number of its SQL
    queries. Browsers show it in their developer tools; the benchmarks read it
    (``benchmarks/page_times.py --base-url``, ``benchmarks/load.py``) so that the figures
    are the server's own, not the client's on a busy machine. Counting costs a function call
    per query, far under the noise of one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        tally = _QueryTally()
        started = time.perf_counter()
        with connection.execute_wrapper(tally):
            response = self.get_response(request)
        took = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = (
            f'app;dur={took:.1f}, db;dur={tally.seconds * 1000:.1f};desc="{tally.count} queries"'
        )
        return response


class _QueryTally:
    """An execute wrapper that counts the queries run through it and adds up their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def preferred_language(request: HttpRequest) -> str:
    """The language for this request.

    Order: the language switcher's cookie; the user's own setting; the default language of
    the user's first city; the browser's Accept-Language; the server default.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in SUPPORTED:
        return chosen
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if user.language in SUPPORTED:
            return user.language
        city_language = first_city_language(user)
        if city_language in SUPPORTED:
            return city_language
    return translation.get_language_from_request(request)


# How long a user's first city's language is remembered (seconds): a change of membership
# or of the city's default language shows within this time.
CITY_LANGUAGE_SECONDS = 300
CITY_LANGUAGE_VERSION_KEY = "civiclab:city-language:version"


def city_languages_changed(sender: Any = None, **_kwargs: Any) -> None:
    """Receiver for the app that owns memberships and cities (it connects it to their saves
    and deletes): forget every remembered city language, in this process at once (other
    processes with their own cache within ``CITY_LANGUAGE_SECONDS``)."""
    import uuid

    from django.core.cache import cache

    cache.set(CITY_LANGUAGE_VERSION_KEY, uuid.uuid4().hex, None)


def first_city_language(user: Any) -> str | None:
    """The default language of ``user``'s first city (None: no city), kept in Django's cache
    for ``CITY_LANGUAGE_SECONDS`` under the user's id: every page of a user without a
    language of their own would otherwise ask the database for it. The value is a language
    code, nothing private, and is only ever read for the same user; a new membership or a
    city's new default language starts afresh (``city_languages_changed``)."""
    from django.core.cache import cache

    version = cache.get(CITY_LANGUAGE_VERSION_KEY, "")
    key = f"civiclab:city-language:{version}:{user.pk}"
    cached = cache.get(key)
    if cached is not None:
        return str(cached) or None
    found = (
        user.memberships.filter(city__isnull=False)
        .order_by("created_at")
        .values_list("city__default_language", flat=True)
        .first()
    )
    cache.set(key, found or "", CITY_LANGUAGE_SECONDS)
    return found


class PreferredLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = preferred_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        translation.deactivate()
        return response


# How often an active session's expiry is pushed back (seconds): a sign-in lasts
# CIVICLAB_SESSION_AGE_SECONDS of inactivity, give or take this much.
SESSION_REFRESH_SECONDS = 300
SESSION_REFRESHED_KEY = "_civiclab_refreshed"


def signed_in(sender: Any, request: HttpRequest | None = None, user: Any = None, **_: Any) -> None:
    """Receiver of ``user_logged_in``: a sign-in has just written its session, so it counts as
    renewed now (the next page does not write it again), and the user's city language is
    looked up once, here, rather than by the first page."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_REFRESHED_KEY] = int(time.time())
    if user is not None and getattr(user, "language", None) not in SUPPORTED:
        first_city_language(user)


class SessionRefreshMiddleware:
    """Keeps a sign-in alive while its user is active, writing the session at most once per
    ``SESSION_REFRESH_SECONDS`` instead of on every request.

    Django's ``SESSION_SAVE_EVERY_REQUEST`` renews the expiry by writing the session row on
    every request: a write transaction and its commit per page view (on SQLite, a turn of
    the one write lock every request waits for). Here a session something read during the
    request is marked modified only when its last renewal is older than the interval, and
    the session middleware (above this one) saves it and sends the cookie's new expiry.
    Sessions nobody read (a public page) and empty ones (no sign-in) are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.modified or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(SESSION_REFRESHED_KEY, 0)) >= SESSION_REFRESH_SECONDS:
            session[SESSION_REFRESHED_KEY] = now
        return response


class RefuseNulInQueryMiddleware:
    """Refuses an address whose query string holds a NUL character (``?dataset=%00``).

    PostgreSQL stores no NUL in text and its driver raises on one in a parameter, so a lookup
    by such a value would be a server error there (SQLite merely finds nothing). Django's
    forms refuse NUL in what they read; query parameters read by the API's schemas and by
    pages' filters do not pass through them, so they are refused here, once for all: the API
    answers its 422 validation error naming the parameter, a page a 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        names = sorted({
            name for name, values in request.GET.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        })  # fmt: skip
        if not names:
            return self.get_response(request)
        message = _("The address holds a NUL character, which no value may contain.")
        if request.path.startswith("/api/"):
            details = [{"field": name.replace("\x00", "\\0"), "message": message} for name in names]
            return JsonResponse(
                {"error": {"code": "validation_error", "message": message, "details": details}},
                status=422,
            )
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
