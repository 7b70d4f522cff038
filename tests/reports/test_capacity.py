"""The capacity self-assessment: who may fill it in, what it validates, the comparison that
never shows another city's scores, the pages, the API, French and the demo."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.models import AuditEvent
from civiclab.reports.models.capacity import CapacityAssessment
from civiclab.reports.queries import capacity as queries
from civiclab.reports.rules.capacity import ELEMENTS
from civiclab.reports.services.capacity import ElementAnswer, city_year, save_assessment
from tests.clients import as_user, body
from tests.factories import CityFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def answers(*scores: int, links: list[str] | None = None) -> dict[str, ElementAnswer]:
    scores = scores if len(scores) == 7 else scores * 7
    return {
        e: ElementAnswer(score=s, notes="Because.", links=list(links or []))
        for e, s in zip(ELEMENTS, scores[:7], strict=True)
    }


def form_data(score: int = 3, links: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {}
    for element in ELEMENTS:
        data[f"{element}_score"] = str(score)
        data[f"{element}_notes"] = "Our evidence"
        data[f"{element}_links"] = links
    return data


def other_cities(world: World, count: int, score: int = 2) -> list[Any]:
    """``count`` more cities of A's network with this year's assessment submitted."""
    made = []
    for i in range(count):
        city = CityFactory(network=world.network, slug=f"peer-{i}", name=f"Peer {i}")
        save_assessment(None, city, city_year(city), answers(score + i % 3))
        made.append(city)
    return made


def test_a_member_fills_in_and_changes_the_current_year(world: World) -> None:
    year = city_year(world.city)
    made = save_assessment(world.user("member"), world.city, year, answers(3))
    assert made.submitted_at is not None and made.visibility == "city"
    assert queries.scores_of(made) == dict.fromkeys(ELEMENTS, 3)
    save_assessment(world.user("city_admin"), world.city, year, answers(4))
    assert queries.scores_of(CapacityAssessment.objects.get()) == dict.fromkeys(ELEMENTS, 4)
    actions = list(
        AuditEvent.objects.filter(object_type="reports.capacityassessment").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["capacity.submitted", "capacity.updated"]


@pytest.mark.parametrize(
    "actor", ["anonymous", "no_membership", "viewer", "other_city_admin", "other_network_admin"]
)
def test_others_may_not_fill_it_in(world: World, actor: str) -> None:
    user = world.user(actor) or AnonymousUser()  # None would be the command line
    with pytest.raises(PermissionDenied):
        save_assessment(user, world.city, city_year(world.city), answers(3))


def test_past_years_are_closed_to_people(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        save_assessment(world.user("member"), world.city, city_year(world.city) - 1, answers(3))
    assert "year" in refused.value.message_dict
    save_assessment(None, world.city, city_year(world.city) - 1, answers(3))  # the command line


def test_bad_answers_are_refused_clearly(world: World) -> None:
    year = city_year(world.city)
    member = world.user("member")
    missing = answers(3)
    del missing["data_driven"]
    for wrong, key in (
        (missing, "data_driven"),
        (answers(6), ELEMENTS[0]),
        (answers(3, links=["https://evil.example.org/"]), ELEMENTS[0]),
        (answers(3, links=["/no/such/page/"]), ELEMENTS[0]),
        (answers(3, links=["/challenges/1/"] * 6), ELEMENTS[0]),
    ):
        with pytest.raises(ValidationError) as refused:
            save_assessment(member, world.city, year, wrong)
        assert key in refused.value.message_dict
    assert not CapacityAssessment.objects.exists()
    save_assessment(
        member,
        world.city,
        year,
        answers(3, links=["/challenges/1/", "/delivery/key-facts/?city=city-a"]),
    )


def test_the_comparison_is_withheld_below_five_cities(world: World) -> None:
    year = city_year(world.city)
    mine = save_assessment(world.user("member"), world.city, year, answers(4))
    other_cities(world, 3)
    found = queries.comparison(mine)
    assert found.withheld and found.cities == 4 and found.percentile is None
    other_cities_more = CityFactory(network=world.network, slug="peer-x", name="Peer X")
    save_assessment(None, other_cities_more, year, answers(1))
    found = queries.comparison(mine)
    assert not found.withheld and found.cities == 5
    assert found.percentile is not None and found.overall_percentile == 80  # 4 among 4, 2, 3, 4, 1


def test_other_networks_and_years_are_not_compared(world: World) -> None:
    year = city_year(world.city)
    mine = save_assessment(world.user("member"), world.city, year, answers(4))
    other_cities(world, 2)
    save_assessment(None, world.foreign_city, year, answers(5))
    save_assessment(None, world.other_city, year - 1, answers(5))
    assert queries.comparison(mine).cities == 3


def test_another_citys_scores_are_never_shown(world: World) -> None:
    """GIVEN city B's assessment WHEN A's people read THEN they never see it: the page is a
    404, the API a 404, and A's page shows only aggregates."""
    year = city_year(world.city)
    save_assessment(None, world.other_city, year, answers(5))
    save_assessment(world.user("member"), world.city, year, answers(2))
    for actor in ("member", "viewer", "city_admin"):
        client = as_user(world.user(actor))
        assert client.get("/delivery/capacity/city-b/").status_code == 404
        assert client.get(f"/api/v1/reports/capacity/cities/city-b/{year}").status_code == 404
        assert client.get("/api/v1/reports/capacity/cities/city-b").status_code == 404
    assert (
        queries.visible_assessments(world.user("member")).filter(city=world.other_city).count() == 0
    )
    assert queries.visible_assessments(world.user("network_admin")).count() == 2
    assert as_user(None).get("/delivery/capacity/city-a/").status_code == 302  # sign in first
    page = body(as_user(world.user("member")).get("/delivery/capacity/city-a/"))
    assert "City B" not in page
    assert "Not enough cities yet" in page


def test_the_page_fills_in_and_shows_the_results(world: World) -> None:
    client = as_user(world.user("member"))
    page = body(client.get("/delivery/capacity/"))  # one city: straight to it
    assert client.get("/delivery/capacity/").status_code == 302
    page = body(client.get("/delivery/capacity/city-a/"))
    assert "Fill in your" in page and "Not yet" in page
    other_cities(world, 4)
    done = client.post("/delivery/capacity/city-a/", form_data(5, "/challenges/1/"))
    assert done.status_code == 302
    page = body(client.get("/delivery/capacity/city-a/"))
    assert "<svg" in page and 'polygon class="median"' in page
    assert "percentile" in page and "Change your" in page
    refused = client.post("/delivery/capacity/city-a/", form_data(3, "https://evil.example.org/"))
    assert refused.status_code == 400
    assert "is not a civiclab address" in body(refused)
    htmx = client.post("/delivery/capacity/city-a/", form_data(4), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == "/delivery/capacity/city-a/"
    fragment = client.post("/delivery/capacity/city-a/", form_data(9), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200  # htmx swaps it in
    text = body(fragment)
    assert text.startswith("<section") and 'id="capacity-form"' in text and "errorlist" in text


def test_a_viewer_reads_but_may_not_fill_in(world: World) -> None:
    save_assessment(None, world.city, city_year(world.city), answers(3))
    client = as_user(world.user("viewer"))
    page = body(client.get("/delivery/capacity/city-a/"))
    assert "Where you stand" in page and '<form method="post"' not in page
    assert client.post("/delivery/capacity/city-a/", form_data(1)).status_code == 403
    assert queries.scores_of(CapacityAssessment.objects.get()) == dict.fromkeys(ELEMENTS, 3)


def test_the_network_admin_sees_who_submitted(world: World) -> None:
    save_assessment(None, world.city, city_year(world.city), answers(3))
    page = body(as_user(world.user("network_admin")).get("/delivery/capacity/"))
    assert "City A" in page and "City B" in page and "Not yet" in page
    api = (
        as_user(world.user("network_admin"))
        .get(f"/api/v1/reports/capacity/submissions/{city_year(world.city)}")
        .json()
    )
    assert {s["city"]: bool(s["submitted_at"]) for s in api} == {"city-a": True, "city-b": False}
    assert (
        as_user(world.user("member"))
        .get(f"/api/v1/reports/capacity/submissions/{city_year(world.city)}")
        .json()
        == []
    )


def test_the_api(world: World) -> None:
    year = city_year(world.city)
    client = as_user(world.user("member"))
    elements = as_user(None).get("/api/v1/reports/capacity/elements").json()
    assert [e["code"] for e in elements] == list(ELEMENTS)
    assert len(elements[0]["levels"]) == 5
    payload = {
        "scores": [{"element": e, "score": 3, "links": ["/challenges/1/"]} for e in ELEMENTS]
    }
    saved = client.put(
        f"/api/v1/reports/capacity/cities/city-a/{year}", payload, content_type="application/json"
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["comparison"]["withheld"] is True
    got = client.get(f"/api/v1/reports/capacity/cities/city-a/{year}").json()
    assert got["scores"][0]["links"] == ["/challenges/1/"]
    history = client.get("/api/v1/reports/capacity/cities/city-a").json()
    assert [h["year"] for h in history] == [year]
    bad = dict(payload, scores=payload["scores"][:6])
    assert (
        client.put(
            f"/api/v1/reports/capacity/cities/city-a/{year}", bad, content_type="application/json"
        ).status_code
        == 422
    )
    viewer = as_user(world.user("viewer"))
    assert (
        viewer.put(
            f"/api/v1/reports/capacity/cities/city-a/{year}",
            payload,
            content_type="application/json",
        ).status_code
        == 403
    )
    assert client.get("/api/v1/reports/capacity/cities/city-a/1999").status_code == 422


def test_the_page_in_french(world: World) -> None:
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = body(client.get("/delivery/capacity/city-a/"))
    assert "Autoévaluation des capacités" in page
    assert "Piloté par les données" in page
    refused = body(client.post("/delivery/capacity/city-a/", form_data(3, "/nulle/part/")))
    assert "n’est pas une page de civiclab" in refused


def test_the_demo_leaves_paris_this_year_to_fill_in(world: World) -> None:
    from civiclab.network.demo import seed_demo
    from civiclab.reports import demo_capacity

    seed_demo()
    made = demo_capacity.seed()
    assert len(made) == 10
    assert demo_capacity.seed() == []  # idempotent
    from civiclab.accounts.models import User
    from civiclab.network.models import City

    paris = City.objects.get(slug="paris")
    year = city_year(paris)
    assert list(CapacityAssessment.objects.filter(city=paris).values_list("year", flat=True)) == [
        year - 1
    ]
    analyste = User.objects.get(email="paris.analyste@demo.civiclab.org")
    client = as_user(analyste)
    page = body(client.get("/delivery/capacity/paris/"))
    assert "Votre position en" in page and "au centile" in page  # last year: five cities
    assert "Remplir votre évaluation" in page  # Paris reads French
    assert client.post("/delivery/capacity/paris/", form_data(4)).status_code == 302
    mine = queries.visible_assessments(analyste).get(city=paris, year=year)
    compared = queries.comparison(mine)
    assert not compared.withheld and compared.cities == 6
    assert [h.year for h in queries.history(analyste, paris)] == [year - 1, year]
    after = body(client.get("/delivery/capacity/paris/"))
    assert 'class="case-chart"' in after  # the overall score over two years
    assert "Note globale de capacité de Paris par année" in after


def test_the_city_page_links_to_the_assessment_for_its_people_only(world: World) -> None:
    link = "/delivery/capacity/city-a/"
    assert link in body(as_user(world.user("viewer")).get("/cities/city-a/"))
    assert link in body(as_user(world.user("network_admin")).get("/cities/city-a/"))
    assert link not in body(as_user(world.user("other_city_admin")).get("/cities/city-a/"))
