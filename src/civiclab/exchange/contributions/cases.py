"""cases: the "case" kind of the exchange, a "Write a case study" link and a panel of the
solution's cases on the solution's page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _may_write(solution: Any, user: Any) -> bool:
    from civiclab.exchange.queries.cases import may_write_case_for

    return may_write_case_for(user, solution)


def _panel(solution: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.exchange.queries.cases import cases_of_solution

    cases = list(cases_of_solution(user, solution)[:20])
    if not cases:
        return None
    language = get_language() or "en"
    return {
        "cases": [(case, case.title_in(language)) for case in cases],
        "panel_id": f"solution-{solution.pk}",
    }


def register() -> None:
    """Declare the case kind, the solution page's link and panel."""
    from civiclab.core.page_links import PageLink, PagePanel, contribute, contribute_panel
    from civiclab.exchange import kinds
    from civiclab.exchange.queries.cases import visible_cases

    kinds.register(
        kinds.Kind(
            name="case",
            visible=visible_cases,
            city_id=lambda case: case.city_id,
            title=lambda case: case.title_in(get_language() or "en"),
            url=lambda case: reverse("exchange:case", args=(case.pk,)),
        )
    )
    contribute(
        "solution",
        PageLink(
            key="exchange_write_case",
            label=_("Write a case study"),
            url_name="exchange:case_new",
            args=lambda solution: (solution.pk,),
            shown=_may_write,
            order=80,
        ),
    )
    contribute_panel(
        "solution",
        PagePanel(
            key="exchange_cases",
            template="exchange/cases/panel.html",
            context=_panel,
            order=80,
        ),
    )
