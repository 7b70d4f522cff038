from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications: in-app and by daily e-mail, each kind opt-in per person. The apps below
    announce what happened by signals; this app decides who is told."""

    name = "civiclab.notifications"
    label = "notifications"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from civiclab.core.page_links import PageLink, PagePanel, contribute, contribute_panel
        from civiclab.datasets.signals import import_failed, import_finished
        from civiclab.exchange.signals import mentioned
        from civiclab.portfolio.models import Evidence

        import_finished.connect(_import_finished, dispatch_uid="notifications.import_finished")
        import_failed.connect(_import_failed, dispatch_uid="notifications.import_failed")
        mentioned.connect(_mentioned, dispatch_uid="notifications.mentioned")
        post_save.connect(_evidence_saved, sender=Evidence, dispatch_uid="notifications.evidence")
        contribute_panel(
            "challenge",
            PagePanel(
                key="follow",
                template="notifications/partials/follow_panel.html",
                context=_follow_panel,
                order=5,
            ),
        )
        contribute(
            "challenge",
            PageLink(
                key="request_scores",
                label=_("Request scores"),
                url_name="notifications:request_challenge_scores",
                args=lambda challenge: (challenge.pk,),
                shown=_may_request_scores,
                order=70,
            ),
        )
        contribute_panel(
            "idea",
            PagePanel(
                key="request_scores",
                template="notifications/partials/request_scores_panel.html",
                context=_request_scores_panel,
                order=60,
            ),
        )


# Receivers and panels import the app's modules when first called (django.setup() stays light).
def _import_finished(sender: Any, job: Any, **kwargs: Any) -> None:
    from civiclab.notifications.services import import_ended

    import_ended(job, succeeded=True)


def _import_failed(sender: Any, job: Any, **kwargs: Any) -> None:
    from civiclab.notifications.services import import_ended

    import_ended(job, succeeded=False)


def _mentioned(sender: Any, post: Any, people: Any, by: Any = None, **kwargs: Any) -> None:
    from civiclab.notifications.services import mentioned

    mentioned(post, people, by)


def _evidence_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    from django.db import transaction

    from civiclab.notifications.services import evidence_added

    transaction.on_commit(lambda: evidence_added(instance))


def _may_request_scores(challenge: Any, user: Any) -> bool:
    from civiclab.core.permissions import Action
    from civiclab.core.scoping import user_can

    return getattr(user, "is_authenticated", False) and user_can(user, Action.EDIT, challenge)


def _follow_panel(challenge: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.notifications.views import follow_panel_context

    return follow_panel_context(challenge, user)


def _request_scores_panel(idea: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.notifications.views import request_scores_panel_context

    return request_scores_panel_context(idea, user)
