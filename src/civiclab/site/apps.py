from typing import Any

from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The composition root: URLs, the API's routers, the home page, the demo."""

    name = "civiclab.site"
    label = "site"
    verbose_name = "civiclab site"

    def ready(self) -> None:
        from civiclab.core.page_links import PagePanel, contribute_panel

        # A new city's first-run checklist on its page, for its admins (site.onboarding).
        contribute_panel(
            "city",
            PagePanel(
                key="onboarding",
                template="site/partials/onboarding.html",
                context=_onboarding_panel,
                order=10,
            ),
        )


# Imported when first called, not at start-up (django.setup() stays light).
def _onboarding_panel(city: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.site.onboarding import panel_context

    return panel_context(city, user)
