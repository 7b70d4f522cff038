"""The demo's convenings and directory: the blight cohort meets (Mobile and Mulhouse going),
a network webinar, a past forum with its notes; a few people found by the whole network.

Idempotent: nothing is added when the cohort meeting exists already."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from civiclab.accounts.models import User
from civiclab.exchange.models.convenings import Convening
from civiclab.exchange.services import convenings, directory
from civiclab.network.models import Cohort, Network

MEETING_TITLE = "Blight cohort check-in: from dumping to data"


def _at(days: int, hour: int, zone: str) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(zone))


@transaction.atomic
def seed_demo_convenings(network: Network | None = None) -> list[str]:
    """Make the demo's convenings and directory entries; returns what was made."""
    network = network or Network.objects.filter(cities__slug="mobile").first()
    cohort = Cohort.objects.filter(network=network).first() if network else None
    if network is None or cohort is None or Convening.objects.filter(title=MEETING_TITLE).exists():
        return []
    meeting = convenings.create_convening(
        None,
        network,
        kind="cohort_meeting",
        cohort=cohort,
        title=MEETING_TITLE,
        description="Mobile shows its blight case study; Mulhouse brings its illegal dumping "
        "challenge. Bring one indicator you track.",
        starts_at=_at(9, 16, "Europe/Paris"),
        ends_at=_at(9, 17, "Europe/Paris") + dt.timedelta(minutes=30),
        timezone="Europe/Paris",
        online_url="https://meet.example.org/blight-cohort",
        capacity=30,
        agenda=[
            {"at": dt.time(16, 0), "title": "Welcome and news", "speaker": "Network Admin"},
            {"at": dt.time(16, 10), "title": "Mobile's blight case", "speaker": "Dana Analyst"},
            {"at": dt.time(16, 40), "title": "Dépôts sauvages à Mulhouse", "speaker": ""},
            {"at": dt.time(17, 10), "title": "Next steps", "speaker": ""},
        ],
    )
    convenings.create_convening(
        None,
        network,
        kind="webinar",
        title="Webinar: measuring what matters",
        starts_at=_at(21, 11, "America/New_York"),
        ends_at=_at(21, 12, "America/New_York"),
        timezone="America/New_York",
        online_url="https://meet.example.org/webinar",
    )
    past = convenings.create_convening(
        None,
        network,
        kind="forum",
        title="Spring forum",
        starts_at=_at(-30, 9, "Europe/Paris"),
        ends_at=_at(-30, 17, "Europe/Paris"),
        timezone="Europe/Paris",
        place="Hôtel de ville, Paris",
    )
    convenings.set_notes(
        None, past, "Six cities came.\nAgreed: share one blight indicator definition."
    )
    made = ["convenings: a cohort meeting, a webinar, a past forum with notes"]
    people = {u.email: u for u in User.objects.filter(email__endswith="@demo.civiclab.org")}
    for email in ("mobile.analyst@demo.civiclab.org", "mulhouse.admin@demo.civiclab.org"):
        if email in people:
            convenings.set_rsvp(people[email], meeting, "going")
            directory.set_entry(
                None,
                people[email],
                {"visibility": "network", "headline": "Blight, vacant lots, illegal dumping"},
                topics=["blight", "illegal dumping"],
                skills=["GIS", "data analysis"],
            )
    made.append("directory: two people found by the whole network")
    return made
