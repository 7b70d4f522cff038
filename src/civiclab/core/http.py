"""Request types the views annotate with (for type checking; Django builds the objects)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """A request that went through django-htmx's middleware: ``request.htmx`` says whether
    htmx sent it and for which element (django-htmx's documented typing pattern)."""

    htmx: HtmxDetails
