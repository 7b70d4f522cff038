"""Shared metric definitions: publishing to the registry, adopting in another city, the
cross-city comparison (normalised, small cities hidden, private indicators absent), and the
synthetic control's donors drawn from the registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.models import AuditEvent
from civiclab.evaluation.services import data as evaluation_data
from civiclab.exchange.models.metrics import MetricAdoption
from civiclab.exchange.queries.metrics import MIN_RECORDS, comparison, visible_metrics
from civiclab.exchange.services import metrics as services
from tests.clients import as_user, body
from tests.evaluation.helpers import plan_of, solution_of
from tests.exchange.forks_helpers import COUNT, city_with_admin, data, indicator, monthly
from tests.world import World

pytestmark = pytest.mark.django_db


def _published(world: World, tmp_path: Path, denominator: str = "population"):  # type: ignore[no-untyped-def]
    world.city.population = 100_000
    world.city.save()
    reports = data(world.city, tmp_path, "Blight reports", monthly([30, 40]))
    source = indicator(reports, "Blight reports a month", COUNT)
    metric = services.publish(
        world.user("city_admin"),
        source,
        name="Blight reports",
        denominator=denominator,
        per=1000,
        denominator_label="km of streets" if denominator == "custom" else "",
    )
    return metric, source


def test_publish_copies_the_definition_and_is_audited(world: World, tmp_path: Path) -> None:
    metric, source = _published(world, tmp_path)
    assert metric.measure == {"type": "count"} and metric.aggregation == "month"
    assert metric.time_column == "reported" and metric.columns == {"reported": "date"}
    assert (metric.publisher_city, metric.network) == (world.city, world.network)
    assert MetricAdoption.objects.get(metric=metric).indicator == source
    assert AuditEvent.objects.filter(action="metric.publish", city=world.city).exists()
    # Members of the network see it; another network's people do not.
    assert visible_metrics(world.user("other_city_admin")).filter(pk=metric.pk).exists()
    assert not visible_metrics(world.user("other_network_admin")).exists()
    assert not visible_metrics(world.user("no_membership")).exists()


def test_publishing_needs_the_right_to_publish(world: World, tmp_path: Path) -> None:
    reports = data(world.city, tmp_path, "Blight reports", monthly([30]))
    source = indicator(reports, "Blight", COUNT)
    with pytest.raises(PermissionDenied):
        services.publish(world.user("member"), source)
    with pytest.raises(ValidationError, match="No such indicator"):
        services.publish(world.user("other_network_admin"), source)
    per_capita = indicator(
        reports,
        "Per capita",
        {
            "measure": {"type": "per_capita", "of": {"type": "count"}, "population": 5000},
            "time": {"column": "reported", "period": "month"},
        },
    )
    with pytest.raises(ValidationError, match="already per capita"):
        services.publish(world.user("city_admin"), per_capita)


def test_adopting_creates_the_citys_own_indicator(world: World, tmp_path: Path) -> None:
    metric, _source = _published(world, tmp_path)
    dumping = data(world.other_city, tmp_path, "Dumping", monthly([12, 20]))
    adoption = services.adopt(
        world.user("other_city_admin"), metric, dataset=dumping, visibility="network"
    )
    assert adoption.city == world.other_city
    assert adoption.indicator.dataset == dumping
    assert services.definition_of(adoption.indicator.spec) == services.metric_definition(metric)
    assert AuditEvent.objects.filter(action="indicator.create", city=world.other_city).exists()
    assert AuditEvent.objects.filter(action="metric.adopt", city=world.other_city).exists()
    with pytest.raises(ValidationError, match="already measures"):
        services.adopt(world.user("other_city_admin"), metric, dataset=dumping)
    wrong = data(world.other_city, tmp_path, "Other", "id,when\n1,2025-01-01\n")
    city_c, admin_c = city_with_admin(world, "city-c")
    wrong_c = data(city_c, tmp_path, "Other", "id,when\n1,2025-01-01\n")
    with pytest.raises(ValidationError, match="missing columns: reported"):
        services.adopt(admin_c, metric, dataset=wrong_c)
    assert wrong.pk
    with pytest.raises(ValidationError, match="No such shared metric"):
        services.adopt(world.user("other_network_admin"), metric, dataset=wrong_c)


def test_comparison_normalises_hides_small_counts_and_private_indicators(
    world: World, tmp_path: Path
) -> None:
    """GIVEN A (100,000 residents, 40 reports last month), B (50,000, 20), C (10,000, 5 — below
    the minimum), D (its indicator kept to its city) WHEN A's member compares THEN A and B are
    shown per 1,000 residents (0.4 each) with their own latest month, C is listed as hidden
    without its number, and D is neither listed nor counted."""
    metric, _source = _published(world, tmp_path)
    world.other_city.population = 50_000
    world.other_city.save()
    services.adopt(
        world.user("other_city_admin"),
        metric,
        visibility="network",
        dataset=data(world.other_city, tmp_path, "Dumping", monthly([12, 20, 20])),
    )
    city_c, admin_c = city_with_admin(world, "city-c", population=10_000)
    services.adopt(
        admin_c,
        metric,
        visibility="network",
        dataset=data(city_c, tmp_path, "Reports", monthly([12, MIN_RECORDS - 5])),
    )
    city_d, admin_d = city_with_admin(world, "city-d", population=1_000)
    services.adopt(
        admin_d,
        metric,
        visibility="city",
        dataset=data(city_d, tmp_path, "Secret", monthly([50, 60]), "city"),
    )

    member_a = world.user("member")
    compared = comparison(member_a, metric)
    rows = {r.city.slug: r for r in compared["rows"]}
    assert set(rows) == {"city-a", "city-b", "city-c"}
    assert (compared["shown"], compared["hidden"]) == (2, 1)
    assert rows["city-a"].normalised == pytest.approx(0.4)
    assert rows["city-b"].normalised == pytest.approx(0.4)
    assert rows["city-a"].period_start == "2025-02-01"
    assert rows["city-b"].period_start == "2025-03-01"
    assert rows["city-c"].status == "too_few" and rows["city-c"].value is None
    assert rows["city-c"].n is None and rows["city-c"].period_start is None
    # D's admin sees D's own row.
    assert "city-d" in {r.city.slug for r in comparison(admin_d, metric)["rows"]}

    client = as_user(member_a)
    page = body(client.get(f"/exchange/metrics/{metric.pk}/"))
    assert "City-C" in page and "Hidden: fewer than 10 records" in page
    assert "City-D" not in page and "2 cities you may see" not in page
    api = client.get(f"/api/v1/exchange/metrics/{metric.pk}/comparison").json()
    assert [r["city"] for r in api["rows"]] == ["city-a", "city-b", "city-c"]
    hidden = api["rows"][2]
    assert hidden["status"] == "too_few" and hidden["value"] is None and hidden["n"] is None
    assert (
        as_user(world.user("other_network_admin"))
        .get(f"/api/v1/exchange/metrics/{metric.pk}/comparison")
        .status_code
        == 404
    )


def test_a_custom_denominator(world: World, tmp_path: Path) -> None:
    metric, source = _published(world, tmp_path, denominator="custom")
    with pytest.raises(ValidationError, match="km of streets"):
        services.adopt(
            world.user("other_city_admin"),
            metric,
            dataset=data(world.other_city, tmp_path, "Dumping", monthly([20])),
        )
    MetricAdoption.objects.filter(indicator=source).update(denominator_value=200)
    row = comparison(world.user("member"), metric)["rows"][0]
    assert row.normalised == pytest.approx(40 / 200 * 1000)


def test_pages_publish_and_adopt(world: World, tmp_path: Path) -> None:
    reports = data(world.city, tmp_path, "Blight reports", monthly([30, 40]))
    source = indicator(reports, "Blight", COUNT)
    admin = as_user(world.user("city_admin"))
    page = body(admin.get(f"/cities/city-a/indicators/{source.slug}/"))
    assert f"/exchange/metrics/publish/{source.pk}/" in page
    response = admin.post(
        f"/exchange/metrics/publish/{source.pk}/",
        {
            "name": "Blight",
            "description": "",
            "denominator": "population",
            "per": 1000,
        },
    )
    assert response.status_code == 302, body(response)
    metric = visible_metrics(world.user("city_admin")).get()
    assert "Compare across cities" in body(admin.get(f"/cities/city-a/indicators/{source.slug}/"))
    dumping = data(world.other_city, tmp_path, "Dumping", monthly([12]))
    adopt = as_user(world.user("other_city_admin")).post(
        f"/exchange/metrics/{metric.pk}/adopt/",
        {"dataset": dumping.pk, "name": "Dumping a month", "visibility": "city"},
    )
    assert adopt.status_code == 302, body(adopt)
    assert MetricAdoption.objects.filter(city=world.other_city).exists()
    api = as_user(world.user("other_city_admin")).get("/api/v1/exchange/metrics").json()
    assert [m["slug"] for m in api["items"]] == ["blight"]


def test_synthetic_control_donors_come_from_the_registry(world: World, tmp_path: Path) -> None:
    """GIVEN A's indicator published as a shared metric, adopted by B under another name (its
    slug differs) and shared, and C with an indicator of A's slug that did not adopt it WHEN
    A plans a synthetic control on its indicator THEN B's is the donor (the registry is
    preferred over the slug); without adopters that may be read, the slug rule still applies."""
    metric, source = _published(world, tmp_path)
    b_indicator = services.adopt(
        world.user("other_city_admin"),
        metric,
        name="Dumping complaints",
        visibility="network",
        dataset=data(world.other_city, tmp_path, "Dumping", monthly([12, 20])),
    ).indicator
    city_c, _admin_c = city_with_admin(world, "city-c")
    same_slug = indicator(data(city_c, tmp_path, "Reports", monthly([12])), source.name, COUNT)
    assert same_slug.slug == source.slug != b_indicator.slug
    plan = plan_of(
        solution_of(world),
        design="synthetic_control",
        outcome_indicator=source,
        intervention_date=dt.date(2025, 2, 1),
    )
    assert evaluation_data.donor_indicators(plan, source) == [b_indicator]
    # B keeps its indicator to itself: the registry names no donor that may be read.
    type(b_indicator).objects.filter(pk=b_indicator.pk).update(visibility="city")
    assert evaluation_data.donor_indicators(plan, source) == [same_slug]


def test_the_demo_seeds_a_shared_metric_and_its_adopters(world: World, tmp_path: Path) -> None:
    from civiclab.exchange.demo_metrics import seed_demo_metrics

    source = indicator(data(world.city, tmp_path, "Notices", monthly([30])), "Notices", COUNT)
    peer = indicator(data(world.other_city, tmp_path, "Notices", monthly([20])), "Notices", COUNT)
    assert seed_demo_metrics("nowhere", source.slug) == []
    made = seed_demo_metrics(world.city.slug, source.slug)
    assert len(made) == 2
    assert MetricAdoption.objects.get(city=world.other_city).indicator == peer
    assert seed_demo_metrics(world.city.slug, source.slug) == []  # idempotent
