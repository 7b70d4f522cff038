"""packs: this area's part of the demo story — Mobile's Innovation Team holds a monthly review;
last month's meeting decided to extend the blight squad and gave Dana an action, and this
month's pack, prepared by itself, carries both."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civiclab.accounts.models import User
from civiclab.network.models import Team
from civiclab.portfolio.models import Solution
from civiclab.reports.models.packs import Review
from civiclab.reports.services import packs as services

TITLE = "Innovation Team monthly delivery review"
ANALYST = "mobile.analyst@demo.civiclab.org"


def seed() -> list[str]:
    team = Team.objects.filter(city__slug="mobile").select_related("city").order_by("pk").first()
    if team is None or Review.objects.filter(team=team, title=TITLE).exists():
        return []
    analyst = User.objects.filter(email=ANALYST).first()
    today = timezone.localdate()
    last_month = today - dt.timedelta(days=30)
    review = services.create_review(
        None, scope="team", team=team, title=TITLE, cadence="monthly",
        next_meeting_on=last_month, owner=analyst,
    )  # fmt: skip
    solution = Solution.objects.filter(team=team).exclude(stage="stopped").order_by("pk").first()
    services.hold_meeting(
        None, review, held_on=last_month,
        notes="First monthly review: blight reports are falling; court dates are the bottleneck.",
        decisions=[{
            "text": "Extend the blight squad to the east-side neighbourhoods.",
            "solution": solution.pk if solution else None, "owner": analyst,
            "due_on": today + dt.timedelta(days=20),
        }],
        actions=[{
            "text": "Ask the municipal court for two more hearing dates a month.",
            "solution": solution.pk if solution else None, "owner": analyst,
            "due_on": today + dt.timedelta(days=7),
        }],
    )  # fmt: skip
    return [f"review: {TITLE} (one meeting held, a decision and an action carried)"]
