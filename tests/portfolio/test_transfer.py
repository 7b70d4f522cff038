"""Export and import of a whole challenge: the round trip, links by slug, privacy of reviewers,
bad documents (clear errors, nothing written), the API and the command line."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civiclab.accounts.models import User
from civiclab.datasets.models import Dataset
from civiclab.indicators.models import Indicator
from civiclab.network.models import City
from civiclab.portfolio import services
from civiclab.portfolio.models import Cause, Challenge, Idea, Score
from civiclab.portfolio.transfer import export_challenge, import_challenge
from tests.portfolio import factories as f
from tests.portfolio.test_api import API, call
from tests.world import World

pytestmark = pytest.mark.django_db


def _links(city: City, *slugs: str) -> dict[str, Indicator]:
    dataset = Dataset.objects.create(city=city, slug="vacant", name="Vacant", visibility="city")
    return {
        slug: Indicator.objects.create(
            city=city, dataset=dataset, slug=slug, name=slug, spec={"measure": {"type": "count"}}
        )
        for slug in slugs
    }


def rich_challenge(world: World) -> Challenge:
    """A challenge with something of every kind, linked to city A's indicator and dataset."""
    member, admin = world.user("member"), world.user("city_admin")
    indicator = _links(world.city, "blighted-homes")["blighted-homes"]
    challenge = services.create_challenge(
        member, world.city, "Blight", problem_statement="Vacant homes", priority_area="housing"
    )
    services.set_phase(member, challenge, "generate", "Causes agreed")
    data = f.evidence(challenge, kind="data", title="2,000 homes", indicator=indicator,
                      dataset=indicator.dataset, snapshot={"value": 2000.0, "period": "2024-01"},
                      method="", tags=["311"], observed_on=dt.date(2024, 2, 1))  # fmt: skip
    quote = f.evidence(challenge, title="Neighbours feel unsafe", consent=True)
    root = services.add_part(member, challenge, Cause, text="Owners absent")
    child = services.add_part(member, challenge, Cause, text="Heirs unknown", parent=root)
    services.link_cause_evidence(member, child, [quote, data])
    area = f.opportunity(challenge)
    idea = f.idea(challenge, opportunity_area=area, origin="residents")
    f.idea(challenge, title="Parked idea", status="parked", decision_reason="Too costly")
    services.score_idea(member, idea, {"impact": 5, "feasibility": 3})
    services.score_idea(admin, idea, {"impact": 3})
    solution = services.create_solution(member, challenge, "Squad", idea=idea, budget_planned=1500)
    services.link_indicator(member, solution, indicator, 1000.0, dt.date(2027, 12, 31))
    services.add_milestone(member, solution, "Hire", dt.date(2026, 1, 1), notes="Two people")
    services.add_risk(member, solution, "Owners sue", 2, 4, mitigation="Legal review")
    services.record_decision(member, solution, "prepare → deliver", "go", "Ready")
    services.post_update(member, solution, "Hires late", status="at_risk")
    return challenge


def test_round_trip_into_another_city_gives_the_same_document(world: World) -> None:
    """GIVEN a challenge with every kind of part WHEN it is exported, imported into city B
    (which has the same indicator and dataset slugs) and exported again THEN the documents are
    equal, and neither holds an email address."""
    document = export_challenge(rich_challenge(world))
    assert document["format"] == "civiclab.challenge" and document["version"] == 1
    assert document["causes"][0]["children"][0]["evidence"] == [0, 1]
    assert document["ideas"][0]["scores"][0]["reviewer"] == "reviewer 1"
    assert document["solutions"][0]["targets"][0]["indicator"] == "blighted-homes"
    assert "@" not in json.dumps(document)

    _links(world.other_city, "blighted-homes")
    result = import_challenge(world.user("other_city_admin"), world.other_city, document)
    assert result.warnings == []
    copy_ = result.challenge
    assert copy_.city == world.other_city and copy_.owner == world.user("other_city_admin")
    assert export_challenge(copy_) == document
    imported = Score.objects.filter(idea__challenge=copy_)
    assert not imported.filter(reviewer__isnull=False).exists()  # no accounts made
    assert set(imported.values_list("reviewer_label", flat=True)) == {"reviewer 1", "reviewer 2"}


def test_missing_indicators_are_dropped_with_a_warning(world: World) -> None:
    document = export_challenge(rich_challenge(world))
    result = import_challenge(None, world.other_city, document)  # city B has no such slugs
    assert result.warnings == [
        "evidence.0.indicator: city-b has no indicator 'blighted-homes' you can see; "
        "the link was dropped",
        "evidence.0.dataset: city-b has no dataset 'vacant' you can see; the link was dropped",
        "solutions.0.targets.0.indicator: city-b has no indicator 'blighted-homes' you can see; "
        "the link was dropped",
    ]
    evidence = result.challenge.evidence.get(title="2,000 homes")
    assert evidence.indicator is None and evidence.snapshot["value"] == 2000.0
    assert not result.challenge.solutions.get().targets.exists()


def _broken(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    *parents, last = path.split(".")
    node: Any = broken
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return broken


BAD = [
    ("version", 2, "version: 2 cannot be read"),
    ("format", "x", "format: not a challenge document"),
    ("ideas.1.title", KeyError, "ideas.1.title: Field required"),
    ("ideas.0.title", "", "ideas.0.title: This field cannot be blank."),
    ("ideas.0.status", "maybe", "ideas.0.status: Value 'maybe' is not a valid choice."),
    ("ideas.0.opportunity_area", 7, "ideas.0.opportunity_area: no item 7 (0 to 0)"),
    ("ideas.0.scores.0.value", 9, "ideas.0.scores.0.value: Ensure this value is less than"),
    ("ideas.0.scores.0.criterion", "glamour", "ideas.0.scores.0.criterion: 'glamour' is not"),
    ("causes.0.children.0.evidence.0", 5, "causes.0.children.0.evidence.0: no item 5"),
    ("solutions.0.risks.0.likelihood", "high", "solutions.0.risks.0.likelihood: Input should"),
    ("solutions.0.milestones.0.surprise", 1, "solutions.0.milestones.0.surprise: Extra inputs"),
    ("evidence.1.visibility", "public", "evidence.1.visibility: public is wider than"),
    ("challenge", None, "challenge: Input should be a valid dictionary"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_document_is_refused_naming_the_place_and_writes_nothing(
    world: World, path: str, value: Any, message: str
) -> None:
    document = export_challenge(rich_challenge(world))
    counts = (Challenge.objects.count(), Idea.objects.count(), User.objects.count())
    with pytest.raises(ValidationError) as error:
        import_challenge(None, world.other_city, _broken(document, path, value))
    messages = error.value.message_dict["document"]
    assert any(m.startswith(message) for m in messages), messages
    assert (Challenge.objects.count(), Idea.objects.count(), User.objects.count()) == counts


def test_import_and_export_through_the_api(world: World) -> None:
    """GIVEN a challenge WHEN it is exported and imported through the API THEN 201 with the new
    challenge and the warnings; refused people get 403, unseen challenges and cities 404."""
    challenge = rich_challenge(world)
    member = world.user("member")
    exported = call("get", f"{API}/challenges/{challenge.pk}/export", member)
    assert exported.status_code == 200
    document = exported.json()
    assert document == export_challenge(challenge)
    assert call("get", f"{API}/challenges/{challenge.pk}/export",
                world.user("other_city_admin")).status_code == 404  # fmt: skip

    body = {"city": "city-a", "document": document}
    response = call("post", f"{API}/challenges/import", member, body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["challenge"]["title"] == "Blight" and made["warnings"] == []
    assert made["challenge"]["owner"]["email"] == member.email  # the importer, a colleague
    assert call("post", f"{API}/challenges/import", world.user("viewer"), body).status_code == 403
    foreign = {"city": "city-f", "document": document}
    assert call("post", f"{API}/challenges/import", member, foreign).status_code == 404
    bad = call("post", f"{API}/challenges/import", member,
               {"city": "city-a", "document": _broken(document, "ideas.1.title", "")})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["error"]["details"] == [
        {"field": "document", "message": "ideas.1.title: This field cannot be blank."}
    ]
    assert Challenge.objects.count() == 2


def test_export_leaves_out_what_the_caller_cannot_see(world: World) -> None:
    challenge = f.challenge(world.city, visibility="network")
    f.evidence(challenge, title="Shared", visibility="network")
    f.evidence(challenge, title="City only", visibility="city")
    f.solution(challenge, visibility="city")
    document = call("get", f"{API}/challenges/{challenge.pk}/export",
                    world.user("other_city_admin")).json()  # fmt: skip
    assert [e["title"] for e in document["evidence"]] == ["Shared"]
    assert document["solutions"] == []


def test_command_line_export_and_import(world: World, tmp_path: Path, capsys: Any) -> None:
    challenge = rich_challenge(world)
    target = tmp_path / "blight.json"
    call_command("challenge", "export", str(challenge.pk), "--output", str(target))
    assert json.loads(target.read_text()) == export_challenge(challenge)
    call_command("challenge", "export", str(challenge.pk))
    assert json.loads(capsys.readouterr().out) == export_challenge(challenge)

    call_command("challenge", "import", str(target), "--city", "city-b", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["city"] == "city-b" and result["title"] == "Blight"
    assert len(result["warnings"]) == 3
    assert (
        export_challenge(Challenge.objects.get(pk=result["id"]))["ideas"]
        == (export_challenge(challenge)["ideas"])
    )
    with pytest.raises(CommandError, match="no challenge with id"):
        call_command("challenge", "export", "999999")
    with pytest.raises(CommandError, match="no city"):
        call_command("challenge", "import", str(target), "--city", "nowhere")
    target.write_text(json.dumps(_broken(json.loads(target.read_text()), "ideas.0.title", "")))
    with pytest.raises(CommandError, match=r"ideas\.0\.title: This field cannot be blank"):
        call_command("challenge", "import", str(target), "--city", "city-b")


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
TITLE = TEXT.map(str.strip).filter(bool)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=TITLE,
    ideas=st.lists(
        st.tuples(TITLE, st.lists(st.tuples(st.integers(0, 2), st.sampled_from(
            ["impact", "feasibility", "cost"]), st.integers(1, 5)), max_size=5)),
        max_size=4,
    ),
    causes=st.lists(st.tuples(TITLE, st.integers(0, 3)), max_size=5),
)  # fmt: skip
def test_round_trip_of_generated_challenges(
    world: World, title: str, ideas: list[Any], causes: list[Any]
) -> None:
    """GIVEN any challenge of ideas, scores and a cause tree WHEN it is exported and imported
    into city B THEN exporting the copy gives the same document."""
    reviewers = [world.user(a) for a in ("member", "team_member", "city_admin")]
    with transaction.atomic():
        challenge = f.challenge(world.city, title=title[:200])
        for idea_title, scores in ideas:
            idea = f.idea(challenge, title=idea_title[:200])
            for who, criterion, value in scores:
                Score.objects.update_or_create(
                    idea=idea, reviewer=reviewers[who], criterion=criterion,
                    defaults={"value": value},
                )  # fmt: skip
        made: list[Cause] = []
        for text, parent in causes:
            made.append(f.cause(challenge, text=text[:300],
                                parent=made[parent] if parent < len(made) else None))  # fmt: skip
        document = export_challenge(challenge)
        copied = import_challenge(None, world.other_city, document).challenge
        assert export_challenge(copied) == document
        transaction.set_rollback(True)
