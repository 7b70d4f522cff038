"""packs: the reviews, a review's page with its meetings, the current pack (printable), the
meeting form, a frozen pack, and the PDF (rendered by the worker; the page polls with htmx).

As thin as the API: reads through ``queries.packs``, writes through ``services.packs``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.forms import add_service_errors
from civiclab.reports.forms.packs import MeetingForm, ReviewForm
from civiclab.reports.models.packs import (
    ITEMS_PER_MEETING,
    PackPdf,
    Review,
    ReviewAction,
    ReviewDecision,
    ReviewMeeting,
)
from civiclab.reports.pack_display import cadence_words, pack_context
from civiclab.reports.queries import packs as queries
from civiclab.reports.services import packs as services


def review_or_404(request: HttpRequest, review_id: int) -> Review:
    found = queries.visible_reviews(request.user).filter(pk=review_id).first()
    if found is None:
        raise Http404
    return found


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    rows = list(queries.visible_reviews(request.user)[:200])
    return render(
        request,
        "reports/packs/list.html",
        {"reviews": [(r, cadence_words(r.cadence)) for r in rows], "title": _("Reviews")},
    )


@login_required
def review_new(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.create_review(
                request.user,
                scope=data["scope"],
                title=data["title"],
                cadence=data["cadence"],
                next_meeting_on=data["next_meeting_on"],
                team=data.get("team"),
                city=data.get("city"),
                cohort=data.get("cohort"),
            )
        except PermissionDenied:
            form.add_error("scope", _("You may not create a review of this scope."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Review created: its pack prepares itself."))
            return redirect("reports:review", review.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("New review"),
            "back_url": reverse("reports:reviews"),
            "back_label": _("Reviews"),
        },
    )


@login_required
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_or_404(request, review_id)
    carried = queries.carried_items(review)
    return render(
        request,
        "reports/packs/review.html",
        {
            "review": review,
            "cadence": cadence_words(review.cadence),
            "meetings": list(queries.meetings_of(review)[:100]),
            "carried": carried,
            "pdfs": list(queries.pdfs_of(request.user, review)),
            "may_write": queries.may_write(request.user, review),
        },
    )


def _meeting_form(request: HttpRequest, review: Review, pack: dict[str, Any]) -> MeetingForm:
    solutions = [(str(s["id"]), s["title"]) for s in pack.get("solutions", [])]
    return MeetingForm(review, solutions, request.POST or None)


@login_required
def pack_page(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_or_404(request, review_id)
    pack = queries.prepare_pack(review)
    may_write = queries.may_write(request.user, review)
    return render(
        request,
        "reports/packs/pack.html",
        {
            **pack_context(pack),
            "review": review,
            **form_context(_meeting_form(request, review, pack) if may_write else None),
            "may_write": may_write,
            "live": True,
        },
    )


@login_required
@require_POST
def hold(request: HttpRequest, review_id: int) -> HttpResponse:
    """Record the meeting (htmx: the form comes back with its errors, or the browser goes to
    the meeting's page)."""
    review = review_or_404(request, review_id)
    if not queries.may_write(request.user, review):
        raise PermissionDenied
    pack = queries.prepare_pack(review)
    form = _meeting_form(request, review, pack)
    if form.is_valid():
        try:
            meeting = services.hold_meeting(
                request.user,
                review,
                held_on=form.cleaned_data["held_on"],
                notes=form.cleaned_data.get("notes") or "",
                decisions=form.items("decision"),
                actions=form.items("action"),
                done_actions=form.done_ids("done_action"),
                done_decisions=form.done_ids("done_decision"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Meeting recorded: its pack is frozen as it was shown."))
            url = reverse("reports:review_meeting", args=(review.pk, meeting.pk))
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    context = {**pack_context(pack), **form_context(form), "review": review, "may_write": True}
    if getattr(request, "htmx", False):
        return render(request, "reports/packs/partials/meeting_form.html", context, status=422)
    return render(request, "reports/packs/pack.html", {**context, "live": True}, status=422)


@login_required
def meeting_row(request: HttpRequest, review_id: int) -> HttpResponse:
    """The form's decisions or actions with one more row (htmx; what was typed is kept)."""
    review = review_or_404(request, review_id)
    if not queries.may_write(request.user, review):
        raise PermissionDenied
    kind = request.GET.get("add")
    if kind not in ("decision", "action"):
        return HttpResponse(_("Say which kind of row to add."), status=400)
    solutions = [(str(s.pk), s.title) for s in queries.solutions_in_scope(review)[:200]]
    form = MeetingForm(review, solutions, request.GET, add=kind)
    return render(
        request,
        "reports/packs/partials/rows.html",
        {"review": review, "kind": kind, "rows": form.rows(kind), "max_rows": ITEMS_PER_MEETING},
    )


def form_context(form: MeetingForm | None) -> dict[str, Any]:
    if form is None:
        return {"form": None}
    return {
        "form": form,
        "form_rows": [(kind, form.rows(kind)) for kind in ("decision", "action")],
        "max_rows": ITEMS_PER_MEETING,
    }


@login_required
def meeting_detail(request: HttpRequest, review_id: int, meeting_id: int) -> HttpResponse:
    review = review_or_404(request, review_id)
    meeting = ReviewMeeting.objects.filter(review=review, pk=meeting_id).first()
    if meeting is None:
        raise Http404
    related = ("solution", "owner")
    return render(
        request,
        "reports/packs/pack.html",
        {
            **pack_context(meeting.pack),
            "review": review,
            "meeting": meeting,
            "decisions": list(meeting.decisions.select_related(*related)),
            "actions": list(meeting.actions.select_related(*related)),
            # A frozen pack is shown as it was: its items are closed on the review's page.
            "may_write": False,
            "live": False,
        },
    )


def _close(request: HttpRequest, review_id: int, model: Any, item_id: int) -> HttpResponse:
    review = review_or_404(request, review_id)
    item = (
        model.objects.filter(pk=item_id, meeting__review=review)
        .select_related("meeting__review", "meeting__review__city", "meeting__review__network")
        .first()
    )
    if item is None:
        raise Http404
    if not queries.may_write(request.user, review):
        raise PermissionDenied
    services.mark_done(request.user, item, done=request.POST.get("reopen") != "1")
    if getattr(request, "htmx", False):
        return render(
            request,
            "reports/packs/partials/item.html",
            {"item": queries.item_dict(item), "review": review, "may_write": True},
        )
    return redirect("reports:review", review.pk)


@login_required
@require_POST
def action_done(request: HttpRequest, review_id: int, item_id: int) -> HttpResponse:
    return _close(request, review_id, ReviewAction, item_id)


@login_required
@require_POST
def decision_done(request: HttpRequest, review_id: int, item_id: int) -> HttpResponse:
    return _close(request, review_id, ReviewDecision, item_id)


@login_required
@require_POST
def pdf_request(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_or_404(request, review_id)
    meeting = None
    raw = request.POST.get("meeting", "")
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise Http404
        meeting = ReviewMeeting.objects.filter(review=review, pk=int(raw)).first()
        if meeting is None:
            raise Http404
    job = services.request_pdf(
        request.user, review, language=get_language() or "en", meeting=meeting
    )
    return redirect("reports:review_pdf", review.pk, job.pk)


def _pdf(request: HttpRequest, review: Review, pdf_id: int) -> PackPdf:
    job = queries.pdfs_of(request.user, review).filter(pk=pdf_id).first()
    if job is None:
        raise Http404
    return job


@login_required
def pdf_page(request: HttpRequest, review_id: int, pdf_id: int) -> HttpResponse:
    review = review_or_404(request, review_id)
    job = _pdf(request, review, pdf_id)
    return render(request, "reports/packs/pdf_job.html", {"review": review, "job": job})


@login_required
def pdf_status(request: HttpRequest, review_id: int, pdf_id: int) -> HttpResponse:
    """The job's state for the page's poll; 286 stops the polling once it is finished."""
    review = review_or_404(request, review_id)
    job = _pdf(request, review, pdf_id)
    response = render(
        request, "reports/packs/partials/pdf_status.html", {"review": review, "job": job}
    )
    if job.finished:
        response.status_code = 286
    return response


@login_required
def pdf_download(request: HttpRequest, review_id: int, pdf_id: int) -> HttpResponse:
    review = review_or_404(request, review_id)
    job = PackPdf.objects.filter(review=review, pk=pdf_id, state="done").first()
    if job is None or job.content is None:
        raise Http404
    response = HttpResponse(bytes(job.content), content_type="application/pdf")
    name = f"review-{review.pk}-pack-{job.pk}-{job.language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("delivery/reviews/", reviews, name="reviews"),
    path("delivery/reviews/new/", review_new, name="review_new"),
    path("delivery/reviews/<int:review_id>/", review_detail, name="review"),
    path("delivery/reviews/<int:review_id>/pack/", pack_page, name="review_pack"),
    path("delivery/reviews/<int:review_id>/hold/", hold, name="review_hold"),
    path("delivery/reviews/<int:review_id>/row/", meeting_row, name="review_row"),
    path(
        "delivery/reviews/<int:review_id>/meetings/<int:meeting_id>/",
        meeting_detail,
        name="review_meeting",
    ),
    path(
        "delivery/reviews/<int:review_id>/actions/<int:item_id>/done/",
        action_done,
        name="review_action_done",
    ),
    path(
        "delivery/reviews/<int:review_id>/decisions/<int:item_id>/done/",
        decision_done,
        name="review_decision_done",
    ),
    path("delivery/reviews/<int:review_id>/pdf/", pdf_request, name="review_pdf_request"),
    path("delivery/reviews/<int:review_id>/pdf/<int:pdf_id>/", pdf_page, name="review_pdf"),
    path(
        "delivery/reviews/<int:review_id>/pdf/<int:pdf_id>/status/",
        pdf_status,
        name="review_pdf_status",
    ),
    path(
        "delivery/reviews/<int:review_id>/pdf/<int:pdf_id>/download/",
        pdf_download,
        name="review_pdf_download",
    ),
]
