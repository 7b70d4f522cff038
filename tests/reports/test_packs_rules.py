"""The pack's pure rules, without a database: cadences, severity bands, the expected
trajectory, new signals against the previous pack, the summary and the SVG."""

from __future__ import annotations

import datetime as dt

from civiclab.reports.rules import packs as rules

MONTHS = [f"2026-{m:02d}" for m in range(1, 9)]


def _overall(values: list[float | None]) -> list[dict[str, object]]:
    return [
        {"period": p, "start": f"{p}-01", "value": v} for p, v in zip(MONTHS, values, strict=False)
    ]


def test_cadences() -> None:
    assert rules.next_meeting(dt.date(2026, 1, 31), "monthly") == dt.date(2026, 2, 28)
    assert rules.next_meeting(dt.date(2026, 11, 15), "quarterly") == dt.date(2027, 2, 15)
    assert rules.next_meeting(dt.date(2026, 12, 30), "weekly") == dt.date(2027, 1, 6)


def test_severity_bands() -> None:
    assert [rules.severity_band(s) for s in (25, 15, 14, 8, 7, 1)] == [
        "high", "high", "medium", "medium", "low", "low",
    ]  # fmt: skip


def test_the_expected_trajectory_runs_from_baseline_to_target() -> None:
    starts = [dt.date(2026, m, 1) for m in (1, 4, 7)]
    line = rules.expected_line(starts, 10.0, dt.date(2026, 1, 1), 4.0, dt.date(2026, 7, 1))
    assert line[0] == 10.0 and line[-1] == 4.0 and 6.9 < (line[1] or 0) < 7.1
    assert rules.expected_line(starts, None, None, 4.0, None) == [None, None, None]
    # A target date before the baseline says nothing.
    assert rules.expected_line(starts, 10.0, dt.date(2026, 7, 1), 4.0, dt.date(2026, 1, 1)) == [
        None, None, None,
    ]  # fmt: skip


def _entry(values: list[float | None], previous: set[str] | None) -> dict[str, object]:
    return rules.indicator_entry(
        indicator_id=1, name="Reports", overall=_overall(values), baseline=values[0],
        target=2.0, target_date=dt.date(2027, 1, 1), lower_is_better=True, period="month",
        previous_signals=previous,
    )  # fmt: skip


def test_new_signals_are_those_the_previous_pack_did_not_show() -> None:
    falling = [12.0, 11.0, 10.0, 9.0, 8.0, 7.0]
    first = _entry(falling, None)
    signals = first["signals"]
    assert isinstance(signals, list) and signals
    assert first["new_signals"] == len(signals)
    shown = {s["key"] for s in signals}
    again = _entry(falling, shown)
    assert again["new_signals"] == 0
    # A new month extends the trend: a new signal (other points), told as new.
    longer = _entry([*falling, 6.0], shown)
    assert longer["new_signals"] >= 1


def test_behind_or_ahead_of_the_trajectory() -> None:
    ahead = _entry([12.0, 8.0, 6.0, 4.0], None)
    assert ahead["behind"] is False and ahead["gap"] is not None
    behind = _entry([12.0, 12.5, 13.0, 13.0], None)
    assert behind["behind"] is True
    assert behind["status"] in {"off_track", "at_risk"}
    empty = _entry([None, None], None)
    assert empty["behind"] is None and empty["status"] == "unknown"


def test_the_summary_and_the_svg() -> None:
    entry = _entry([12.0, 12.5, 13.0, 13.0], None)
    solution = {
        "status": {"status": "at_risk"}, "indicators": [entry],
        "risks": [{"title": "b", "severity": 4, "band": "low"},
                  {"title": "a", "severity": 20, "band": "high"}],
        "milestones_slipping": [{"title": "m"}], "evaluations": [],
    }  # fmt: skip
    pack = rules.assemble(
        review={"id": 1}, prepared_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC), since=None,
        next_meeting_on=dt.date(2026, 10, 1), solutions=[solution],
        carried={"actions": [], "decisions": []}, decisions_due=[], funding_deadlines=[],
    )  # fmt: skip
    assert [r["title"] for r in solution["risks"]] == ["a", "b"]
    summary = pack["summary"]
    assert summary["risks"] == {"high": 1, "medium": 0, "low": 1}
    assert summary["statuses"]["at_risk"] == 1 and summary["indicators_off_goal"] == 1
    svg = rules.trajectory_svg(entry["points"], marked=[1], title='<script>"x"</script>')  # type: ignore[arg-type]
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'class="expected"' in svg and 'class="actual"' in svg
    assert rules.trajectory_svg([{"value": None}]) == ""
