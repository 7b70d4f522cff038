"""The shell of the web UI: home page and the sections later issues fill."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from civiclab import __version__
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
