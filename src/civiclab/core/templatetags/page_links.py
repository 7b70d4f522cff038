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


# What a panel's template may use of the page's own context, as it would with a request of
# its own: the rest of the page's variables are not passed (a panel sees only its context).
CARRIED = ("request", "csrf_token", "user", "perms", "LANGUAGE_CODE", "LANGUAGE_BIDI", "LANGUAGES")


@register.simple_tag(takes_context=True)
def page_panels(context: template.Context, page: str, obj: Any) -> SafeString:
    """``{% page_panels "solution" solution %}``: the sections apps above contributed.

    Each is rendered within the page's context, as ``{% include … only %}`` does, rather than
    with a request context of its own: that ran every context processor (the navigation with
    its seven links among them) again for every panel of the page."""
    carried = {name: context[name] for name in CARRIED if name in context}
    assert context.template is not None  # a tag is always rendered within its template
    engine = context.template.engine

    def render(name: str, values: dict[str, Any]) -> str:
        return engine.get_template(name).render(context.new({**carried, **values}))

    return panels_for(page, obj, context.get("request"), render)
