"""The site search: stemming and accents, every kind's visibility, the index kept by signals,
the page, the API, bounded queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from civiclab.datasets import services as dataset_services
from civiclab.datasets.models import Dataset
from civiclab.indicators.models import Indicator
from civiclab.search import index
from civiclab.search.queries import QUERY_LIMIT, SearchError, search
from tests.clients import as_user, body
from tests.datasets.web_helpers import make_dataset
from tests.exchange.cases_helpers import quick_case
from tests.funding.search_helpers import opportunity
from tests.portfolio import factories as f
from tests.search.helpers import count, titles
from tests.world import World

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


# --- words: stems and accents ----------------------------------------------------------------


def test_english_inflections_and_case_are_ignored(world: World) -> None:
    f.challenge(world.city, title="Blighted homes near schools")
    member = world.user("member")
    assert titles(member, "blight", "challenge") == ["Blighted homes near schools"]
    assert titles(member, "Blight", "challenge") == ["Blighted homes near schools"]
    assert titles(member, "BLIGHTING school", "challenge") == ["Blighted homes near schools"]


def test_french_plurals_and_accents_are_ignored(world: World) -> None:
    f.challenge(world.city, title="Logements vacants près des écoles", problem_statement="")
    member = world.user("member")
    for query in ("logement", "logements", "ecole", "écoles", "Ecoles LOGEMENT"):
        assert titles(member, query, "challenge") == ["Logements vacants près des écoles"], query


def test_every_word_must_be_found(world: World) -> None:
    f.challenge(world.city, title="Blighted homes", problem_statement="")
    assert count(world.user("member"), "blight", "challenge") == 1
    assert count(world.user("member"), "blight dumping", "challenge") == 0


def test_a_dataset_is_found_by_its_columns_and_its_data_dictionary(
    world: World, tmp_path: Path
) -> None:
    dataset = make_dataset(world, tmp_path, "Holes", "id,depth,street_name\n1,4.5,Main\n")
    member = world.user("member")
    assert titles(member, "street_name", "dataset") == ["Holes"]
    assert titles(member, "street", "dataset") == ["Holes"]
    assert titles(member, "puddles", "dataset") == []
    dataset_services.update_dictionary(
        member, dataset, {"depth": {"description": "How deep the puddles are", "unit": "cm"}}
    )
    assert titles(member, "puddle", "dataset") == ["Holes"]


# --- visibility, kind by kind -----------------------------------------------------------------


def test_a_team_challenge_its_ideas_and_solutions_stay_with_the_team(world: World) -> None:
    challenge = f.challenge(world.city, "team", world.team, title="Secret blight plan")
    f.idea(challenge, title="Secret blight idea")
    f.solution(challenge, title="Secret blight squad")
    for kind in ("challenge", "idea", "solution"):
        assert count(world.user("team_member"), "secret", kind) == 1, kind
        assert count(world.user("city_admin"), "secret", kind) == 1, kind
        for outsider in ("other_team_member", "member", "other_city_admin", "no_membership"):
            assert count(world.user(outsider), "secret", kind) == 0, (outsider, kind)
        assert count(ANONYMOUS, "secret", kind) == 0, kind
        assert count(None, "secret", kind) == 0, kind


def test_a_public_challenge_is_found_by_everyone(world: World) -> None:
    f.challenge(world.city, "public", title="Open blight map")
    assert count(ANONYMOUS, "blight", "challenge") == 1
    assert count(world.user("other_network_admin"), "blight", "challenge") == 1


def test_a_city_dataset_and_its_indicator_stay_in_the_city(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Vacant lots", "id,ward\n1,3\n")
    Indicator.objects.create(
        city=world.city, dataset=dataset, slug="vacant-lots", name="Vacant lots a month",
        visibility="network", spec={"measure": {"type": "count"}},
    )  # fmt: skip
    assert count(world.user("viewer"), "vacant", "dataset") == 1
    assert count(world.user("viewer"), "vacant", "indicator") == 1
    # The indicator is network-wide, but its dataset is the city's: it is as private as it.
    for outsider in ("other_city_admin", "other_network_admin", "no_membership"):
        assert count(world.user(outsider), "vacant", "dataset") == 0, outsider
        assert count(world.user(outsider), "vacant", "indicator") == 0, outsider
    assert count(ANONYMOUS, "vacant", "dataset") == count(ANONYMOUS, "vacant", "indicator") == 0


def test_people_are_found_by_name_by_their_colleagues_only(world: World) -> None:
    colleague = world.user("team_member")
    colleague.full_name = "Zelda Fitzgerald"
    colleague.save()
    results = search(world.user("member"), "zelda")
    people = next(g for g in results.groups if g.kind == "person")
    assert [h.title for h in people.hits] == ["Zelda Fitzgerald"]
    assert people.hits[0].email == colleague.email and people.hits[0].city == "City A"
    for outsider in ("other_city_admin", "other_network_admin", "no_membership"):
        assert count(world.user(outsider), "zelda", "person") == 0, outsider
    assert count(ANONYMOUS, "zelda", "person") == 0
    # An address is never searchable, even by colleagues.
    assert count(world.user("member"), colleague.email.split("@")[1], "person") == 0


def test_a_draft_case_and_another_networks_fund_are_not_found(world: World) -> None:
    quick_case(world.city, state="draft", title_en="Draft blight case")
    quick_case(world.city, visibility="network", title_en="Network blight case")
    quick_case(world.city, visibility="public", title_en="Public blight case")
    assert titles(world.user("member"), "blight case", "case") == [
        "Network blight case", "Public blight case",
    ] or sorted(titles(world.user("member"), "blight case", "case")) == [
        "Network blight case", "Public blight case",
    ]  # fmt: skip
    assert titles(ANONYMOUS, "blight case", "case") == ["Public blight case"]
    assert titles(world.user("other_network_admin"), "blight case", "case") == [
        "Public blight case"
    ]
    opportunity(title="Blight removal grants")
    opportunity(title="Blight fund of the matrix", network=world.network)
    assert count(world.user("member"), "blight", "opportunity") == 2
    assert titles(world.user("other_network_admin"), "blight", "opportunity") == [
        "Blight removal grants"
    ]
    assert count(ANONYMOUS, "blight", "opportunity") == 1


# --- the index follows the objects --------------------------------------------------------------


def test_a_renamed_or_deleted_object_is_found_as_it_is_now(world: World) -> None:
    challenge = f.challenge(world.city, title="Blighted homes", problem_statement="")
    member = world.user("member")
    challenge.title = "Illegal dumping"
    challenge.save()
    assert count(member, "blight", "challenge") == 0
    assert count(member, "dumping", "challenge") == 1
    challenge.delete()
    assert count(member, "dumping", "challenge") == 0


def test_narrowing_an_object_hides_it_at_once(world: World) -> None:
    challenge = f.challenge(world.city, "city", title="Blighted homes")
    assert count(world.user("other_team_member"), "blight", "challenge") == 1
    challenge.visibility, challenge.team = "team", world.team
    challenge.save()
    assert count(world.user("other_team_member"), "blight", "challenge") == 0


def test_reindex_rebuilds_the_same_index(world: World, tmp_path: Path) -> None:
    f.challenge(world.city, title="Blighted homes")
    make_dataset(world, tmp_path, "Blight notices", "id\n1\n")
    counts = index.reindex_all()
    assert counts["challenge"] == 1 and counts["dataset"] == 1
    assert count(world.user("member"), "blight", "challenge") == 1
    assert count(world.user("member"), "blight", "dataset") == 1


# --- limits, page, API, queries ------------------------------------------------------------


def test_a_long_query_is_refused_clearly(world: World) -> None:
    with pytest.raises(SearchError):
        search(world.user("member"), "x" * (QUERY_LIMIT + 1))
    response = as_user(world.user("member")).get("/api/v1/search", {"q": "x" * (QUERY_LIMIT + 1)})
    assert response.status_code == 422
    page = as_user(world.user("member")).get("/search/", {"q": "x" * (QUERY_LIMIT + 5)})
    assert page.status_code == 200 and "at most 200 characters" in body(page)


def test_the_results_page_groups_by_kind_with_counts_and_links(world: World) -> None:
    challenge = f.challenge(
        world.city, title="Blighted homes", problem_statement="Blighted homes drag blocks down."
    )
    f.idea(challenge, title="Map the blight")
    response = as_user(world.user("member")).get("/search/", {"q": "blight"})
    html = body(response)
    assert response.status_code == 200
    assert 'id="search-challenge"' in html and 'id="search-idea"' in html
    assert f'href="/challenges/{challenge.pk}/"' in html
    assert "<mark>Blighted</mark>" in html or "<mark>blight</mark>" in html


def test_the_empty_page_says_what_to_try(world: World) -> None:
    html = body(as_user(world.user("member")).get("/search/", {"q": "zzzz"}))
    assert "Try fewer words" in html
    html = body(as_user(None).get("/search/"))
    assert "Type a few words" in html


def test_the_header_box_is_on_every_page_and_suggests_while_typing(world: World) -> None:
    f.challenge(world.city, title="Blighted homes")
    client = as_user(world.user("member"))
    assert 'id="site-search-q"' in body(client.get("/"))
    html = body(client.get("/search/suggestions/", {"q": "blig"}, HTTP_HX_REQUEST="true"))
    assert html == "" or "Blighted homes" not in html  # a prefix is not a word
    html = body(client.get("/search/suggestions/", {"q": "blight"}, HTTP_HX_REQUEST="true"))
    assert "Blighted homes" in html


def test_the_api_answers_groups_for_the_caller(world: World) -> None:
    f.challenge(world.city, "city", title="Blighted homes")
    f.challenge(world.city, "public", title="Public blight map")
    answer = as_user(None).get("/api/v1/search", {"q": "blight"}).json()
    challenges = next(g for g in answer["groups"] if g["kind"] == "challenge")
    assert challenges["count"] == 1 and challenges["hits"][0]["title"] == "Public blight map"
    answer = as_user(world.user("member")).get("/api/v1/search", {"q": "blight"}).json()
    challenges = next(g for g in answer["groups"] if g["kind"] == "challenge")
    assert challenges["count"] == 2
    assert as_user(None).get("/api/v1/search", {"q": "a", "per_kind": 0}).status_code == 422


def test_the_queries_do_not_grow_with_the_matches(
    world: World, django_assert_max_num_queries: object
) -> None:
    for n in range(30):
        challenge = f.challenge(world.city, title=f"Blighted homes {n}")
        f.idea(challenge, title=f"Blight idea {n}")
        f.solution(challenge, title=f"Blight squad {n}")
    member = world.user("member")
    search(member, "warmup")
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        results = search(member, "blight")
    assert {g.kind: g.count for g in results.found} == {"challenge": 30, "idea": 30, "solution": 30}
    client = as_user(member)
    client.get("/search/", {"q": "warm"})
    with django_assert_max_num_queries(35):  # type: ignore[operator]
        client.get("/search/", {"q": "blight"})


def test_a_dataset_deleted_leaves_the_index(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path, "Blight notices", "id\n1\n")
    Dataset.objects.filter(pk=dataset.pk).first().delete()  # type: ignore[union-attr]
    assert count(world.user("member"), "blight", "dataset") == 0


def test_the_results_and_the_box_speak_french(world: World) -> None:
    from django.conf import settings

    f.challenge(world.city, title="Logements vacants", problem_statement="Des logements vides.")
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = body(client.get("/search/", {"q": "logement"}))
    assert "Rechercher dans civiclab" in html and "Défis" in html
    assert "1 résultat visible pour vous" in html
    assert "<mark>logements</mark>" in html
    html = body(client.get("/search/", {"q": "zzzz"}))
    assert "Essayez moins de mots" in html
