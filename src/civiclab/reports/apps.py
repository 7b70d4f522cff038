from importlib import import_module

from django.apps import AppConfig

# One module per area under ``contributions/``: the links and panels each area puts on lower
# apps' pages (core.page_links), declared at start-up.
AREAS = ("dashboard", "packs", "nudges", "public", "keyfacts", "capacity")


class ReportsConfig(AppConfig):
    """Delivery and impact: the dashboard, review packs, nudges, public results, key facts,
    the capacity self-assessment."""

    name = "civiclab.reports"
    label = "reports"

    def ready(self) -> None:
        for area in AREAS:
            import_module(f"civiclab.reports.contributions.{area}").register()
