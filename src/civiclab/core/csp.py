"""The Content-Security-Policy every answer carries: scripts only from civiclab's own files.

No template holds inline script or ``on…=`` handlers (``tests/test_csp.py`` checks every page
of the demo), so ``script-src 'self'`` needs neither ``'unsafe-inline'`` nor a nonce: pages
pass data to their scripts as JSON (``json_script``) or ``data-`` attributes, which are data,
not code. htmx is told not to evaluate code (``allowEval: false``) nor to add its indicator
``<style>`` (``includeIndicatorStyles: false``, the rules are in civiclab.css) in base.html.

Styles come from civiclab's stylesheets only, except ``style=""`` attributes
(``style-src-attr 'unsafe-inline'``): map legends, cluster sizes and choropleth swatches carry
their colour or size from the data that way. A style attribute cannot run script or load
anything the other directives do not allow; ``<style>`` elements stay refused.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def tile_source(url_template: str) -> str | None:
    """The CSP source that lets a map fetch tiles from ``url_template`` (``{s}`` subdomains
    become a wildcard), or None when there is no tile server."""
    if not url_template:
        return None
    parts = urlsplit(url_template.replace("{s}", "tiles-subdomain"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.replace("tiles-subdomain", "*")
    return f"{parts.scheme}://{host}"


def build_policy(tile_url: str = "") -> str:
    """The policy's text; images may also come from the map's tile server, if one is set."""
    images = ["'self'", "data:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": images,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every answer that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = build_policy(settings.MAP_TILE_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(HEADER, self.policy)
        return response
