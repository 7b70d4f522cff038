"""Public results pages: readable without login, only public objects, in the city's language."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from civiclab.portfolio import services as portfolio
from civiclab.reports.services.public import publish_update
from tests.clients import as_user, body
from tests.reports.public_helpers import PRIVATE_WORDS, Public, public_world
from tests.world import World

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def pub(world: World, tmp_path: Path) -> Public:
    return public_world(world, tmp_path)


def test_a_resident_reads_the_city_and_solution_pages_without_logging_in(pub: Public) -> None:
    client = as_user(None)
    index = client.get("/results/")
    assert index.status_code == 200
    assert pub.city.name in body(index)

    city = client.get(pub.city_url)
    assert city.status_code == 200
    page = body(city)
    assert pub.solution.title in page
    assert pub.solution.goal_statement in page
    assert "Blight reports per month" in page  # the key indicator
    assert "400,000 USD awarded (1 grant)" in page  # only the public award

    solution = client.get(pub.url)
    assert solution.status_code == 200
    page = body(solution)
    assert 'role="img"' in page and "<desc>" in page  # the chart, described
    assert "<caption>Blight reports per month</caption>" in page  # its data table
    assert "Reports fell by 2.50 a month." in page  # the public result in plain words
    assert "Budget: 250,000 USD planned" in page
    assert "400,000 USD awarded (1 grant)" in page and "450,000" not in page
    assert "csrfmiddlewaretoken" not in page  # one rendering serves every reader
    assert solution.headers["Cache-Control"].startswith("public")


def test_private_objects_never_show_on_pages_exports_or_feed(pub: Public) -> None:
    client = as_user(None)
    urls = [
        pub.city_url, pub.url, f"{pub.city_url}results.json", f"{pub.city_url}results.csv",
        f"{pub.city_url}feed.atom", f"{pub.url}series.json", f"{pub.url}series.csv", "/results/",
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        for word in PRIVATE_WORDS:
            assert word not in text, (url, word)
    document = json.loads(client.get(f"{pub.city_url}results.json").content)
    assert [s["id"] for s in document["solutions"]] == [pub.solution.pk]  # counted: one
    assert document["funding_leveraged"][0]["awarded"] == "400000.00"
    series = json.loads(client.get(f"{pub.url}series.json").content)
    assert [i["slug"] for i in series["indicators"]] == [pub.indicator.slug]
    assert client.get(f"{pub.city_url}{pub.private_solution.pk}/").status_code == 404


def test_members_see_the_same_public_page(pub: Public, world: World) -> None:
    """A signed-in member of the city still reads only the public results here."""
    page = body(as_user(world.user("city_admin")).get(pub.url))
    for word in PRIVATE_WORDS:
        assert word not in page


def test_a_city_that_is_not_public_or_has_nothing_public_has_no_page(
    pub: Public, world: World
) -> None:
    client = as_user(None)
    pub.solution.visibility = "network"
    pub.solution.save()
    assert client.get(pub.city_url).status_code == 404
    assert pub.city.name not in body(client.get("/results/"))
    pub.solution.visibility = "public"
    pub.solution.save()
    pub.city.visibility = "network"
    pub.city.save()
    assert client.get(pub.city_url).status_code == 404
    assert client.get(pub.url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/results/no-such-city/",
        "/results/no-such-city/feed.atom",
        "/results/{city}/999999/",
        "/results/{city}/99999999999999999999999/",
        "/results/{city}/999999/series.csv",
        "/results/{city}/999999/brief.pdf",
        "/results/{other}/{solution}/",
    ],
)
def test_unknown_or_mismatched_city_and_solution_are_404(
    pub: Public, world: World, path: str
) -> None:
    world.other_city.visibility = "public"
    world.other_city.save()
    url = path.format(city=pub.city.slug, other=world.other_city.slug, solution=pub.solution.pk)
    assert as_user(None).get(url).status_code == 404


def test_304_and_a_new_page_when_the_data_change(pub: Public, world: World) -> None:
    client = as_user(None)
    first = client.get(pub.url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(pub.url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(pub.url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(pub.city_url).status_code == 200

    portfolio.update_solution(
        world.user("city_admin"), pub.solution, {"goal_statement": "Halve blight by 2028"}
    )
    again = client.get(pub.url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
    assert "Halve blight by 2028" in body(again)
    assert "Halve blight by 2028" in body(client.get(pub.city_url))

    # A new dataset version changes the version too (the indicator's numbers changed).
    city_etag = client.get(pub.city_url).headers["ETag"]
    feed_before = body(client.get(f"{pub.city_url}feed.atom"))
    update = portfolio.post_update(world.user("city_admin"), pub.solution, "Squad hired.")
    publish_update(world.user("city_admin"), update)
    assert client.get(pub.city_url).headers["ETag"] != city_etag
    feed_after = body(client.get(f"{pub.city_url}feed.atom"))
    assert "Squad hired." not in feed_before and "Squad hired." in feed_after


def test_an_update_not_marked_public_stays_out_of_the_feed(pub: Public, world: World) -> None:
    portfolio.post_update(world.user("city_admin"), pub.solution, "Internal: budget fight.")
    assert "budget fight" not in body(as_user(None).get(f"{pub.city_url}feed.atom"))


def test_only_who_may_edit_the_solution_marks_an_update_public(pub: Public, world: World) -> None:
    from django.core.exceptions import PermissionDenied

    update = portfolio.post_update(world.user("city_admin"), pub.solution, "Note.")
    with pytest.raises(PermissionDenied):
        publish_update(world.user("other_city_admin"), update)


def test_french_by_default_for_a_french_city_with_a_switch(pub: Public) -> None:
    pub.city.default_language = "fr"
    pub.city.save()
    client = as_user(None)
    page = body(client.get(pub.url))
    assert '<html lang="fr">' in page
    assert "Objectif" in page and "Financements obtenus" in page
    assert "Dernière mise à jour\u00a0:" in page and "Coût et financement" in page
    assert f'href="{pub.url}?lang=en"' in page
    english = client.get(f"{pub.url}?lang=en")
    assert '<html lang="en">' in body(english) and "Goal" in body(english)
    assert english.headers["Content-Language"] == "en"
    assert '<html lang="fr">' in body(client.get(f"{pub.url}?lang=xx"))  # unknown: the city's


def test_open_data_csv_cells_are_safe_and_the_feed_is_valid_atom(pub: Public) -> None:
    pub.solution.title = '=HYPERLINK("http://evil.example","x")'
    pub.solution.save()
    client = as_user(None)
    csv_text = body(client.get(f"{pub.city_url}results.csv"))
    assert "'=HYPERLINK" in csv_text
    series = body(client.get(f"{pub.url}series.csv")).splitlines()
    assert series[0] == "indicator,unit,period,value,n,target"
    assert len(series) == 1 + 6  # six months
    feed = client.get(f"{pub.city_url}feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    entries = root.findall(f"{ATOM}entry")
    assert entries, "the public result is news"
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name


def test_a_public_solutions_page_links_to_its_public_results(pub: Public, world: World) -> None:
    member = as_user(world.user("member"))
    assert pub.url in body(member.get(f"/solutions/{pub.solution.pk}/"))
    pub.city.visibility = "network"
    pub.city.save()
    assert pub.url not in body(member.get(f"/solutions/{pub.solution.pk}/"))


def test_the_server_says_its_time(pub: Public) -> None:
    assert as_user(None).get(pub.url).headers["Server-Timing"].startswith("app;dur=")


def test_a_stale_dataset_is_marked_and_the_mark_follows_the_clock(
    pub: Public, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from django.utils import timezone

    from civiclab.reports.queries import public as queries

    dataset = pub.indicator.dataset
    dataset.update_frequency = "monthly"
    dataset.save()
    client = as_user(None)
    fresh = client.get(pub.url)
    assert "not updated on schedule" not in body(fresh)
    later = timezone.now() + dt.timedelta(days=100)
    monkeypatch.setattr(queries.timezone, "now", lambda: later)
    stale = client.get(pub.url, HTTP_IF_NONE_MATCH=fresh.headers["ETag"])
    assert stale.status_code == 200  # the same data, but now overdue: a new page
    assert "Some data were not updated on schedule" in body(stale)
    assert "Data not updated on schedule" in body(client.get(pub.city_url))


def test_head_is_answered_like_get(pub: Public) -> None:
    head = as_user(None).head(pub.url)
    assert head.status_code == 200 and head.headers["ETag"]
    assert as_user(None).post(pub.url).status_code == 405
