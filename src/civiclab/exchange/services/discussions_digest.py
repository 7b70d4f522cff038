"""The discussions' daily digest email: one message per person with the unread inbox items
not yet emailed, in their language — only of threads they may still read, hidden posts
without their text.

An item older than ``EMAIL_WINDOW`` is not emailed any more (it stays in the inbox); an email
that failed is tried again at the next run within that window.
"""

from __future__ import annotations

import datetime as dt
import logging
from itertools import groupby
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from civiclab.exchange.discussions_markdown import plain_excerpt
from civiclab.exchange.models.discussions import DiscussionInboxItem
from civiclab.exchange.queries.discussions import inbox
from civiclab.funding.services.digest_mail import language_of

log = logging.getLogger(__name__)

EMAIL_WINDOW = dt.timedelta(days=7)
# Posts told in one email (the rest: "and N more", in the inbox).
EMAIL_CAP = 50


def send_digests(now: dt.datetime | None = None) -> tuple[int, int]:
    """Email everyone with unread, un-emailed inbox items; returns (sent, failed)."""
    now = now or timezone.now()
    waiting = (
        DiscussionInboxItem.objects.filter(
            read_at__isnull=True,
            emailed_at__isnull=True,
            created_at__gt=now - EMAIL_WINDOW,
            created_at__lte=now,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    people = get_user_model().objects.filter(pk__in=list(waiting), is_active=True)
    sent = failed = 0
    for person in people.order_by("pk"):
        items = list(
            inbox(person).filter(
                read_at__isnull=True,
                emailed_at__isnull=True,
                created_at__gt=now - EMAIL_WINDOW,
                created_at__lte=now,
            )
        )
        if not items:
            continue  # every item is of a thread they may no longer read
        try:
            _send_one(person, items)
        except (SMTPException, OSError):
            log.exception("discussions digest to user %s not sent", person.pk)
            failed += 1
            continue
        DiscussionInboxItem.objects.filter(pk__in=[item.pk for item in items]).update(
            emailed_at=now
        )
        sent += 1
    return sent, failed


def _send_one(person: Any, items: list[DiscussionInboxItem]) -> None:
    from civiclab.accounts.people import display_name

    site = settings.SITE_URL
    shown = items[:EMAIL_CAP]
    threads = []
    for _thread_id, rows in groupby(shown, key=lambda item: item.thread_id):
        entries = list(rows)
        thread = entries[0].thread
        threads.append(
            {
                "title": thread.title,
                "url": site + reverse("exchange:discussion_thread", args=(thread.pk,)),
                "posts": [
                    {
                        "author": display_name(item.post.author) if item.post.author else "",
                        "mention": item.reason == "mention",
                        "excerpt": "" if item.post.hidden else plain_excerpt(item.post.body),
                        "hidden": item.post.hidden,
                    }
                    for item in entries
                ],
            }
        )
    context = {
        "user": person,
        "threads": threads,
        "count": len(items),
        "more": len(items) - len(shown),
        "inbox_url": site + reverse("exchange:discussion_inbox"),
    }
    with translation.override(language_of(person)):
        subject = " ".join(
            render_to_string("exchange/discussions/email/digest_subject.txt", context).split()
        )
        text = render_to_string("exchange/discussions/email/digest.txt", context)
        html = render_to_string("exchange/discussions/email/digest.html", context)
    send_mail(subject, text, None, [person.email], html_message=html)
