from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "civiclab.indicators"
    label = "indicators"

    def ready(self) -> None:
        from civiclab.datasets.signals import version_published
        from civiclab.indicators.receivers import recompute_on_new_version

        version_published.connect(recompute_on_new_version, dispatch_uid="indicators.recompute")
