""" "Look elsewhere first" on the challenge and idea pages, and the passages kept up to date.

The panel is loaded by htmx after the page (``views/similar.py``), so the page stays fast;
its context here only says where to load it from. When a portfolio object is saved or deleted
(Django's model signals: the portfolio does not know the exchange), its passages are refreshed
by the worker a few seconds after the transaction commits — a burst of edits is embedded once,
since the task skips a text it already embedded.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse

# Seconds between an object's change and its re-embedding (see the module's docstring).
REFRESH_DELAY = 5
PANEL_PAGES = ("challenge", "idea")


def register() -> None:
    """The panel on the challenge and idea pages; the signals of every similarity source."""
    from civiclab.core.page_links import PagePanel, contribute_panel
    from civiclab.exchange.queries.similar import SOURCES

    for page in PANEL_PAGES:
        contribute_panel(
            page,
            PagePanel(
                key="exchange_similar",
                template="exchange/similar/panel_loader.html",
                context=_loader(page),
                order=40,
            ),
        )
    for kind, source in SOURCES.items():
        watch(apps.get_model(source.model), kind)


def watch(model: Any, kind: str) -> None:
    """Refresh the passages of ``model``'s objects (of ``kind``) when one is saved or deleted."""

    def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        pk = instance.pk
        transaction.on_commit(lambda: queue_refresh(kind, pk))

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"exchange.similar.{kind}")
    post_delete.connect(
        changed, sender=model, weak=False, dispatch_uid=f"exchange.similar.{kind}.delete"
    )


def queue_refresh(kind: str, pk: int) -> None:
    # Imported here: the task module loads huey, which commands that never queue work skip.
    from civiclab.exchange.tasks import refresh_similar

    refresh_similar.schedule(args=(kind, pk), delay=REFRESH_DELAY)


def _loader(page: str) -> Any:
    def context(obj: Any, user: Any) -> dict[str, Any] | None:
        if obj is None or obj.pk is None:
            return None
        return {"load_url": reverse("exchange:similar_panel", args=(page, obj.pk))}

    return context
