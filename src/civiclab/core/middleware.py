"""Pick the interface language: explicit choice, then the user's, then their city's."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

SUPPORTED = {code for code, _name in settings.LANGUAGES}


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
        city_language = (
            user.memberships.filter(city__isnull=False)
            .order_by("created_at")
            .values_list("city__default_language", flat=True)
            .first()
        )
        if city_language in SUPPORTED:
            return city_language
    return translation.get_language_from_request(request)


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
