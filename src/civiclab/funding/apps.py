from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    """The funding navigator: catalogue, eligibility, matches, alerts, the pipeline."""

    name = "civiclab.funding"
    label = "funding"

    def ready(self) -> None:
        # Page links and panels on lower apps' pages are contributed here (core.page_links);
        # what they call is imported when first used, not at start-up.
        from civiclab.core.page_links import PageLink, PagePanel, contribute, contribute_panel

        # pipeline: funding leveraged where people look for it, and the city's pipeline.
        for page in ("solution", "challenge", "city"):
            contribute_panel(
                page,
                PagePanel(
                    key="funding_leveraged",
                    template="funding/partials/leveraged_panel.html",
                    context=_LEVERAGED_PANELS[page],
                    order=60,
                ),
            )
        contribute(
            "city",
            PageLink(
                key="funding_pipeline",
                label=_("Funding pipeline"),
                url_name="funding:pipeline",
                args=lambda city: (city.slug,),
                shown=_may_see_pipeline,
                order=70,
            ),
        )

        # A challenge's and a solution's pages offer the opportunities matched to them (the
        # matches page shows only what its reader may see).
        contribute(
            "challenge",
            PageLink(
                key="funding_matches",
                label=_("Funding matches"),
                url_name="funding:challenge_matches",
                args=lambda challenge: (challenge.pk,),
                order=45,
            ),
        )
        contribute(
            "solution",
            PageLink(
                key="funding_matches",
                label=_("Funding matches"),
                url_name="funding:solution_matches",
                args=lambda solution: (solution.pk,),
                order=45,
            ),
        )
        _register_alert_links()


def _register_alert_links() -> None:
    """A challenge's page offers "Follow its funding matches" to whoever can see it (the page
    is only shown to them): new and changed opportunities matching it come in their digest."""
    from civiclab.core.page_links import PageLink, contribute

    contribute(
        "challenge",
        PageLink(
            key="funding_follow",
            label=_("Follow its funding matches"),
            url_name="funding:follow_challenge",
            args=lambda challenge: (challenge.pk,),
            shown=lambda challenge, user: bool(user and user.is_authenticated),
            order=70,
        ),
    )


def _solution_panel(solution: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.funding.views.leveraged import panel_context

    return panel_context("solution", solution, user)


def _challenge_panel(challenge: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.funding.views.leveraged import panel_context

    return panel_context("challenge", challenge, user)


def _city_panel(city: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.funding.views.leveraged import panel_context

    return panel_context("city", city, user)


def _may_see_pipeline(city: Any, user: Any) -> bool:
    from civiclab.funding.queries.profile import may_see_profile

    return may_see_profile(user, city)


_LEVERAGED_PANELS = {
    "solution": _solution_panel,
    "challenge": _challenge_panel,
    "city": _city_panel,
}
