"""Discussions under /api/v1/exchange/discussions/: a thread the caller may not read is a 404,
the same as one that does not exist."""

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Id, Page
from civiclab.exchange.models.discussions import KIND_LIMIT, DiscussionPost, Thread
from civiclab.exchange.queries import discussions as queries
from civiclab.exchange.schemas.discussions import (
    CountOut,
    HiddenIn,
    InboxItemOut,
    InboxRead,
    LockedIn,
    PostCreate,
    PostOut,
    PostPage,
    ReportCreate,
    SubscriptionOut,
    ThreadCreate,
    ThreadFilters,
    ThreadOut,
)
from civiclab.exchange.services import discussions as services

# Pages of a thread's posts one may ask for (25 a page: a quarter of a million posts).
PAGE_LIMIT = 10_000

router = Router(tags=["exchange"])


def _thread(request: ApiRequest, thread_id: int) -> Thread:
    return get_object_or_404(queries.readable_threads(request.auth), pk=thread_id)


def _post(request: ApiRequest, post_id: int) -> DiscussionPost:
    post = queries.readable_post(request.auth, post_id)
    if post is None:
        raise Http404
    return post


def _shown(request: ApiRequest, post: DiscussionPost) -> DiscussionPost:
    moderator = queries.is_moderator(request.auth, post.thread.network_id)
    post = queries.present_posts([post], moderator)[0]
    return _out(post)


def _out(post: Any) -> Any:
    post.body_out = post.shown_body
    post.html_out = post.html or post.notice
    return post


@router.get(
    "/discussions/threads",
    response={200: list[ThreadOut], **READ_ERRORS},
    operation_id="list_discussion_threads",
    summary="Threads you may read, newest activity first (filter by target or network)",
)
@paginate(Page)
def list_threads(request: ApiRequest, filters: Query[ThreadFilters]):
    threads = queries.readable_threads(request.auth)
    if filters.kind:
        threads = threads.filter(target_kind=filters.kind[:KIND_LIMIT])
    if filters.target is not None:
        threads = threads.filter(target_id=filters.target)
    if filters.network:
        threads = threads.filter(network__slug=filters.network[:100])
    return threads


@router.post(
    "/discussions/threads",
    response={201: ThreadOut, **ERRORS},
    operation_id="create_discussion_thread",
    summary="Start a thread on a topic, cohort or object you may see, with its first post",
)
def create_thread(request: ApiRequest, payload: ThreadCreate) -> Status:
    try:
        thread = services.start_thread(
            request.auth, payload.kind, payload.target, payload.title, payload.body
        )
    except ValidationError as exc:
        # A target one may not see answers as one that does not exist.
        if hasattr(exc, "error_dict") and "target" in exc.error_dict:
            raise Http404 from None
        raise
    return Status(201, _thread(request, thread.pk))


@router.get(
    "/discussions/threads/{thread_id}",
    response={200: ThreadOut, **READ_ERRORS},
    operation_id="get_discussion_thread",
    summary="One thread",
)
def get_thread(request: ApiRequest, thread_id: Id) -> Thread:
    return _thread(request, thread_id)


@router.get(
    "/discussions/threads/{thread_id}/posts",
    response={200: PostPage, **READ_ERRORS},
    operation_id="list_discussion_posts",
    summary="A thread's posts, oldest first, a page at a time",
)
def list_posts(
    request: ApiRequest,
    thread_id: Id,
    page: Annotated[int, Field(ge=1, le=PAGE_LIMIT, description="1 to 10,000")] = 1,
) -> dict[str, Any]:
    from django.core.paginator import Paginator

    thread = _thread(request, thread_id)
    paginator = Paginator(queries.thread_posts(thread), queries.POSTS_PER_PAGE)
    if not 1 <= page <= max(paginator.num_pages, 1):
        raise Http404
    moderator = queries.is_moderator(request.auth, thread.network_id)
    posts = queries.present_posts(paginator.page(page).object_list, moderator)
    return {
        "items": [_out(post) for post in posts],
        "count": paginator.count,
        "page": page,
        "pages": paginator.num_pages,
    }


@router.post(
    "/discussions/threads/{thread_id}/posts",
    response={201: PostOut, **ERRORS},
    operation_id="create_discussion_post",
    summary="Reply in a thread (you follow it from then on)",
)
def create_post(request: ApiRequest, thread_id: Id, payload: PostCreate) -> Status:
    post = services.reply(request.auth, _thread(request, thread_id), payload.body)
    return Status(201, _shown(request, post))


@router.put(
    "/discussions/threads/{thread_id}/subscription",
    response={200: SubscriptionOut, **ERRORS},
    operation_id="subscribe_discussion_thread",
    summary="Follow a thread",
)
def subscribe(request: ApiRequest, thread_id: Id) -> dict[str, Any]:
    services.subscribe(request.auth, _thread(request, thread_id))
    return {"thread": thread_id, "subscribed": True}


@router.delete(
    "/discussions/threads/{thread_id}/subscription",
    response={200: SubscriptionOut, **ERRORS},
    operation_id="unsubscribe_discussion_thread",
    summary="Stop following a thread",
)
def unsubscribe(request: ApiRequest, thread_id: Id) -> dict[str, Any]:
    services.unsubscribe(request.auth, _thread(request, thread_id))
    return {"thread": thread_id, "subscribed": False}


@router.put(
    "/discussions/threads/{thread_id}/lock",
    response={200: ThreadOut, **ERRORS},
    operation_id="lock_discussion_thread",
    summary="Lock or unlock a thread (network admins)",
)
def lock(request: ApiRequest, thread_id: Id, payload: LockedIn) -> Thread:
    services.lock_thread(request.auth, _thread(request, thread_id), payload.locked)
    return _thread(request, thread_id)


@router.post(
    "/discussions/posts/{post_id}/report",
    response={201: None, **ERRORS},
    operation_id="report_discussion_post",
    summary="Report a post to the network's moderators",
)
def report(request: ApiRequest, post_id: Id, payload: ReportCreate) -> Status:
    services.report_post(request.auth, _post(request, post_id), payload.reason)
    return Status(201, None)


@router.put(
    "/discussions/posts/{post_id}/hidden",
    response={200: PostOut, **ERRORS},
    operation_id="hide_discussion_post",
    summary="Hide a post's text from readers, or show it again (network admins)",
)
def hide(request: ApiRequest, post_id: Id, payload: HiddenIn) -> DiscussionPost:
    post = services.hide_post(request.auth, _post(request, post_id), payload.hidden)
    return _shown(request, post)


@router.get(
    "/discussions/inbox",
    response={200: list[InboxItemOut], **READ_ERRORS},
    operation_id="list_discussion_inbox",
    summary="Your inbox: posts in threads you follow and mentions of you, newest first",
)
@paginate(Page)
def list_inbox(request: ApiRequest, unread: bool = False):
    items = queries.inbox(request.auth)
    return items.filter(read_at__isnull=True) if unread else items


@router.get(
    "/discussions/inbox/count",
    response={200: CountOut, **READ_ERRORS},
    operation_id="count_discussion_inbox",
    summary="How many inbox items you have not read",
)
def inbox_count(request: ApiRequest) -> dict[str, int]:
    return {"unread": queries.unread_count(request.auth)}


@router.post(
    "/discussions/inbox/read",
    response={200: CountOut, **ERRORS},
    operation_id="read_discussion_inbox",
    summary="Mark inbox items (or all) read; answers the unread count left",
)
def read_inbox(request: ApiRequest, payload: InboxRead) -> dict[str, int]:
    services.mark_read(request.auth, payload.items)
    return {"unread": queries.unread_count(request.auth)}
