"""Request-wide middleware: the interface language (explicit choice, then the user's, then
their city's), and query strings no database can take."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

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
