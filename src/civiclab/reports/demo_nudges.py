"""nudges: this area's part of the demo story — a stale dataset nudges its owner, once.

Mobile's "Vacant buildings" (2016 data) is declared monthly and given Dana Analyst as its
owner, through the dataset service. Its one version was imported when the demo was made, so
it is fresh today; the sweep is run as if two months and a day had passed since that import
(a time-shifted sweep of datasets only — no data is faked), which sees it overdue and
nudges Dana once. (The daily sweep, at the real date, later sees it fresh again and resets.)
Running it again (or the demo again) makes no second nudge: the state has not changed.
"""

from __future__ import annotations

import datetime as dt

from civiclab.accounts.models import User
from civiclab.datasets import services as dataset_services
from civiclab.datasets.freshness import after_periods
from civiclab.datasets.models import Dataset
from civiclab.reports.models.nudges import Nudge
from civiclab.reports.services.nudges import sweep

CITY, DATASET, OWNER = "mobile", "Vacant buildings", "mobile.analyst@demo.civiclab.org"
FREQUENCY = "monthly"


def seed() -> list[str]:
    dataset = (
        Dataset.objects.filter(city__slug=CITY, name=DATASET)
        .select_related("current_version", "city")
        .first()
    )
    owner = User.objects.filter(email=OWNER).first()
    if dataset is None or dataset.current_version is None or owner is None:
        return []  # the demo has no datasets (installed without the repository's test data)
    made: list[str] = []
    if dataset.update_frequency != FREQUENCY or dataset.owner_id != owner.pk:
        dataset_services.update_dataset(None, dataset, update_frequency=FREQUENCY, owner=owner)
        made.append(f"{CITY}/{dataset.slug}: updated {FREQUENCY}, owned by {OWNER}")
    if Nudge.objects.filter(kind="dataset", object_id=dataset.pk, recipient=owner).exists():
        return made
    # Two periods and a day after its last update: overdue, as it will be in two months.
    later = after_periods(dataset.current_version.created_at, FREQUENCY, 2) + dt.timedelta(days=1)
    result = sweep(later, email=False, kinds=("dataset",))
    made.append(f"nudges sweep as of {later.date()}: {result.nudged} nudge(s)")
    return made
