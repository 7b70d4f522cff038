from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "civiclab.portfolio"
    label = "portfolio"

    def ready(self) -> None:
        # The audit log (network's page) links events to the objects the reader still sees.
        from civiclab.audit import links
        from civiclab.portfolio.models import Challenge, Idea, Solution
        from civiclab.portfolio.queries import audit_links

        links.register("portfolio.challenge", audit_links(Challenge, "portfolio:challenge"))
        links.register("portfolio.idea", audit_links(Idea, "portfolio:idea"))
        links.register("portfolio.solution", audit_links(Solution, "portfolio:solution"))
