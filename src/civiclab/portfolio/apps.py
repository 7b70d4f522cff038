from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "civiclab.portfolio"
    label = "portfolio"
