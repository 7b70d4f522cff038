"""Review pack pages: the list, a review, the current pack with the meeting form (htmx), a
frozen pack, the PDF job and the solution page's panel; in English and French."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone

from civiclab.reports.models.packs import PackPdf, ReviewMeeting
from civiclab.reports.services import packs as services
from tests.clients import as_user, body
from tests.reports.packs_helpers import (
    assert_tagged,
    private_elsewhere,
    team_review,
    team_solution,
)
from tests.world import World


def test_pages_and_the_meeting_form(world: World, tmp_path: Path) -> None:
    solution = team_solution(world, tmp_path)
    private_elsewhere(world)
    review = team_review(world)
    client = as_user(world.user("team_member"))
    listing = body(client.get("/delivery/reviews/"))
    assert "Team T monthly" in listing
    page = client.get(f"/delivery/reviews/{review.pk}/pack/")
    assert page.status_code == 200
    html = body(page)
    assert "Blight squad" in html and "B private solution" not in html
    assert "U team solution" not in html
    assert "<svg" in html and "Owners sue" in html and "Hire the squad" in html
    assert "Hold the meeting" in html
    # One more action row, keeping what was typed.
    more = client.get(
        f"/delivery/reviews/{review.pk}/row/",
        {"add": "action", "action-0-text": "typed", "action-1-text": "", "action-2-text": ""},
        HTTP_HX_REQUEST="true",
    )
    assert more.status_code == 200
    assert 'name="action-3-text"' in body(more) and 'value="typed"' in body(more)
    today = timezone.localdate()
    posted = client.post(
        f"/delivery/reviews/{review.pk}/hold/",
        {
            "held_on": today.isoformat(),
            "notes": "Good progress.",
            "decision-0-text": "Extend to the east side",
            "decision-0-solution": str(solution.pk),
            "action-0-text": "Book court dates",
            "action-0-owner": str(world.user("team_member").pk),
            "action-0-solution": str(solution.pk),
            "action-0-due_on": (today + dt.timedelta(days=10)).isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    assert posted.status_code == 204, body(posted)
    meeting = ReviewMeeting.objects.get(review=review)
    assert posted["HX-Redirect"] == f"/delivery/reviews/{review.pk}/meetings/{meeting.pk}/"
    frozen = body(client.get(posted["HX-Redirect"]))
    assert "Frozen when the meeting was held" in frozen and "Extend to the east side" in frozen
    carried = body(client.get(f"/delivery/reviews/{review.pk}/pack/"))
    assert "Book court dates" in carried and "Extend to the east side" in carried
    # The solution's page shows what the reviews decided about it.
    solution_page = body(client.get(reverse("portfolio:solution", args=(solution.pk,))))
    assert "From delivery reviews" in solution_page and "Book court dates" in solution_page
    # A reader of the solution who does not read the review sees no panel.
    other = body(
        as_user(world.user("other_team_member")).get(
            reverse("portfolio:solution", args=(solution.pk,))
        )
    )
    assert "Book court dates" not in other


def test_bad_meeting_input_comes_back_on_the_form(world: World, tmp_path: Path) -> None:
    team_solution(world, tmp_path)
    (b_solution, _u) = private_elsewhere(world)
    review = team_review(world)
    client = as_user(world.user("team_member"))
    posted = client.post(
        f"/delivery/reviews/{review.pk}/hold/",
        {"held_on": "not a date", "action-0-text": "x" * 3000},
    )
    assert posted.status_code == 422
    posted = client.post(
        f"/delivery/reviews/{review.pk}/hold/",
        {"held_on": "2099-01-01"},
    )
    assert posted.status_code == 422 and "three years" in body(posted)
    # A solution out of the review's scope is not offered, and refused.
    posted = client.post(
        f"/delivery/reviews/{review.pk}/hold/",
        {"held_on": timezone.localdate().isoformat(), "action-0-text": "Spy",
         "action-0-solution": str(b_solution.pk)},
    )  # fmt: skip
    assert posted.status_code == 422
    assert not ReviewMeeting.objects.exists()
    assert client.get(f"/delivery/reviews/{review.pk}/row/?add=nope").status_code == 400


def test_readers_and_writers(world: World, tmp_path: Path) -> None:
    team_solution(world, tmp_path)
    review = team_review(world)
    url = f"/delivery/reviews/{review.pk}/pack/"
    for actor, status in {
        "team_member": 200, "city_admin": 200, "network_admin": 200, "member": 404,
        "other_team_member": 404, "viewer": 404, "other_city_admin": 404,
        "other_network_admin": 404, "no_membership": 404,
    }.items():  # fmt: skip
        assert as_user(world.user(actor)).get(url).status_code == status, actor
    assert as_user(None).get(url).status_code == 302
    hold = f"/delivery/reviews/{review.pk}/hold/"
    day = timezone.localdate().isoformat()
    assert as_user(world.user("member")).post(hold, {"held_on": day}).status_code == 404
    city = services.create_review(
        world.user("member"), scope="city", city=world.city, title="A portfolio",
        cadence="monthly", next_meeting_on=timezone.localdate(),
    )  # fmt: skip
    assert (
        as_user(world.user("viewer")).get(f"/delivery/reviews/{city.pk}/pack/").status_code == 200
    )
    hold = f"/delivery/reviews/{city.pk}/hold/"
    assert as_user(world.user("viewer")).post(hold, {"held_on": day}).status_code == 403
    assert (
        as_user(world.user("other_city_admin")).get(f"/delivery/reviews/{city.pk}/").status_code
        == 404
    )


def test_the_pdf_in_french_is_tagged(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """GIVEN a pack WHEN a French reader asks for its PDF THEN the worker renders a tagged
    PDF/UA document in French, which the page offers to download."""
    team_solution(world, tmp_path)
    review = team_review(world)
    client = as_user(world.user("team_member"))
    client.cookies["django_language"] = "fr"
    pack_html = body(client.get(f"/delivery/reviews/{review.pk}/pack/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Tenir la réunion" in pack_html and 'lang="fr"' in pack_html
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(f"/delivery/reviews/{review.pk}/pdf/", HTTP_ACCEPT_LANGUAGE="fr")
    job = PackPdf.objects.get()
    assert asked.status_code == 302 and asked["Location"].endswith(f"/pdf/{job.pk}/")
    assert job.state == "done", job.error
    assert job.language == "fr"
    status = client.get(f"/delivery/reviews/{review.pk}/pdf/{job.pk}/status/")
    assert status.status_code == 286
    pdf = client.get(f"/delivery/reviews/{review.pk}/pdf/{job.pk}/download/")
    content = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert_tagged(content, "fr")
    assert (
        as_user(world.user("member"))
        .get(f"/delivery/reviews/{review.pk}/pdf/{job.pk}/download/")
        .status_code
        == 404
    )


def test_creating_a_review_from_the_form(world: World) -> None:
    client = as_user(world.user("team_member"))
    form = client.get("/delivery/reviews/new/")
    assert form.status_code == 200 and "Team T" in body(form)
    day = timezone.localdate().isoformat()
    made = client.post("/delivery/reviews/new/", {
        "title": "T weekly", "scope": "team", "team": str(world.team.pk), "cadence": "weekly",
        "next_meeting_on": day,
    })  # fmt: skip
    assert made.status_code == 302, body(made)
    # Another team's review: refused on the form, beside the scope.
    refused = client.post("/delivery/reviews/new/", {
        "title": "U weekly", "scope": "team", "team": str(world.other_team.pk),
        "cadence": "weekly", "next_meeting_on": day,
    })  # fmt: skip
    assert refused.status_code == 200 and "You may not create a review" in body(refused)
    # A scope without its object.
    missing = client.post("/delivery/reviews/new/", {
        "title": "Nothing", "scope": "city", "cadence": "weekly", "next_meeting_on": day,
    })  # fmt: skip
    assert "Choose a team, a city or a cohort" in body(missing)
    # A viewer may not create a city's review.
    viewer = as_user(world.user("viewer")).post("/delivery/reviews/new/", {
        "title": "A", "scope": "city", "city": str(world.city.pk), "cadence": "weekly",
        "next_meeting_on": day,
    })  # fmt: skip
    assert viewer.status_code == 200 and "T weekly" not in body(viewer)
    assert "Select a valid choice" in body(viewer) or "You may not create" in body(viewer)


def test_marking_a_carried_item_done(world: World, tmp_path: Path) -> None:
    solution = team_solution(world, tmp_path)
    review = team_review(world)
    meeting = services.hold_meeting(
        None, review, decisions=[{"text": "Extend", "solution": solution.pk}],
        actions=[{"text": "Book dates"}],
    )  # fmt: skip
    action, decision = meeting.actions.get(), meeting.decisions.get()
    url = f"/delivery/reviews/{review.pk}/actions/{action.pk}/done/"
    assert as_user(world.user("viewer")).post(url).status_code == 404
    client = as_user(world.user("team_member"))
    assert client.get(url).status_code == 405
    done = client.post(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and 'class="review-item done"' in body(done)
    action.refresh_from_db()
    assert action.done_on == timezone.localdate()
    later = client.post(f"/delivery/reviews/{review.pk}/decisions/{decision.pk}/done/")
    assert later.status_code == 302
    page = body(client.get(f"/delivery/reviews/{review.pk}/"))
    # The done action is no longer carried; the last meeting's decision stays, shown done.
    assert "Book dates" not in page
    assert 'class="review-item done" id="review-decision-' in page
    # Another review's item is not found through this one.
    other = services.create_review(
        world.user("member"), scope="city", city=world.city, title="A portfolio",
        cadence="monthly", next_meeting_on=timezone.localdate(),
    )  # fmt: skip
    wrong = client.post(f"/delivery/reviews/{other.pk}/actions/{action.pk}/done/")
    assert wrong.status_code == 404


def test_a_pdf_that_fails_says_why(
    world: World, tmp_path: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from civiclab.reports.models import packs as models

    team_solution(world, tmp_path)
    review = team_review(world)
    monkeypatch.setattr(models, "PDF_LIMIT_BYTES", 100)
    monkeypatch.setattr(services, "PDF_LIMIT_BYTES", 100)
    client = as_user(world.user("team_member"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/delivery/reviews/{review.pk}/pdf/")
    job = PackPdf.objects.get()
    assert job.state == "failed" and "larger than" in job.error
    page = body(client.get(f"/delivery/reviews/{review.pk}/pdf/{job.pk}/"))
    assert "could not be rendered" in page
    assert client.get(f"/delivery/reviews/{review.pk}/pdf/{job.pk}/download/").status_code == 404
    api = client.get(f"/api/v1/reports/reviews/{review.pk}/pdf/{job.pk}/download")
    assert api.status_code == 409 and api.json()["error"]["code"] == "pdf_not_ready"
