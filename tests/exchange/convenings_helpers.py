"""Convenings of the matrix world: a network forum, a cohort meeting of A's cohort, one of a
cohort A is not in, and one of the foreign network."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from civiclab.exchange.models.convenings import Convening
from civiclab.exchange.services import convenings as services
from civiclab.network.models import Cohort
from tests.factories import CohortFactory
from tests.world import World


def later(hours: float) -> dt.datetime:
    return timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours)


@dataclass
class Meetings:
    cohort: Cohort  # A and B
    other_cohort: Cohort  # B only
    forum: Convening  # the network's
    meeting: Convening  # the cohort's (A is in it)
    other_meeting: Convening  # the other cohort's (A is not)
    foreign: Convening  # the foreign network's


def convening(network: Any, title: str, **fields: Any) -> Convening:
    fields.setdefault("starts_at", later(48))
    fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(hours=2))
    return services.create_convening(None, network, title=title, **fields)


def build(world: World) -> Meetings:
    cohort = CohortFactory(network=world.network, slug="blight", name="Blight cohort")
    cohort.cities.add(world.city, world.other_city)
    other = CohortFactory(network=world.network, slug="water", name="Water cohort")
    other.cities.add(world.other_city)
    return Meetings(
        cohort=cohort,
        other_cohort=other,
        forum=convening(world.network, "Network forum", kind="forum", place="Lyon"),
        meeting=convening(
            world.network,
            "Blight cohort meeting",
            kind="cohort_meeting",
            cohort=cohort,
            online_url="https://meet.example.org/blight",
        ),
        other_meeting=convening(
            world.network, "Zqwater secret meeting", kind="cohort_meeting", cohort=other
        ),
        foreign=convening(world.foreign_city.network, "Zqforeign webinar", kind="webinar"),
    )
