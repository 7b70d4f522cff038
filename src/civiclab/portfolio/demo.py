"""The demo network's portfolio: a challenge story per city, at different phases.

Mobile's blight work is in delivery (the i-team geo-located blighted properties with code
officers); Detroit prepares violence interruption and delivers a faster 311; Boston generates
ideas on affordable housing; Tel Aviv-Yafo investigates why young families leave; Mulhouse
and Paris work in French. Everything goes through the services, as a user's work would, and
dates are spread over the past months so histories and timelines read like real ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from civiclab.accounts.models import User
from civiclab.indicators.models import Indicator
from civiclab.network.models import City
from civiclab.portfolio import services
from civiclab.portfolio.models import Cause, Challenge, Idea, OpportunityArea, PhaseChange


@dataclass
class DemoIdea:
    title: str
    description: str
    origin: str = "team"
    origin_detail: str = ""
    scores: tuple[dict[str, int], ...] = ()  # one dict per reviewer
    decision: tuple[str, str] | None = None  # (status, reason)


@dataclass
class DemoSolution:
    title: str
    idea: str
    goal: str
    stage: str
    status: str
    justification: str
    budget: tuple[int, int] | None = None
    partners: str = ""
    indicator: tuple[str, float, dt.date] | None = None  # (slug, target, date)
    milestones: tuple[tuple[str, int, int | None], ...] = ()  # (title, due in days, done days)
    risks: tuple[tuple[str, int, int, str], ...] = ()
    decisions: tuple[tuple[str, str, str], ...] = ()
    updates: tuple[tuple[str, str], ...] = ()


@dataclass
class DemoChallenge:
    city: str
    title: str
    problem: str
    priority: str
    population: str
    phases: tuple[str, ...]  # the path taken, the last is the current phase
    visibility: str = "network"
    findings: tuple[tuple[str, str, str], ...] = ()  # (title, body, indicator slug or "")
    insights: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()  # title, quote, method, tags
    causes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    opportunities: tuple[str, ...] = ()
    ideas: tuple[DemoIdea, ...] = ()
    solutions: tuple[DemoSolution, ...] = field(default_factory=tuple)


DEMO_CHALLENGES = [
    DemoChallenge(
        "mobile",
        "Blight: thousands of homes stand near a blighted property",
        "Over 2,000 homes are blighted and more than 13,000 stand within 150 feet of one. "
        "Blight lowers neighbours' property values, attracts crime and costs the city in "
        "code enforcement that does not resolve it.",
        "housing",
        "Residents of neighbourhoods with concentrated blight",
        ("investigate", "generate", "prepare", "deliver"),
        visibility="public",
        findings=(
            (
                "Notices served each year",
                "Vacant building notices by council district.",
                "vacant-building-notices",
            ),
        ),
        insights=(
            (
                "Ride-along with code officers",
                "Officers know every blighted house on their routes, but nothing they know is "
                "written down in a way the city can map.",
                "ride_along",
                ("code enforcement", "data"),
            ),
            (
                "Neighbour interview",
                "We called the city three times about the house next door. Nothing happens, so "
                "we stopped calling.",
                "interview",
                ("trust", "311"),
            ),
        ),
        causes=(
            (
                "Owners cannot be found or reached",
                ("Heirs' property with no clear title", "Out-of-state investors"),
            ),
            ("Enforcement does not lead to resolution", ("Liens are never collected",)),
        ),
        opportunities=("Know every blighted property", "Make resolution faster than decay"),
        ideas=(
            DemoIdea(
                "Geo-located blight inventory with code officers",
                "Officers survey every property on their routes with a simple app.",
                scores=(
                    {"impact": 5, "feasibility": 4, "cost": 4, "equity": 4, "evidence": 4},
                    {"impact": 4, "feasibility": 5, "cost": 4, "equity": 3, "evidence": 4},
                ),
                decision=("advanced", "Cheap, fast, and every other idea needs the data."),
            ),
            DemoIdea(
                "Heirs' property legal clinic",
                "Free legal help to clear titles so families can sell or repair.",
                origin="other_city",
                origin_detail="New Orleans",
                scores=(
                    {"impact": 4, "feasibility": 3, "cost": 3, "equity": 5, "evidence": 3},
                    {"impact": 3, "feasibility": 2, "cost": 3, "equity": 5, "evidence": 2},
                ),
                decision=("parked", "Needs a legal partner; revisit with the bar association."),
            ),
            DemoIdea(
                "Sell lots to neighbours for $100",
                "A side-lot programme.",
                origin="residents",
                scores=({"impact": 2, "feasibility": 4, "cost": 5, "equity": 3, "evidence": 2},),
            ),
        ),
        solutions=(
            DemoSolution(
                "Blight inventory and squad",
                "Geo-located blight inventory with code officers",
                "Reduce the vacant building notices served in a year from 2,625 (2016) to "
                "1,000 by the end of 2027.",
                "deliver",
                "at_risk",
                "Notices are still rising: the inventory finds more blight than was known.",
                budget=(450_000, 180_000),
                partners="Code enforcement; Mobile County Probate Court",
                indicator=("vacant-building-notices", 1000.0, dt.date(2027, 12, 31)),
                milestones=(
                    ("Survey app in officers' hands", -150, -160),
                    ("Inventory of districts 1–4", -40, -45),
                    ("Inventory of districts 5–7", 60, None),
                    ("First blight squad demolitions", -10, None),
                ),
                risks=(
                    ("Officers' time taken from enforcement", 3, 3, "Survey on existing routes"),
                    ("Owners contest the inventory", 2, 4, "Publish the method; appeal route"),
                ),
                decisions=(("Prepare → deliver", "go", "Pilot district surveyed in 3 weeks."),),
                updates=(
                    ("Districts 1–4 surveyed: 2,140 blighted properties mapped.", "on_track"),
                    ("More notices than expected: the count will rise before it falls.", "at_risk"),
                ),
            ),
        ),
    ),
    DemoChallenge(
        "detroit",
        "Gun violence on three corridors",
        "Half of the city's shootings happen on three corridors, mostly among young men who "
        "know each other.",
        "public_safety",
        "Young men aged 16–30 on the three corridors",
        ("investigate", "generate", "prepare"),
        insights=(
            (
                "Workshop with outreach workers",
                "Retaliation follows within 72 hours; someone trusted has to get there first.",
                "workshop",
                ("retaliation", "outreach"),
            ),
        ),
        causes=(("Disputes escalate into retaliation", ("No trusted mediator reaches them",)),),
        opportunities=("Interrupt retaliation",),
        ideas=(
            DemoIdea(
                "Violence interrupters on the three corridors",
                "Credible messengers mediate disputes before they turn violent.",
                origin="other_city",
                origin_detail="Chicago (Cure Violence)",
                scores=(
                    {"impact": 5, "feasibility": 3, "cost": 3, "equity": 5, "evidence": 5},
                    {"impact": 4, "feasibility": 3, "cost": 2, "equity": 5, "evidence": 4},
                ),
            ),
        ),
        solutions=(
            DemoSolution(
                "Corridor violence interrupters",
                "Violence interrupters on the three corridors",
                "Reduce shootings on the three corridors by a quarter within two years.",
                "prepare",
                "at_risk",
                "Hiring of interrupters is two months behind.",
                budget=(1_200_000, 90_000),
                partners="Community groups on each corridor",
                milestones=(("Hire 12 interrupters", -20, None), ("Start on corridor 1", 45, None)),
                risks=(("Interrupters' safety", 3, 5, "Training, pairs, a safety protocol"),),
            ),
        ),
    ),
    DemoChallenge(
        "detroit",
        "Residents wait too long for the city to answer 311",
        "Requests take days to close and residents stop reporting problems.",
        "government_operations",
        "Residents who report problems to 311",
        ("investigate", "generate", "prepare", "deliver"),
        visibility="public",
        findings=(
            (
                "Days to close a 311 request",
                "Median days from request to closure.",
                "days-to-close-a-311-request",
            ),
        ),
        opportunities=("Route requests right the first time",),
        ideas=(
            DemoIdea(
                "Triage desk for 311",
                "Route each request to the right crew on day one.",
                scores=({"impact": 4, "feasibility": 4, "cost": 4, "equity": 3, "evidence": 3},),
                decision=("advanced", "Quick to test with the current staff."),
            ),
        ),
        solutions=(
            DemoSolution(
                "311 triage pilot",
                "Triage desk for 311",
                "Reduce the median days to close a request from 1.85 to 0.75 by the end of 2019.",
                "deliver",
                "on_track",
                "The median is falling for the third quarter running.",
                indicator=("days-to-close-a-311-request", 0.75, dt.date(2019, 12, 31)),
                milestones=(("Triage desk staffed", -300, -305), ("Review after a year", 30, None)),
                updates=(("Median down to 0.82 days.", "on_track"),),
            ),
        ),
    ),
    DemoChallenge(
        "boston",
        "Housing that working families can afford",
        "Rents rose twice as fast as wages over ten years; families double up or leave.",
        "housing",
        "Working families earning under 80% of the area median income",
        ("investigate", "generate"),
        insights=(
            (
                "Survey of families who moved out",
                "Six in ten said rent was the main reason they left the city.",
                "survey",
                ("rent", "displacement"),
            ),
        ),
        opportunities=("More homes on land the city already owns", "Keep families in place"),
        ideas=(
            DemoIdea(
                "Accessory dwelling units by right",
                "Let homeowners add a small unit without a zoning appeal.",
                scores=(
                    {"impact": 3, "feasibility": 4, "cost": 5, "equity": 3, "evidence": 3},
                    {"impact": 4, "feasibility": 4, "cost": 4, "equity": 3, "evidence": 3},
                ),
            ),
            DemoIdea(
                "Homes on city-owned lots",
                "Build on vacant municipal land with partners.",
                scores=({"impact": 5, "feasibility": 2, "cost": 2, "equity": 5, "evidence": 4},),
            ),
            DemoIdea("Rent relief fund", "Emergency help to avoid eviction.", origin="residents"),
        ),
    ),
    DemoChallenge(
        "tel-aviv",
        "Young families leaving the city",
        "Couples with young children leave for the suburbs when their second child arrives.",
        "economic_opportunity",
        "Families with children under six",
        ("investigate",),
        insights=(
            (
                "Interviews with families who left",
                "Childcare and a third bedroom: we could not find either near work.",
                "interview",
                ("childcare", "housing"),
            ),
        ),
        causes=(("Childcare places are scarce", ()), ("Family-size flats are rare", ())),
    ),
    DemoChallenge(
        "mulhouse",
        "Faire participer les habitants aux décisions de quartier",
        "Moins de 3 % des habitants votent au budget participatif, et presque aucun dans les "
        "quartiers prioritaires.",
        "resident_engagement",
        "Habitants des quartiers prioritaires",
        ("investigate", "generate"),
        insights=(
            (
                "Atelier au centre social",
                "On ne savait pas que le budget existait, ni qu'on pouvait proposer un projet.",
                "workshop",
                ("information", "confiance"),
            ),
        ),
        opportunities=("Aller vers les habitants",),
        ideas=(
            DemoIdea(
                "Urnes mobiles au marché",
                "Voter là où les habitants sont déjà.",
                scores=({"impact": 4, "feasibility": 5, "cost": 4, "equity": 4, "evidence": 3},),
            ),
            DemoIdea(
                "Ambassadeurs de quartier",
                "Des habitants relais rémunérés.",
                origin="residents",
                scores=({"impact": 4, "feasibility": 3, "cost": 3, "equity": 5, "evidence": 3},),
            ),
        ),
    ),
    DemoChallenge(
        "paris",
        "Rafraîchir les cours d'école pendant les canicules",
        "Les cours bitumées dépassent 50 °C en été ; les enfants et les riverains n'ont pas "
        "d'îlot de fraîcheur à proximité.",
        "environment",
        "Élèves et riverains des écoles les plus exposées",
        ("investigate",),
        visibility="city",
        insights=(
            (
                "Observation d'une cour à 15 h",
                "Les enfants se regroupent dans la seule bande d'ombre, le long du préau.",
                "observation",
                ("chaleur", "enfants"),
            ),
        ),
    ),
]


def _reviewers(city: City) -> list[User]:
    emails = [f"{city.slug}.admin@demo.civiclab.org", "network.admin@demo.civiclab.org"]
    if city.slug == "mobile":
        emails.insert(1, "mobile.analyst@demo.civiclab.org")
    found = {u.email: u for u in User.objects.filter(email__in=emails)}
    return [found[e] for e in emails if e in found]


def seed_demo_portfolio() -> list[str]:
    """Create the demo challenges whose city is there (once); returns what was created."""
    created = []
    for item in DEMO_CHALLENGES:
        city = City.objects.filter(slug=item.city).first()
        if city is None or Challenge.objects.filter(city=city, title=item.title).exists():
            continue
        _seed(item, city)
        created.append(f"{city.slug}: {item.title}")
    return created


def _seed(item: DemoChallenge, city: City) -> None:
    reviewers = _reviewers(city)
    admin = reviewers[0] if reviewers else None
    team = city.teams.first()
    challenge = services.create_challenge(
        None, city, item.title, team=team, problem_statement=item.problem,
        priority_area=item.priority, target_population=item.population,
        visibility=item.visibility,
    )  # fmt: skip
    challenge.owner = admin
    challenge.save(update_fields=["owner"])
    for phase in item.phases[1:]:
        services.set_phase(None, challenge, phase)
    indicators = {i.slug: i for i in Indicator.objects.filter(city=city)}
    for title, body, slug in item.findings:
        services.add_evidence(
            None, challenge, "data", title, body=body, indicator=indicators.get(slug)
        )
    evidence = [
        services.add_evidence(
            None,
            challenge,
            "insight",
            title,
            body=quote,
            method=method,
            tags=list(tags),
            consent=True,
            observed_on=timezone.localdate() - dt.timedelta(days=200),
        )
        for title, quote, method, tags in item.insights
    ]
    for text, children in item.causes:
        cause = services.add_part(None, challenge, Cause, text=text)
        if evidence:
            services.link_cause_evidence(None, cause, evidence[:1])
        for child in children:
            services.add_part(None, challenge, Cause, text=child, parent=cause)
    areas = [
        services.add_part(None, challenge, OpportunityArea, title=t) for t in item.opportunities
    ]
    ideas = {}
    for idea_item in item.ideas:
        idea = services.add_part(
            None, challenge, Idea, title=idea_item.title, description=idea_item.description,
            origin=idea_item.origin, origin_detail=idea_item.origin_detail,
            opportunity_area=areas[0] if areas else None,
        )  # fmt: skip
        for reviewer, scores in zip(reviewers, idea_item.scores, strict=False):
            services.score_idea(reviewer, idea, scores)
        if idea_item.decision:
            services.decide_idea(admin, idea, *idea_item.decision)
        ideas[idea.title] = idea
    for sol in item.solutions:
        _seed_solution(sol, challenge, ideas, indicators, admin)
    challenge.phase = item.phases[-1]
    challenge.save(update_fields=["phase"])
    _spread_history(challenge)


def _seed_solution(
    sol: DemoSolution, challenge: Challenge, ideas: dict[str, Idea],
    indicators: dict[str, Indicator], owner: User | None,
) -> None:  # fmt: skip
    today = timezone.localdate()
    extra: dict[str, Any] = {}
    if sol.budget:
        extra = {"budget_planned": sol.budget[0], "budget_spent": sol.budget[1],
                 "currency": "USD" if challenge.city.country == "US" else "EUR"}  # fmt: skip
    solution = services.create_solution(
        None, challenge, sol.title, idea=ideas.get(sol.idea), goal_statement=sol.goal,
        owner=owner, partners=sol.partners, stage=sol.stage, status=sol.status,
        status_justification=sol.justification, start_date=today - dt.timedelta(days=240),
        **extra,
    )  # fmt: skip
    if sol.indicator and sol.indicator[0] in indicators:
        slug, target, date = sol.indicator
        services.link_indicator(None, solution, indicators[slug], target, date)
    for title, due, done in sol.milestones:
        services.add_milestone(
            None, solution, title, today + dt.timedelta(days=due),
            done_on=today + dt.timedelta(days=done) if done is not None else None,
        )  # fmt: skip
    for title, likelihood, impact, mitigation in sol.risks:
        services.add_risk(None, solution, title, likelihood, impact, mitigation=mitigation)
    for gate, outcome, reason in sol.decisions:
        services.record_decision(owner, solution, gate, outcome, reason)
    for body, status in sol.updates:
        services.post_update(owner, solution, body, status)


def _spread_history(challenge: Challenge) -> None:
    """Phase changes dated 45 days apart, ending a fortnight ago."""
    changes = list(PhaseChange.objects.filter(challenge=challenge).order_by("pk"))
    end = timezone.now() - dt.timedelta(days=14)
    for i, change in enumerate(changes):
        change.at = end - dt.timedelta(days=45 * (len(changes) - 1 - i))
        change.save(update_fields=["at"])
