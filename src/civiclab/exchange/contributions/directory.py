"""directory: a link to one's own directory entry on the profile page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civiclab.core.page_links import PageLink, contribute


def register() -> None:
    """The link on the profile page (for people of a city: the directory lists only them)."""
    contribute(
        "profile",
        PageLink(
            key="exchange_directory_entry",
            label=_("My directory entry"),
            url_name="exchange:directory_me",
            args=lambda user: (),
            shown=lambda user, viewer: user.memberships.filter(city__isnull=False).exists(),
            order=60,
        ),
    )
