"""nudges: a stale item nudges its owner once per change of state — never daily; back to
fresh resets; no declared frequency never nags; owner-less items go to the city's admins."""

from __future__ import annotations

import datetime as dt

import pytest

from civiclab.audit.models import AuditEvent
from civiclab.reports.models.nudges import Nudge, NudgeState
from civiclab.reports.queries.nudges import message_of
from civiclab.reports.services.nudges import milestone_state, sweep
from tests.portfolio import factories as pf
from tests.reports.nudge_helpers import T0, dataset, days, indicator
from tests.world import World

pytestmark = pytest.mark.django_db

# T0 + one month (10 Feb): due; + two months (10 Mar): overdue.
DUE = T0 + days(32)
OVERDUE = T0 + days(60)


def nudges_of(user: object, kind: str = "dataset") -> list[Nudge]:
    return list(Nudge.objects.filter(recipient=user, kind=kind).order_by("created_at"))


def test_a_stale_dataset_nudges_its_owner_once(world: World) -> None:
    owner = world.user("member")
    data = dataset(world.city, owner=owner)
    sweep(T0 + days(5))
    assert nudges_of(owner) == []  # fresh
    sweep(DUE)
    sweep(DUE + days(1))  # the next day: still due, nobody is told again
    sweep(DUE + days(2))
    told = nudges_of(owner)
    assert [(n.state, n.object_id) for n in told] == [("due", data.pk)]
    assert told[0].params["since"] == "2026-02-10"
    # due → overdue is a change of state: one more
    sweep(OVERDUE)
    sweep(OVERDUE + days(1))
    assert [n.state for n in nudges_of(owner)] == ["due", "overdue"]
    assert NudgeState.objects.get(kind="dataset", object_id=data.pk).state == "overdue"


def test_back_to_fresh_resets(world: World) -> None:
    owner = world.user("member")
    data = dataset(world.city, owner=owner)
    sweep(DUE)
    assert len(nudges_of(owner)) == 1
    # a new version comes in: fresh again, no nudge
    version = data.current_version
    assert version is not None
    version.created_at = DUE + days(1)
    version.save()
    sweep(DUE + days(2))
    assert len(nudges_of(owner)) == 1
    assert NudgeState.objects.get(kind="dataset", object_id=data.pk).state == "fresh"
    # and due again a month later: told again
    sweep(DUE + days(33))
    assert [n.state for n in nudges_of(owner)] == ["due", "due"]


@pytest.mark.parametrize("frequency", ["", "once"])
def test_no_declared_frequency_never_nags(world: World, frequency: str) -> None:
    owner = world.user("member")
    data = dataset(world.city, owner=owner, frequency=frequency)
    indicator(data, owner=owner)
    sweep(T0 + days(3650))
    assert Nudge.objects.count() == 0
    assert not NudgeState.objects.filter(kind="dataset").exists()


def test_withdrawing_the_frequency_forgets_the_state(world: World) -> None:
    owner = world.user("member")
    data = dataset(world.city, owner=owner)
    sweep(DUE)
    data.update_frequency = ""
    data.save()
    sweep(OVERDUE)
    assert not NudgeState.objects.filter(kind="dataset", object_id=data.pk).exists()
    assert len(nudges_of(owner)) == 1


def test_never_imported_dataset_with_a_frequency_is_due(world: World) -> None:
    owner = world.user("member")
    dataset(world.city, owner=owner, updated=None)
    sweep(T0)
    [told] = nudges_of(owner)
    assert told.state == "due" and told.params["since"] is None


def test_owner_less_items_nudge_the_city_admins(world: World) -> None:
    dataset(world.city, owner=None)
    sweep(DUE)
    recipients = set(Nudge.objects.values_list("recipient__email", flat=True))
    # city A's admins only: not the network admin, not city B's admin
    assert recipients == {world.user("city_admin").email}
    [told] = Nudge.objects.all()
    assert "Nobody owns it" in message_of(told)


def test_an_inactive_owner_counts_as_none(world: World) -> None:
    owner = world.user("member")
    owner.is_active = False
    owner.save()
    dataset(world.city, owner=owner)
    sweep(DUE)
    assert nudges_of(owner) == []
    assert len(nudges_of(world.user("city_admin"))) == 1


def test_indicators_follow_their_dataset(world: World) -> None:
    data_owner, indicator_owner = world.user("member"), world.user("team_member")
    data = dataset(world.city, owner=data_owner)
    made = indicator(data, owner=indicator_owner)
    sweep(DUE)
    [told] = nudges_of(indicator_owner, "indicator")
    assert (told.object_id, told.state) == (made.pk, "due")
    sweep(DUE + days(1))
    assert len(nudges_of(indicator_owner, "indicator")) == 1


def test_milestones_due_within_a_week_then_overdue_then_done(world: World) -> None:
    owner = world.user("member")
    solution = pf.solution(pf.challenge(world.city))
    mark = pf.milestone(solution, due_on=dt.date(2026, 3, 1), owner=owner)
    sweep(dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC))  # 9 days before: fresh
    assert nudges_of(owner, "milestone") == []
    sweep(dt.datetime(2026, 2, 23, 12, tzinfo=dt.UTC))  # 6 days before: due
    sweep(dt.datetime(2026, 2, 24, 12, tzinfo=dt.UTC))
    sweep(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))  # past due, not done: overdue
    sweep(dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC))
    assert [n.state for n in nudges_of(owner, "milestone")] == ["due", "overdue"]
    mark.done_on = dt.date(2026, 3, 3)
    mark.save()
    sweep(dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC))
    assert NudgeState.objects.get(kind="milestone", object_id=mark.pk).state == "fresh"
    assert len(nudges_of(owner, "milestone")) == 2


def test_milestone_state_rule() -> None:
    today = dt.date(2026, 3, 1)

    class M:
        def __init__(self, due: dt.date, done: dt.date | None = None) -> None:
            self.due_on, self.done_on = due, done

    assert milestone_state(M(dt.date(2026, 3, 9)), today) == "fresh"  # type: ignore[arg-type]
    assert milestone_state(M(dt.date(2026, 3, 8)), today) == "due"  # type: ignore[arg-type]
    assert milestone_state(M(dt.date(2026, 3, 1)), today) == "due"  # type: ignore[arg-type]
    assert milestone_state(M(dt.date(2026, 2, 28)), today) == "overdue"  # type: ignore[arg-type]
    done = M(dt.date(2026, 2, 1), dt.date(2026, 2, 2))
    assert milestone_state(done, today) == "fresh"  # type: ignore[arg-type]


def test_one_audit_event_per_sweep_with_counts(world: World) -> None:
    dataset(world.city, owner=world.user("member"))
    sweep(DUE)
    sweep(DUE + days(1))
    events = list(AuditEvent.objects.filter(action="nudges.sweep").order_by("pk"))
    assert len(events) == 2
    assert events[0].actor is None and events[0].actor_label == "command line"
    assert events[0].details["nudged"] == 1 and events[1].details["nudged"] == 0
    assert events[0].details["checked"] == 1


def test_a_sweep_of_some_kinds_leaves_the_others_alone(world: World) -> None:
    owner = world.user("member")
    data = dataset(world.city, owner=owner)
    indicator(data, owner=owner)
    sweep(DUE, kinds=("dataset",))
    assert nudges_of(owner, "indicator") == []
    assert len(nudges_of(owner)) == 1
    with pytest.raises(ValueError, match="Unknown kinds"):
        sweep(DUE, kinds=("budget",))
