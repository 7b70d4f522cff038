"""forks: "Adapt in my city" on a shared challenge's and solution's page, and the adaptations
panel (where it came from, who adapted it, forks of forks) on challenge, idea and solution
pages — each computed from the scoped lineage, so as private as its parts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from civiclab.core.page_links import PageLink, PagePanel, contribute, contribute_panel

    for page in ("challenge", "solution"):
        contribute(
            page,
            PageLink(
                key="adapt",
                label=_("Adapt in my city"),
                url_name="exchange:fork_new",
                args=lambda obj, page=page: (page, obj.pk),  # type: ignore[misc]
                shown=_may_adapt,
                order=70,
            ),
        )
    for page in ("challenge", "idea", "solution"):
        contribute_panel(
            page,
            PagePanel(
                key="forks",
                template="exchange/forks/partials/panel.html",
                context=lambda obj, user, page=page: _panel(page, obj, user),  # type: ignore[misc]
                order=60,
            ),
        )


def _may_adapt(obj: Any, user: Any) -> bool:
    """Shared with the network, and the reader works in another city."""
    from civiclab.exchange.forms.forks import working_cities
    from civiclab.exchange.services.forks import SHARED

    if obj.visibility not in SHARED or not getattr(user, "is_authenticated", False):
        return False
    return working_cities(user, exclude=obj.city_id).exists()


def _panel(kind: str, obj: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.exchange.queries.forks import fork_of_copy, lineage

    seen = lineage(user, kind, obj.pk)
    fork = fork_of_copy(user, kind, obj.pk)
    if fork is None and not seen["ancestors"] and not seen["descendants"]:
        return None
    return {"lineage": seen, "fork": fork, "panel_id": f"{kind}-{obj.pk}"}
