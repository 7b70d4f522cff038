"""capacity: this area's part of the demo story — "Paris fills in its capacity
self-assessment and sees where it stands in the network".

The five other demo cities have submitted this year's assessment (enough for the network's
median and percentiles: ``MIN_CITIES`` is 5), and Paris and four others last year's, so Paris
sees last year's place and its history at once; Paris's current year is left for its member
(paris.analyste@demo.civiclab.org) to fill in. Seeded as the command line (``by=None``), the
only writer allowed a past year. Idempotent: a city's year is skipped when it exists.
"""

from __future__ import annotations

from django.urls import reverse

from civiclab.network.models import City
from civiclab.reports.models.capacity import CapacityAssessment
from civiclab.reports.rules.capacity import ELEMENTS
from civiclab.reports.services.capacity import ElementAnswer, city_year, save_assessment

# Each city's scores in element order (ELEMENTS), this year and last year.
THIS_YEAR = {
    "mobile": (4, 3, 3, 2, 3, 4, 5),
    "detroit": (3, 4, 4, 4, 3, 3, 4),
    "boston": (5, 4, 4, 3, 4, 4, 5),
    "mulhouse": (2, 3, 3, 2, 2, 3, 3),
    "tel-aviv": (4, 4, 2, 2, 4, 5, 4),
}
LAST_YEAR = {
    "paris": (3, 3, 4, 2, 2, 3, 3),
    "mobile": (3, 3, 2, 2, 3, 3, 4),
    "detroit": (3, 3, 4, 3, 3, 3, 3),
    "boston": (4, 4, 3, 3, 4, 4, 4),
    "mulhouse": (2, 2, 3, 2, 2, 2, 3),
}
NOTES = {
    "data_driven": "Indicators track every priority; see the key facts.",
    "resident_involved": "Residents interviewed while investigating our challenges.",
}


def _answers(scores: tuple[int, ...]) -> dict[str, ElementAnswer]:
    evidence = reverse("reports:keyfacts")
    return {
        element: ElementAnswer(
            score=score,
            notes=NOTES.get(element, ""),
            links=[evidence] if element == "data_driven" else [],
        )
        for element, score in zip(ELEMENTS, scores, strict=True)
    }


def seed() -> list[str]:
    made: list[str] = []
    cities = {
        c.slug: c for c in City.objects.filter(network__slug="demo").select_related("network")
    }
    for offset, plan in ((1, LAST_YEAR), (0, THIS_YEAR)):
        for slug, scores in plan.items():
            city = cities.get(slug)
            if city is None:
                continue
            year = city_year(city) - offset
            if CapacityAssessment.objects.filter(city=city, year=year).exists():
                continue
            save_assessment(None, city, year, _answers(scores))
            made.append(f"capacity self-assessment {city.name} {year}")
    return made
