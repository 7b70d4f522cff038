"""REST routes under /api/v1/notifications: your own notifications and choices only."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.pagination import paginate

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Page
from civiclab.notifications import queries, services
from civiclab.notifications.models import Kind
from civiclab.notifications.schemas import (
    NotificationCountOut,
    NotificationOut,
    NotificationPreferenceOut,
    NotificationPreferencesIn,
    NotificationsRead,
)

router = Router()


@router.get(
    "",
    response={200: list[NotificationOut], **READ_ERRORS},
    operation_id="list_notifications",
    summary="Your in-app notifications, newest first (only about what you may still see)",
)
@paginate(Page)
def list_notifications(request: ApiRequest, unread: bool = False) -> Any:
    rows = queries.in_app(request.auth)
    return rows.filter(read_at__isnull=True) if unread else rows


@router.get(
    "/count",
    response={200: NotificationCountOut, **READ_ERRORS},
    operation_id="count_notifications",
    summary="How many of your notifications you have not read",
)
def count_notifications(request: ApiRequest) -> dict[str, int]:
    return {"unread": queries.unread_count(request.auth)}


@router.post(
    "/read",
    response={200: NotificationCountOut, **ERRORS},
    operation_id="read_notifications",
    summary="Mark notifications (or all) read; answers the unread count left",
)
def read_notifications(request: ApiRequest, payload: NotificationsRead) -> dict[str, int]:
    services.mark_read(request.auth, payload.items)
    return {"unread": queries.unread_count(request.auth)}


def _preferences(user: Any) -> list[dict[str, Any]]:
    chosen = queries.preferences_of(user)
    return [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "in_app": chosen[kind][0],
            "email": chosen[kind][1],
        }
        for kind in Kind
    ]


@router.get(
    "/preferences",
    response={200: list[NotificationPreferenceOut], **READ_ERRORS},
    operation_id="get_notification_preferences",
    summary="Your choice per kind: told in the app, in the daily e-mail",
)
def get_preferences(request: ApiRequest) -> list[dict[str, Any]]:
    return _preferences(request.auth)


@router.put(
    "/preferences",
    response={200: list[NotificationPreferenceOut], **ERRORS},
    operation_id="update_notification_preferences",
    summary="Change your choice for the kinds given (the others keep theirs)",
)
def update_preferences(
    request: ApiRequest, payload: NotificationPreferencesIn
) -> list[dict[str, Any]]:
    services.set_preferences(
        request.auth, {row.kind.value: (row.in_app, row.email) for row in payload.preferences}
    )
    return _preferences(request.auth)
