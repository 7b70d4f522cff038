"""The digest's email: one message per person, all their searches in it, in their language,
with links to each opportunity, to the digest page and to stop each search's emails."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from itertools import groupby
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.signing import BadSignature, Signer
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from civiclab.funding.models import DigestItem, SavedSearch

log = logging.getLogger(__name__)

# An email that failed is tried again at the next runs for this long.
EMAIL_RETRY = dt.timedelta(days=7)
_UNSUBSCRIBE = Signer(salt="civiclab.funding.unsubscribe")


def language_of(user: Any) -> str:
    """The language a person reads mail in: theirs, else their first city's, else the
    server's (as the pages choose it, without a request)."""
    supported = {code for code, _name in settings.LANGUAGES}
    if user.language in supported:
        return str(user.language)
    city_language = (
        user.memberships.filter(city__isnull=False)
        .order_by("created_at")
        .values_list("city__default_language", flat=True)
        .first()
    )
    return city_language if city_language in supported else settings.LANGUAGE_CODE


def unsubscribe_token(search: SavedSearch) -> str:
    """The signed token of the email's "stop these emails" link for ``search``: it works
    without signing in, from the mailbox the digest went to."""
    return _UNSUBSCRIBE.sign(str(search.pk))


def search_of_token(token: str) -> SavedSearch | None:
    """The saved search an unsubscribe token names, or None (forged, or since deleted)."""
    try:
        pk = _UNSUBSCRIBE.unsign(token)
    except BadSignature:
        return None
    return SavedSearch.objects.filter(pk=int(pk)).first() if pk.isdigit() else None


def unsubscribe(search: SavedSearch) -> SavedSearch:
    """Stop the emails of one saved search (its items still come in-app): the token's holder
    asked, from the digest's email."""
    if search.email:
        search.email = False
        search.save(update_fields=["email"])
    return search


def send_digest_emails(now: dt.datetime, left_out: dict[int, int] | None = None) -> tuple[int, int]:
    """One email per person holding digest items not yet emailed (of searches with email
    on), in their language; returns (sent, failed). A failed email is tried again next run."""
    left_out = left_out or {}
    items = (
        DigestItem.objects.filter(
            emailed_at__isnull=True,
            dismissed_at__isnull=True,
            created_at__gt=now - EMAIL_RETRY,
            created_at__lte=now,
            search__alerts=True,
            search__email=True,
            search__user__is_active=True,
        )
        .select_related("search", "search__user", "opportunity")
        .order_by("search__user_id", "search__name", "search_id", "-created_at", "pk")
    )
    sent = failed = 0
    for _user_id, rows in groupby(items, key=lambda item: item.search.user_id):
        person_items = list(rows)
        user = person_items[0].search.user
        try:
            _send_one(user, person_items, left_out)
        except (SMTPException, OSError):
            log.exception("funding digest to user %s not sent", user.pk)
            failed += 1
            continue
        DigestItem.objects.filter(pk__in=[item.pk for item in person_items]).update(emailed_at=now)
        sent += 1
    return sent, failed


def _send_one(user: Any, items: list[DigestItem], left_out: dict[int, int]) -> None:
    site = settings.SITE_URL
    by_search: dict[int, list[DigestItem]] = defaultdict(list)
    for item in items:
        by_search[item.search_id].append(item)
    searches = []
    for entries in by_search.values():
        search = entries[0].search
        searches.append(
            {
                "name": search.name,
                "items": [
                    {
                        "title": item.opportunity.title,
                        "number": item.opportunity.number,
                        "close_date": item.opportunity.close_date,
                        "kind": item.kind,
                        "summary": item.summary,
                        "url": site + reverse("funding:opportunity", args=(item.opportunity_id,)),
                    }
                    for item in entries
                ],
                "more": left_out.get(search.pk, 0),
                "unsubscribe_url": site
                + reverse("funding:unsubscribe", args=(unsubscribe_token(search),)),
            }
        )
    context = {
        "user": user,
        "searches": searches,
        "count": len(items),
        "digest_url": site + reverse("funding:digest"),
        "searches_url": site + reverse("funding:searches"),
    }
    with translation.override(language_of(user)):
        subject = " ".join(render_to_string("funding/email/digest_subject.txt", context).split())
        text = render_to_string("funding/email/digest.txt", context)
        html = render_to_string("funding/email/digest.html", context)
    send_mail(subject, text, None, [user.email], html_message=html)
