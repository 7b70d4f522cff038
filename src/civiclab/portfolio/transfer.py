"""A whole challenge as one JSON document, to move work between installations.

The document holds the challenge, its phase history, evidence (with the snapshots of their
numbers), the cause tree, opportunity areas, ideas with their scores, and solutions with their
indicator targets, milestones, risks, decisions and updates. Ids differ between
installations, so nothing refers to one: indicators and datasets are named by slug (resolved
in the receiving city), and parts of the document refer to each other by their position in
its lists (a cause's ``evidence: [0, 2]``, an idea's ``opportunity_area: 1``, a solution's
``idea: 0``).

People do not travel: owners and authors are left out, and each reviewer of the scores is an
opaque label ("reviewer 1"), never an email. On import, a challenge belongs to whoever imports
it, and the scores keep their reviewer's label (no account), so their means and spreads are
those of the original.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticError

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action, Target, Visibility
from civiclab.core.services import check, check_may_share
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City, Team
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Decision,
    Evidence,
    Idea,
    Milestone,
    OpportunityArea,
    PhaseChange,
    Risk,
    Score,
    Solution,
    SolutionIndicator,
    Update,
    default_rubric,
)
from civiclab.portfolio.queries import visible, with_sources_shown
from civiclab.portfolio.rules.structured import Rubric, Tags
from civiclab.portfolio.services import wider_than

FORMAT = "civiclab.challenge"
VERSION = 1


# -- the document ------------------------------------------------------------------------------
class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PhaseDoc(_Part):
    from_phase: str = ""
    to_phase: str
    note: str = ""
    at: dt.datetime


class ChallengeDoc(_Part):
    title: str
    problem_statement: str = ""
    priority_area: str = "other"
    target_population: str = ""
    phase: str = "investigate"
    visibility: Visibility = Visibility.CITY
    rubric: Rubric


class EvidenceDoc(_Part):
    kind: str
    title: str
    body: str = ""
    indicator: str | None = None
    dataset: str | None = None
    snapshot: dict[str, Any] = {}  # checked as ``structured.Snapshot`` when saved
    method: str = ""
    observed_on: dt.date | None = None
    consent: bool = False
    tags: Tags = []
    url: str = ""
    visibility: Visibility = Visibility.CITY


class CauseDoc(_Part):
    text: str
    evidence: list[int] = []
    children: list[CauseDoc] = []


class AreaDoc(_Part):
    title: str
    description: str = ""


class ScoreDoc(_Part):
    reviewer: str
    criterion: str
    value: int


class IdeaDoc(_Part):
    title: str
    description: str = ""
    origin: str = "team"
    origin_detail: str = ""
    status: str = "open"
    decision_reason: str = ""
    decided_at: dt.datetime | None = None
    opportunity_area: int | None = None
    scores: list[ScoreDoc] = []


class TargetDoc(_Part):
    indicator: str
    target_value: float | None = None
    target_date: dt.date | None = None


class MilestoneDoc(_Part):
    title: str
    due_on: dt.date
    done_on: dt.date | None = None
    notes: str = ""


class RiskDoc(_Part):
    title: str
    likelihood: int
    impact: int
    mitigation: str = ""
    status: str = "open"


class DecisionDoc(_Part):
    gate: str
    outcome: str
    reason: str
    decided_on: dt.date


class UpdateDoc(_Part):
    body: str
    status: str = ""
    at: dt.datetime


class SolutionDoc(_Part):
    title: str
    idea: int | None = None
    description: str = ""
    goal_statement: str = ""
    partners: str = ""
    budget_planned: Decimal | None = None
    budget_spent: Decimal | None = None
    currency: str = ""
    stage: str = "prepare"
    status: str = "on_track"
    status_justification: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    visibility: Visibility = Visibility.CITY
    targets: list[TargetDoc] = []
    milestones: list[MilestoneDoc] = []
    risks: list[RiskDoc] = []
    decisions: list[DecisionDoc] = []
    updates: list[UpdateDoc] = []


class ChallengeDocument(_Part):
    """A whole challenge (``format`` and ``version`` say how to read it)."""

    format: str = FORMAT
    version: int = VERSION
    challenge: ChallengeDoc
    phase_history: list[PhaseDoc] = []
    evidence: list[EvidenceDoc] = []
    causes: list[CauseDoc] = []
    opportunity_areas: list[AreaDoc] = []
    ideas: list[IdeaDoc] = []
    solutions: list[SolutionDoc] = []


def _fields(obj: models.Model, names: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names.split()}


# -- export ------------------------------------------------------------------------------------
def export_challenge(challenge: Challenge, *, viewer: Any = None) -> dict[str, Any]:
    """The challenge and everything in it, as a JSON-ready document without ids or people.

    With a ``viewer``, evidence and solutions they may not see (narrower than the challenge)
    are left out; without one (the command line), everything is in.
    """
    evidence_rows = challenge.evidence.all()
    solution_rows = challenge.solutions.all()
    if viewer is not None:
        evidence_rows = with_sources_shown(
            visible(Evidence, viewer).filter(challenge=challenge), viewer
        )
        solution_rows = visible(Solution, viewer).filter(challenge=challenge)
    evidence = list(evidence_rows.select_related("indicator", "dataset").order_by("pk"))
    evidence_index = {e.pk: i for i, e in enumerate(evidence)}
    areas = list(challenge.opportunity_areas.order_by("pk"))
    area_index = {a.pk: i for i, a in enumerate(areas)}
    ideas = list(challenge.ideas.order_by("pk"))
    idea_index = {idea.pk: i for i, idea in enumerate(ideas)}
    # Reviewers are labelled in the order they first appear in the document, so the labels
    # come out the same after an import (which creates the scores in that order).
    # What readers read: a rubric stored invalid travels as its valid criteria (or, with none,
    # the default), with the scores on those criteria.
    rubric = challenge.criteria.criteria or default_rubric()
    criteria = {c["key"] for c in rubric}
    scores = Score.objects.filter(idea__challenge=challenge, criterion__in=criteria).order_by(
        "idea_id", "criterion", "pk"
    )
    reviewers: dict[int | str, str] = {}
    scores_of: dict[int, list[dict[str, Any]]] = {}
    for score in scores:
        label = reviewers.setdefault(score.reviewer_key, f"reviewer {len(reviewers) + 1}")
        scores_of.setdefault(score.idea_id, []).append(
            {"reviewer": label, "criterion": score.criterion, "value": score.value}
        )
    causes = list(challenge.causes.prefetch_related("evidence").order_by("position", "pk"))

    def tree(parent: int | None) -> list[dict[str, Any]]:
        return [
            {
                "text": cause.text,
                "evidence": sorted(
                    evidence_index[e.pk] for e in cause.evidence.all() if e.pk in evidence_index
                ),
                "children": tree(cause.pk),
            }
            for cause in causes
            if cause.parent_id == parent
        ]

    document = ChallengeDocument(
        challenge=ChallengeDoc(
            **_fields(challenge, "title problem_statement priority_area target_population phase"),
            visibility=Visibility(challenge.visibility),
            # pydantic validates the stored criteria (dicts) into ``Criterion`` objects
            rubric=rubric,  # type: ignore[arg-type]
        ),
        phase_history=[
            PhaseDoc(**_fields(p, "from_phase to_phase note at"))
            for p in challenge.phase_changes.order_by("at", "pk")
        ],
        evidence=[
            EvidenceDoc(
                **_fields(e, "kind title body method observed_on consent url"),
                snapshot=_snapshot(e) if _shown(e, "snapshot") else {},
                tags=e.shown_tags,
                indicator=e.indicator.slug if e.indicator and _shown(e, "indicator") else None,
                dataset=e.dataset.slug if e.dataset and _shown(e, "dataset") else None,
                visibility=Visibility(e.visibility),
            )
            for e in evidence
        ],
        causes=[CauseDoc.model_validate(c) for c in tree(None)],
        opportunity_areas=[AreaDoc(**_fields(a, "title description")) for a in areas],
        ideas=[
            IdeaDoc(
                **_fields(
                    idea, "title description origin origin_detail status decision_reason decided_at"
                ),
                opportunity_area=area_index.get(idea.opportunity_area_id or 0),
                scores=[ScoreDoc(**s) for s in scores_of.get(idea.pk, [])],
            )
            for idea in ideas
        ],
        solutions=[_export_solution(s, idea_index) for s in solution_rows.order_by("pk")],
    )
    return document.model_dump(mode="json")


def _shown(evidence: Evidence, part: str) -> bool:
    """Whether the document may carry the evidence's ``part`` (snapshot, indicator, dataset):
    as ``with_sources_shown`` says for a viewer; everything for the command line."""
    return bool(getattr(evidence, f"{part}_shown", True))


def _snapshot(evidence: Evidence) -> dict[str, Any]:
    snapshot = evidence.shown_snapshot
    return snapshot.model_dump(exclude_unset=True) if snapshot else {}


def _export_solution(solution: Solution, idea_index: dict[int, int]) -> SolutionDoc:
    names = (
        "title description goal_statement partners budget_planned budget_spent currency stage "
        "status status_justification start_date end_date"
    )
    return SolutionDoc(
        **_fields(solution, names),
        idea=idea_index.get(solution.idea_id or 0),
        visibility=Visibility(solution.visibility),
        targets=[
            TargetDoc(
                indicator=t.indicator.slug, target_value=t.target_value, target_date=t.target_date
            )
            for t in solution.targets.select_related("indicator").order_by("pk")
        ],
        milestones=[
            MilestoneDoc(**_fields(m, "title due_on done_on notes"))
            for m in solution.milestones.order_by("pk")
        ],
        risks=[
            RiskDoc(**_fields(r, "title likelihood impact mitigation status"))
            for r in solution.risks.order_by("pk")
        ],
        decisions=[
            DecisionDoc(**_fields(d, "gate outcome reason decided_on"))
            for d in solution.decisions.order_by("pk")
        ],
        updates=[
            UpdateDoc(**_fields(u, "body status at")) for u in solution.updates.order_by("pk")
        ],
    )


# -- import ------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    challenge: Challenge
    warnings: list[str] = field(default_factory=list)


def parse_document(document: Any) -> ChallengeDocument:
    """Check a document's shape; a ``ValidationError`` on ``document`` lists every problem
    by its path (``ideas.2.title: Field required``)."""
    if not isinstance(document, dict):
        raise ValidationError({"document": ["the document must be a JSON object"]})
    if document.get("format") != FORMAT:
        raise ValidationError({"document": [f"format: not a challenge document ({FORMAT!r})"]})
    if document.get("version") != VERSION:
        raise ValidationError(
            {"document": [f"version: {document.get('version')!r} cannot be read; "
                          f"this civiclab reads version {VERSION}"]}
        )  # fmt: skip
    try:
        return ChallengeDocument.model_validate(document)
    except PydanticError as exc:
        messages = [
            f"{'.'.join(str(p) for p in error['loc']) or '(document)'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ValidationError({"document": messages}) from None


@transaction.atomic
def import_challenge(
    by: Any, city: City, document: Any, *, team: Team | None = None
) -> ImportResult:
    """Create the document's challenge in ``city``, all or nothing; ``by`` (a user, or None
    for the command line) needs the right to create it there. Indicators and datasets that
    the city lacks (or ``by`` cannot see) are dropped with a warning each."""
    target = Target(city.network_id, city.pk, Visibility.CITY)
    check(by, Action.CREATE, target, DEFAULT_POLICY)  # before reading: refused learns nothing
    doc = parse_document(document)
    if team is not None and team.city_id != city.pk:
        raise ValidationError({"team": "The team belongs to another city."})
    visibility = doc.challenge.visibility
    check_may_share(by, replace(target, visibility=visibility), visibility)
    return _Importer(by, city, team, doc).run()


class _Importer:
    def __init__(self, by: Any, city: City, team: Team | None, doc: ChallengeDocument) -> None:
        self.by, self.city, self.team, self.doc = by, city, team, doc
        self.person = by if getattr(by, "is_authenticated", False) else None
        self.warnings: list[str] = []
        self.indicators = self._slugs(Indicator, visible_indicators)
        self.datasets = self._slugs(Dataset, visible_datasets)

    def _slugs(self, model: type[models.Model], visible: Any) -> dict[str, Any]:
        rows = model.objects.all() if self.by is None else visible(self.by)  # type: ignore[attr-defined]
        return {obj.slug: obj for obj in rows.filter(city=self.city)}

    def save(self, path: str, obj: models.Model) -> Any:
        """Validate and save ``obj``; its errors are named by their place in the document."""
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise ValidationError(
                {"document": [f"{path}.{name}: {' '.join(msgs)}"
                              for name, msgs in exc.message_dict.items()]}
            ) from None  # fmt: skip
        obj.save()
        return obj

    def link(self, path: str, kind: str, slug: str | None) -> Any:
        if slug is None:
            return None
        found = (self.indicators if kind == "indicator" else self.datasets).get(slug)
        if found is None:
            self.warnings.append(
                f"{path}: {self.city.slug} has no {kind} {slug!r} you can see; the link was dropped"
            )
        return found

    def index(self, path: str, value: int | None, items: list[Any]) -> Any:
        if value is None:
            return None
        if not 0 <= value < len(items):
            raise ValidationError(
                {"document": [f"{path}: no item {value} (0 to {len(items) - 1})"]}
            )
        return items[value]

    def run(self) -> ImportResult:
        doc, city = self.doc, self.city
        content = {"city": city, "team": self.team}
        if self.team is None and "team" in self._visibilities():
            self.warnings.append(
                "team-visible parts have no team here: only the city's admins see them until "
                "a team is set"
            )
        challenge = self.save(
            "challenge",
            Challenge(**content, **doc.challenge.model_dump(), owner=self.person),
        )
        for i, phase in enumerate(doc.phase_history):
            self.save(f"phase_history.{i}", PhaseChange(challenge=challenge, **phase.model_dump()))
        evidence = [
            self._evidence(f"evidence.{i}", challenge, e) for i, e in enumerate(doc.evidence)
        ]
        for i, cause in enumerate(doc.causes):
            self._cause(f"causes.{i}", challenge, None, i, cause, evidence)
        areas = [
            self.save(
                f"opportunity_areas.{i}", OpportunityArea(challenge=challenge, **a.model_dump())
            )
            for i, a in enumerate(doc.opportunity_areas)
        ]
        ideas = [self._idea(f"ideas.{i}", challenge, d, areas) for i, d in enumerate(doc.ideas)]
        for i, solution in enumerate(doc.solutions):
            self._solution(f"solutions.{i}", challenge, solution, ideas)
        record(self.by, "challenge.import", challenge, warnings=self.warnings)
        return ImportResult(challenge, self.warnings)

    def _visibilities(self) -> set[str]:
        doc = self.doc
        parts: list[ChallengeDoc | EvidenceDoc | SolutionDoc] = [
            doc.challenge,
            *doc.evidence,
            *doc.solutions,
        ]
        return {p.visibility.value for p in parts}

    def not_wider(self, path: str, visibility: Visibility) -> None:
        challenge = self.doc.challenge.visibility
        if wider_than(visibility, challenge):
            raise ValidationError(
                {"document": [f"{path}.visibility: {visibility} is wider than the challenge's "
                              f"({challenge})"]}
            )  # fmt: skip

    def _evidence(self, path: str, challenge: Challenge, e: EvidenceDoc) -> Evidence:
        self.not_wider(path, e.visibility)
        fields = e.model_dump(exclude={"indicator", "dataset"})
        return self.save(
            path,
            Evidence(
                challenge=challenge, city=self.city, team=self.team, created_by=self.person,
                indicator=self.link(f"{path}.indicator", "indicator", e.indicator),
                dataset=self.link(f"{path}.dataset", "dataset", e.dataset),
                **fields,
            ),
        )  # fmt: skip

    def _cause(
        self, path: str, challenge: Challenge, parent: Cause | None, position: int,
        doc: CauseDoc, evidence: list[Evidence],
    ) -> None:  # fmt: skip
        cause = self.save(
            path, Cause(challenge=challenge, parent=parent, text=doc.text, position=position)
        )
        cause.evidence.set(
            [self.index(f"{path}.evidence.{i}", n, evidence) for i, n in enumerate(doc.evidence)]
        )
        for i, child in enumerate(doc.children):
            self._cause(f"{path}.children.{i}", challenge, cause, i, child, evidence)

    def _idea(self, path: str, challenge: Challenge, d: IdeaDoc, areas: list[Any]) -> Idea:
        idea = self.save(
            path,
            Idea(
                challenge=challenge,
                created_by=self.person,
                opportunity_area=self.index(f"{path}.opportunity_area", d.opportunity_area, areas),
                **d.model_dump(exclude={"opportunity_area", "scores"}),
            ),
        )
        criteria = set(challenge.criteria.keys)
        for i, s in enumerate(d.scores):
            if s.criterion not in criteria:
                raise ValidationError(
                    {"document": [f"{path}.scores.{i}.criterion: {s.criterion!r} is not in the "
                                  "challenge's rubric"]}
                )  # fmt: skip
            score = Score(idea=idea, reviewer_label=s.reviewer[:60], criterion=s.criterion,
                          value=s.value)  # fmt: skip
            self.save(f"{path}.scores.{i}", score)
        return idea

    def _solution(self, path: str, challenge: Challenge, d: SolutionDoc, ideas: list[Idea]) -> None:
        self.not_wider(path, d.visibility)
        parts = {"targets", "milestones", "risks", "decisions", "updates", "idea"}
        solution = self.save(
            path,
            Solution(
                challenge=challenge,
                **{"city": self.city, "team": self.team},
                idea=self.index(f"{path}.idea", d.idea, ideas),
                **d.model_dump(exclude=parts),
            ),
        )
        for i, t in enumerate(d.targets):
            indicator = self.link(f"{path}.targets.{i}.indicator", "indicator", t.indicator)
            if indicator is not None:
                self.save(
                    f"{path}.targets.{i}",
                    SolutionIndicator(solution=solution, indicator=indicator,
                                      **t.model_dump(exclude={"indicator"})),
                )  # fmt: skip
        for name, model, items in (
            ("milestones", Milestone, d.milestones),
            ("risks", Risk, d.risks),
            ("decisions", Decision, d.decisions),
            ("updates", Update, d.updates),
        ):
            for i, item in enumerate(items):
                self.save(f"{path}.{name}.{i}", model(solution=solution, **item.model_dump()))
