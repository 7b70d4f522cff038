"""``civiclab reports nudge [--now ISO] [--kind KIND]… [--no-email] [--json]``: sweep now.

Every dataset that promises updates, every indicator and every milestone is compared with the
state the last sweep saw; owners of what became due or overdue are nudged once (in-app, and
one digest email each unless ``--no-email`` or they turned it off). ``--now`` sweeps as if it
were that moment (ISO 8601, e.g. ``2026-03-01`` or ``2026-03-01T08:00:00+00:00``): a date
alone is midnight in the server's time zone. The same work as the worker's daily task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from civiclab.reports.services.nudges import KINDS, sweep


def add_parser(sub: Any, name: str) -> None:
    parser = sub.add_parser(
        name, help="nudge the owners of datasets, indicators and milestones due for an update"
    )
    parser.add_argument("--now", metavar="ISO", help="sweep as if it were this moment (ISO 8601)")
    parser.add_argument(
        "--kind",
        dest="kinds",
        action="append",
        choices=KINDS,
        help="only this kind of object (repeatable; default: all)",
    )
    parser.add_argument("--no-email", action="store_true", help="in-app nudges only, no email")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def parse_now(text: str | None) -> dt.datetime | None:
    """``--now`` as an aware moment, or a clear error."""
    if not text:
        return None
    if len(text) > 64:
        raise CommandError("--now: too long for a date and time.")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--now {text!r}: not an ISO 8601 date or time (e.g. 2026-03-01T08:00:00+00:00)."
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    now = parse_now(options.get("now"))
    kinds = tuple(options.get("kinds") or KINDS)
    result = sweep(now, email=not options.get("no_email"), kinds=kinds)
    data = result.as_dict()
    text = (
        f"Checked {data['checked']} items: {data['changed']} changed state, "
        f"{data['reset']} reset, {data['nudged']} nudges made, {data['emailed']} emails sent"
        + (f" ({data['email_failed']} failed)." if data["email_failed"] else ".")
    )
    return data, text
