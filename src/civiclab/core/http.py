"""Request types the views annotate with (for type checking; Django builds the objects), and
where a request came from."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """A request that went through django-htmx's middleware: ``request.htmx`` says whether
    htmx sent it and for which element (django-htmx's documented typing pattern)."""

    htmx: HtmxDetails


def client_ip(request: object) -> str | None:
    """The address a request came from: for sign-in throttling's per-IP limit and the access log.

    Behind ``CIVICLAB_PROXY_COUNT`` proxies the client is that many X-Forwarded-For entries
    from the right: entries further left were written by the client itself, and believing
    them would let an attacker pick a fresh "IP" for every try.
    """
    meta = getattr(request, "META", {})
    hops = settings.PROXY_COUNT
    if hops:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return meta.get("REMOTE_ADDR")
