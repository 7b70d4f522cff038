from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "civiclab.indicators"
    label = "indicators"
