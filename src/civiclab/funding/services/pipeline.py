"""A city's funding profile and its applications: checked, validated, audited.

An application is the city's (``core`` rules, ``DEFAULT_POLICY``): its members create and edit
it, its viewers read it, sharing it beyond the city is publishing (city admins). It moves
through ``TRANSITIONS`` only, each move kept as an ``ApplicationStatusChange`` and in the audit
log. The profile is set by the city's admins and the network's admins.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.errors import DomainError
from civiclab.core.permissions import ADMIN_POLICY, DEFAULT_POLICY, Action, Target, Visibility
from civiclab.core.scoping import actor_for, user_can
from civiclab.core.services import apply_changes, changed_values, check, check_may_share
from civiclab.funding.catalogue.applicants import BY_CODE, READ_THE_TEXT
from civiclab.funding.models import (
    APPLICATION_STATUSES,
    CHECKLIST,
    TRANSITIONS,
    Application,
    ApplicationStatusChange,
    FundingProfile,
    Opportunity,
)
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import city_target
from civiclab.network.models import City, Team
from civiclab.portfolio.models import Milestone

# ``by=None`` is the command line, run by the operator of the server.
SYSTEM = None

APPLICATION_POLICY = DEFAULT_POLICY
# A profile names the city's partners and decides what the city is shown: its admins set it.
PROFILE_POLICY = ADMIN_POLICY

# Limits of a profile (docs/funding.md, "Limits").
MAX_PARTNERS = 50
PARTNER_NAME_LIMIT = 200
# What an edit may change (the status moves by change_status, the checklist by set_checklist).
EDITABLE = (
    "title", "funder", "owner", "team", "visibility", "challenge", "solution", "deadline",
    "amount_requested", "amount_awarded", "match_amount", "match_source", "currency", "notes",
    "opportunity",
)  # fmt: skip
CHECKLIST_KEYS = tuple(key for key, _label in CHECKLIST)
STATUS_LABELS = dict(APPLICATION_STATUSES)


class TransitionRefused(DomainError):
    """A status that may not follow the application's current one."""

    status = 409
    code = "transition_refused"


# -- the profile --------------------------------------------------------------------------------
def _clean_codes(codes: Any) -> list[str]:
    if not isinstance(codes, (list, tuple)) or not codes:
        raise ValidationError({"applicant_codes": _("Choose at least one applicant type.")})
    cleaned: list[str] = []
    for code in codes:
        text = str(code).strip()
        if text not in BY_CODE:
            raise ValidationError(
                {"applicant_codes": _("%(code)s is not an applicant type.") % {"code": repr(text)}}
            )
        if text in READ_THE_TEXT:
            raise ValidationError(
                {
                    "applicant_codes": _(
                        "%(code)s is not a type a city applies as: it sends the reader to the "
                        "opportunity's text."
                    )
                    % {"code": text}
                }
            )
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


def _clean_partners(partners: Any) -> list[dict[str, str]]:
    if partners is None:
        return []
    if not isinstance(partners, (list, tuple)):
        raise ValidationError({"partners": _("Partners are a list of names and types.")})
    if len(partners) > MAX_PARTNERS:
        raise ValidationError(
            {"partners": _("At most %(limit)d partners.") % {"limit": MAX_PARTNERS}}
        )
    cleaned = []
    for index, partner in enumerate(partners, start=1):
        name = str(partner.get("name", "") if isinstance(partner, dict) else "").strip()
        code = str(partner.get("code", "") if isinstance(partner, dict) else "").strip()
        if not name:
            raise ValidationError({"partners": _("Partner %(n)d has no name.") % {"n": index}})
        if len(name) > PARTNER_NAME_LIMIT:
            raise ValidationError(
                {
                    "partners": _("Partner %(n)d's name is longer than %(limit)d characters.")
                    % {"n": index, "limit": PARTNER_NAME_LIMIT}
                }
            )
        if code not in BY_CODE or code in READ_THE_TEXT:
            raise ValidationError(
                {
                    "partners": _("Partner %(n)d: %(code)s is not an applicant type.")
                    % {"n": index, "code": repr(code)}
                }
            )
        cleaned.append({"name": name, "code": code})
    return cleaned


@transaction.atomic
def set_profile(
    by: Any,
    city: City,
    applicant_codes: Any,
    partners: Any = None,
    registration_expires: dt.date | None = None,
) -> FundingProfile:
    """Save how ``city`` applies: its applicant types (known codes, not 25/99), at most
    ``MAX_PARTNERS`` partners (a name of at most ``PARTNER_NAME_LIMIT`` characters and a type
    each), and when its SAM.gov registration expires."""
    check(by, Action.EDIT, city_target(city), PROFILE_POLICY)
    codes = _clean_codes(applicant_codes)
    cleaned = _clean_partners(partners)
    profile = FundingProfile.objects.select_for_update().filter(city=city).first()
    before = (
        {
            "applicant_codes": profile.applicant_codes,
            "partners": profile.partners,
            "registration_expires": profile.registration_expires,
        }
        if profile
        else {"applicant_codes": [], "partners": [], "registration_expires": None}
    )
    profile = profile or FundingProfile(city=city)
    profile.applicant_codes = codes
    profile.partners = cleaned
    profile.registration_expires = registration_expires
    profile.updated_by = by if getattr(by, "is_authenticated", False) else None
    profile.full_clean()
    profile.save()
    after = {
        "applicant_codes": codes,
        "partners": cleaned,
        "registration_expires": registration_expires,
    }
    record(by, "fundingprofile.update", profile, city=city, changes=changed_values(before, after))
    return profile


# -- applications -------------------------------------------------------------------------------
def _target(city: City, team: Team | None, visibility: str) -> Target:
    return Target(city.network_id, city.pk, Visibility(visibility), team.pk if team else None)


def _visible_to(by: Any, obj: Any) -> bool:
    from civiclab.portfolio.models import scope

    return by is None or user_can(by, Action.VIEW, obj, DEFAULT_POLICY, scope(type(obj)))


def _check_links(by: Any, city: City, fields: dict[str, Any]) -> None:
    """A linked team, challenge and solution are the city's, and the actor may see them."""
    errors: dict[str, str] = {}
    team = fields.get("team")
    if team is not None and team.city_id != city.pk:
        errors["team"] = _("The team belongs to another city.")
    if fields.get("visibility") == Visibility.TEAM and team is None:
        errors["team"] = _("An application visible to a team only needs its team.")
    for name in ("challenge", "solution"):
        linked = fields.get(name)
        if linked is None:
            continue
        if linked.city_id != city.pk:
            errors[name] = _("It belongs to another city.")
        elif not _visible_to(by, linked):
            errors[name] = _("Not found.")
    owner = fields.get("owner")
    if owner is not None and actor_for(owner).role_in_city(city.network_id, city.pk) is None:
        errors["owner"] = _("The owner must be a member of the city.")
    challenge, solution = fields.get("challenge"), fields.get("solution")
    if challenge is not None and solution is not None and solution.challenge_id != challenge.pk:
        errors["solution"] = _("The solution answers another challenge.")
    opportunity = fields.get("opportunity")
    if (
        opportunity is not None
        and by is not None
        and not visible_opportunities(by).filter(pk=opportunity.pk).exists()
    ):
        errors["opportunity"] = _("Not found.")
    if errors:
        raise ValidationError(errors)


def _check_amounts(fields: dict[str, Any]) -> None:
    errors = {}
    for name in ("amount_requested", "amount_awarded", "match_amount"):
        value = fields.get(name)
        if value is not None and Decimal(value) < 0:
            errors[name] = _("An amount cannot be negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_application(
    by: Any,
    city: City,
    *,
    opportunity: Opportunity | None = None,
    title: str = "",
    team: Team | None = None,
    visibility: str = Visibility.CITY,
    milestones: list[Milestone] | None = None,
    **fields: Any,
) -> Application:
    """A new application of ``city``, for ``opportunity`` or for a fund outside the catalogue
    (``funder`` then names it). The title defaults to the opportunity's, the deadline to its
    close date; it starts as a prospect, private to the city unless shared."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    target = _target(city, team, visibility)
    check(by, Action.CREATE, target, APPLICATION_POLICY)
    check_may_share(by, target, visibility, APPLICATION_POLICY)
    _check_links(
        by, city, {**fields, "team": team, "visibility": visibility, "opportunity": opportunity}
    )
    _check_amounts(fields)
    if opportunity is None and not str(fields.get("funder", "")).strip():
        raise ValidationError(
            {"funder": _("Name the funder of a fund that is not in the catalogue.")}
        )
    if opportunity is not None:
        title = title or opportunity.title[:300]
        fields.setdefault("deadline", opportunity.close_date)
        if fields.get("deadline") is None:
            fields["deadline"] = opportunity.close_date
    if not title.strip():
        raise ValidationError({"title": _("Give the application a title.")})
    actor = by if getattr(by, "is_authenticated", False) else None
    fields.setdefault("owner", actor)
    application = Application(
        city=city,
        team=team,
        visibility=visibility,
        opportunity=opportunity,
        title=title.strip(),
        created_by=actor,
        **fields,
    )
    if application.amount_awarded is not None:
        raise ValidationError(
            {"amount_awarded": _("A new application has no award yet: record it when awarded.")}
        )
    application.full_clean()
    application.save()
    if milestones:
        _set_milestones(application, milestones)
    ApplicationStatusChange.objects.create(
        application=application, from_status="", to_status=application.status, by=actor
    )
    record(
        by,
        "application.create",
        application,
        visibility=visibility,
        opportunity=opportunity.pk if opportunity else None,
    )
    return application


def _set_milestones(application: Application, milestones: list[Milestone]) -> None:
    if len(milestones) > 0 and application.solution_id is None:
        raise ValidationError(
            {"milestones": _("Link a solution first: the milestones are a solution's.")}
        )
    strangers = [m for m in milestones if m.solution_id != application.solution_id]
    if strangers:
        raise ValidationError({"milestones": _("Those milestones belong to another solution.")})
    application.milestones.set(milestones)


@transaction.atomic
def update_application(
    by: Any,
    application: Application,
    changes: dict[str, Any],
    milestones: list[Milestone] | None = None,
) -> Application:
    """Change the application's fields (``EDITABLE``); sharing it wider is publishing."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    check(by, Action.EDIT, application, APPLICATION_POLICY)
    linked = {
        name: changes.get(name, getattr(application, name))
        for name in ("team", "visibility", "challenge", "solution")
    }
    if changes.get("owner") is not None:
        linked["owner"] = changes["owner"]
    if "opportunity" in changes:
        linked["opportunity"] = changes["opportunity"]
    _check_links(by, application.city, linked)
    _check_amounts(changes)
    if application.status == "awarded" and changes.get("amount_awarded", 0) is None:
        raise ValidationError(
            {"amount_awarded": _("An awarded application keeps its amount awarded.")}
        )
    diff = apply_changes(by, application, changes, APPLICATION_POLICY) if changes else {}
    if "solution" in changes and milestones is None:
        # The milestones are the solution's: another solution's cannot stay linked.
        if application.solution_id is None:
            application.milestones.clear()
        else:
            application.milestones.remove(
                *application.milestones.exclude(solution_id=application.solution_id)
            )
    if milestones is not None:
        before = sorted(application.milestones.values_list("pk", flat=True))
        _set_milestones(application, milestones)
        after = sorted(m.pk for m in milestones)
        if before != after:
            diff["milestones"] = [str(before), str(after)]
    if diff:
        record(by, "application.update", application, changes=diff)
    return application


def _refusal(application: Application, to_status: str) -> str:
    allowed = sorted(TRANSITIONS.get(application.status, frozenset()))
    return _(
        "An application that is %(current)s cannot become %(status)s; it may become: %(allowed)s."
    ) % {
        "current": str(STATUS_LABELS[application.status]).lower(),
        "status": str(STATUS_LABELS.get(to_status, to_status)).lower(),
        "allowed": ", ".join(str(STATUS_LABELS[s]).lower() for s in allowed),
    }


@transaction.atomic
def change_status(
    by: Any,
    application: Application,
    to_status: str,
    *,
    note: str = "",
    on: dt.date | None = None,
    amount_awarded: Decimal | None = None,
) -> ApplicationStatusChange:
    """Move the application to ``to_status`` (``TRANSITIONS`` only). Submitting sets
    ``submitted_on``, a decision ``decided_on`` (``on`` or today); an award needs its amount
    (given here or already recorded). Going back before a decision clears its date."""
    check(by, Action.EDIT, application, APPLICATION_POLICY)
    # Two people moving the same application at once: the second reads the first's status.
    Application.objects.select_for_update().filter(pk=application.pk).first()
    application.refresh_from_db()
    if to_status not in STATUS_LABELS:
        raise ValidationError(
            {"status": _("%(status)s is not a status.") % {"status": repr(to_status)}}
        )
    if to_status == application.status:
        raise TransitionRefused(
            _("The application is already %(status)s.")
            % {"status": str(STATUS_LABELS[to_status]).lower()}
        )
    if to_status not in TRANSITIONS[application.status]:
        raise TransitionRefused(_refusal(application, to_status))
    if len(note) > 10_000:
        raise ValidationError({"note": _("The note is longer than 10,000 characters.")})
    day = on or timezone.localdate()
    if amount_awarded is not None:
        _check_amounts({"amount_awarded": amount_awarded})
        application.amount_awarded = amount_awarded
    if to_status == "awarded" and application.amount_awarded is None:
        raise ValidationError(
            {"amount_awarded": _("Record the amount awarded to mark the application awarded.")}
        )
    from_status = application.status
    application.status = to_status
    if to_status == "submitted":
        application.submitted_on = application.submitted_on or day
        application.decided_on = None
    elif to_status in ("awarded", "declined"):
        application.decided_on = day
        application.submitted_on = application.submitted_on or day
    elif to_status in ("prospect", "drafting"):
        application.submitted_on = None
        application.decided_on = None
    application.full_clean()
    application.save()
    actor = by if getattr(by, "is_authenticated", False) else None
    change = ApplicationStatusChange(
        application=application, from_status=from_status, to_status=to_status, note=note, by=actor
    )
    change.full_clean()
    change.save()
    record(
        by,
        "application.status",
        application,
        changes={"status": [from_status, to_status]},
        amount_awarded=str(application.amount_awarded)
        if application.amount_awarded is not None
        else None,
    )
    return change


@transaction.atomic
def set_checklist(by: Any, application: Application, key: str, done: bool) -> Application:
    """Tick (or untick) one readiness item (``CHECKLIST``'s keys only)."""
    check(by, Action.EDIT, application, APPLICATION_POLICY)
    if key not in CHECKLIST_KEYS:
        raise ValidationError(
            {
                "checklist": _("%(key)s is not a readiness item (%(keys)s).")
                % {"key": repr(key), "keys": ", ".join(CHECKLIST_KEYS)}
            }
        )
    checklist = dict(application.checklist) if isinstance(application.checklist, dict) else {}
    before = bool(checklist.get(key))
    checklist = {k: bool(v) for k, v in checklist.items() if k in CHECKLIST_KEYS}
    checklist[key] = bool(done)
    application.checklist = checklist
    application.save(update_fields=["checklist", "updated_at"])
    if before != bool(done):
        record(
            by,
            "application.checklist",
            application,
            changes={key: [str(before), str(bool(done))]},
        )
    return application


def readiness(application: Application) -> tuple[int, int]:
    """How many readiness items are done, of how many."""
    checklist = application.checklist if isinstance(application.checklist, dict) else {}
    return sum(1 for key in CHECKLIST_KEYS if checklist.get(key)), len(CHECKLIST_KEYS)
