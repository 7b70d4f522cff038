"""The REST API at /api/v1/: one NinjaAPI with every app's router mounted on it.

Apps never import this module: they define a router with the primitives of ``core.api`` and
``accounts.authentication``; mounting them here keeps the import graph a tree."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger, _csrf_needed

from civiclab import __version__
from civiclab.accounts.api import router as accounts_router
from civiclab.accounts.authentication import AUTH
from civiclab.core.api import error, install_error_handlers
from civiclab.datasets.api import router as datasets_router
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest_text import error_message, report_for_reader
from civiclab.evaluation.api import router as evaluation_router
from civiclab.exchange.api import router as exchange_router
from civiclab.funding.api import router as funding_router
from civiclab.geo.api.analysis import router as geo_analysis_router
from civiclab.geo.api.layers import router as geo_layers_router
from civiclab.geo.api.maps import router as geo_router
from civiclab.indicators.api import router as indicators_router
from civiclab.network.api import router as network_router
from civiclab.notifications.api import router as notifications_router
from civiclab.portfolio.api import attachments as portfolio_attachments
from civiclab.portfolio.api import challenges as portfolio_challenges
from civiclab.portfolio.api import solutions as portfolio_solutions
from civiclab.reports.api import router as reports_router
from civiclab.search.api import router as search_router


class LocalSwagger(Swagger):
    """The API docs page from django-ninja's own vendored Swagger UI files, never a CDN.

    django-ninja picks its CDN page unless "ninja" is an installed app, and civiclab leaves it
    out of INSTALLED_APPS to keep it out of every command's start-up (settings.py finds its
    templates and static files instead)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    docs=LocalSwagger(),
    title="civiclab API",
    version=__version__,
    urls_namespace="api",
    auth=AUTH,
    description=(
        "Token-authenticated REST API of civiclab. Send `Authorization: Bearer <token>`; "
        "create tokens on your profile page or with `civiclab token create EMAIL`. Errors "
        'always have the shape `{"error": {"code", "message", "details"}}`.'
    ),
)
install_error_handlers(api)


@api.exception_handler(IngestError)
def _ingest_error(request: HttpRequest, exc: IngestError) -> HttpResponse:
    """A file that cannot be imported: ``code`` says why, ``details`` is the bad-row report
    (both in the reader's language, which the pure ingest package cannot know)."""
    details = report_for_reader(exc.report.as_dict()) if exc.report else None
    return error(request, 422, exc.code, error_message(exc), details)


api.add_router("/", accounts_router)
api.add_router("/", network_router)
api.add_router("/", datasets_router, tags=["datasets"])
api.add_router("/", geo_router, tags=["maps"])
api.add_router("/", geo_layers_router, tags=["maps"])
api.add_router("/", geo_analysis_router, tags=["spatial analysis"])
api.add_router("/", indicators_router, tags=["indicators"])
api.add_router("/", portfolio_challenges.router, tags=["portfolio"])
api.add_router("/", portfolio_solutions.router, tags=["portfolio"])
api.add_router("/", portfolio_attachments.router, tags=["portfolio"])
api.add_router("/", evaluation_router, tags=["evaluation"])
api.add_router("/funding/", funding_router, tags=["funding"])
api.add_router("/exchange/", exchange_router, tags=["exchange"])
api.add_router("/reports/", reports_router, tags=["reports"])
api.add_router("/notifications", notifications_router, tags=["notifications"])
api.add_router("/", search_router, tags=["search"])
