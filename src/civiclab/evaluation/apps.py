from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """Evaluations of solutions: pre-registered plans, power, randomisation, estimates."""

    name = "civiclab.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        from civiclab.core.errors import add_translator
        from civiclab.core.page_links import PageLink, contribute
        from civiclab.evaluation.views.common import refusal_translation

        # A refusal of the statistics is an English template: the API answers it translated.
        add_translator(refusal_translation)

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
