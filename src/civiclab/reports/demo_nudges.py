"""nudges: this area's part of the demo story — a stale dataset nudges its owner, once.

Mobile's "Vacant buildings" (2016 data) is declared monthly and given Dana Analyst as its
owner, through the dataset service. The demo's story is that the team last refreshed it ten
weeks ago: its one version is dated so (the only date the demo sets back), which makes it
overdue today — marked so on the data pages, the indicators made from it and the dashboard —
and the sweep, at the real date, nudges Dana once. The worker's daily sweep sees the same
state and sends nothing more; running the demo again makes no second nudge either.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civiclab.accounts.models import User
from civiclab.datasets import services as dataset_services
from civiclab.datasets.models import Dataset, DatasetVersion
from civiclab.reports.models.nudges import Nudge
from civiclab.reports.services.nudges import sweep

CITY, DATASET, OWNER = "mobile", "Vacant buildings", "mobile.analyst@demo.civiclab.org"
FREQUENCY = "monthly"
# When the demo's story says the team last refreshed the data: past two monthly periods.
LAST_REFRESHED = dt.timedelta(weeks=10)


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
    now = timezone.now()
    refreshed = now - LAST_REFRESHED
    if dataset.current_version.created_at > refreshed:
        DatasetVersion.objects.filter(pk=dataset.current_version.pk).update(created_at=refreshed)
    result = sweep(now, email=False, kinds=("dataset",))
    made.append(f"nudges sweep: {result.nudged} nudge(s)")
    return made
