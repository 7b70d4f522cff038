"""The shell of the web UI: home page and the sections later issues fill."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from civiclab import __version__
from civiclab.core.api import error as api_error
from civiclab.core.errors import DomainError, reader_message
from civiclab.network.queries import visible_cities, visible_memberships

# Each section says what will live there until its issue lands.
SECTIONS = {
    "challenges": (
        _("Challenges"),
        _(
            "Your city's priority challenges and the work on them: investigation findings, "
            "ideas, solutions with goals, milestones, risks and decisions."
        ),
    ),
}


def home(request: HttpRequest) -> HttpResponse:
    """A member's home is their city's dashboard (reports); anyone else sees the network."""
    if request.user.is_authenticated:
        from civiclab.reports.views.dashboard import dashboard_html

        html = dashboard_html(request)
        if html is not None:
            return render(request, "site/home.html", {"dashboard": html})
    cities = visible_cities(request.user).prefetch_related("cohorts")
    memberships = (
        visible_memberships(request.user).filter(user=request.user)
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "site/home.html",
        {"cities": cities, "my_memberships": memberships},
    )


def section(request: HttpRequest, name: str) -> HttpResponse:
    if name not in SECTIONS:
        raise Http404
    title, description = SECTIONS[name]
    return render(
        request, "site/section.html", {"section": name, "title": title, "description": description}
    )


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "version": __version__})


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers and feed readers ask for whatever a page links: the
    static icon (its hashed, cache-forever name once static files are collected)."""
    return redirect(static("civiclab/favicon.ico"))


# How long a client is asked to wait before trying again while the database is unreachable
# (a PostgreSQL restart takes a few seconds).
RETRY_AFTER_SECONDS = 10


def server_error(request: HttpRequest) -> HttpResponse:
    """The answer to an error no view handled (``handler500``): when the database cannot be
    reached (PostgreSQL restarting, the network to it down, SQLite locked past its timeout),
    a 503 that says so and when to try again, as a page or in the API's error shape; the
    connection is replaced on the next request once the database is back. Anything else is
    the plain 500 page. Neither needs the database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        if request.path.startswith("/api/"):
            message = gettext("The database is unavailable for a moment: try again shortly.")
            response = api_error(request, 503, "database_unavailable", message)
        else:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, DomainError) and exc.status == 503:
        # A service the page needed is down (the object store a dataset is read from): the
        # API's routes answer it themselves; a page says it in words, not as a crash.
        if request.path.startswith("/api/"):
            response = api_error(request, 503, exc.code, reader_message(exc))
        else:
            # The service's own reason is technical and in English (the log keeps it): a page
            # says what happened in the reader's language.
            message = gettext(
                "A service this page needs does not answer for a moment. Nothing you saved is "
                "lost: please try again shortly."
            )
            page = loader.get_template("503.html").render({"message": message})
            response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
