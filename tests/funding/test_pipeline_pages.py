"""The pipeline's pages: board, application, forms, status, checklist, profile, leveraged,
the opportunity page and the panels on the solution's, challenge's and city's pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civiclab.funding.models import Application, FundingProfile, OpportunityChange
from tests.clients import as_user, body
from tests.funding import pipeline_factories as make
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def test_the_board_shows_the_citys_applications_by_status(world: World) -> None:
    make.application(world.city, title="HUD blight grant", amount_requested=Decimal(250_000))
    make.award(world.city, 9, title="Zqsecret application", visibility="team", team=world.team)
    page = body(as_user(world.user("member")).get("/funding/cities/city-a/pipeline/"))
    assert "HUD blight grant" in page and "250,000" in page
    assert "Zqsecret" not in page
    team = body(as_user(world.user("team_member")).get("/funding/cities/city-a/pipeline/"))
    assert "Zqsecret application" in team
    assert (
        as_user(world.user("other_network_admin"))
        .get("/funding/cities/city-a/pipeline/")
        .status_code
        == 404
    )


def test_start_an_application_from_the_opportunity_page(world: World) -> None:
    """GIVEN an opportunity open to cities WHEN a member of A opens it THEN it says eligible
    with the reason and offers "Start an application"; the form then creates it with the
    opportunity's title and deadline, and the member lands on its page."""
    opportunity = make.opportunity(
        description="<p>Revitalize <b>neighborhoods</b>.</p><p>Second &amp; last.</p>",
        activity_categories=["CD"],
    )
    OpportunityChange.objects.create(
        opportunity=opportunity, kind="deadline_extended", before="2027-02-01", after="2027-03-01"
    )
    client = as_user(world.user("member"))
    page = body(client.get(f"/funding/opportunities/{opportunity.pk}/"))
    assert "Eligible" in page and "your city applies as one" in page
    assert "<p>Revitalize neighborhoods.</p>" in page and "Second &amp; last." in page
    assert "Deadline extended" in page and "Community Development" in page
    new = f"/funding/cities/city-a/applications/new/?opportunity={opportunity.pk}"
    assert new in page
    form = client.get(new)
    assert opportunity.title in body(form)
    answer = client.post(
        new,
        {
            "opportunity": opportunity.pk,
            "title": opportunity.title,
            "visibility": "city",
            "currency": "USD",
            "deadline": "2027-03-01",
            "amount_requested": "100000",
        },
    )
    made = Application.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/funding/applications/{made.pk}/"
    assert made.opportunity == opportunity and made.deadline == dt.date(2027, 3, 1)


def test_the_form_refuses_a_negative_amount(world: World) -> None:
    answer = as_user(world.user("member")).post(
        "/funding/cities/city-a/applications/new/",
        {"title": "X", "funder": "Y", "visibility": "city", "currency": "USD",
         "amount_requested": "-5"},
    )  # fmt: skip
    assert answer.status_code == 400
    assert not Application.objects.exists()


def test_a_viewer_may_not_start_an_application(world: World) -> None:
    client = as_user(world.user("viewer"))
    assert client.get("/funding/cities/city-a/applications/new/").status_code == 403


def test_status_changes_and_refusals_on_the_page(world: World) -> None:
    made = make.application(world.city)
    client = as_user(world.user("member"))
    url = f"/funding/applications/{made.pk}/status/"
    client.post(url, {"status": "awarded", "amount_awarded": "10"})
    page = body(client.get(f"/funding/applications/{made.pk}/"))
    assert "cannot become awarded" in page
    client.post(url, {"status": "submitted"})
    client.post(url, {"status": "awarded"})
    page = body(client.get(f"/funding/applications/{made.pk}/"))
    assert "Record the amount awarded" in page
    client.post(url, {"status": "awarded", "amount_awarded": "1200", "note": "Yes!"})
    made.refresh_from_db()
    assert made.status == "awarded" and made.amount_awarded == Decimal(1200)
    page = body(client.get(f"/funding/applications/{made.pk}/"))
    assert "Yes!" in page and "Submitted → Awarded" in page


def test_the_checklist_toggles_with_htmx(world: World) -> None:
    made = make.application(world.city)
    client = as_user(world.user("member"))
    url = f"/funding/applications/{made.pk}/checklist/"
    answer = client.post(url, {"item": "letters", "done": "1"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "Ready: 1 of 5" in body(answer)
    made.refresh_from_db()
    assert made.checklist == {"letters": True}
    bad = client.post(url, {"item": "bribes", "done": "1"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert as_user(world.user("viewer")).post(url, {"item": "letters"}).status_code == 403


def test_the_profile_page(world: World) -> None:
    admin = as_user(world.user("city_admin"))
    answer = admin.post(
        "/funding/cities/city-a/profile/",
        {"applicant_codes": ["02", "08"], "partners": "Land Bank | 12\n"},
    )
    assert answer.status_code == 302
    saved = FundingProfile.objects.get()
    assert saved.applicant_codes == ["02", "08"]
    assert saved.partners == [{"name": "Land Bank", "code": "12"}]
    bad = admin.post(
        "/funding/cities/city-a/profile/", {"applicant_codes": ["02"], "partners": "Land Bank"}
    )
    assert bad.status_code == 400 and "Line 1" in body(bad)
    assert "Land Bank" in body(as_user(world.user("viewer")).get("/funding/cities/city-a/profile/"))
    member = as_user(world.user("member"))
    assert (
        member.post("/funding/cities/city-a/profile/", {"applicant_codes": ["01"]}).status_code
        == 403
    )
    other = as_user(world.user("other_city_admin")).get("/funding/cities/city-a/profile/")
    assert other.status_code == 404


def test_the_network_page_links_each_number_to_its_awards(world: World) -> None:
    make.award(world.city, 1200, title="HUD award", visibility="network")
    make.award(world.city, 900, title="Zqsecret application", visibility="team", team=world.team)
    client = as_user(world.user("other_city_admin"))
    page = body(client.get("/funding/network/leveraged/"))
    assert "1,200 USD" in page and "2,100" not in page
    assert "?network=matrix-net&amp;city=city-a" in page
    listed = body(client.get("/funding/network/leveraged/?network=matrix-net&city=city-a"))
    assert "HUD award" in listed and "Zqsecret" not in listed
    assert client.get("/funding/network/leveraged/?year=20x6").status_code == 404
    team = body(as_user(world.user("team_member")).get("/funding/network/leveraged/"))
    assert "2,100 USD" in team


def test_panels_on_the_solution_challenge_and_city_pages(world: World) -> None:
    challenge = factories.challenge(world.city)
    solution = factories.solution(challenge)
    make.award(world.city, 4321, solution=solution, title="Solution award")
    client = as_user(world.user("member"))
    for url in (
        f"/solutions/{solution.pk}/",
        f"/challenges/{challenge.pk}/",
        "/cities/city-a/",
    ):
        page = body(client.get(url))
        assert "Funding leveraged" in page and "4,321 USD" in page, url
    outsider = body(as_user(world.user("other_city_admin")).get("/cities/city-a/"))
    assert "4,321" not in outsider


def test_a_manual_fund_of_another_network_is_a_404(world: World) -> None:
    fund = make.opportunity(source="manual", network=world.foreign_city.network)
    assert (
        as_user(world.user("member")).get(f"/funding/opportunities/{fund.pk}/").status_code == 404
    )


def test_the_pipeline_pages_in_french(world: World) -> None:
    """GIVEN a French city WHEN its admin opens every pipeline page THEN none shows a sentence
    of the catalogue in English, and the eligibility reason is in French."""
    from tests.test_i18n import catalogue_english, catalogue_english_on

    world.city.default_language = "fr"
    world.city.save()
    opportunity = make.opportunity()
    challenge = factories.challenge(world.city)
    solution = factories.solution(challenge)
    made = make.award(world.city, 10, opportunity=opportunity, solution=solution)
    client = as_user(world.user("city_admin"))
    urls = [
        "/funding/cities/city-a/profile/",
        "/funding/cities/city-a/pipeline/",
        "/funding/cities/city-a/applications/new/",
        f"/funding/applications/{made.pk}/",
        f"/funding/applications/{made.pk}/edit/",
        "/funding/cities/city-a/calendar/",
        "/funding/network/leveraged/?city=city-a",
        f"/funding/opportunities/{opportunity.pk}/",
        f"/solutions/{solution.pk}/",
    ]
    leftovers = catalogue_english_on(client, urls, catalogue_english())
    assert not leftovers, leftovers
    page = body(client.get(f"/funding/opportunities/{opportunity.pk}/"))
    assert "Éligible" in page and "votre ville candidate à ce titre" in page


def test_edit_an_application(world: World) -> None:
    made = make.application(world.city, currency="USD")
    client = as_user(world.user("member"))
    answer = client.post(
        f"/funding/applications/{made.pk}/edit/",
        {"title": "Renamed", "visibility": "city", "currency": "EUR", "notes": "Call"},
    )
    assert answer.status_code == 302
    made.refresh_from_db()
    assert (made.title, made.currency, made.notes) == ("Renamed", "EUR", "Call")
    refused = client.post(
        f"/funding/applications/{made.pk}/edit/",
        {"title": "X", "visibility": "public", "currency": "EUR"},
    )
    assert refused.status_code == 400
    assert (
        as_user(world.user("viewer")).get(f"/funding/applications/{made.pk}/edit/").status_code
        == 403
    )


def test_a_network_admin_chooses_the_city_of_the_eligibility(world: World) -> None:
    opportunity = make.opportunity(applicant_codes=["12"])
    client = as_user(world.user("network_admin"))
    assert "Possibly eligible" not in body(client.get(f"/funding/opportunities/{opportunity.pk}/"))
    from civiclab.funding.services.pipeline import set_profile

    set_profile(None, world.city, ["02"], [{"name": "Land Bank", "code": "12"}])
    page = body(client.get(f"/funding/opportunities/{opportunity.pk}/?city=city-a"))
    assert "Possibly eligible" in page and "Land Bank" in page
    # Another city's admin cannot read A's partners through the page.
    other = as_user(world.user("other_city_admin"))
    page = body(other.get(f"/funding/opportunities/{opportunity.pk}/?city=city-a"))
    assert "Land Bank" not in page
