"""nudges: REST routes under /api/v1/reports/: your own reminders only."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.pagination import paginate

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Page
from civiclab.reports.queries import nudges as queries
from civiclab.reports.schemas.nudges import (
    NudgeCountOut,
    NudgeOut,
    NudgeSettingsIn,
    NudgeSettingsOut,
    NudgesRead,
)
from civiclab.reports.services import nudges as services

router = Router()


@router.get(
    "/nudges",
    response={200: list[NudgeOut], **READ_ERRORS},
    operation_id="list_nudges",
    summary="Your reminders: what you own that became due or overdue, newest first",
)
@paginate(Page)
def list_nudges(request: ApiRequest, unread: bool = False) -> Any:
    rows = queries.my_nudges(request.auth)
    return rows.filter(read_at__isnull=True) if unread else rows


@router.get(
    "/nudges/count",
    response={200: NudgeCountOut, **READ_ERRORS},
    operation_id="count_nudges",
    summary="How many of your reminders you have not read",
)
def count_nudges(request: ApiRequest) -> dict[str, int]:
    return {"unread": queries.unread_nudge_count(request.auth)}


@router.post(
    "/nudges/read",
    response={200: NudgeCountOut, **ERRORS},
    operation_id="read_nudges",
    summary="Mark reminders (or all) read; answers the unread count left",
)
def read_nudges(request: ApiRequest, payload: NudgesRead) -> dict[str, int]:
    services.mark_read(request.auth, payload.items)
    return {"unread": queries.unread_nudge_count(request.auth)}


@router.get(
    "/nudges/settings",
    response={200: NudgeSettingsOut, **READ_ERRORS},
    operation_id="get_nudge_settings",
    summary="Whether you receive the reminders' digest email",
)
def get_nudge_settings(request: ApiRequest) -> dict[str, bool]:
    return {"email": queries.wants_email(request.auth)}


@router.put(
    "/nudges/settings",
    response={200: NudgeSettingsOut, **ERRORS},
    operation_id="update_nudge_settings",
    summary="Turn the reminders' digest email on or off",
)
def update_nudge_settings(request: ApiRequest, payload: NudgeSettingsIn) -> dict[str, bool]:
    return {"email": services.set_email(request.auth, payload.email).email}
