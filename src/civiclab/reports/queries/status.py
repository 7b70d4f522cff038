"""A solution's status as delivery shows it: proposed from its data, or overridden by a person.

The one interface the dashboard, the review packs and the public pages read a status through.
(First version: the stored status only; the dashboard area fills in the proposal from the
indicators' run-chart signals, goal projections and milestones, and the overrides.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SolutionStatus:
    """``status``: on_track | at_risk | off_track (portfolio's SOLUTION_STATUSES);
    ``proposed``: what the data say, with ``reason`` in one sentence (the reader's language);
    ``overridden``: a person set ``status`` against the proposal, with ``narrative``."""

    status: str
    label: str
    proposed: str | None = None
    reason: str = ""
    overridden: bool = False
    narrative: str = ""


def status_of(solution: Any) -> SolutionStatus:
    """The status of one solution the caller may already see (no visibility check here: the
    caller read ``solution`` through a scoped query)."""
    return SolutionStatus(status=solution.status, label=str(solution.get_status_display()))
