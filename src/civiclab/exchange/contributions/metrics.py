"""metrics: "Publish to the network registry" and the shared-metric panel on an indicator's
page; the evaluation's donor source (synthetic control donors from the registry)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from civiclab.core.page_links import PageLink, PagePanel, contribute, contribute_panel
    from civiclab.evaluation.services.data import register_donor_source

    contribute(
        "indicator",
        PageLink(
            key="publish_metric",
            label=_("Publish to the network registry"),
            url_name="exchange:metric_publish",
            args=lambda indicator: (indicator.pk,),
            shown=_may_publish,
            order=80,
        ),
    )
    contribute_panel(
        "indicator",
        PagePanel(
            key="shared_metric",
            template="exchange/metrics/panel.html",
            context=_panel,
            order=70,
        ),
    )
    register_donor_source("exchange.metrics", _same_metric)


def _same_metric(indicator: Any) -> set[int]:
    from civiclab.exchange.queries.metrics import same_metric_indicator_ids

    return same_metric_indicator_ids(indicator)


def _may_publish(indicator: Any, user: Any) -> bool:
    from civiclab.core.permissions import DEFAULT_POLICY, Action
    from civiclab.core.scoping import user_can
    from civiclab.exchange.models.metrics import MetricAdoption

    if not getattr(user, "is_authenticated", False):
        return False
    if not user_can(user, Action.PUBLISH, indicator, DEFAULT_POLICY):
        return False
    return not MetricAdoption.objects.filter(indicator=indicator).exists()


def _panel(indicator: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.exchange.queries.metrics import metric_of

    metric = metric_of(user, indicator)
    if metric is None:
        return None
    return {"metric": metric, "panel_id": indicator.pk}
