"""The demo network: enough to explore, seeded once, and kind to what the user changed."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.core.permissions import Role
from civiclab.network.demo import DEMO_PASSWORD, seed_demo
from civiclab.network.models import City, Cohort, Membership, Team

pytestmark = pytest.mark.django_db


def test_demo_has_cities_in_three_countries_and_every_role() -> None:
    summary = seed_demo()
    assert summary.created
    assert City.objects.count() >= 6
    assert set(City.objects.values_list("country", flat=True)) >= {"US", "FR", "IL"}
    assert Cohort.objects.get().cities.count() == City.objects.count()
    for city in City.objects.all():
        assert Team.objects.filter(city=city).exists()
    assert set(Membership.objects.values_list("role", flat=True)) == {r.value for r in Role}
    for login in summary.logins:
        assert Client().login(username=login.email, password=DEMO_PASSWORD), login.email


def test_second_run_keeps_what_the_user_changed() -> None:
    seed_demo()
    mobile = City.objects.get(slug="mobile")
    mobile.name = "Mobile, AL"
    mobile.save()
    Team.objects.filter(city__slug="boston").delete()
    again = seed_demo()
    assert not again.created
    assert City.objects.get(slug="mobile").name == "Mobile, AL"
    assert not Team.objects.filter(city__slug="boston").exists()


def test_demo_command_prints_the_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--no-serve", "--json", "--port", "8123")
    out = json.loads(capsys.readouterr().out)
    assert out["url"] == "http://127.0.0.1:8123/"
    assert out["password"] == DEMO_PASSWORD
    assert any(login["role"] == "viewer" for login in out["logins"])


def test_demo_datasets_leave_out_private_owners() -> None:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.datasets.models import Dataset

    seed_demo()
    imported = seed_demo_datasets()
    assert len(imported) == 5
    violations = Dataset.objects.get(slug="vacant-building-violations")
    names = [c["name"] for c in violations.current_version.columns]
    assert "Entity or Person(s)" not in names and "Property Address" in names
    assert violations.current_version.rows == 20890
    assert seed_demo_datasets() == []  # already there: nothing imported twice


def test_demo_indicators_compute_with_goals_signals_and_equity() -> None:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.indicators import services
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.indicators.models import Indicator

    seed_demo()
    seed_demo_datasets()
    created = seed_demo_indicators()
    assert created == [
        "mobile/vacant-building-notices",
        "detroit/days-to-close-a-311-request",
        "detroit/311-requests-received",
        "boston/share-of-311-requests-closed",
    ]
    assert seed_demo_indicators() == []  # once
    for indicator in Indicator.objects.all():
        report = services.report(indicator)
        assert report["error"] is None, indicator.name
        assert any(p["value"] is not None for p in report["series"]["overall"]), indicator.name
    days = services.report(Indicator.objects.get(slug="days-to-close-a-311-request"))
    assert len(days["series"]["overall"]) == 21  # 2014-Q1 … 2019-Q1
    assert days["goal"].baseline is not None and days["goal"].status != "unknown"
    assert days["run_chart"].signals  # the sample's closing times do change
    assert days["equity"] is not None


def test_demo_portfolio_tells_a_story_in_six_cities() -> None:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.portfolio.demo import seed_demo_portfolio
    from civiclab.portfolio.models import Challenge, Score, Solution

    seed_demo()
    seed_demo_datasets()
    seed_demo_indicators()
    created = seed_demo_portfolio()
    assert len(created) == 7 and seed_demo_portfolio() == []
    phases = dict(Challenge.objects.values_list("city__slug", "phase").order_by("pk"))
    assert phases["mobile"] == "deliver" and phases["tel-aviv"] == "investigate"
    assert set(phases) == {"mobile", "detroit", "boston", "tel-aviv", "mulhouse", "paris"}
    blight = Challenge.objects.get(city__slug="mobile")
    assert list(blight.phase_changes.values_list("to_phase", flat=True)) == [
        "investigate",
        "generate",
        "prepare",
        "deliver",
    ]
    assert blight.evidence.filter(kind="data").get().snapshot["value"] is not None
    squad = Solution.objects.get(challenge=blight)
    assert squad.targets.get().indicator.slug == "vacant-building-notices"
    assert squad.milestones.count() == 4 and squad.risks.count() == 2
    assert Score.objects.filter(idea__challenge=blight).values("reviewer").distinct().count() >= 2
    french = Challenge.objects.get(city__slug="mulhouse")
    assert "habitants" in french.title and french.ideas.count() == 2


def test_demo_mobile_can_ask_the_150_foot_question() -> None:
    from civiclab.datasets.services import find_dataset
    from civiclab.geo.demo import seed_demo_geo
    from civiclab.geo.services import proximity_between
    from civiclab.indicators import services as indicators
    from civiclab.indicators.models import Indicator
    from civiclab.network.models import City

    seed_demo()
    assert len(seed_demo_geo()) == 4 and seed_demo_geo() == []
    mobile = City.objects.get(slug="mobile")
    parcels, blighted = find_dataset(mobile, "Parcels"), find_dataset(mobile, "Blighted properties")
    answer = proximity_between(parcels, blighted, 45.72).as_dict()
    assert answer["total"] == 45_000 and 10_000 < answer["count"] < 16_000
    kinds = {c["name"]: c["type"] for c in blighted.current_version.columns}
    assert kinds["Neighbourhood"] == "category"
    report = indicators.report(Indicator.objects.get(slug="blighted-properties-identified"))
    assert report["error"] is None and report["equity"] is not None
    groups = {p["group"] for p in report["series"]["breakdown"]}
    assert {"Toulminville", "Plateau", "Maysville"} <= groups
