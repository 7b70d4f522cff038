"""Links and panels an app above contributes to a page of an app below, without the page
knowing it.

A dataset's page offers "Map" and "Indicators from this dataset"; a city's page offers
"Indicators". Written into the datasets and network templates, those links would make the lower
layers know the apps built on them. Instead each app above declares its links here when it is
ready (``AppConfig.ready``), and the page renders whatever was declared for it with
``{% page_links "dataset" dataset %}``. An app that is not installed simply adds nothing.

A panel is the same idea for a section of the page: evaluation shows what a solution's
evaluations found on the solution's page (``{% page_panels "solution" solution %}``), with its
own template and context; a panel whose context is None shows nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class PageLink:
    """A button on ``page``: ``label`` to the URL ``url_name`` with ``args(obj)`` and the query
    ``query(obj)``, shown when ``shown(obj, user)``; ``order`` places it among the others."""

    key: str
    label: Any
    url_name: str
    args: Callable[[Any], tuple[Any, ...]]
    query: Callable[[Any], dict[str, str]] | None = None
    shown: Callable[[Any, Any], bool] = field(default=lambda obj, user: True)
    order: int = 50


_LINKS: dict[str, dict[str, PageLink]] = {}


def contribute(page: str, link: PageLink) -> None:
    """Declare ``link`` on ``page`` (again with the same key: replaced, so ready() may rerun)."""
    _LINKS.setdefault(page, {})[link.key] = link


def links_for(page: str, obj: Any, user: Any) -> list[tuple[Any, str]]:
    """(label, url) of the links declared on ``page`` that ``user`` should see for ``obj``."""
    shown = []
    for link in sorted(_LINKS.get(page, {}).values(), key=lambda each: (each.order, each.key)):
        if not link.shown(obj, user):
            continue
        url = reverse(link.url_name, args=link.args(obj))
        query = link.query(obj) if link.query else None
        shown.append((link.label, f"{url}?{urlencode(query)}" if query else url))
    return shown


@dataclass(frozen=True)
class PagePanel:
    """A section on ``page``: ``template`` rendered with ``context(obj, user)``, or nothing
    when that is None; ``order`` places it among the others."""

    key: str
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 50


_PANELS: dict[str, dict[str, PagePanel]] = {}


def contribute_panel(page: str, panel: PagePanel) -> None:
    """Declare ``panel`` on ``page`` (again with the same key: replaced)."""
    _PANELS.setdefault(page, {})[panel.key] = panel


def panels_for(
    page: str,
    obj: Any,
    request: Any,
    render: Callable[[str, dict[str, Any]], str] | None = None,
) -> SafeString:
    """The HTML of the panels declared on ``page`` that have something to show ``obj``.
    ``render(template, context)``: how the page renders a panel (the template tag renders it
    within the page's own context); by default on its own, with the request's."""
    user = getattr(request, "user", None)
    parts = []
    for panel in sorted(_PANELS.get(page, {}).values(), key=lambda each: (each.order, each.key)):
        context = panel.context(obj, user)
        if context is None:
            continue
        if render is not None:
            parts.append(render(panel.template, context))
        else:
            parts.append(render_to_string(panel.template, context, request=request))
    # Each part is a template's own output, escaped by the template engine.
    return mark_safe("".join(parts))
