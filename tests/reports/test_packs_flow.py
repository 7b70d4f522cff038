"""Review packs: the pack prepares itself, a meeting records decisions and actions, the next
pack carries them, and an old pack stays as it was."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from civiclab.audit.models import AuditEvent
from civiclab.portfolio.models import Milestone
from civiclab.reports.models.packs import ReviewMeeting
from civiclab.reports.queries.packs import prepare_pack
from civiclab.reports.services import packs as services
from tests.reports.packs_helpers import private_elsewhere, team_review, team_solution
from tests.world import World


def test_the_pack_prepares_itself(world: World, tmp_path: Path) -> None:
    """GIVEN Team T's solution with an indicator, milestones, risks, an evaluation, a grant
    WHEN its review's pack is prepared THEN each section holds what the data say."""
    solution = team_solution(world, tmp_path)
    review = team_review(world)
    pack = prepare_pack(review)
    assert [s["title"] for s in pack["solutions"]] == [solution.title]
    entry = pack["solutions"][0]
    # The status is the one the data propose (one milestone slipping: at risk), with its reason.
    assert entry["status"]["status"] == entry["status"]["proposed"] == "at_risk"
    assert entry["status"]["reason"]
    (indicator,) = entry["indicators"]
    assert indicator["name"] == "Blight reports per month"
    assert indicator["latest"] == 6 and indicator["target"] == 5.0
    assert indicator["status"] in {"on_track", "met", "at_risk", "off_track"}
    assert len(indicator["points"]) == 6
    assert indicator["points"][0]["expected"] == 12.0  # the baseline starts the trajectory
    assert [m["title"] for m in entry["milestones_slipping"]] == ["Hire the squad"]
    assert [m["title"] for m in entry["milestones_due"]] == ["Train the squad"]
    assert [r["title"] for r in entry["risks"]] == ["Owners sue", "Staff leave"]
    assert [r["band"] for r in entry["risks"]] == ["high", "low"]
    assert pack["summary"]["risks"] == {"high": 1, "medium": 0, "low": 1}
    assert entry["evaluations"][0]["state"] == "none"
    assert [d["title"] for d in pack["funding_deadlines"]] == ["Blight grant"]
    assert pack["since"] is None
    # No previous pack: every signal is new.
    assert indicator["new_signals"] == len(indicator["signals"])


def test_a_meeting_is_carried_to_the_next_pack(world: World, tmp_path: Path) -> None:
    """GIVEN a review WHEN its meeting records a decision and an action THEN the next pack
    carries both; once the action is done it is no longer carried, and the first meeting's
    frozen pack is unchanged."""
    solution = team_solution(world, tmp_path)
    review = team_review(world)
    today = timezone.localdate()
    first = services.hold_meeting(
        world.user("team_member"), review, held_on=today,
        decisions=[{"text": "Extend the squad to the east side", "solution": solution.pk,
                    "owner": world.user("city_admin").pk,
                    "due_on": today + dt.timedelta(days=3)}],
        actions=[{"text": "Ask the court for two more dates", "solution": solution.pk,
                  "owner": world.user("team_member"), "due_on": today + dt.timedelta(days=14)}],
    )  # fmt: skip
    review.refresh_from_db()
    assert review.next_meeting_on > today
    assert AuditEvent.objects.filter(action="review.meeting").count() == 1
    frozen = dict(first.pack)
    assert frozen["carried"] == {"actions": [], "decisions": []}

    pack = prepare_pack(review)
    assert [a["text"] for a in pack["carried"]["actions"]] == ["Ask the court for two more dates"]
    assert [d["text"] for d in pack["carried"]["decisions"]] == [
        "Extend the squad to the east side"
    ]
    assert pack["since"] == today.isoformat()
    carried = pack["solutions"][0]["carried"]
    assert {i["kind"] for i in carried} == {"action", "decision"}
    assert any(d["text"] == "Extend the squad to the east side" for d in pack["decisions_due"])

    # The data change after the meeting: the old pack does not.
    Milestone.objects.filter(title="Hire the squad").update(done_on=today)
    action = first.actions.get()
    second = services.hold_meeting(
        world.user("city_admin"), review, held_on=today + dt.timedelta(days=1),
        done_actions=[action.pk],
    )  # fmt: skip
    assert second.pack["carried"]["actions"][0]["text"] == "Ask the court for two more dates"
    assert not second.pack["solutions"][0]["milestones_slipping"]
    first = ReviewMeeting.objects.get(pk=first.pk)
    assert first.pack == frozen
    assert first.pack["solutions"][0]["milestones_slipping"][0]["title"] == "Hire the squad"

    third = prepare_pack(review)
    assert third["carried"]["actions"] == []
    # The decision is still open: carried until it is done.
    assert [d["text"] for d in third["carried"]["decisions"]] == [
        "Extend the squad to the east side"
    ]


def test_another_citys_private_solution_is_never_in_a_pack(world: World, tmp_path: Path) -> None:
    team_solution(world, tmp_path)
    private_elsewhere(world)
    review = team_review(world)
    titles = [s["title"] for s in prepare_pack(review)["solutions"]]
    assert titles == ["Blight squad"]
    city_review = services.create_review(
        world.user("member"), scope="city", city=world.city, title="A portfolio",
        cadence="quarterly", next_meeting_on=timezone.localdate(),
    )  # fmt: skip
    city_titles = [s["title"] for s in prepare_pack(city_review)["solutions"]]
    # City-visible work of A; Team U's team-private solution belongs in U's own review.
    assert city_titles == ["Blight squad"]


def test_no_query_storm(world: World, tmp_path: Path) -> None:
    """GIVEN a pack WHEN its scope grows by more solutions with indicators, risks and
    milestones THEN preparing it takes the same number of queries (cached results read at
    once)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civiclab.portfolio.models import SolutionIndicator
    from tests.portfolio import factories as pf

    solution = team_solution(world, tmp_path)
    review = team_review(world)
    prepare_pack(review)  # computes and caches the indicator's results
    prepare_pack(review)  # and the status readings, keyed by the data they read
    with CaptureQueriesContext(connection) as one:
        prepare_pack(review)
    link = SolutionIndicator.objects.get(solution=solution)
    for n in range(4):
        more = pf.solution(solution.challenge, title=f"More {n}")
        SolutionIndicator.objects.create(solution=more, indicator=link.indicator)
        pf.risk(more, title=f"Risk {n}")
        pf.milestone(more, title=f"Late {n}", due_on=timezone.localdate() - dt.timedelta(days=2))
    prepare_pack(review)  # the new rows changed the data version: status readings read again
    prepare_pack(review)
    with CaptureQueriesContext(connection) as five:
        pack = prepare_pack(review)
    assert len(pack["solutions"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries), [
        q["sql"][:120] for q in five.captured_queries
    ]
