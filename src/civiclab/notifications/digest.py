"""The daily digest e-mail: one message per person with the notifications they asked to
receive by e-mail and have not been mailed — only about what they may still see, in their
language (the discussions' and funding's digests work the same way).

An item older than ``EMAIL_WINDOW`` is not mailed any more (it stays in the app); a mail that
failed is tried again at the next run within that window.
"""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from civiclab.funding.services.digest_mail import language_of
from civiclab.notifications.display import shown
from civiclab.notifications.models import Notification
from civiclab.notifications.queries import notifications_for

log = logging.getLogger(__name__)

EMAIL_WINDOW = dt.timedelta(days=7)
# Notifications told in one e-mail (the rest: "and N more", in the app).
EMAIL_CAP = 50


def _pending(rows: Any, now: dt.datetime) -> Any:
    return rows.filter(
        email=True, emailed_at__isnull=True, created_at__gt=now - EMAIL_WINDOW, created_at__lte=now
    )


def send_digests(now: dt.datetime | None = None) -> tuple[int, int]:
    """E-mail everyone with pending notifications; returns (sent, failed)."""
    now = now or timezone.now()
    waiting = _pending(Notification.objects.all(), now).values_list("user_id", flat=True).distinct()
    people = get_user_model().objects.filter(pk__in=list(waiting), is_active=True)
    sent = failed = 0
    for person in people.order_by("pk"):
        items = list(_pending(notifications_for(person), now))
        if not items:
            continue  # everything pending is about what they may no longer see
        try:
            _send_one(person, items)
        except (SMTPException, OSError):
            log.exception("notifications digest to user %s not sent", person.pk)
            failed += 1
            continue
        Notification.objects.filter(pk__in=[item.pk for item in items]).update(emailed_at=now)
        sent += 1
    return sent, failed


def _send_one(person: Any, items: list[Notification]) -> None:
    site = settings.SITE_URL
    with translation.override(language_of(person)):
        entries = []
        for item in items[:EMAIL_CAP]:
            said = shown(item)
            entries.append({"text": said.text, "url": site + said.url})
        context = {
            "entries": entries,
            "count": len(items),
            "more": len(items) - len(entries),
            "list_url": site + reverse("notifications:list"),
            "preferences_url": site + reverse("notifications:preferences"),
        }
        subject = " ".join(
            render_to_string("notifications/email/digest_subject.txt", context).split()
        )
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    send_mail(subject, text, None, [person.email], html_message=html)
