from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "civiclab.geo"
    label = "geo"

    def ready(self) -> None:
        from civiclab.core.page_links import PageLink, contribute
        from civiclab.geo.choropleths import matching_boundary
        from civiclab.geo.queries import has_locations

        # The dataset and indicator pages offer maps without knowing geo (core.page_links).
        contribute(
            "dataset",
            PageLink(
                key="map",
                label=_("Map"),
                url_name="geo:map",
                args=lambda dataset: (dataset.city.slug, dataset.slug),
                shown=lambda dataset, user: (
                    dataset.current_version_id is not None and has_locations(dataset)
                ),
                order=50,
            ),
        )
        contribute(
            "indicator",
            PageLink(
                key="choropleth",
                label=_("Map by area"),
                url_name="geo:choropleth",
                args=lambda indicator: (indicator.city.slug, indicator.slug),
                shown=lambda indicator, user: matching_boundary(indicator, user) is not None,
            ),
        )
