"""The demo's shared metric: Mobile's "Vacant building notices" published to the network's
registry, and adopted by the peer cities whose indicator has the same definition (the stand-ins
the evaluation demo seeds), so the comparison page has cities to compare and the synthetic
control draws its donors from the registry. The fork itself is left for the demo's visitor to
make (Mulhouse adapting Mobile's blight squad)."""

from __future__ import annotations

from civiclab.exchange.models.metrics import MetricAdoption
from civiclab.exchange.services import metrics
from civiclab.indicators.models import Indicator

PUBLISHER = "mobile"
INDICATOR = "vacant-building-notices"


def seed_demo_metrics(publisher: str = PUBLISHER, slug: str = INDICATOR) -> list[str]:
    """Publish and adopt (idempotent); returns what was made."""
    source = (
        Indicator.objects.filter(city__slug=publisher, slug=slug)
        .select_related("city", "city__network", "dataset", "dataset__current_version")
        .first()
    )
    if source is None:
        return []
    made = []
    adoption = MetricAdoption.objects.filter(indicator=source).select_related("metric").first()
    if adoption is None:
        metric = metrics.publish(
            None, source, name=source.name, denominator="population", per=10_000,
            description="Vacant building notices served a month, per 10,000 residents: "
            "the same count in every city that adopts it.",
        )  # fmt: skip
        made.append(f"{publisher}: shared metric {metric.name}")
    else:
        metric = adoption.metric
    wanted = metrics.metric_definition(metric)
    peers = Indicator.objects.filter(slug=slug, city__network_id=metric.network_id).exclude(
        city_id=source.city_id
    )
    for peer in peers.select_related("city"):
        if MetricAdoption.objects.filter(metric=metric, city=peer.city).exists():
            continue
        if metrics.definition_of(peer.spec) != wanted:
            continue
        metrics.adopt(None, metric, indicator=peer)
        made.append(f"{peer.city.slug}: adopted {metric.name}")
    return made
