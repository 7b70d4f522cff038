"""Writes of the capacity self-assessment: a city's people fill in their city's assessment.

Who: a member or admin of the city (``DEFAULT_POLICY``: create and edit need a member), and
the network's admins; the command line (``by=None``) too. When: a person may fill in and
change the current year's assessment until the year ends (the city's own time zone); past
years are the record the "over time" view and the network's comparisons rest on, so only
the command line may write them (the demo seeds a past year that way)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action, Target, Visibility
from civiclab.core.services import check
from civiclab.reports.models.capacity import (
    LINK_LENGTH,
    LINKS_LIMIT,
    NOTES_LIMIT,
    CapacityAssessment,
    CapacityScore,
)
from civiclab.reports.rules.capacity import ELEMENTS, SCORE_MAX, SCORE_MIN

CAPACITY_POLICY = DEFAULT_POLICY
YEAR_MIN, YEAR_MAX = 2000, 2200


@dataclass
class ElementAnswer:
    """One element's answer: a score, evidence notes, links within civiclab."""

    score: int
    notes: str = ""
    links: list[str] = field(default_factory=list)


def city_year(city: Any, now: dt.datetime | None = None) -> int:
    """The current year where the city is (its time zone)."""
    moment = now or timezone.now()
    return moment.astimezone(zoneinfo.ZoneInfo(city.timezone or "UTC")).year


def target(city: Any) -> Target:
    return Target(network_id=city.network_id, city_id=city.pk, visibility=Visibility.CITY)


def clean_link(link: str) -> str:
    """A link within civiclab: a path of one of its pages ("/challenges/12/"), never another
    site. Raises ValueError with the reason."""
    link = link.strip()
    if not link.startswith("/") or link.startswith("//") or "\\" in link:
        raise ValueError(
            _(
                "“%(link)s” is not a civiclab address: give a path starting with /, "
                "such as /challenges/12/."
            )
            % {"link": link[:60]}
        )
    if len(link) > LINK_LENGTH:
        raise ValueError(_("A link is at most %(n)s characters.") % {"n": LINK_LENGTH})
    try:
        resolve(link.split("?", 1)[0].split("#", 1)[0])
    except Resolver404:
        raise ValueError(_("“%(link)s” is not a civiclab page.") % {"link": link[:60]}) from None
    return link


def _validate(answers: dict[str, ElementAnswer]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = set(answers) - set(ELEMENTS)
    if unknown:
        errors["elements"] = [
            _("Unknown elements: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        ]
    for element in ELEMENTS:
        answer = answers.get(element)
        if answer is None:
            errors.setdefault(element, []).append(_("Score every element."))
            continue
        wrong: list[str] = []
        if not isinstance(answer.score, int) or not SCORE_MIN <= answer.score <= SCORE_MAX:
            wrong.append(
                _("A score from %(min)s to %(max)s.") % {"min": SCORE_MIN, "max": SCORE_MAX}
            )
        if len(answer.notes) > NOTES_LIMIT:
            wrong.append(_("Evidence notes are at most %(n)s characters.") % {"n": NOTES_LIMIT})
        if len(answer.links) > LINKS_LIMIT:
            wrong.append(_("At most %(n)s links per element.") % {"n": LINKS_LIMIT})
        else:
            for link in answer.links:
                try:
                    clean_link(link)
                except ValueError as exc:
                    wrong.append(str(exc))
        if wrong:
            errors[element] = wrong
    return errors


@transaction.atomic
def save_assessment(
    by: Any, city: Any, year: int, answers: dict[str, ElementAnswer]
) -> CapacityAssessment:
    """Fill in (or change) ``city``'s assessment for ``year``: every element scored. The first
    save submits it; later saves change it until the year ends."""
    existing = CapacityAssessment.objects.filter(city=city, year=year).first()
    check(by, Action.EDIT if existing else Action.CREATE, target(city), CAPACITY_POLICY)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            {"year": [_("A year from %(min)s to %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX}]}
        )
    if by is not None and year != city_year(city):
        raise ValidationError(
            {
                "year": [
                    _("Only this year's assessment (%(year)s) may be filled in or changed.")
                    % {"year": city_year(city)}
                ]
            }
        )
    errors = _validate(answers)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    actor = by if by is not None and by.is_authenticated else None
    if existing is None:
        assessment = CapacityAssessment.objects.create(
            city=city, year=year, visibility=Visibility.CITY, submitted_at=now, submitted_by=actor
        )
    else:
        assessment = existing
        assessment.save(update_fields=["updated_at"])
    before = {s.element: s.score for s in assessment.scores.all()}
    assessment.scores.all().delete()
    CapacityScore.objects.bulk_create(
        CapacityScore(
            assessment=assessment,
            element=element,
            score=answers[element].score,
            notes=answers[element].notes.strip(),
            links=[clean_link(link) for link in answers[element].links],
        )
        for element in ELEMENTS
    )
    after = {element: answers[element].score for element in ELEMENTS}
    details: dict[str, Any] = {"year": year, "scores": after}
    if existing:
        details["before"] = before
    record(by, "capacity.updated" if existing else "capacity.submitted", assessment, **details)
    return assessment
