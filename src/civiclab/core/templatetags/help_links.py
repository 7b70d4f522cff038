"""``{% load help_links %}{% help_link "data.md#importing-a-file" %}``: a "Help" link from a
page to the section of the user documentation (``docs/`` in the repository) that explains it.

The docs are Markdown files in the repository, not pages civiclab serves, so where they are read
is the installation's choice: ``CIVICLAB_DOCS_URL`` (settings.DOCS_URL) is the address of the
``docs/`` folder as published (a rendered copy, or the repository's web view), and the link goes
to ``DOCS_URL/data.md#importing-a-file``. Unset, nothing is fetched nor linked: the tag shows
where to read it in the repository (``docs/data.md``, the section's name), which is true on any
installation. ``tests/test_help_links.py`` checks that every target in a template names a file in
``docs/`` and one of its headings."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

TARGET = re.compile(r"^(?P<file>[a-z0-9_-]+(?:/[a-z0-9_-]+)*\.md)(?:#(?P<anchor>[a-z0-9-]+))?$")


@register.simple_tag
def help_link(target: str) -> SafeString:
    match = TARGET.match(target)
    if match is None:
        raise template.TemplateSyntaxError(f"help_link: not a docs target: {target!r}")
    base = str(getattr(settings, "DOCS_URL", "") or "").rstrip("/")
    if base:
        return format_html(
            '<a class="help-link" href="{}/{}">{}</a>', base, target, _("Help on this page")
        )
    return format_html(
        '<span class="help-link">{} <code>docs/{}</code></span>',
        _("Help on this page:"),
        match["file"] + (f"#{match['anchor']}" if match["anchor"] else ""),
    )
