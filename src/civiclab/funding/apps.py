from django.apps import AppConfig


class FundingConfig(AppConfig):
    """The funding navigator: catalogue, eligibility, matches, alerts, the pipeline."""

    name = "civiclab.funding"
    label = "funding"

    def ready(self) -> None:
        # Page links and panels on lower apps' pages are contributed here (core.page_links);
        # what they call is imported when first used, not at start-up.
        pass
