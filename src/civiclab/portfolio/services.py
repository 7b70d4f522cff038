"""Portfolio writes: every one checked against the permission rules, validated, audited.

Creating or changing a part of a challenge (evidence, a cause, an idea, a score…) or of a
solution (a milestone, a risk…) is editing that challenge or solution: the same rules apply.
Evidence and solutions carry their own visibility, never wider than their challenge's; when a
challenge is narrowed, they are narrowed with it. Made without one, they are as wide as their
maker may set, within the challenge (``widest_within``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from pathlib import Path, PurePath
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import (
    DEFAULT_POLICY,
    Action,
    Target,
    Visibility,
    widest_visibility,
)
from civiclab.core.scoping import actor_for, target_of, user_can
from civiclab.core.services import apply_changes, check, check_may_share
from civiclab.network.models import City, Membership, Team
from civiclab.portfolio.models import (
    PHASE_ORDER,
    SOLUTION_STAGES,
    Attachment,
    Challenge,
    Decision,
    Evidence,
    Idea,
    Milestone,
    PhaseChange,
    Risk,
    Score,
    Solution,
    SolutionIndicator,
    Update,
    scope,
)
from civiclab.portfolio.rules import filetypes

M = TypeVar("M", bound=models.Model)

# The object each part belongs to, by the name of its field.
PARENT_FIELD = {
    "Cause": "challenge",
    "OpportunityArea": "challenge",
    "Idea": "challenge",
    "Milestone": "solution",
    "Risk": "solution",
    "Decision": "solution",
    "Update": "solution",
    "SolutionIndicator": "solution",
    "Score": "idea",
}


def _label(obj: models.Model) -> str:
    return obj._meta.model_name or type(obj).__name__.lower()


def _target(city: City, team: Team | None, visibility: str) -> Target:
    return Target(city.network_id, city.pk, Visibility(visibility), team.pk if team else None)


def _check_new(by: Any, city: City, team: Team | None, visibility: str) -> None:
    target = _target(city, team, visibility)
    check(by, Action.CREATE, target, DEFAULT_POLICY)
    check_may_share(by, target, visibility)


def wider_than(visibility: str, limit: str) -> bool:
    """The rule of a challenge's evidence and solutions: never visible to more people than the
    challenge (``limit``). Every check of it — services, the import — asks here."""
    return Visibility(visibility).breadth > Visibility(limit).breadth


def _not_wider(visibility: str, challenge: Challenge, what: str) -> None:
    if wider_than(visibility, challenge.visibility):
        raise ValidationError(
            {
                "visibility": f"The challenge is visible to fewer people ({challenge.visibility}): "
                f"its {what} cannot be {visibility}."
            }
        )


def widest_within(by: Any, challenge: Challenge) -> Visibility:
    """The widest visibility ``by`` may give a part of ``challenge``: what they may set in its
    city (city admins: public, members: city), never wider than the challenge. The command
    line (``by=None``) may set anything."""
    parent = Visibility(challenge.visibility)
    if by is None:
        return parent
    mine = widest_visibility(actor_for(by), challenge.city.network_id, challenge.city_id)
    return parent if wider_than(mine, parent) else mine


def _team_of(city: City, team: Team | None) -> Team | None:
    if team is not None and team.city_id != city.pk:
        raise ValidationError({"team": "The team belongs to another city."})
    return team


# -- challenges --------------------------------------------------------------------------------
@transaction.atomic
def create_challenge(
    by: Any, city: City, title: str, *, team: Team | None = None, **fields: Any
) -> Challenge:
    visibility = fields.pop("visibility", Visibility.CITY)
    _check_new(by, city, _team_of(city, team), visibility)
    challenge = Challenge(
        city=city, team=team, title=title, visibility=visibility, owner=by, **fields
    )
    if by is not None and not getattr(by, "is_authenticated", False):
        challenge.owner = None
    challenge.full_clean()
    challenge.save()
    PhaseChange.objects.create(challenge=challenge, to_phase=challenge.phase, by=challenge.owner)
    record(by, "challenge.create", challenge, visibility=visibility)
    return challenge


@transaction.atomic
def update_challenge(by: Any, challenge: Challenge, changes: dict[str, Any]) -> Challenge:
    phase = changes.pop("phase", None)
    if "team" in changes:
        _team_of(challenge.city, changes["team"])
    if changes:
        diff = apply_changes(by, challenge, changes, DEFAULT_POLICY)
        if "visibility" in changes:
            _narrow_parts(challenge)
        record(by, "challenge.update", challenge, changes=diff)
    if phase is not None and phase != challenge.phase:
        set_phase(by, challenge, phase)
    return challenge


def _narrow_parts(challenge: Challenge) -> None:
    """Evidence and solutions never show more than their challenge: narrow them with it."""
    wider = [v.value for v in Visibility if wider_than(v, challenge.visibility)]
    for model in (Evidence, Solution):
        model.objects.filter(challenge=challenge, visibility__in=wider).update(
            visibility=challenge.visibility
        )


@transaction.atomic
def set_phase(by: Any, challenge: Challenge, phase: str, note: str = "") -> PhaseChange:
    check(by, Action.EDIT, challenge, DEFAULT_POLICY)
    if phase not in PHASE_ORDER:
        raise ValidationError({"phase": f"{phase!r} is not a phase ({', '.join(PHASE_ORDER)})."})
    change = PhaseChange.objects.create(
        challenge=challenge,
        from_phase=challenge.phase,
        to_phase=phase,
        note=note,
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    challenge.phase = phase
    challenge.save(update_fields=["phase", "updated_at"])
    record(by, "challenge.phase", challenge, from_phase=change.from_phase, to_phase=phase)
    return change


@transaction.atomic
def delete_challenge(by: Any, challenge: Challenge) -> None:
    check(by, Action.DELETE, challenge, DEFAULT_POLICY)
    record(by, "challenge.delete", challenge)
    _remove_files_on_commit(
        Q(evidence__challenge=challenge) | Q(decision__solution__challenge=challenge)
    )
    challenge.delete()


# -- evidence ----------------------------------------------------------------------------------
@transaction.atomic
def add_evidence(by: Any, challenge: Challenge, kind: str, title: str, **fields: Any) -> Evidence:
    """Log evidence; a data finding freezes the number of its indicator as it is now."""
    check(by, Action.EDIT, challenge, DEFAULT_POLICY)
    visibility = fields.pop("visibility", None) or widest_within(by, challenge).value
    _not_wider(visibility, challenge, "evidence")
    check_may_share(by, challenge, visibility)
    evidence = Evidence(
        challenge=challenge,
        city=challenge.city,
        team=challenge.team,
        visibility=visibility,
        kind=kind,
        title=title,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    _check_links(by, evidence)
    if evidence.kind == "data" and evidence.indicator is not None and not evidence.snapshot:
        evidence.snapshot = indicator_snapshot(evidence.indicator)
    evidence.full_clean()
    evidence.save()
    record(by, "evidence.create", evidence, challenge=challenge.pk, kind=kind)
    return evidence


def _check_links(by: Any, evidence: Evidence) -> None:
    """Evidence may only point at indicators and datasets its author may see."""
    for name in ("indicator", "dataset"):
        linked = getattr(evidence, name)
        if linked is not None and by is not None and not user_can(by, Action.VIEW, linked):
            raise ValidationError({name: f"No such {name}."})


def indicator_snapshot(indicator: Any) -> dict[str, Any]:
    """The indicator's latest value, period and rows, as recorded now."""
    from civiclab.datasets.engine import QueryError
    from civiclab.datasets.filters.language import SpecError
    from civiclab.indicators import services as indicators

    try:
        overall = indicators.report(indicator)["series"]["overall"]
    except (SpecError, QueryError):  # recorded without a number rather than refused
        overall = []
    latest = next((p for p in reversed(overall) if p["value"] is not None), None)
    spec = indicator.spec
    return {
        "indicator": indicator.name,
        "value": latest["value"] if latest else None,
        "period": latest["period"] if latest else None,
        "n": latest["n"] if latest else None,
        "unit": spec.get("unit") or spec.get("measure", {}).get("unit"),
        "version": indicator.dataset.current_version_id,
        "recorded_at": timezone.now().isoformat(timespec="seconds"),
    }


@transaction.atomic
def update_evidence(by: Any, evidence: Evidence, changes: dict[str, Any]) -> Evidence:
    if "visibility" in changes:
        _not_wider(changes["visibility"], evidence.challenge, "evidence")
    changes.pop("snapshot", None)  # frozen when recorded
    diff = apply_changes(by, evidence, changes, DEFAULT_POLICY)
    _check_links(by, evidence)
    record(by, "evidence.update", evidence, changes=diff)
    return evidence


@transaction.atomic
def delete_evidence(by: Any, evidence: Evidence) -> None:
    check(by, Action.EDIT, evidence, DEFAULT_POLICY)
    record(by, "evidence.delete", evidence)
    _remove_files_on_commit(Q(evidence=evidence))
    evidence.delete()


# -- parts of a challenge or a solution ----------------------------------------------------------
@transaction.atomic
def add_part(by: Any, parent: models.Model, model: type[M], /, **fields: Any) -> M:
    """Create a cause, opportunity area, idea (on a challenge) or a milestone, risk, decision,
    update or indicator target (on a solution): editing the parent."""
    check(by, Action.EDIT, parent, DEFAULT_POLICY, scope(type(parent)))
    obj = model(**{PARENT_FIELD[model.__name__]: parent}, **fields)
    _validate_part(obj)
    obj.full_clean()
    obj.save()
    record(by, f"{_label(obj)}.create", obj, city=_city_of(obj))
    return obj


@transaction.atomic
def update_part(by: Any, obj: M, changes: dict[str, Any]) -> M:
    check(by, Action.EDIT, obj, DEFAULT_POLICY, scope(type(obj)))
    parent = PARENT_FIELD[type(obj).__name__]
    if parent in changes or f"{parent}_id" in changes:
        raise ValidationError({parent: f"A {_label(obj)} cannot move to another {parent}."})
    diff = apply_changes(by, obj, changes, DEFAULT_POLICY, scope(type(obj)))
    # After the save, inside the transaction: a refused link undoes the change.
    _validate_part(obj)
    record(by, f"{_label(obj)}.update", obj, city=_city_of(obj), changes=diff)
    return obj


@transaction.atomic
def delete_part(by: Any, obj: models.Model) -> None:
    check(by, Action.EDIT, obj, DEFAULT_POLICY, scope(type(obj)))
    record(by, f"{_label(obj)}.delete", obj, city=_city_of(obj))
    if isinstance(obj, Decision):
        _remove_files_on_commit(Q(decision=obj))
    obj.delete()


def _city_of(obj: models.Model) -> City:
    return City.objects.get(pk=target_of(obj, scope(type(obj))).city_id)


def _validate_part(obj: models.Model) -> None:
    """Links between parts stay inside one challenge."""
    from civiclab.portfolio.models import Cause

    if isinstance(obj, Cause) and obj.parent is not None:
        if obj.parent.challenge_id != obj.challenge_id:
            raise ValidationError({"parent": "The parent cause belongs to another challenge."})
        node: Any = obj.parent
        while node is not None:
            if obj.pk is not None and node.pk == obj.pk:
                raise ValidationError({"parent": "A cause cannot be its own ancestor."})
            node = node.parent
    area = getattr(obj, "opportunity_area", None)
    if isinstance(obj, Idea) and area is not None and area.challenge_id != obj.challenge_id:
        raise ValidationError(
            {"opportunity_area": "The opportunity area belongs to another challenge."}
        )
    if isinstance(obj, SolutionIndicator) and obj.indicator.city_id != obj.solution.city_id:
        raise ValidationError({"indicator": "The indicator belongs to another city."})
    if (
        isinstance(obj, Milestone)
        and obj.owner_id is not None
        and not is_city_member(obj.owner_id, obj.solution.city_id)
    ):
        raise ValidationError({"owner": _("The owner must be a member of the city.")})


def is_city_member(user_id: int, city_id: int) -> bool:
    """Whether the person is an active member of the city (who may own a milestone: the
    people the forms offer, ``forms.solutions.city_people``)."""
    return Membership.objects.filter(
        user_id=user_id, city_id=city_id, user__is_active=True
    ).exists()


def link_cause_evidence(by: Any, cause: Any, evidence: list[Evidence]) -> None:
    check(by, Action.EDIT, cause, DEFAULT_POLICY, scope(type(cause)))
    if any(e.challenge_id != cause.challenge_id for e in evidence):
        raise ValidationError({"evidence": "Evidence of another challenge cannot support it."})
    cause.evidence.set(evidence)
    record(by, "cause.evidence", cause, city=_city_of(cause), evidence=[e.pk for e in evidence])


# -- ideas: scores and decisions ---------------------------------------------------------------
@transaction.atomic
def score_idea(by: Any, idea: Idea, scores: dict[str, int]) -> list[Score]:
    """Record ``by``'s scores (criterion → 1–5) of an idea; scoring again replaces them."""
    check(by, Action.EDIT, idea, DEFAULT_POLICY, scope(Idea))
    criteria = idea.challenge.criteria.keys
    unknown = sorted(set(scores) - set(criteria))
    if unknown:
        listed = ", ".join(criteria)
        raise ValidationError(
            {"scores": f"Not in the rubric: {', '.join(unknown)} (criteria: {listed})."}
        )
    saved = []
    for criterion, value in scores.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ValidationError({f"scores.{criterion}": "A score is a whole number from 1 to 5."})
        score, _created = Score.objects.update_or_create(
            idea=idea, reviewer=by, criterion=criterion, defaults={"value": value}
        )
        saved.append(score)
    record(by, "idea.score", idea, city=idea.challenge.city, scores=scores)
    return saved


IDEA_DECISIONS = {"advanced", "parked", "dropped", "open"}


@transaction.atomic
def decide_idea(by: Any, idea: Idea, status: str, reason: str) -> Idea:
    check(by, Action.EDIT, idea, DEFAULT_POLICY, scope(Idea))
    if status not in IDEA_DECISIONS:
        raise ValidationError({"status": f"{status!r} is not advance, park or drop."})
    if status != "open" and not reason.strip():
        raise ValidationError({"reason": "Say why: the decision is kept with its reason."})
    idea.status = status
    idea.decision_reason = reason.strip()
    idea.decided_by = by if getattr(by, "is_authenticated", False) else None
    idea.decided_at = timezone.now()
    idea.save()
    record(by, "idea.decide", idea, city=idea.challenge.city, status=status, reason=reason)
    return idea


# -- solutions ---------------------------------------------------------------------------------
@transaction.atomic
def create_solution(
    by: Any, challenge: Challenge, title: str, *, idea: Idea | None = None, **fields: Any
) -> Solution:
    """Prepare a solution (from an idea, which is then marked advanced)."""
    check(by, Action.EDIT, challenge, DEFAULT_POLICY)
    visibility = fields.pop("visibility", None) or widest_within(by, challenge).value
    _not_wider(visibility, challenge, "solution")
    check_may_share(by, challenge, visibility)
    if idea is not None and idea.challenge_id != challenge.pk:
        raise ValidationError({"idea": "The idea belongs to another challenge."})
    solution = Solution(
        challenge=challenge,
        city=challenge.city,
        team=challenge.team,
        visibility=visibility,
        title=title,
        idea=idea,
        **fields,
    )
    if solution.owner is None and getattr(by, "is_authenticated", False):
        solution.owner = by
    solution.full_clean()
    solution.save()
    record(by, "solution.create", solution, challenge=challenge.pk)
    if idea is not None and idea.status != "advanced":
        decide_idea(by, idea, "advanced", idea.decision_reason or f"Prepared as {title!r}.")
    if PHASE_ORDER.index(challenge.phase) < PHASE_ORDER.index("prepare"):
        set_phase(by, challenge, "prepare", f"Solution {title!r} in preparation.")
    return solution


@transaction.atomic
def update_solution(by: Any, solution: Solution, changes: dict[str, Any]) -> Solution:
    if "visibility" in changes:
        _not_wider(changes["visibility"], solution.challenge, "solution")
    new_status = changes.get("status", solution.status)
    if new_status != solution.status and not str(changes.get("status_justification", "")).strip():
        raise ValidationError({"status_justification": "Say why the status changed."})
    diff = apply_changes(by, solution, changes, DEFAULT_POLICY)
    record(by, "solution.update", solution, changes=diff)
    challenge = solution.challenge
    if changes.get("stage") == "deliver" and PHASE_ORDER.index(challenge.phase) < 3:
        set_phase(by, challenge, "deliver", f"Solution {solution.title!r} in delivery.")
    return solution


@transaction.atomic
def delete_solution(by: Any, solution: Solution) -> None:
    check(by, Action.DELETE, solution, DEFAULT_POLICY)
    record(by, "solution.delete", solution)
    _remove_files_on_commit(Q(decision__solution=solution))
    solution.delete()


@transaction.atomic
def post_update(by: Any, solution: Solution, body: str, status: str = "") -> Update:
    """A dated progress update; a status given with it becomes the solution's status."""
    update = add_part(
        by,
        solution,
        Update,
        body=body,
        status=status,
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    if status and status != solution.status:
        solution.status = status
        solution.status_justification = body
        solution.save(update_fields=["status", "status_justification", "updated_at"])
    return update


@transaction.atomic
def record_decision(by: Any, solution: Solution, gate: str, outcome: str, reason: str) -> Decision:
    """A stage-gate decision; a Go at a gate naming the stage it leads to ("prepare → deliver")
    moves the solution into that stage (and its challenge into delivery with it)."""
    decision = add_part(
        by,
        solution,
        Decision,
        gate=gate,
        outcome=outcome,
        reason=reason,
        by=by if getattr(by, "is_authenticated", False) else None,
        decided_on=timezone.localdate(),
    )
    target = gate_target(gate)
    if outcome == "go" and target is not None and _moves_forward(solution.stage, target):
        update_solution(by, solution, {"stage": target})
    return decision


def gate_target(gate: str) -> str | None:
    """The stage a gate leads to: what follows its last arrow (→, ->, >), read as a stage's key
    or its name in any language civiclab speaks; None when it names none."""
    from django.conf import settings
    from django.utils import translation

    after = re.split(r"→|->|>", gate)[-1].strip().casefold() if re.search(r"→|->|>", gate) else ""
    if not after:
        return None
    for key, label in SOLUTION_STAGES:
        names = {key, str(label).casefold()}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(str(label).casefold())
        if after in names:
            return key
    return None


def _moves_forward(stage: str, target: str) -> bool:
    order = ["prepare", "deliver", "sustain"]
    if target == stage or target not in order:
        return False
    return stage not in order or order.index(target) > order.index(stage)


def add_milestone(
    by: Any, solution: Solution, title: str, due_on: dt.date, **fields: Any
) -> Milestone:
    return add_part(by, solution, Milestone, title=title, due_on=due_on, **fields)


def add_risk(
    by: Any, solution: Solution, title: str, likelihood: int, impact: int, **fields: Any
) -> Risk:
    return add_part(by, solution, Risk, title=title, likelihood=likelihood, impact=impact, **fields)


def link_indicator(
    by: Any,
    solution: Solution,
    indicator: Any,
    target_value: float | None = None,
    target_date: dt.date | None = None,
) -> SolutionIndicator:
    if by is not None and not user_can(by, Action.VIEW, indicator):
        raise ValidationError({"indicator": "No such indicator."})
    return add_part(
        by, solution, SolutionIndicator, indicator=indicator,
        target_value=target_value, target_date=target_date,
    )  # fmt: skip


# -- files attached to evidence and decisions ----------------------------------------------------
def attachments_dir(city_id: int) -> Path:
    """The city's folder of attached files, inside the data directory."""
    return Path(settings.ATTACHMENTS_DIR) / str(int(city_id))


def attachment_path(attachment: Attachment) -> Path:
    return attachments_dir(attachment.city_id) / attachment.stored_name


def attachment_limit() -> int:
    return int(settings.MAX_ATTACHMENT_BYTES)


def attachment_too_large_message() -> str:
    return _(
        "The file is larger than the %(limit)s MB limit for attachments "
        "(CIVICLAB_MAX_ATTACHMENT_MB): nothing was kept."
    ) % {"limit": f"{attachment_limit() // (1024 * 1024):,}"}


def _attachment_owner(parent: Evidence | Decision) -> tuple[models.Model, City]:
    """What one must be allowed to edit to attach to ``parent`` (its challenge or solution)."""
    if isinstance(parent, Evidence):
        return parent.challenge, parent.city
    return parent.solution, parent.solution.city


def _remove_files_on_commit(which: Q) -> None:
    """The files of the attachments a delete is about to cascade to go once it commits."""
    paths = [
        attachment_path(a) for a in Attachment.objects.filter(which).only("city", "stored_name")
    ]
    if paths:

        def remove() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        transaction.on_commit(remove)


def check_may_attach(by: Any, parent: Evidence | Decision) -> None:
    owner, _city = _attachment_owner(parent)
    check(by, Action.EDIT, owner, DEFAULT_POLICY)


def _clean_filename(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip()
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"\r\n')
    if not base:
        raise ValidationError({"file": _("The file has no name.")})
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 255 - len(ext) - 1] + dot + ext) if dot and len(ext) < 20 else base[:255]
    return base


def attach_file(
    by: Any, parent: Evidence | Decision, stream: filetypes.Readable, name: str
) -> Attachment:
    """Keep ``stream`` (a file named ``name``) attached to an evidence or a decision.

    Checked (who may edit the challenge or the solution), validated (size limit, a type read
    from the bytes that is allowed and agrees with the extension), audited; the file is written
    under a random name in the city's folder and removed if the transaction fails."""
    check_may_attach(by, parent)
    filename = _clean_filename(name)
    if filetypes.extension(filename) not in filetypes.EXTENSIONS:
        raise ValidationError(
            {
                "file": _("Files ending in “%(ext)s” cannot be attached. Allowed: %(allowed)s.")
                % {
                    "ext": filetypes.extension(filename) or "—",
                    "allowed": ", ".join(filetypes.EXTENSIONS),
                }
            }
        )
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > attachment_limit():
        raise ValidationError({"file": attachment_too_large_message()})
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    kind = filetypes.sniff(stream, filename)
    if kind is None:
        raise ValidationError(
            {
                "file": _(
                    "The file's content is not a PDF, an image, a spreadsheet, a document or text."
                )
            }
        )
    if not filetypes.name_matches(kind, filename):
        raise ValidationError(
            {
                "file": _("The file's name says “%(ext)s” but its content is %(kind)s.")
                % {"ext": filetypes.extension(filename), "kind": kind.key.upper()}
            }
        )
    _owner, city = _attachment_owner(parent)
    folder = attachments_dir(city.pk)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    digest = hashlib.sha256()
    try:
        with path.open("xb") as out:
            stream.seek(0)
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        with transaction.atomic():
            attachment = Attachment.objects.create(
                evidence=parent if isinstance(parent, Evidence) else None,
                decision=parent if isinstance(parent, Decision) else None,
                city=city,
                stored_name=stored_name,
                filename=filename,
                size=size,
                content_type=kind.content_type,
                sha256=digest.hexdigest(),
                uploaded_by=by if getattr(by, "is_authenticated", False) else None,
            )
            record(
                by,
                "attachment.create",
                attachment,
                city=city,
                on=f"{_label(parent)}:{parent.pk}",
                filename=filename,
                size=size,
                content_type=kind.content_type,
                sha256=attachment.sha256,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def delete_attachment(by: Any, attachment: Attachment) -> None:
    """Remove an attached file: checked as attaching one is, audited; the file goes on commit."""
    parent = attachment.parent
    check_may_attach(by, parent)  # type: ignore[arg-type]
    path = attachment_path(attachment)
    record(
        by,
        "attachment.delete",
        attachment,
        city=attachment.city,
        on=f"{_label(parent)}:{parent.pk}",
        filename=attachment.filename,
        sha256=attachment.sha256,
    )
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
