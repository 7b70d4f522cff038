"""PURE: how fresh a dataset is, from (last update, declared frequency, now) alone.

The rule (udata's and HDX's): fresh until one period has passed since the last update, then
*due*; *overdue* once two periods have passed. A dataset that declares no frequency (or
"once") is never due: without a promise there is nothing to nag about. A dataset that declares
a frequency but was never imported is due. Months and quarters are calendar months (31 January
+ one month = 28 or 29 February), years calendar years.

Used wherever a dataset — or something made from it: an indicator, a public result — is shown,
so the mark is the same everywhere, and by the nudges that tell owners.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

State = Literal["fresh", "due", "overdue", "none"]

# frequency → (days, months) of one period
PERIODS: dict[str, tuple[int, int]] = {
    "daily": (1, 0),
    "weekly": (7, 0),
    "monthly": (0, 1),
    "quarterly": (0, 3),
    "yearly": (0, 12),
}


@dataclass(frozen=True)
class Freshness:
    """``state`` and, when the dataset promises updates, when it becomes due and overdue."""

    state: State
    due_at: dt.datetime | None = None
    overdue_at: dt.datetime | None = None

    @property
    def is_stale(self) -> bool:
        return self.state in ("due", "overdue")


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` plus whole calendar months, clamped to the last day of the target month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def after_periods(moment: dt.datetime, frequency: str, periods: int) -> dt.datetime:
    days, months = PERIODS[frequency]
    if months:
        return add_months(moment, months * periods)
    return moment + dt.timedelta(days=days * periods)


def freshness(last_update: dt.datetime | None, frequency: str, now: dt.datetime) -> Freshness:
    """The state of data last updated at ``last_update`` (None: never) that promises
    ``frequency`` updates, seen at ``now``."""
    if frequency not in PERIODS:
        return Freshness("none")
    if last_update is None:
        return Freshness("due")
    due_at = after_periods(last_update, frequency, 1)
    overdue_at = after_periods(last_update, frequency, 2)
    if now >= overdue_at:
        state: State = "overdue"
    elif now >= due_at:
        state = "due"
    else:
        state = "fresh"
    return Freshness(state, due_at, overdue_at)
