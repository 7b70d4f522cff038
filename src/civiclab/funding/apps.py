from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    """The funding navigator: catalogue, eligibility, matches, alerts, the pipeline."""

    name = "civiclab.funding"
    label = "funding"

    def ready(self) -> None:
        # Page links and panels on lower apps' pages are contributed here (core.page_links);
        # what they call is imported when first used, not at start-up.
        from civiclab.core.page_links import PageLink, contribute

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
