from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "civiclab.indicators"
    label = "indicators"

    def ready(self) -> None:
        from civiclab.core.page_links import PageLink, contribute
        from civiclab.datasets.signals import version_published
        from civiclab.indicators.receivers import recompute_on_new_version

        version_published.connect(recompute_on_new_version, dispatch_uid="indicators.recompute")
        # The pages below link to indicators without knowing the app (core.page_links).
        contribute(
            "dataset",
            PageLink(
                key="indicators",
                label=_("Indicators from this dataset"),
                url_name="indicators:list",
                args=lambda dataset: (dataset.city.slug,),
                query=lambda dataset: {"dataset": dataset.slug},
                order=60,
            ),
        )
        contribute(
            "city",
            PageLink(
                key="indicators",
                label=_("Indicators"),
                url_name="indicators:list",
                args=lambda city: (city.slug,),
                order=10,
            ),
        )
