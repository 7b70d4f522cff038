"""The owners nudges tell: a milestone's (new field, portfolio migration), a dataset's and an
indicator's — set through the forms and the API, and always a member of the object's city."""

from __future__ import annotations

from pathlib import Path

import pytest

from civiclab.portfolio.models import Milestone
from tests.clients import as_user, body
from tests.datasets.web_helpers import make_dataset, page_of
from tests.portfolio import factories as pf
from tests.world import World

pytestmark = pytest.mark.django_db
API = "/api/v1"
NOT_A_MEMBER = "The owner must be a member of the city."


def post_json(client: object, method: str, url: str, data: dict) -> object:
    return getattr(client, method)(url, data, content_type="application/json")


def test_milestone_owner_through_the_api(world: World) -> None:
    member, owner = world.user("member"), world.user("team_member")
    solution = pf.solution(pf.challenge(world.city))
    client = as_user(member)
    made = post_json(
        client, "post", f"{API}/milestones",
        {"solution": solution.pk, "title": "Hire", "due_on": "2027-01-01", "owner": owner.pk},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    answer = made.json()
    assert answer["owner"]["name"] and answer["owner"]["email"] == owner.email
    assert Milestone.objects.get(pk=answer["id"]).owner == owner
    # another city's person, or an unknown id: refused with the same words
    for stranger in (world.user("other_city_admin").pk, 10**12):
        refused = post_json(
            client, "patch", f"{API}/milestones/{answer['id']}", {"owner": stranger}
        )
        assert refused.status_code == 422 and NOT_A_MEMBER in refused.content.decode()
    cleared = post_json(client, "patch", f"{API}/milestones/{answer['id']}", {"owner": None})
    assert cleared.status_code == 200 and cleared.json()["owner"] is None
    # the owner's email is for colleagues only: an anonymous reader of a public one sees a name
    solution.visibility = "public"
    solution.challenge.visibility = "public"
    solution.challenge.save()
    solution.save()
    Milestone.objects.filter(pk=answer["id"]).update(owner=owner)
    from django.test import Client

    public = Client().get(f"{API}/milestones/{answer['id']}").json()
    assert public["owner"]["email"] is None


def test_milestone_owner_through_the_form(world: World) -> None:
    member, owner = world.user("member"), world.user("team_member")
    solution = pf.solution(pf.challenge(world.city))
    client = as_user(member)
    page = body(client.get(f"/solutions/{solution.pk}/"))
    assert 'name="milestone-owner"' in page
    data = {
        "milestone-title": "Hire",
        "milestone-due_on": "2027-01-01",
        "milestone-owner": str(owner.pk),
    }
    assert client.post(f"/solutions/{solution.pk}/milestones/", data).status_code == 302
    made = Milestone.objects.get(solution=solution)
    assert made.owner == owner
    # the milestones table names the owner
    assert owner.full_name in body(client.get(f"/solutions/{solution.pk}/"))
    # the form offers the city's people only: another city's admin is not a valid choice
    data["milestone-owner"] = str(world.user("other_city_admin").pk)
    refused = client.post(f"/solutions/{solution.pk}/milestones/", data)
    assert refused.status_code == 200 and Milestone.objects.count() == 1


def test_dataset_owner_through_the_form_and_the_api(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)
    member, owner = world.user("member"), world.user("team_member")
    client = as_user(member)
    form = {
        "name": dataset.name, "description": "", "source": "", "update_frequency": "weekly",
        "owner": str(owner.pk), "licence": "", "visibility": "city",
    }  # fmt: skip
    assert client.post(f"{page_of(dataset)}edit/", form).status_code == 302
    dataset.refresh_from_db()
    assert (dataset.owner, dataset.update_frequency) == (owner, "weekly")
    form["owner"] = str(world.user("other_city_admin").pk)
    assert client.post(f"{page_of(dataset)}edit/", form).status_code == 200
    api = f"/api/v1/cities/city-a/datasets/{dataset.slug}"
    refused = post_json(client, "patch", api, {"owner": world.user("other_city_admin").pk})
    assert refused.status_code == 422 and NOT_A_MEMBER in refused.content.decode()
    changed = post_json(client, "patch", api, {"owner": member.pk, "update_frequency": "daily"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["owner"]["email"] == member.email
    assert changed.json()["update_frequency"] == "daily"


def test_indicator_owner_through_the_api(world: World, tmp_path: Path) -> None:
    from civiclab.indicators.services import create_indicator

    dataset = make_dataset(world, tmp_path)
    member, owner = world.user("member"), world.user("team_member")
    spec = {"measure": {"type": "count"}, "time": {"column": "opened", "period": "month"}}
    made = create_indicator(member, dataset, "Potholes reported", spec)
    assert made.owner == member  # its creator, by default
    client = as_user(member)
    api = f"/api/v1/cities/city-a/indicators/{made.slug}"
    refused = post_json(client, "patch", api, {"owner": world.user("other_city_admin").pk})
    assert refused.status_code == 422 and NOT_A_MEMBER in refused.content.decode()
    changed = post_json(client, "patch", api, {"owner": owner.pk})
    assert changed.status_code == 200, changed.content
    made.refresh_from_db()
    assert made.owner == owner
    # the builder offers the owner field on the edit page
    assert 'name="owner"' in body(client.get(f"/cities/city-a/indicators/{made.slug}/edit/"))


def test_a_datasets_owner_shows_by_name_never_by_email(world: World, tmp_path: Path) -> None:
    from django.test import Client

    owner = world.user("member")
    owner.full_name = ""
    owner.save()
    dataset = make_dataset(world, tmp_path, visibility="public")
    dataset.owner = owner
    dataset.save()
    page = body(Client().get(page_of(dataset)))
    assert owner.email.partition("@")[0] in page and owner.email not in page
    page = body(as_user(world.user("viewer")).get("/cities/city-a/data/"))
    assert owner.email.partition("@")[0] in page and owner.email not in page
