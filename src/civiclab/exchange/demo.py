"""The exchange's demo story (issue 14's "done when"), through the same services as the pages.

Mobile publishes its English case study on blight, generated from its "Blight inventory and
squad" solution, to the network. A Mulhouse member writes a French challenge on illegal
dumping ("Dépôts sauvages…"), shared with the network. The shared metric (Mobile's vacant
building notices, adopted by the peer cities) and the blight cohort's convenings are seeded by
their own modules; Mobile's and Mulhouse's people are going to the cohort meeting. The
similarity passages and their embeddings are computed here, synchronously, so "look elsewhere
first" shows Mobile's case on Mulhouse's challenge at once (the worker would otherwise do it
a few seconds after each save). Mulhouse opens a thread on Mobile's case about adapting it,
mentioning Mobile's analyst, who answers.

The fork itself is left to the visitor: Mulhouse's member opens the case, adapts Mobile's
solution under the French challenge, and the report shows the indicator re-pointed to
Mulhouse's own "Vacant buildings" data (the stand-in the evaluation's demo seeds).

Run after the evaluation's and the funding's demos (the indicators, the evaluation's result and
the funding a case copies are theirs). Idempotent: each step is skipped when its object exists.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from civiclab.core.permissions import Visibility
from civiclab.exchange.demo_convenings import MEETING_TITLE, seed_demo_convenings
from civiclab.exchange.demo_metrics import seed_demo_metrics
from civiclab.exchange.models import CaseStudy, Thread
from civiclab.network.models import City
from civiclab.portfolio.models import Challenge, Solution

MOBILE_SOLUTION = "Blight inventory and squad"
MOBILE_PERSON = "mobile.analyst@demo.civiclab.org"
MOBILE_ADMIN = "mobile.admin@demo.civiclab.org"
MULHOUSE_PERSON = "mulhouse.admin@demo.civiclab.org"
CASE_LESSONS = (
    "Map before you act: the inventory found more blighted and vacant properties than anyone "
    "knew, and the squad's routes follow the map. Vacant lots and abandoned houses draw "
    "illegal dumping — tyres, mattresses and trash left at night — so the squad clears dumped "
    "waste and boards up in the same visit, and residents report hot spots through 311."
)
MULHOUSE_CHALLENGE = "Dépôts sauvages : des déchets abandonnés dans les rues et les friches"
MULHOUSE_PROBLEM = (
    "Des pneus, des matelas, des gravats et des sacs d'ordures sont déposés la nuit sur les "
    "terrains vagues, les friches et au pied des immeubles vacants. La ville ramasse plus de "
    "800 tonnes de dépôts sauvages par an ; les habitants signalent les mêmes points noirs "
    "sans voir de changement, et les quartiers concernés se dégradent."
)
MULHOUSE_POPULATION = "Habitants des quartiers où les dépôts se concentrent"
THREAD_TITLE = "Adapter l'inventaire et la brigade de Mobile à Mulhouse"
THREAD_OPENING = (
    "Bonjour ! Nous voulons adapter votre **inventaire des friches** à nos dépôts sauvages "
    "(voir notre défi « Dépôts sauvages »). @mobile.analyst, comment les agents relèvent-ils "
    "les adresses sur le terrain, et combien de temps a pris le premier quartier ?\n\n"
    "*Hello! We want to adapt your blight inventory to our illegal dumping: how do your "
    "officers record addresses, and how long did the first district take?*"
)
THREAD_ANSWER = (
    "Happy to help, @mulhouse.admin! Officers survey on their usual routes with a simple form "
    "on their phones; the pilot district took three weeks. Our indicator counts vacant "
    "building notices — yours will read your own *Vacant buildings* data once you adapt it. "
    "Let's go through it at the cohort check-in."
)


def _people() -> dict[str, Any]:
    emails = (MOBILE_PERSON, MOBILE_ADMIN, MULHOUSE_PERSON)
    return {u.email: u for u in get_user_model().objects.filter(email__in=emails)}


def seed_demo_exchange() -> list[str]:
    """The exchange's demo (idempotent); returns what was made (nothing the second time)."""
    made: list[str] = []
    people = _people()
    mobile = City.objects.filter(slug="mobile").first()
    mulhouse = City.objects.filter(slug="mulhouse").first()
    if mobile is None or mulhouse is None:
        return made
    case = _mobile_case(mobile, people, made)
    challenge = _mulhouse_challenge(mulhouse, people, made)
    made += seed_demo_metrics()
    made += seed_demo_convenings()
    _going(people, made)
    _similarity(made)
    if case is not None and challenge is not None:
        _thread(case, people, made)
    return made


# The name the brief and the site's demo command use.
seed_demo = seed_demo_exchange


def _mobile_case(mobile: City, people: dict[str, Any], made: list[str]) -> CaseStudy | None:
    from civiclab.exchange.services import cases

    solution = Solution.objects.filter(city=mobile, title=MOBILE_SOLUTION).first()
    if solution is None:
        return None
    case = CaseStudy.objects.filter(solution=solution).order_by("pk").first()
    if case is None:
        author = people.get(MOBILE_PERSON)
        case = cases.generate_case(author, solution, visibility=Visibility.NETWORK)
        case = cases.update_case(author, case, lessons_en=CASE_LESSONS)
    if case.state != "published":
        case = cases.publish_case(people.get(MOBILE_ADMIN), case)
        made.append(f"Mobile: case study published to the network ({case.title_en})")
    return case


def _mulhouse_challenge(
    mulhouse: City, people: dict[str, Any], made: list[str]
) -> Challenge | None:
    from civiclab.portfolio import services as portfolio

    found = Challenge.objects.filter(city=mulhouse, title__istartswith="Dépôts sauvages").first()
    if found is not None:
        return found
    author = people.get(MULHOUSE_PERSON)
    if author is None:
        return None
    challenge = portfolio.create_challenge(
        author,
        mulhouse,
        MULHOUSE_CHALLENGE,
        team=mulhouse.teams.order_by("pk").first(),
        visibility=Visibility.NETWORK,
        problem_statement=MULHOUSE_PROBLEM,
        priority_area="environment",
        target_population=MULHOUSE_POPULATION,
    )
    made.append(f"Mulhouse: challenge « {challenge.title} » (network)")
    return challenge


def _going(people: dict[str, Any], made: list[str]) -> None:
    """Mobile's and Mulhouse's people going to the cohort meeting (the convenings' seed does
    it when it makes the meeting; a demo seeded before it still gets it)."""
    from civiclab.exchange.models.convenings import Convening, Rsvp
    from civiclab.exchange.services import convenings

    meeting = Convening.objects.filter(title=MEETING_TITLE).first()
    if meeting is None:
        return
    for email in (MOBILE_PERSON, MULHOUSE_PERSON):
        person = people.get(email)
        if person is None:
            continue
        if not Rsvp.objects.filter(convening=meeting, user=person, response="going").exists():
            convenings.set_rsvp(person, meeting, "going")
            made.append(f"{email}: going to {meeting.title}")


def _similarity(made: list[str]) -> None:
    """Passages and embeddings of everything not yet (or no longer) up to date, now."""
    from civiclab.exchange.services.similar import reembed

    result = reembed(force=False)
    embedded = sum(counts["embedded"] for counts in result["kinds"].values())
    if embedded:
        made.append(f"similarity: {embedded} passages embedded ({result['model'] or 'words only'})")


def _thread(case: CaseStudy, people: dict[str, Any], made: list[str]) -> None:
    from civiclab.exchange.services import discussions

    if Thread.objects.filter(target_kind="case", target_id=case.pk, title=THREAD_TITLE).exists():
        return
    mulhouse, mobile = people.get(MULHOUSE_PERSON), people.get(MOBILE_PERSON)
    if mulhouse is None or mobile is None:
        return
    thread = discussions.start_thread(mulhouse, "case", case.pk, THREAD_TITLE, THREAD_OPENING)
    discussions.reply(mobile, thread, THREAD_ANSWER)
    made.append(f"discussion: « {thread.title} » (Mulhouse and Mobile, with mentions)")
