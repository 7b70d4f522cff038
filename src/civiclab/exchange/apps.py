from importlib import import_module

from django.apps import AppConfig

# One module per area under ``contributions/``: the links and panels each area puts on lower
# apps' pages (core.page_links), declared at start-up.
AREAS = (
    "cases",
    "library",
    "similar",
    "forks",
    "metrics",
    "discussions",
    "convenings",
    "directory",
)


class ExchangeConfig(AppConfig):
    """The peer exchange: what cities learn from each other."""

    name = "civiclab.exchange"
    label = "exchange"

    def ready(self) -> None:
        for area in AREAS:
            import_module(f"civiclab.exchange.contributions.{area}").register()
