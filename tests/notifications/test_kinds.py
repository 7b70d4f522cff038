"""Each kind of notification end to end: the lower app's signal → a notification for the right
people only, by the channels they chose; never the actor of their own action."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from civiclab.datasets import jobs
from civiclab.datasets import services as dataset_services
from civiclab.datasets.models import Dataset, ImportJob
from civiclab.exchange.services import discussions
from civiclab.notifications import services
from civiclab.notifications.models import Kind, MilestoneWatch, Notification, Preference
from civiclab.notifications.queries import in_app, notifications_for
from civiclab.portfolio import services as portfolio
from tests.datasets.helpers import REAL, write
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db


def told(user: Any, kind: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)


def upload(tmp_path: Path) -> Path:
    source = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    return copy


def test_own_import_finishing_is_told_to_its_starter(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """GIVEN a member who starts an import WHEN it finishes THEN they (and only they) are told
    in the app, not by e-mail (the default), and the notification links to the dataset."""
    member = world.user("member")
    with django_capture_on_commit_callbacks(execute=True):
        jobs.submit_import(
            member, world.city, "311", upload(tmp_path), "311.csv", dataset_services.ImportOptions()
        )
    [item] = told(member)
    assert item.kind == Kind.IMPORT_FINISHED and item.in_app and not item.email
    assert item.dataset is not None and item.dataset.slug == "311"
    assert Notification.objects.count() == 1
    assert list(in_app(member)) == [item]


def test_own_import_failing_is_told(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    member = world.user("member")
    path = write(tmp_path / "bad.csv", "id,lat\n1,95\n")
    with django_capture_on_commit_callbacks(execute=True):
        jobs.submit_import(
            member, world.city, "bad", path, "bad.csv", dataset_services.ImportOptions()
        )
    [item] = told(member)
    assert item.kind == Kind.IMPORT_FAILED and item.dataset is None
    # A failed job with no dataset is seen through the job: its starter sees it, others not.
    assert list(in_app(member)) == [item]


def test_turned_off_means_not_told(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    member = world.user("member")
    services.set_preferences(member, {Kind.IMPORT_FINISHED: (False, False)})
    with django_capture_on_commit_callbacks(execute=True):
        jobs.submit_import(
            member, world.city, "311", upload(tmp_path), "311.csv", dataset_services.ImportOptions()
        )
    assert told(member) == []


def _scheduled_job(world: World, dataset: Dataset | None, state: str) -> ImportJob:
    return ImportJob.objects.create(
        city=world.city, dataset_name="311", dataset=dataset, upload="x", state=state
    )


def test_a_scheduled_refresh_tells_the_dataset_owner(world: World) -> None:
    """GIVEN a refresh nobody started of a dataset with an owner THEN the owner is told."""
    owner = world.user("member")
    dataset = Dataset.objects.create(city=world.city, name="311", slug="311", owner=owner)
    services.import_ended(_scheduled_job(world, dataset, "done"), succeeded=True)
    assert [n.kind for n in told(owner)] == [Kind.IMPORT_FINISHED]
    assert Notification.objects.count() == 1


def test_an_unowned_refresh_tells_only_editors_who_asked(world: World) -> None:
    """GIVEN a refresh of a dataset with no owner THEN only the city's editors who chose the
    city-refresh kind are told (viewers and people elsewhere never)."""
    dataset = Dataset.objects.create(city=world.city, name="311", slug="311")
    for actor in ("city_admin", "viewer", "other_city_admin"):
        services.set_preferences(world.user(actor), {Kind.CITY_REFRESH: (True, True)})
    services.import_ended(_scheduled_job(world, dataset, "failed"), succeeded=False)
    assert {n.user for n in Notification.objects.all()} == {world.user("city_admin")}
    item = Notification.objects.get()
    assert item.kind == Kind.CITY_REFRESH and item.email


def test_evidence_on_a_followed_challenge(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """GIVEN followers of a challenge WHEN evidence is added THEN followers who may see the
    evidence are told, its author is not, and a follower outside its team is not."""
    challenge = f.challenge(world.city, visibility="city")
    for actor in ("member", "team_member", "other_team_member", "city_admin"):
        services.follow(world.user(actor), challenge)
    with django_capture_on_commit_callbacks(execute=True):
        portfolio.add_evidence(world.user("member"), challenge, "insight", "Residents speak")
    assert {n.user for n in Notification.objects.filter(kind=Kind.EVIDENCE_ADDED)} == {
        world.user("team_member"),
        world.user("other_team_member"),
        world.user("city_admin"),
    }
    Notification.objects.all().delete()
    team_challenge = f.challenge(world.city, visibility="team", team=world.team)
    for actor in ("team_member", "city_admin"):
        services.follow(world.user(actor), team_challenge)
    with django_capture_on_commit_callbacks(execute=True):
        portfolio.add_evidence(world.user("team_member"), team_challenge, "insight", "Private")
    assert {n.user for n in Notification.objects.all()} == {world.user("city_admin")}


def test_unfollowed_challenge_tells_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    challenge = f.challenge(world.city)
    services.follow(world.user("viewer"), challenge)
    services.unfollow(world.user("viewer"), challenge)
    with django_capture_on_commit_callbacks(execute=True):
        portfolio.add_evidence(world.user("member"), challenge, "insight", "Residents speak")
    assert not Notification.objects.exists()


def test_a_mention_tells_the_mentioned(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """GIVEN a thread on a challenge WHEN a post mentions a colleague THEN they are told once;
    the author mentioning themselves is not."""
    challenge = f.challenge(world.city, visibility="city")
    member = world.user("member")
    with django_capture_on_commit_callbacks(execute=True):
        thread = discussions.start_thread(
            member, "challenge", challenge.pk, "Owners", "Thoughts @viewer and @member?"
        )
    [item] = Notification.objects.all()
    assert item.user == world.user("viewer") and item.kind == Kind.MENTIONED
    assert item.actor == member and item.post.thread == thread


def test_a_slipping_milestone_is_told_once_per_change(world: World) -> None:
    """GIVEN a milestone past due WHEN the sweep runs daily THEN its owner and the solution's
    owner are told once; after it is back on time and slips again, once more."""
    challenge = f.challenge(world.city)
    solution = f.solution(challenge, owner=world.user("city_admin"))
    today = timezone.localdate()
    milestone = f.milestone(
        solution, due_on=today - dt.timedelta(days=1), owner=world.user("member")
    )
    assert services.sweep_milestones(today) == 1
    assert services.sweep_milestones(today + dt.timedelta(days=1)) == 0
    assert {n.user for n in Notification.objects.all()} == {
        world.user("member"),
        world.user("city_admin"),
    }
    milestone.due_on = today + dt.timedelta(days=10)
    milestone.save()
    services.sweep_milestones(today)
    assert MilestoneWatch.objects.get().state == "on_time"
    assert services.sweep_milestones(today + dt.timedelta(days=11)) == 1
    assert Notification.objects.count() == 4


def test_done_milestones_are_not_slipping(world: World) -> None:
    solution = f.solution(f.challenge(world.city))
    today = timezone.localdate()
    f.milestone(
        solution, due_on=today - dt.timedelta(days=3), done_on=today, owner=world.user("member")
    )
    assert services.sweep_milestones(today) == 0


def test_request_scores_tells_those_asked(world: World) -> None:
    """GIVEN an idea WHEN a member asks colleagues to score it THEN those asked are told, the
    request is audited, and asking someone who cannot see the challenge is refused."""
    from django.core.exceptions import ValidationError

    from civiclab.audit.models import AuditEvent

    challenge = f.challenge(world.city, visibility="team", team=world.team)
    idea = f.idea(challenge)
    asker = world.user("team_member")
    services.request_scores(asker, challenge, [world.user("city_admin"), asker], idea=idea)
    assert [n.user for n in Notification.objects.all()] == [world.user("city_admin")]
    assert AuditEvent.objects.filter(action="score_request.create").count() == 1
    with pytest.raises(ValidationError):
        services.request_scores(asker, challenge, [world.user("other_team_member")], idea=idea)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.request_scores(world.user("viewer"), f.challenge(world.city), [asker])


def test_a_notification_about_what_one_can_no_longer_see_is_hidden(world: World) -> None:
    """GIVEN a notification about evidence WHEN the evidence is narrowed to a team the
    reader is not in THEN the list no longer shows it."""
    challenge = f.challenge(world.city)
    evidence = f.evidence(challenge)
    viewer = world.user("viewer")
    services.notify(Kind.EVIDENCE_ADDED, [viewer], evidence=evidence)
    assert notifications_for(viewer).count() == 1
    evidence.visibility, evidence.team = "team", world.team
    evidence.save()
    assert notifications_for(viewer).count() == 0
    assert Notification.objects.filter(user=viewer).count() == 1


def test_explicit_preferences_override_defaults(world: World) -> None:
    viewer = world.user("viewer")
    evidence = f.evidence(f.challenge(world.city))
    services.set_preferences(viewer, {Kind.EVIDENCE_ADDED: (False, True)})
    [item] = services.notify(Kind.EVIDENCE_ADDED, [viewer], evidence=evidence)
    assert not item.in_app and item.email
    assert Preference.objects.get(user=viewer).email
    assert in_app(viewer).count() == 0
