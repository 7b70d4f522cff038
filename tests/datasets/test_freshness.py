"""datasets.freshness: fresh → due after one period → overdue after two; no promise, no nag."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiclab.datasets.freshness import PERIODS, add_months, freshness

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 31, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (dt.datetime(2026, 2, 27, tzinfo=UTC), "fresh"),
        (dt.datetime(2026, 2, 28, 12, tzinfo=UTC), "due"),  # 31 Jan + 1 month = 28 Feb
        (dt.datetime(2026, 3, 30, tzinfo=UTC), "due"),
        (dt.datetime(2026, 3, 31, 12, tzinfo=UTC), "overdue"),
    ],
)
def test_monthly_uses_calendar_months(now: dt.datetime, state: str) -> None:
    assert freshness(T0, "monthly", now).state == state


def test_weekly_boundaries() -> None:
    assert freshness(T0, "weekly", T0 + dt.timedelta(days=6, hours=23)).state == "fresh"
    assert freshness(T0, "weekly", T0 + dt.timedelta(days=7)).state == "due"
    assert freshness(T0, "weekly", T0 + dt.timedelta(days=14)).state == "overdue"


@pytest.mark.parametrize("frequency", ["", "once", "hourly"])
def test_no_declared_frequency_never_nags(frequency: str) -> None:
    assert freshness(T0, frequency, T0 + dt.timedelta(days=3650)).state == "none"
    assert freshness(None, frequency, T0).state == "none"


def test_never_updated_but_promised_is_due() -> None:
    result = freshness(None, "daily", T0)
    assert result.state == "due" and result.is_stale


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.datetime(2024, 1, 31, tzinfo=UTC), 1) == dt.datetime(
        2024, 2, 29, tzinfo=UTC
    )
    assert add_months(dt.datetime(2025, 11, 30, tzinfo=UTC), 3) == dt.datetime(
        2026, 2, 28, tzinfo=UTC
    )


@given(
    st.sampled_from(sorted(PERIODS)),
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 - naive bounds, as hypothesis needs
        max_value=dt.datetime(2090, 1, 1),  # noqa: DTZ001
    ),
    st.integers(min_value=0, max_value=5000),
)
def test_state_only_worsens_with_time(frequency: str, last: dt.datetime, days: int) -> None:
    order = {"fresh": 0, "due": 1, "overdue": 2}
    earlier = freshness(last, frequency, last + dt.timedelta(days=days))
    later = freshness(last, frequency, last + dt.timedelta(days=days + 1))
    assert order[later.state] >= order[earlier.state]
