"""The demo's funding story, through the same services as the pages.

The catalogue is imported from an extract written in Grants.gov's format (``demo_catalogue``),
with two funds entered by hand (one French, one philanthropic). Mobile says how it applies
(a city government, with its housing authority and a land-bank nonprofit as partners),
dismisses a match of its blight challenge, and takes an application to the brownfields grant
from prospect to an award linked to its blight solution — which its solution, its city and the
network then count as funding leveraged. Detroit has applied to the violence-prevention
initiative (shared with the network: "who in the network applied"); a Mobile analyst saves a
search and follows the blight challenge's matches.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from civiclab.funding.demo_catalogue import write_demo_extract
from civiclab.funding.models import Application, Opportunity
from civiclab.network.models import City, Network
from civiclab.portfolio.models import Challenge, Solution

MOBILE_CHALLENGE = "Blight: thousands of homes stand near a blighted property"
MOBILE_SOLUTION = "Blight inventory and squad"
DETROIT_SOLUTION = "Corridor violence interrupters"
BROWNFIELDS = "900101"
VIOLENCE = "900103"
NOT_FOR_BLIGHT = "900106"  # lead hazards: housing, but not what the blight team needs now
AWARD = Decimal("500000")


def seed_demo_funding(network: Network | None = None) -> list[str]:
    """Import the demo catalogue and play Mobile's and Detroit's funding stories; returns
    what was made (nothing when the catalogue already holds the demo's opportunities)."""
    from civiclab.funding.services import catalogue

    if Opportunity.objects.filter(external_id=BROWNFIELDS).exists():
        return []
    today = timezone.localdate()
    with tempfile.TemporaryDirectory() as folder:
        run = catalogue.import_catalogue(None, write_demo_extract(Path(folder), today))
    made = [f"catalogue: {run.created} opportunities imported"]
    network = network or Network.objects.filter(cities__slug="mobile").first()
    if network is not None:
        made += _funds_by_hand(network, today)
    mobile = City.objects.filter(slug="mobile").first()
    if mobile is not None:
        made += _mobile(mobile, today)
    detroit = City.objects.filter(slug="detroit").first()
    if detroit is not None:
        made += _detroit(detroit, today)
    return made


def _funds_by_hand(network: Network, today: dt.date) -> list[str]:
    from civiclab.funding.services import catalogue

    catalogue.create_fund(
        None,
        network,
        title="Fonds vert : renaturation des villes et des villages",
        number="DEMO-FONDS-VERT-RENATURATION",
        description=(
            "Aide de l'État aux communes pour désimperméabiliser et végétaliser les espaces "
            "publics — cours d'école, places, friches — afin de lutter contre les îlots de "
            "chaleur urbains."
        ),
        agency_name="Ministère de la Transition écologique",
        funder_type="national",
        country="FR",
        applicant_codes=["02", "01"],
        activity_categories=["ENV", "CD"],
        close_date=today + dt.timedelta(days=75),
        award_ceiling=1_000_000,
        currency="EUR",
        cost_sharing=True,
    )
    catalogue.create_fund(
        None,
        network,
        title="Vacant to Vibrant: resident-led reuse of vacant lots",
        number="DEMO-PHIL-V2V-27",
        description=(
            "A foundation's grants for cities and their nonprofit partners that turn vacant "
            "and blighted lots into gardens, play spaces and stormwater parks with residents."
        ),
        agency_name="Demo Community Foundation",
        funder_type="philanthropic",
        country="US",
        applicant_codes=["02", "12"],
        activity_categories=["CD", "ENV"],
        close_date=today + dt.timedelta(days=28),
        award_ceiling=250_000,
        award_floor=50_000,
    )
    return ["funds entered by hand: Fonds vert (FR), Vacant to Vibrant (philanthropy)"]


def _mobile(mobile: City, today: dt.date) -> list[str]:
    from civiclab.funding.services import alerts, dismissals, pipeline

    pipeline.set_profile(
        None,
        mobile,
        ["02"],
        [
            {"name": "Mobile Housing Authority", "code": "08"},
            {"name": "Mobile Land Bank Partners", "code": "12"},
        ],
        today + dt.timedelta(days=200),
    )
    challenge = Challenge.objects.filter(city=mobile, title=MOBILE_CHALLENGE).first()
    solution = Solution.objects.filter(city=mobile, title=MOBILE_SOLUTION).first()
    made = ["Mobile: its funding profile (a city, with two partners)"]
    lead = Opportunity.objects.filter(external_id=NOT_FOR_BLIGHT).first()
    if challenge is not None and lead is not None:
        dismissals.dismiss(
            None,
            lead,
            "not_relevant",
            "Lead hazards are the housing team's; the blight team needs vacant-property money.",
            challenge=challenge,
        )
        made.append("Mobile: one match dismissed (lead hazards: not relevant)")
    brownfields = Opportunity.objects.get(external_id=BROWNFIELDS)
    owner = (
        mobile.memberships.filter(user__email="mobile.analyst@demo.civiclab.org").first()
        or mobile.memberships.first()
    )
    application = pipeline.create_application(
        None,
        mobile,
        opportunity=brownfields,
        visibility="network",
        challenge=challenge,
        solution=solution,
        owner=owner.user if owner is not None else None,
        amount_requested=AWARD,
        match_amount=Decimal("100000"),
        match_source="City general fund (FY27 blight budget)",
        notes="Assessment of the 40 worst properties the inventory found, and cleanup plans.",
    )
    for key in ("registration", "match", "letters", "narrative", "budget"):
        pipeline.set_checklist(None, application, key, True)
    pipeline.change_status(None, application, "drafting", on=today - dt.timedelta(days=60))
    pipeline.change_status(None, application, "submitted", on=today - dt.timedelta(days=45))
    pipeline.change_status(
        None,
        application,
        "awarded",
        on=today - dt.timedelta(days=5),
        amount_awarded=AWARD,
        note="EPA's letter of award: the full amount requested.",
    )
    pipeline.create_application(
        None,
        mobile,
        opportunity=Opportunity.objects.get(external_id="900113"),
        challenge=challenge,
        amount_requested=Decimal("900000"),
    )
    made.append("Mobile: brownfields application awarded $500,000; a crime-reduction prospect")
    if owner is not None and challenge is not None:
        alerts.save_search(owner.user, mobile, "Vacant property money", "vacant blighted")
        alerts.follow_challenge(owner.user, challenge)
        made.append("Mobile: a saved search and a followed challenge")
    return made


def _detroit(detroit: City, today: dt.date) -> list[str]:
    from civiclab.funding.services import pipeline

    violence = Opportunity.objects.get(external_id=VIOLENCE)
    solution = Solution.objects.filter(city=detroit, title=DETROIT_SOLUTION).first()
    application = pipeline.create_application(
        None,
        detroit,
        opportunity=violence,
        visibility="network",
        solution=solution,
        challenge=solution.challenge if solution is not None else None,
        amount_requested=Decimal("2000000"),
    )
    pipeline.change_status(None, application, "submitted", on=today - dt.timedelta(days=3))
    return ["Detroit: applied to the violence intervention initiative (shared with the network)"]


def demo_award() -> Application | None:
    """Mobile's awarded application (the demo test and the docs read it)."""
    return Application.objects.filter(
        city__slug="mobile", opportunity__external_id=BROWNFIELDS, status="awarded"
    ).first()
