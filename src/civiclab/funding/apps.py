from django.apps import AppConfig


class FundingConfig(AppConfig):
    """The funding navigator: catalogue, eligibility, matches, alerts, the pipeline."""

    name = "civiclab.funding"
    label = "funding"

    def ready(self) -> None:
        # Page links and panels on lower apps' pages are contributed here (core.page_links);
        # what they call is imported when first used, not at start-up.
        _register_alert_links()


def _register_alert_links() -> None:
    """A challenge's page offers "Follow its funding matches" to whoever can see it (the page
    is only shown to them): new and changed opportunities matching it come in their digest."""
    from django.utils.translation import gettext_lazy as _

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
