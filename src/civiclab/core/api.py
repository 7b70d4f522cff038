"""API primitives every router shares: the one JSON error shape and its handlers, the error
answers to document, bounded ids and pagination. The API itself is composed in ``site.api``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination

from civiclab.core.errors import DomainError, reader_message


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorResponse(Schema):
    error: ErrorBody


# The error answers documented once for every router: a write may be refused or invalid; a
# read may need a sign-in, find nothing, or get a parameter out of range (ids are bounded).
ERRORS = {401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse}
READ_ERRORS = {401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse}


# The largest integer both databases store (PostgreSQL bigint, SQLite INTEGER). A larger id
# cannot name anything, and the drivers raise on it instead of finding nothing (a 500), so
# every id the API reads from a path or a query is bounded by it and refused with a 422.
DB_INT_MAX = 2**63 - 1
# An id in a path (``/challenges/{pk}``) or a filter (``?challenge=``): 1 … DB_INT_MAX.
Id = Annotated[int, Field(ge=1, le=DB_INT_MAX, description="An id (1 to 2^63 - 1)")]
# How far into a list ``offset`` may go. No list comes near it; bounding it keeps
# ``offset + limit`` within what the databases take.
MAX_OFFSET = 1_000_000_000


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Number of items across all pages")
        limit: int
        offset: int

    def paginate_queryset(self, queryset: Any, pagination: Any, request: Any, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["limit"] = min(pagination.limit, self.max_limit)
        page["offset"] = pagination.offset
        return page


def error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    """The one error shape, ``{"error": {"code", "message", "details"}}``."""
    return JsonResponse(
        {"error": {"code": code, "message": message, "details": details}}, status=status
    )


def _field_name(loc: tuple | list) -> str | None:
    """("body", "payload", "slug") → "slug"; ("query", "limit") → "limit"."""
    parts = [str(p) for p in loc]
    parts = parts[2:] if parts[:1] == ["body"] else parts[1:]
    return ".".join(parts) or None


def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error(request, exc.status, exc.code, reader_message(exc), exc.details)


def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {"field": _field_name(e.get("loc", ())), "message": e.get("msg")} for e in exc.errors
    ]
    return error(request, 422, "validation_error", _("The request is not valid."), details)


def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        details = [
            {"field": None if field == "__all__" else field, "message": str(msg)}
            for field, messages in exc.message_dict.items()
            for msg in messages
        ]
    else:
        details = [{"field": None, "message": str(m)} for m in exc.messages]
    return error(request, 422, "validation_error", _("The request is not valid."), details)


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    status = getattr(exc, "status_code", 401)
    message = str(exc.message) if getattr(exc, "message", None) else _("Authentication required.")
    code = "forbidden" if status == 403 else "unauthenticated"
    return error(request, status, code, message)


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", _("You are not allowed to do this."))


def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", _("Not found."))


def _does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return error(request, 404, "not_found", _("Not found."))


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        429: "throttled",
    }
    return error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


# Most specific first: the first type an exception is an instance of answers it.
HANDLERS: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
    (DomainError, _domain_error),
    (NinjaValidationError, _validation),
    (DjangoValidationError, _django_validation),
    (AuthenticationError, _unauthenticated),
    (PermissionDenied, _forbidden),
    (Http404, _http404),
    (ObjectDoesNotExist, _does_not_exist),
    (HttpError, _http_error),
]


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error the API may meet in the one shape, in the request's language: a
    :class:`DomainError` of any app by its own status and code, without core knowing it."""
    for exc_type, handler in HANDLERS:
        api.add_exception_handler(exc_type, handler)


def error_response(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The answer the API gives ``exc``, for code that runs before a route does (an upload
    checked before its body is read); raise again what the API does not answer itself."""
    for exc_type, handler in HANDLERS:
        if isinstance(exc, exc_type):
            return handler(request, exc)
    raise exc
