from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """Evaluations of solutions: pre-registered plans, power, randomisation, estimates."""

    name = "civiclab.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        from civiclab.core.errors import add_translator
        from civiclab.core.page_links import PageLink, PagePanel, contribute, contribute_panel

        # A refusal of the statistics is an English template: the API answers it translated.
        add_translator(_refusal_translation)

        # A solution's page and a city's page offer their evaluations without knowing this app
        # (core.page_links).
        contribute(
            "solution",
            PageLink(
                key="evaluations",
                label=_("Evaluations"),
                url_name="evaluation:solution",
                args=lambda solution: (solution.pk,),
                order=40,
            ),
        )
        contribute(
            "city",
            PageLink(
                key="evaluations",
                label=_("Evaluations"),
                url_name="evaluation:city",
                args=lambda city: (city.slug,),
                order=60,
            ),
        )
        # What was learned is shown where people look for it: on the solution's page and on
        # the indicator its evaluations measured (its targets show the indicator).
        contribute_panel(
            "solution",
            PagePanel(
                key="evaluation_results",
                template="evaluation/partials/results_panel.html",
                context=_solution_panel,
            ),
        )
        contribute_panel(
            "indicator",
            PagePanel(
                key="evaluation_results",
                template="evaluation/partials/results_panel.html",
                context=_indicator_panel,
            ),
        )


# What ready() registers imports the app's modules when first called, not at start-up: every
# command starts django.setup(), and it must stay light (benchmarks/cli_startup.py).
def _refusal_translation(exc: Any) -> str | None:
    from civiclab.evaluation.views.common import refusal_translation

    return refusal_translation(exc)


def _solution_panel(solution: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.evaluation.queries import solution_results

    return _results(solution_results(user, solution), f"solution-{solution.pk}")


def _indicator_panel(indicator: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.evaluation.queries import indicator_results

    return _results(indicator_results(user, indicator), f"indicator-{indicator.pk}")


def _results(results: list[Any], panel_id: str) -> dict[str, Any] | None:
    """The panel's context, or None (no panel) when there is no finished result to show."""
    return {"results": results, "panel_id": panel_id} if results else None
