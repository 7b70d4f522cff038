"""``{% load page_links %}{% page_links "dataset" dataset %}``: the buttons apps above
contributed to this page; ``{% page_panels "solution" solution %}``: their sections (see
``civiclab.core.page_links``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from civiclab.core.page_links import links_for, panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def page_links(context: template.Context, page: str, obj: Any) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    return format_html_join(
        "\n",
        '<a class="button secondary" href="{}">{}</a>',
        ((url, label) for label, url in links_for(page, obj, user)),
    )


@register.simple_tag(takes_context=True)
def page_panels(context: template.Context, page: str, obj: Any) -> SafeString:
    """``{% page_panels "solution" solution %}``: the sections apps above contributed."""
    return panels_for(page, obj, context.get("request"))
