"""Dates as Grants.gov's JSON and CSV write them (calendar days, no time zone)."""

from __future__ import annotations

import datetime as dt
import re

_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_API = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4})")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


def us_date(value: str) -> dt.date | None:
    """``MM/DD/YYYY`` (or ``M/D/YYYY``); None when it is not written so. ValueError when it
    is written so but does not exist (13/31/2024)."""
    match = _US.match(value)
    if match is None:
        return None
    month, day, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def api_date(value: str) -> dt.date | None:
    """``May 10, 2021 12:00:00 AM EDT`` (the day as written: the time is ignored)."""
    match = _API.match(value)
    if match is None or match.group(1) not in _MONTHS:
        return None
    return dt.date(int(match.group(3)), _MONTHS[match.group(1)], int(match.group(2)))
