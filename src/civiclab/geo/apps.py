from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "civiclab.geo"
    label = "geo"

    def ready(self) -> None:
        from civiclab.core.page_links import PageLink, contribute

        # The dataset and indicator pages offer maps without knowing geo (core.page_links).
        contribute(
            "dataset",
            PageLink(
                key="map",
                label=_("Map"),
                url_name="geo:map",
                args=lambda dataset: (dataset.city.slug, dataset.slug),
                shown=_mappable,
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
                shown=_has_area_map,
            ),
        )


# Imported when a page first asks, not at start-up (every command runs django.setup()).
def _mappable(dataset: Any, user: Any) -> bool:
    from civiclab.geo.queries import has_locations

    return dataset.current_version_id is not None and has_locations(dataset)


def _has_area_map(indicator: Any, user: Any) -> bool:
    from civiclab.geo.choropleths import matching_boundary

    return matching_boundary(indicator, user) is not None
