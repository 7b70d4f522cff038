"""The isolation audit: every URL pattern of the site and every route of the API, discovered
from Django's resolver and the OpenAPI document (never listed by hand), requested with GET by
people outside team T of city A — anonymous, a member of A, a member and an admin of another
city, an admin of another network — with every URL parameter filled from a world of team-only
objects of every kind (dataset, boundary, indicator, challenge and its parts, solution and its
parts, import job, evaluation, funding application, and the exchange's draft case study, thread
and post, fork, shared metric adoption, similarity passages; and a convening of a cohort none
of them is in).
No answer may name a private object (its names, titles and slugs all carry MARKER), whether it
is returned, listed, exported or mapped. A route whose parameters the audit cannot fill fails
the test unless SKIPPED says why, so an app added later is audited without a test of its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from civiclab.datasets import services as datasets
from civiclab.datasets.models import ImportJob
from civiclab.evaluation.models import EvaluationPlan, EvaluationResult, PlanAmendment
from civiclab.exchange.services import cases as exchange_cases
from civiclab.exchange.services import discussions as exchange_discussions
from civiclab.exchange.services import forks as exchange_forks
from civiclab.exchange.services import metrics as exchange_metrics
from civiclab.exchange.services import similar as exchange_similar
from civiclab.exchange.views.convenings.feeds import feed_token as convenings_feed_token
from civiclab.funding.models import (
    Application,
    ApplicationStatusChange,
    DigestItem,
    MatchDismissal,
    Opportunity,
    SavedSearch,
)
from civiclab.funding.views.calendar import feed_token
from civiclab.geo.services import attach_boundary
from civiclab.indicators import services as indicators
from civiclab.portfolio.models import SolutionIndicator
from tests.datasets.helpers import write
from tests.exchange.convenings_helpers import convening
from tests.exchange.forks_helpers import data, monthly
from tests.exchange.forks_helpers import indicator as shared_indicator
from tests.factories import CityFactory, CohortFactory, MembershipFactory
from tests.permission_matrix import api_headers
from tests.portfolio import factories
from tests.world import World

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MARKER = "zqsecret"
OPENAPI = Path(__file__).parent / "data" / "openapi.json"
# Routes the audit does not request, each with the reason. Nothing else may be left out.
SKIPPED = {
    # A person's own things, not a city's: reached only with a secret the person holds.
    "accounts/password/reset/<uidb64>/<token>/": "a password-reset link carries its own token",
    "cities/<slug:slug>/data/import/<str:token>/": "an upload's check page is keyed by a token "
    "kept in the uploader's session",
    "accounts/tokens/<int:token_id>/revoke/": "API tokens belong to one person (tests/test_tokens)",
    "funding/unsubscribe/<str:token>/": "a digest email's link carries its own signed token "
    "(tests/funding/test_alerts_searches.py)",
}
# What the team's member must find somewhere (the audit reached each kind of object).
NAMES = (
    "zqsecret data",
    "zqsecret indicator",
    "zqsecret challenge",
    "zqsecret evidence",
    "zqsecret cause",
    "zqsecret opportunity",
    "zqsecret idea",
    "zqsecret solution",
    "zqsecret milestone",
    "zqsecret risk",
    "zqsecret reason",
    "zqsecret update",
    "zqsecret graffiti",  # a value in the dataset's rows
    "zqsecret wards",  # a boundary (its dataset)
    "zqsecret ward 1",  # an area of it
    "zqsecret evaluation",
    "zqsecret amendment",
    "zqsecret result",
    "zqsecret application",
    "zqsecret status note",
    "zqsecret search",  # a saved search, and its digest (its owner's alone)
    "zqsecret dismissal",  # funding: a team's note on a dismissed match
    "zqsecret case",  # exchange: the team's draft case study
    "zqsecret thread",  # exchange: a discussion on the team-only challenge
    "zqsecret post",
    "zqsecret fork",  # exchange: a team-only copy of another city's shared challenge
    "zqsecret review",  # reports: team T's review, its meeting's decision and action
    "zqsecret decision",
    "zqsecret action",
)
# Seen by none of the audited people, nor by the control of team T: a convening of a cohort
# whose only city is C. The cohort's member is its control (their city's meetings are theirs).
COHORT_NAMES = ("zqsecret convening",)
# A route's parameter read from another list than its name's (a network's slug, not a city's).
ROUTE_VALUES = {("exchange/networks/", "slug"): "network_slug"}
# A boundary's areas: one square ward around the requests.
WARDS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Zqsecret ward 1"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-88.2, 30.6], [-88.0, 30.6], [-88.0, 30.8], [-88.2, 30.8], [-88.2, 30.6]]
                ],
            },
        }
    ],
}
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def walk(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + str(pattern.pattern)


def routes() -> list[str]:
    return sorted(set(walk(get_resolver())))


def test_every_api_route_is_a_url_pattern() -> None:
    """The API's routes are audited through the resolver: each documented path is one of its
    patterns, so a router mounted later is walked too."""
    patterns = {CONVERTER.sub(r"{\1}", route) for route in routes()}
    for path in json.loads(OPENAPI.read_text())["paths"]:
        assert path.lstrip("/") in patterns, path


@pytest.fixture
def private(world: World, tmp_path: Path) -> dict[str, list[Any]]:
    """One object of every kind in city A, visible to team T only; values for each parameter."""
    city_admin = world.user("city_admin")
    csv = write(
        tmp_path / "zqsecret.csv",
        "id,kind,opened,Latitude,Longitude\n1,pothole,2024-01-05,30.69,-88.10\n"
        "2,zqsecret graffiti,2024-02-03,30.68,-88.09\n",
    )
    options = datasets.ImportOptions(visibility="city")
    dataset = datasets.import_file(
        city_admin, world.city, "Zqsecret data", csv, csv.name, options
    ).dataset
    indicator = indicators.create_indicator(
        city_admin, dataset, "Zqsecret indicator", {"measure": {"type": "count"}}
    )
    challenge = factories.challenge(
        world.city, visibility="team", team=world.team, title="Zqsecret challenge"
    )
    evidence = factories.evidence(challenge, title="Zqsecret evidence")
    cause = factories.cause(challenge, text="Zqsecret cause")
    opportunity = factories.opportunity(challenge, title="Zqsecret opportunity")
    idea = factories.idea(challenge, title="Zqsecret idea")
    solution = factories.solution(challenge, title="Zqsecret solution")
    parts = [
        factories.milestone(solution, title="Zqsecret milestone"),
        factories.risk(solution, title="Zqsecret risk"),
        factories.decision(solution, reason="Zqsecret reason"),
        factories.update(solution, body="Zqsecret update"),
    ]
    target = SolutionIndicator.objects.create(solution=solution, indicator=indicator)
    wards = tmp_path / "wards.geojson"
    wards.write_text(json.dumps(WARDS))
    areas = datasets.import_file(
        city_admin, world.city, "Zqsecret wards", wards, wards.name, options
    ).dataset
    attach_boundary(city_admin, areas, "name")
    for made in (dataset, areas):
        datasets.update_dataset(city_admin, made, visibility="team", team=world.team)
    team_member = world.user("team_member")
    job = ImportJob.objects.create(
        city=world.city, dataset=dataset, dataset_name="Zqsecret data", upload="zqsecret.csv"
    )
    objects = [challenge, evidence, cause, opportunity, idea, solution]
    plan = EvaluationPlan.objects.create(
        solution=solution, city=world.city, team=world.team, visibility="team",
        title="Zqsecret evaluation", design="rct", locked_at=timezone.now(),
    )  # fmt: skip
    PlanAmendment.objects.create(plan=plan, field="hypothesis", reason="Zqsecret amendment")
    result = EvaluationResult.objects.create(
        plan=plan, plan_hash="0" * 64, data_version="d0", state="failed",
        error={"code": "x", "template": "Zqsecret result", "params": {}, "text": "Zqsecret result"},
    )  # fmt: skip
    # funding: a team-only application (an award, so that funding leveraged and "who applied"
    # would count it) to a catalogue opportunity everyone sees, with its status note.
    grant = Opportunity.objects.create(external_id="990001", title="Public grant")
    application = Application.objects.create(
        city=world.city, team=world.team, visibility="team", title="Zqsecret application",
        opportunity=grant, solution=solution, challenge=challenge, status="awarded",
        amount_awarded=987_654, decided_on=timezone.localdate(),
        deadline=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip
    ApplicationStatusChange.objects.create(
        application=application, from_status="submitted", to_status="awarded",
        note="Zqsecret status note",
    )  # fmt: skip
    objects.append(grant)
    # A person's own saved search (in team T's member's name) and an item of its digest.
    saved_search = SavedSearch.objects.create(
        user=team_member, city=world.city, name="Zqsecret search", query="zqsecret"
    )
    digest_item = DigestItem.objects.create(search=saved_search, opportunity=grant, kind="new")
    # funding (search): the opportunity dismissed from the team-only challenge's matches.
    MatchDismissal.objects.create(
        challenge=challenge, opportunity=grant, reason="other", note="Zqsecret dismissal"
    )
    # exchange: the team's draft case study of its solution (drafts stay with the team).
    case = exchange_cases.generate_case(None, solution)
    exchange_cases.update_case(None, case, title_en="Zqsecret case", title_fr="Zqsecret case")
    # exchange: a thread on the team-only challenge, its post mentioning a member of A outside
    # the team (who may not read it: no inbox item, no count).
    thread = exchange_discussions.start_thread(
        team_member, "challenge", challenge.pk, "Zqsecret thread", "Zqsecret post, @member"
    )
    post = thread.posts.get()
    # exchange: city B's shared challenge (the panels' and lineage's subject), close in words
    # to the team-only one; the team adapts it as a team-only idea; both are indexed.
    shared = factories.challenge(
        world.other_city, visibility="network", title="Challenge elsewhere"
    )
    fork = exchange_forks.fork(
        team_member, "challenge", shared.pk, world.city, "idea", challenge=challenge,
        title="Zqsecret fork",
    )  # fmt: skip
    for kind, pk in (("challenge", challenge.pk), ("challenge", shared.pk), ("idea", idea.pk)):
        exchange_similar.refresh_passages(kind, pk)
    # exchange: city B's shared metric, measured in A by the team-only indicator: the
    # comparison never shows A's row to those who may not see that indicator.
    b_reports = data(world.other_city, tmp_path, "B reports", monthly([5, 7]))
    metric = exchange_metrics.publish(
        None, shared_indicator(b_reports, "B count", {"measure": {"type": "count"}})
    )
    exchange_metrics.adopt(None, metric, indicator=indicator)
    # exchange: a convening of a cohort whose only city is C (no one audited is in C).
    city_c = CityFactory(network=world.network, slug="city-c", name="City C")
    cohort = CohortFactory(network=world.network, slug="zq-cohort", name="C cohort")
    cohort.cities.add(city_c)
    meeting = convening(world.network, "Zqsecret convening", kind="cohort_meeting", cohort=cohort)
    objects += [shared, fork, metric, meeting, thread, post]
    world.users["cohort_member"] = MembershipFactory(city=city_c, role="member").user
    # reports: team T's review (its pack holds the team-only solution), a held meeting with a
    # decision and an action, and its PDF; and city A's portfolio review, which city A's members
    # read and whose pack must leave the team-only solution out.
    from civiclab.reports.models.packs import PackPdf
    from civiclab.reports.services import packs as reports_packs

    review = reports_packs.create_review(
        None, scope="team", team=world.team, title="Zqsecret review", cadence="monthly",
        next_meeting_on=timezone.localdate(),
    )  # fmt: skip
    review_meeting = reports_packs.hold_meeting(
        None, review, decisions=[{"text": "Zqsecret decision", "solution": solution.pk}],
        actions=[{"text": "Zqsecret action", "solution": solution.pk}],
    )  # fmt: skip
    city_review = reports_packs.create_review(
        None, scope="city", city=world.city, title="City A portfolio", cadence="monthly",
        next_meeting_on=timezone.localdate(),
    )  # fmt: skip
    city_meeting = reports_packs.hold_meeting(None, city_review)
    pdf = PackPdf.objects.create(review=review, state="done", content=b"%PDF-1.7 zqsecret")
    # reports: a nudge about the team-only dataset addressed to a member of A outside team T
    # (as if the dataset had been shared with them once): who may read a nudge is decided
    # from the object when it is read, so its name never shows on their nudges page or API.
    from civiclab.reports.models.nudges import Nudge

    Nudge.objects.create(
        recipient=world.user("member"), kind="dataset", object_id=dataset.pk, city=world.city,
        state="overdue", params={"name": "Zqsecret data", "since": "2026-01-01"},
    )  # fmt: skip
    return {
        "review_id": [review.pk, city_review.pk],
        "meeting_id": [review_meeting.pk, city_meeting.pk],
        "pdf_id": [pdf.pk],
        "action_id": list(review_meeting.actions.values_list("pk", flat=True)),
        "decision_id": list(review_meeting.decisions.values_list("pk", flat=True)),
        "slug": [world.city.slug],
        "city_slug": [world.city.slug],  # reports: public results pages
        "network_slug": [world.network.slug],
        "cohort_slug": [cohort.slug],
        "case_id": [case.pk],
        "thread_id": [thread.pk],
        "post_id": [post.pk],
        "convening_id": [meeting.pk],
        "page": ["challenge", "idea"],
        "dataset_slug": [dataset.slug, areas.slug],
        "dataset": [dataset.slug, areas.slug],
        "indicator_slug": [indicator.slug],
        "indicator": [indicator.slug],
        "team_slug": [world.team.slug],
        "team_id": [world.team.pk],
        "membership_id": [team_member.memberships.get().pk],
        "job_id": [job.pk],
        "number": [1],
        "fmt": ["csv", "geojson", "xlsx"],
        "name": ["investigate", "data"],
        "pk": sorted({o.pk for o in objects}),
        "part_pk": sorted({p.pk for p in parts}),
        "kind": ["milestones", "risks", "decisions", "updates", "challenge", "solution"],
        "target_pk": [target.pk],
        "evaluation_id": [plan.pk],
        "result_id": [result.pk],
        "application_id": [application.pk],
        "opportunity_id": [grant.pk],
        # A member of A outside team T: their feed must not list the team's deadline.
        "token": [feed_token(world.user("member")), convenings_feed_token(world.user("member"))],
        "search_id": [saved_search.pk],
        "item_id": [digest_item.pk],
        "challenge_id": [challenge.pk],
        "solution_id": [solution.pk],
        # reports: every key fact's list; the capacity self-assessment's year.
        "fact": ["problems", "ideas", "solutions", "evaluated", "funding", "outcomes"],
        "year": [timezone.localdate().year],
    }


def urls_of(route: str, values: dict[str, list[Any]]) -> list[str] | None:
    names = CONVERTER.findall(route)
    lists = []
    for name in names:
        key = next(
            (
                key
                for (prefix, of), key in ROUTE_VALUES.items()
                if route.startswith(prefix) and of == name
            ),
            name,
        )
        if key not in values:
            return None
        lists.append(values[key])
    urls = []
    for combination in itertools.product(*lists):
        filled = dict(zip(names, combination, strict=True))
        urls.append("/" + CONVERTER.sub(lambda m, f=filled: str(f[m.group(1)]), route))
    return urls


def body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_no_route_shows_a_private_object(world: World, private: dict[str, list[Any]]) -> None:
    """GIVEN a team-only object of every kind in city A WHEN anyone outside team T (anonymous,
    a member of A, a member and an admin of city B, another network's admin) requests every
    page and API route, filled with those objects THEN no answer names any of them, every
    route was requested or is in SKIPPED with its reason, and a member of T saw them all."""
    outsider = MembershipFactory(city=world.other_city, role="member").user
    people = {
        "anonymous": None,
        "other_city_member": outsider,
        "other_city_admin": world.user("other_city_admin"),
        "other_network_admin": world.user("other_network_admin"),
        "member_outside_team": world.user("member"),  # in city A, not in team T
        "team_member": world.user("team_member"),  # the control: sees every object
    }
    uncovered, leaks, seen = [], [], []
    for route in routes():
        if route in SKIPPED:
            continue
        urls = urls_of(route, private)
        if urls is None:
            uncovered.append(route)
            continue
        for who, user in people.items():
            client = Client(raise_request_exception=True)
            headers: dict[str, str] = {}
            if user is not None:
                client.force_login(user)
                if route.startswith("api/"):
                    headers = api_headers(user)
            for url in urls:
                response = client.get(url, **headers)
                # A page may repeat the address it was asked for (the 404 page does): that
                # names nothing the requester did not send.
                text = body(response).replace(url, "").lower()
                if who == "team_member":
                    seen.append(text)
                elif MARKER in text:
                    leaks.append(f"{who}: GET {url} ({response.status_code})")
    assert not uncovered, f"routes the audit cannot fill (fill them or add to SKIPPED): {uncovered}"
    assert not leaks, "private objects shown:\n" + "\n".join(leaks)
    # The control: the audit filled the routes well enough to reach every object.
    unseen = [name for name in NAMES if not any(name in text for text in seen)]
    assert not unseen, f"no route showed these to a member of team T: {unseen}"
    # The cohort's control: its convening is reached through the same values (page and API).
    client = Client(raise_request_exception=True)
    member = world.user("cohort_member")
    client.force_login(member)
    for route in ("exchange/convenings/<int:pk>/", "api/v1/exchange/convenings/<convening_id>"):
        for url in urls_of(route, private) or []:
            text = body(client.get(url, **api_headers(member))).lower()
            seen.append(text)
    unseen = [name for name in COHORT_NAMES if not any(name in text for text in seen)]
    assert not unseen, f"no route showed these to the cohort's member: {unseen}"
    stale = set(SKIPPED) - set(routes())
    assert not stale, f"SKIPPED names routes that no longer exist: {stale}"
