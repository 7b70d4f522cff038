"""Discussions pages: the index (topics and cohorts), a thread and its replies, starting a
thread on any target, the inbox, and the moderators' reports. A thread the reader may not
read is a 404, like one that does not exist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.forms import add_service_errors
from civiclab.core.http import HtmxRequest
from civiclab.core.scoping import actor_for
from civiclab.exchange.forms.discussions import ReplyForm, ReportForm, ThreadForm
from civiclab.exchange.models.discussions import COHORT, TOPIC, Thread
from civiclab.exchange.queries import discussions as queries
from civiclab.exchange.services import discussions as services
from civiclab.network.models import Network


def _readable(request: HtmxRequest, pk: int) -> Thread:
    return get_object_or_404(queries.readable_threads(request.user), pk=pk)


@login_required
def index(request: HtmxRequest) -> HttpResponse:
    """Topics of the reader's networks, their cohorts' threads, and all recent threads."""
    user = request.user
    networks = Network.objects.filter(pk__in=queries.member_networks(user))
    cohorts = list(queries.visible_cohorts(user))
    readable = queries.readable_threads(user)
    page = Paginator(readable, queries.THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/discussions/index.html",
        {
            "networks": [
                {
                    "network": network,
                    "threads": readable.filter(target_kind=TOPIC, network=network)[:10],
                    "may_write": queries.may_write_in(user, network.pk),
                }
                for network in networks
            ],
            "cohorts": [
                {
                    "cohort": cohort,
                    "threads": readable.filter(target_kind=COHORT, target_id=cohort.pk)[:10],
                    "may_write": queries.may_write_in(user, cohort.network_id),
                }
                for cohort in cohorts
            ],
            "page": page,
        },
    )


@login_required
def new_thread(request: HtmxRequest) -> HttpResponse:
    """Start a thread on ``?kind=…&target=…`` (a topic: the network's id)."""
    kind = request.GET.get("kind", "")[:32]
    target = request.GET.get("target", "")
    if not target.isdigit() or len(target) > 18:
        raise Http404
    try:
        network, obj = services.resolve_target(request.user, kind, int(target))
    except ValidationError:
        raise Http404 from None
    if not queries.may_write_in(request.user, network.pk):
        raise PermissionDenied(_("Viewers read discussions; members write in them."))
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.start_thread(
                request.user,
                kind,
                int(target),
                form.cleaned_data["title"],
                form.cleaned_data["body"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thread started."))
            return redirect("exchange:discussion_thread", thread.pk)
    return render(
        request,
        "exchange/discussions/new.html",
        {"form": form, "kind": kind, "target": target, "network": network, "about": str(obj)},
        status=422 if form.errors else 200,
    )


def _thread_context(request: HtmxRequest, thread: Thread, form: Any = None) -> dict[str, Any]:
    user = request.user
    moderator = queries.is_moderator(user, thread.network_id)
    paginator = Paginator(queries.thread_posts(thread), queries.POSTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    about, about_url = queries.target_of(user, thread)
    return {
        "thread": thread,
        "page": page,
        "posts": queries.present_posts(page.object_list, moderator),
        "moderator": moderator,
        "may_write": queries.may_write_in(user, thread.network_id) and not thread.locked,
        "subscribed": queries.is_subscribed(user, thread),
        "about": about,
        "about_url": about_url,
        "form": form or ReplyForm(),
        "report_form": ReportForm(),
    }


@login_required
def thread_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    thread = _readable(request, pk)
    return render(request, "exchange/discussions/thread.html", _thread_context(request, thread))


@login_required
@require_POST
def reply(request: HtmxRequest, pk: int) -> HttpResponse:
    thread = _readable(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply(request.user, thread, form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(reverse("exchange:discussion_thread", args=(thread.pk,)) + "#latest")
    return render(
        request,
        "exchange/discussions/thread.html",
        _thread_context(request, thread, form),
        status=422,
    )


def _back(thread: Thread) -> HttpResponse:
    return redirect("exchange:discussion_thread", thread.pk)


@login_required
@require_POST
def subscription(request: HtmxRequest, pk: int) -> HttpResponse:
    thread = _readable(request, pk)
    if request.POST.get("follow") == "1":
        services.subscribe(request.user, thread)
        messages.success(request, _("You follow this thread."))
    else:
        services.unsubscribe(request.user, thread)
        messages.success(request, _("You no longer follow this thread."))
    return _back(thread)


@login_required
@require_POST
def lock(request: HtmxRequest, pk: int) -> HttpResponse:
    thread = _readable(request, pk)
    services.lock_thread(request.user, thread, request.POST.get("locked") == "1")
    return _back(thread)


def _post_or_404(request: HtmxRequest, pk: int) -> Any:
    post = queries.readable_post(request.user, pk)
    if post is None:
        raise Http404
    return post


@login_required
@require_POST
def report(request: HtmxRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.report_post(request.user, post, reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: the network's moderators will look at it."))
    return _back(post.thread)


@login_required
@require_POST
def hide(request: HtmxRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    services.hide_post(request.user, post, request.POST.get("hidden") == "1")
    return _back(post.thread)


@login_required
def inbox(request: HtmxRequest) -> HttpResponse:
    items = queries.inbox(request.user)
    if request.GET.get("unread") == "1":
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, queries.INBOX_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/discussions/inbox.html",
        {"page": page, "unread": queries.unread_count(request.user)},
    )


@login_required
@require_POST
def inbox_read(request: HtmxRequest) -> HttpResponse:
    item = request.POST.get("item", "")
    ids = [int(item)] if item.isdigit() and len(item) < 19 else None
    services.mark_read(request.user, ids)
    if ids and request.POST.get("open"):
        found = queries.inbox(request.user).filter(pk=ids[0]).first()
        if found is not None:
            return redirect(
                reverse("exchange:discussion_thread", args=(found.thread_id,))
                + f"#post-{found.post_id}"
            )
    return redirect("exchange:discussion_inbox")


@login_required
def reports(request: HtmxRequest) -> HttpResponse:
    """The moderators' list of reported posts (network admins only)."""
    if not actor_for(request.user).network_admin_of():
        raise Http404
    page = Paginator(queries.open_reports(request.user), queries.INBOX_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "exchange/discussions/reports.html", {"page": page})


urlpatterns: list[URLPattern] = [
    path("exchange/discussions/", index, name="discussions"),
    path("exchange/discussions/new/", new_thread, name="discussion_new"),
    path("exchange/discussions/inbox/", inbox, name="discussion_inbox"),
    path("exchange/discussions/inbox/read/", inbox_read, name="discussion_inbox_read"),
    path("exchange/discussions/reports/", reports, name="discussion_reports"),
    path("exchange/discussions/<int:pk>/", thread_detail, name="discussion_thread"),
    path("exchange/discussions/<int:pk>/reply/", reply, name="discussion_reply"),
    path("exchange/discussions/<int:pk>/follow/", subscription, name="discussion_follow"),
    path("exchange/discussions/<int:pk>/lock/", lock, name="discussion_lock"),
    path("exchange/discussions/posts/<int:pk>/report/", report, name="discussion_report"),
    path("exchange/discussions/posts/<int:pk>/hide/", hide, name="discussion_hide"),
]
