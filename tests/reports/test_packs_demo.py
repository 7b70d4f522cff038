"""The issue's done-when on the demo: Mobile's Innovation Team's monthly pack prepares
itself, last meeting's decision and action are carried into it, and Dana (a member of the
team) reads it; the solution's page shows them; the command line writes it as PDF."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from civiclab.accounts.models import User
from civiclab.reports import demo_packs
from civiclab.reports.models.packs import Review
from tests.clients import as_user, body

pytestmark = pytest.mark.django_db


def test_the_demo_review_carries_its_meeting(tmp_path: Path) -> None:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio

    seed_demo()
    seed_demo_datasets()
    seed_demo_indicators()
    seed_demo_portfolio()
    assert demo_packs.seed()
    assert demo_packs.seed() == []  # idempotent
    review = Review.objects.get(title=demo_packs.TITLE)
    assert review.meetings.count() == 1
    dana = User.objects.get(email=demo_packs.ANALYST)
    client = as_user(dana)
    pack = client.get(f"/api/v1/reports/reviews/{review.pk}/pack").json()
    assert [d["text"] for d in pack["carried"]["decisions"]] == [
        "Extend the blight squad to the east-side neighbourhoods."
    ]
    assert [a["text"] for a in pack["carried"]["actions"]] == [
        "Ask the municipal court for two more hearing dates a month."
    ]
    assert pack["solutions"] and pack["summary"]["indicators"] >= 1
    page = body(client.get(f"/delivery/reviews/{review.pk}/pack/"))
    assert "Ask the municipal court" in page and "Hold the meeting" in page
    solution_id = pack["carried"]["actions"][0]["solution"]
    solution_page = body(client.get(f"/solutions/{solution_id}/"))
    assert "Ask the municipal court" in solution_page
    # The mayor's office (a viewer of the city, not of the team) does not read the team's review.
    mayor = as_user(User.objects.get(email="mobile.mayor@demo.civiclab.org"))
    assert mayor.get(f"/delivery/reviews/{review.pk}/pack/").status_code == 404
    out = StringIO()
    target = tmp_path / "mobile.pdf"
    team = review.team
    assert team is not None
    call_command("reports", "pack", "--team", team.slug, "--city", "mobile", "--pdf",
                 str(target), stdout=out)  # fmt: skip
    assert "2 actions" not in out.getvalue() and "1 actions carried" in out.getvalue()
    assert target.read_bytes().startswith(b"%PDF")
