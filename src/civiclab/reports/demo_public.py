"""public: this area's part of the demo story — a resident reads Mobile's results page without
logging in, Mulhouse's in French, and downloads a results brief.

Through the same services as the pages, making public only what the story needs:

- Mobile: its "Blight inventory and squad" solution, its indicator and its evaluation are
  already public in the other apps' demos; its brownfields award (network) is made public so
  the page shows funding leveraged, and its first progress update is marked public.
- Mulhouse (French, a network city): the city is made public, its challenge on residents'
  participation made public, with a public solution ("Urnes mobiles au marché") carrying a
  goal, a budget and a public update.

Idempotent: each step is skipped when done.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civiclab.core.permissions import Visibility
from civiclab.network.models import City
from civiclab.portfolio.models import Challenge, Solution, Update

MOBILE_SOLUTION = "Blight inventory and squad"
MULHOUSE_CHALLENGE = "Faire participer les habitants aux décisions de quartier"
MULHOUSE_SOLUTION = "Urnes mobiles au marché"
MULHOUSE_GOAL = (
    "Faire passer la participation au budget participatif de 3 % à 8 % des habitants des "
    "quartiers prioritaires d'ici fin 2027."
)
MULHOUSE_UPDATE = (
    "Premier samedi au marché de Bourtzwiller : 212 votes recueillis en une matinée, autant "
    "qu'en un mois en ligne."
)


def seed() -> list[str]:
    made: list[str] = []
    _mobile(made)
    _mulhouse(made)
    return made


def _mobile(made: list[str]) -> None:
    from civiclab.funding.models import Application
    from civiclab.funding.services.pipeline import update_application
    from civiclab.reports.models import PublicUpdate
    from civiclab.reports.services.public import publish_update

    solution = Solution.objects.filter(city__slug="mobile", title=MOBILE_SOLUTION).first()
    if solution is None or solution.visibility != Visibility.PUBLIC:
        return
    award = Application.objects.filter(
        solution=solution, status="awarded", visibility=Visibility.NETWORK
    ).first()
    if award is not None:
        update_application(None, award, {"visibility": Visibility.PUBLIC})
        made.append("Mobile: its brownfields award made public (funding leveraged)")
    first = Update.objects.filter(solution=solution).order_by("at", "pk").first()
    if first is not None and not PublicUpdate.objects.filter(update=first).exists():
        publish_update(None, first)
        made.append("Mobile: a progress update marked public; results at /results/mobile/")


def _mulhouse(made: list[str]) -> None:
    from civiclab.network import services as network
    from civiclab.portfolio import services as portfolio
    from civiclab.reports.services.public import publish_update

    city = City.objects.filter(slug="mulhouse").first()
    challenge = Challenge.objects.filter(city=city, title=MULHOUSE_CHALLENGE).first()
    if city is None or challenge is None:
        return
    if Solution.objects.filter(city=city, title=MULHOUSE_SOLUTION).exists():
        return
    if city.visibility != Visibility.PUBLIC:
        network.update_city(None, city, visibility=Visibility.PUBLIC)
    if challenge.visibility != Visibility.PUBLIC:
        portfolio.update_challenge(None, challenge, {"visibility": Visibility.PUBLIC})
    idea = challenge.ideas.filter(title=MULHOUSE_SOLUTION).first()
    today = timezone.localdate()
    solution = portfolio.create_solution(
        None, challenge, MULHOUSE_SOLUTION, idea=idea, goal_statement=MULHOUSE_GOAL,
        visibility=Visibility.PUBLIC, stage="deliver", status="on_track",
        budget_planned=24_000, budget_spent=9_500, currency="EUR",
        partners="Centres sociaux ; marché de Bourtzwiller",
        start_date=today - dt.timedelta(days=90),
    )  # fmt: skip
    update = portfolio.post_update(None, solution, MULHOUSE_UPDATE, "on_track")
    publish_update(None, update)
    made.append(f"Mulhouse: public results in French at /results/mulhouse/ ({solution.title})")
