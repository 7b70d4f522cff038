"""Saved searches, followed challenges and their digests.

A saved search is its owner's alone: only they see, change or delete it (``queries.alerts``),
and nothing about it is written to the audit log — the log is read by city and network admins,
and a person's saved searches and what they dismiss are not the city's business (they change
nothing anyone else sees).

The digest (``build_digests``, run daily by the worker after the catalogue sync): for every
saved search with alerts on, the opportunities new or changed in a way that matters since its
last digest, that the search still finds (a followed challenge: that rank among its best
matches), each told once, at most ``DIGEST_CAP`` per search; then one email per person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civiclab.core.scoping import actor_for
from civiclab.funding import search as finder
from civiclab.funding.catalogue.eligibility import Status
from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS
from civiclab.funding.models import (
    CHANGE_KINDS,
    FUNDER_TYPES,
    CatalogueImport,
    DigestItem,
    MatchDismissal,
    Opportunity,
    OpportunityChange,
    SavedSearch,
)
from civiclab.funding.search import SearchFilters
from civiclab.funding.services.digest_mail import language_of, send_digest_emails
from civiclab.portfolio.queries import visible_challenges

log = logging.getLogger(__name__)

# How many saved searches and followed challenges one person may keep (docs/funding.md).
MAX_SEARCHES = 50
NAME_LIMIT = 200
QUERY_LIMIT = 500
# A list filter (categories, agencies…) holds at most this many values, each this long.
MAX_FILTER_VALUES = 50
FILTER_VALUE_LIMIT = 100
# Closing within N days: 1 to a year.
MAX_CLOSING_WITHIN = 366
# An award ceiling filter: a whole number of dollars a bigint holds.
MAX_AMOUNT = 10**15

ELIGIBILITY_CHOICES = ("for_my_city", "eligible", "all")
STATUS_CHOICES = ("", "open", "forecast", "closing", "closed", "any")
LIST_CHOICES: dict[str, set[str] | None] = {
    "categories": set(ACTIVITY_CATEGORIES),
    "agencies": None,  # agency codes are whatever the catalogue holds
    "instruments": set(INSTRUMENTS),
    "funder_types": {code for code, _label in FUNDER_TYPES},
}
FILTER_FIELDS = {f.name for f in dataclasses.fields(SearchFilters)}
DEFAULT_FILTERS = dataclasses.asdict(SearchFilters())


def clean_filters(filters: Any) -> dict[str, Any]:
    """``filters`` checked against ``SearchFilters``' fields and their values, returned with
    the defaults left out (what is stored). Every problem is named in one ValidationError."""
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise ValidationError({"filters": _("Filters must be an object of filter names.")})
    if len(filters) > len(FILTER_FIELDS):
        raise ValidationError(
            {"filters": _("At most %(most)s filters.") % {"most": len(FILTER_FIELDS)}}
        )
    problems: list[str] = []
    cleaned: dict[str, Any] = {}
    for key, value in filters.items():
        if key not in FILTER_FIELDS:
            problems.append(
                _("Unknown filter “%(key)s”: use %(fields)s.")
                % {"key": str(key)[:50], "fields": ", ".join(sorted(FILTER_FIELDS))}
            )
            continue
        problem = _filter_problem(key, value)
        if problem:
            problems.append(problem)
        elif value != DEFAULT_FILTERS[key] and value is not None:
            cleaned[key] = sorted(set(value)) if isinstance(value, list) else value
    low, high = cleaned.get("min_ceiling"), cleaned.get("max_ceiling")
    if low is not None and high is not None and low > high:
        problems.append(_("The smallest award ceiling is larger than the largest."))
    if problems:
        raise ValidationError({"filters": problems})
    return cleaned


def _filter_problem(key: str, value: Any) -> str | None:
    if key == "eligibility":
        if value not in ELIGIBILITY_CHOICES:
            return _("Eligibility must be one of %(choices)s.") % {
                "choices": ", ".join(ELIGIBILITY_CHOICES)
            }
    elif key == "status":
        if value not in STATUS_CHOICES:
            return _("Status must be empty or one of %(choices)s.") % {
                "choices": ", ".join(c for c in STATUS_CHOICES if c)
            }
    elif key == "closing_within":
        if value is not None and not _whole(value, 1, MAX_CLOSING_WITHIN):
            return _("Closing within must be a whole number of days from 1 to %(most)s.") % {
                "most": MAX_CLOSING_WITHIN
            }
    elif key in ("min_ceiling", "max_ceiling"):
        if value is not None and not _whole(value, 0, MAX_AMOUNT):
            return _("%(filter)s must be a whole amount from 0 to %(most)s.") % {
                "filter": key,
                "most": MAX_AMOUNT,
            }
    elif key == "cost_sharing":
        if value is not None and not isinstance(value, bool):
            return _("Cost sharing must be true, false or null.")
    elif key in LIST_CHOICES:
        return _list_problem(key, value)
    else:
        return _plain_problem(key, value)
    return None


def _plain_problem(key: str, value: Any) -> str | None:
    """A filter the search interface declares that this module does not know by name: any
    plain, bounded value (a number, a flag, a short text or a list of codes)."""
    if value is None or isinstance(value, bool) or _whole(value, -MAX_AMOUNT, MAX_AMOUNT):
        return None
    if isinstance(value, str) and len(value) <= FILTER_VALUE_LIMIT:
        return None
    if isinstance(value, list):
        return _list_problem(key, value)
    return _("%(filter)s must be a number, true or false, or a short text.") % {"filter": key}


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _list_problem(key: str, value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return _("%(filter)s must be a list of codes.") % {"filter": key}
    if len(value) > MAX_FILTER_VALUES:
        return _("%(filter)s holds at most %(most)s values.") % {
            "filter": key,
            "most": MAX_FILTER_VALUES,
        }
    choices = LIST_CHOICES.get(key)
    unknown = [v for v in value if (v not in choices if choices else len(v) > FILTER_VALUE_LIMIT)]
    if unknown:
        return _("Unknown %(filter)s: %(values)s.") % {
            "filter": key,
            "values": ", ".join(v[:FILTER_VALUE_LIMIT] for v in unknown[:5]),
        }
    return None


def search_filters(search: SavedSearch) -> SearchFilters:
    """The saved search's filters as the search interface takes them (stored ones were
    checked when saved; a key a later version no longer knows is ignored)."""
    known = {k: v for k, v in (search.filters or {}).items() if k in FILTER_FIELDS}
    return SearchFilters(**known)


def _require_signed_in(by: Any) -> None:
    if by is None or not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to save searches."))


def _require_owner(by: Any, search: SavedSearch) -> None:
    _require_signed_in(by)
    if search.user_id != by.pk:
        raise PermissionDenied(_("Only the person who saved this search may change it."))


def _check_room(by: Any) -> None:
    if SavedSearch.objects.filter(user_id=by.pk).count() >= MAX_SEARCHES:
        raise ValidationError(
            {
                "name": _(
                    "You already keep %(most)s saved searches and followed challenges, the "
                    "most one person may: delete one first."
                )
                % {"most": MAX_SEARCHES}
            }
        )


def _bounded(field: str, value: str, limit: int, label: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("%(field)s holds at most %(most)s characters (this one has %(length)s).")
                % {"field": label, "most": limit, "length": len(value)}
            }
        )
    return value


def save_search(
    by: Any,
    city: Any,
    name: str,
    query: str = "",
    filters: dict[str, Any] | None = None,
    *,
    alerts: bool = True,
    email: bool = True,
) -> SavedSearch:
    """Save the catalogue's ``query`` and ``filters`` for ``by``, searched as ``city`` (whose
    eligibility the search applies): a city where ``by`` holds a role."""
    _require_signed_in(by)
    if actor_for(by).role_in_city(city.network_id, city.pk) is None:
        raise PermissionDenied(_("You may only save searches for a city you belong to."))
    search = SavedSearch(
        user=by,
        city=city,
        name=_bounded("name", name, NAME_LIMIT, _("The name")),
        query=_bounded("query", query, QUERY_LIMIT, _("The search")),
        filters=clean_filters(filters),
        alerts=alerts,
        email=email,
    )
    with transaction.atomic():
        _check_room(by)
        search.full_clean()
        search.save()
    return search


def follow_challenge(by: Any, challenge: Any, name: str = "") -> SavedSearch:
    """``by`` follows ``challenge``'s matches (a challenge they can see); following it again
    returns the search that already follows it."""
    _require_signed_in(by)
    if not visible_challenges(by).filter(pk=challenge.pk).exists():
        raise PermissionDenied(_("You cannot see this challenge."))
    existing = SavedSearch.objects.filter(user_id=by.pk, challenge=challenge).first()
    if existing is not None:
        return existing
    label = name.strip() or challenge.title
    search = SavedSearch(
        user=by,
        city=challenge.city,
        challenge=challenge,
        name=_bounded("name", label[:NAME_LIMIT], NAME_LIMIT, _("The name")),
    )
    with transaction.atomic():
        _check_room(by)
        search.full_clean()
        search.save()
    return search


EDITABLE = ("name", "query", "filters", "alerts", "email")


def update_search(by: Any, search: SavedSearch, **changes: Any) -> SavedSearch:
    """Rename, change the query or filters, or turn alerts and email on or off."""
    _require_owner(by, search)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These cannot be changed: %(f)s.") % {"f": ", ".join(unknown)})
    if "name" in changes:
        search.name = _bounded("name", changes["name"], NAME_LIMIT, _("The name"))
    if "query" in changes:
        if search.challenge_id and changes["query"]:
            raise ValidationError({"query": _("A followed challenge has no search text.")})
        search.query = _bounded("query", changes["query"], QUERY_LIMIT, _("The search"))
    if "filters" in changes:
        if search.challenge_id and changes["filters"]:
            raise ValidationError({"filters": _("A followed challenge has no filters.")})
        search.filters = clean_filters(changes["filters"])
    for flag in ("alerts", "email"):
        if flag in changes:
            if not isinstance(changes[flag], bool):
                raise ValidationError({flag: _("Must be true or false.")})
            setattr(search, flag, changes[flag])
    search.full_clean()
    search.save()
    return search


def delete_search(by: Any, search: SavedSearch) -> None:
    """Delete a saved search and its digest items."""
    _require_owner(by, search)
    search.delete()


def dismiss_item(by: Any, item: DigestItem) -> DigestItem:
    """Take an item off its owner's digest (kept, so it is never brought back)."""
    _require_signed_in(by)
    if item.search.user_id != by.pk:
        raise PermissionDenied(_("Only its owner may dismiss a digest item."))
    if item.dismissed_at is None:
        item.dismissed_at = timezone.now()
        item.save(update_fields=["dismissed_at"])
    return item


# --- The digest --------------------------------------------------------------------------------

# The changes worth telling: a new opportunity, a forecast posted, a deadline set, moved or
# reopened, the money or who may apply changed. Not told: a floor or a detail edited, a
# closing or archiving (nothing left to do) — the daily firehose this digest is not.
TOLD_CHANGES = frozenset(
    {
        "posted",
        "deadline_set",
        "deadline_extended",
        "deadline_moved_earlier",
        "reopened",
        "ceiling_changed",
        "funding_changed",
        "eligibility_changed",
    }
)
# An opportunity a search finds is told once more when its deadline comes this close.
CLOSING_SOON_DAYS = 14
# At most this many items per search in one digest; the rest are counted in the email.
DIGEST_CAP = 20
# A followed challenge is told of an opportunity that would rank among its best this many
# matches over the whole catalogue (and that it may be eligible for).
MATCH_TOP = 50
# Opportunities handed to one search or match call (a first digest after a large import).
CHUNK = 2_000
SUMMARY_LIMIT = 500
# An import still "running" after this long died; it no longer holds the digest back.
RUNNING_IMPORT_AGE = dt.timedelta(hours=6)
CHANGE_LABELS = dict(CHANGE_KINDS)


@dataclasses.dataclass
class DigestRun:
    """What one run did: searches digested, items made, items left over the cap, emails sent
    and failed, searches that failed."""

    searches: int = 0
    items: int = 0
    left_out: int = 0
    emails: int = 0
    failed_emails: int = 0
    failed_searches: int = 0


@dataclasses.dataclass(slots=True)
class _Candidate:
    kind: str  # "new" or "changed"
    changes: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    latest: dt.datetime | None = None  # the latest change told
    closes: dt.date | None = None  # closing soon


def build_digests(now: dt.datetime | None = None) -> DigestRun:
    """Add to each saved search with alerts on the opportunities new or changed since its
    last digest that it finds, then email each person who asked for it one digest."""
    now = _settled(now or timezone.now())
    run = DigestRun()
    left_out: dict[int, int] = {}
    searches = (
        SavedSearch.objects.filter(alerts=True, user__is_active=True)
        .select_related("user", "city", "challenge")
        .order_by("pk")
    )
    news: dict[dt.datetime, _Rows] = {}
    # Read first, then written one by one: SQLite gives no isolation between a cursor still
    # being read and writes on the same connection (at most 50 searches a person).
    for search in list(searches):
        try:
            made, left = _digest_search(search, now, news)
        except Exception:
            # One search that fails (its search or match raised) must not stop the others'
            # digests; it keeps its place and is tried again at the next run.
            log.exception("funding digest of saved search %s failed", search.pk)
            run.failed_searches += 1
            continue
        run.searches += 1
        run.items += made
        run.left_out += left
        if left:
            left_out[search.pk] = left
    run.emails, run.failed_emails = send_digest_emails(now, left_out)
    log.info("funding digests: %s", run)
    return run


def _settled(now: dt.datetime) -> dt.datetime:
    """``now``, or the start of a catalogue import still running: what it writes (dated from
    its start on) is not committed yet, and is read at the next run rather than skipped.
    An import "running" for longer than RUNNING_IMPORT_AGE is a dead one and holds nothing."""
    started = CatalogueImport.objects.filter(
        status="running", started_at__lte=now, started_at__gt=now - RUNNING_IMPORT_AGE
    ).aggregate(first=Min("started_at"))["first"]
    return min(now, started) if started else now


def _digest_search(
    search: SavedSearch, now: dt.datetime, news: dict[dt.datetime, _Rows]
) -> tuple[int, int]:
    since = search.last_digest_at or search.created_at
    today = timezone.localdate(now)
    if since not in news:
        news[since] = _catalogue_news(since, now, today)
    candidates = _candidates(news[since])
    if search.challenge_id is not None:
        dismissed = MatchDismissal.objects.filter(challenge_id=search.challenge_id)
        for pk in dismissed.values_list("opportunity_id", flat=True):
            candidates.pop(pk, None)
    _drop_told(search, candidates, today)
    ranked: list[int] = []
    found = 0
    if candidates:
        ranked, found = _found(search, set(candidates), today)
    kept = ranked[:DIGEST_CAP]
    with translation.override(language_of(search.user)):
        items = [
            DigestItem(
                search=search,
                opportunity_id=pk,
                kind=candidates[pk].kind,
                summary=_summary(candidates[pk], today),
                created_at=now,
            )
            for pk in kept
        ]
    with transaction.atomic():
        DigestItem.objects.bulk_create(items)
        SavedSearch.objects.filter(pk=search.pk).update(last_digest_at=now)
    return len(items), max(found - len(kept), 0)


_Rows = tuple[list[int], list[tuple[int, str, str, str, dt.datetime]], list[tuple[int, dt.date]]]


def _catalogue_news(since: dt.datetime, now: dt.datetime, today: dt.date) -> _Rows:
    """What the catalogue did between ``since`` and ``now``: the opportunities added, the
    changes worth telling, and those closing soon (read once per ``since`` in a run: most
    searches were digested together at the previous run)."""
    new = Opportunity.objects.filter(first_seen__gt=since, first_seen__lte=now)
    changes = OpportunityChange.objects.filter(
        at__gt=since, at__lte=now, kind__in=TOLD_CHANGES
    ).order_by("at", "pk")
    closing = Opportunity.objects.filter(
        doc_type="synopsis",
        close_date__gte=today,
        close_date__lte=today + dt.timedelta(days=CLOSING_SOON_DAYS),
    )
    return (
        list(new.values_list("pk", flat=True)),
        list(changes.values_list("opportunity_id", "kind", "before", "after", "at")),
        list(closing.values_list("pk", "close_date")),  # type: ignore[arg-type]  # close_date__gte: never None
    )


def _candidates(rows: _Rows) -> dict[int, _Candidate]:
    """Opportunities new, changed in a way worth telling, or closing soon."""
    new, changes, closing = rows
    candidates = {pk: _Candidate("new") for pk in new}
    for pk, kind, before, after, at in changes:
        candidate = candidates.setdefault(pk, _Candidate("changed"))
        if candidate.kind == "changed":
            candidate.changes.append((kind, before, after))
            candidate.latest = at
    for pk, closes in closing:
        candidates.setdefault(pk, _Candidate("changed")).closes = closes
    return candidates


def _drop_told(search: SavedSearch, candidates: dict[int, _Candidate], today: dt.date) -> None:
    """Leave out what this search already told: an opportunity once new, a change told after
    it happened, a deadline told since it came within the closing-soon window."""
    # A search's items are few (at most DIGEST_CAP a day): read them all rather than name
    # every candidate in the query (a first digest after a large import has thousands).
    told_new: set[int] = set()
    last_told: dict[int, dt.datetime] = {}
    for pk, kind, at in DigestItem.objects.filter(search=search).values_list(
        "opportunity_id", "kind", "created_at"
    ):
        if kind == "new":
            told_new.add(pk)
        last_told[pk] = max(at, last_told.get(pk, at))
    # Only what was told can be left out: the rest of the candidates are not looked at.
    for pk, told_at in last_told.items():
        candidate = candidates.get(pk)
        if candidate is None:
            continue
        if candidate.kind == "new":
            if pk in told_new:
                del candidates[pk]
            continue
        if candidate.latest is not None and told_at >= candidate.latest:
            candidate.changes, candidate.latest = [], None
        if candidate.closes is not None:
            window = candidate.closes - dt.timedelta(days=CLOSING_SOON_DAYS)
            if timezone.localdate(told_at) >= window:
                candidate.closes = None
        if not candidate.changes and candidate.closes is None:
            del candidates[pk]


def _found(search: SavedSearch, ids: set[int], today: dt.date) -> tuple[list[int], int]:
    """The candidates the search finds (best first), and how many it finds."""
    if search.challenge_id is not None:
        return _matched(search, ids, today)
    # Eligibility is judged with the city's profile: someone who left the city hears no more.
    if actor_for(search.user).role_in_city(search.city.network_id, search.city_id) is None:
        return [], 0
    filters = search_filters(search)
    scored: list[tuple[float, int]] = []
    total = 0
    for chunk in _chunks(ids):
        page = finder.search(
            search.user,
            search.city,
            search.query,
            filters,
            limit=DIGEST_CAP,
            only_ids=chunk,
            today=today,
        )
        total += page.total
        scored.extend(
            (hit.score, hit.opportunity.pk) for hit in page.hits if hit.opportunity.pk in ids
        )
    scored.sort(key=lambda each: -each[0])
    return [pk for _score, pk in scored], total


def _matched(search: SavedSearch, ids: set[int], today: dt.date) -> tuple[list[int], int]:
    # Someone who can no longer see the challenge hears no more of it.
    challenge_id = search.challenge_id
    if challenge_id is None or not visible_challenges(search.user).filter(pk=challenge_id).exists():
        return [], 0
    dismissed = set(
        MatchDismissal.objects.filter(challenge_id=challenge_id).values_list(
            "opportunity_id", flat=True
        )
    )
    # The floor: the score of the last of the challenge's best matches it may apply for and
    # did not dismiss (none when there are fewer: all it matches count).
    best = [
        m
        for m in finder.match(
            search.user, challenge=search.challenge, limit=MATCH_TOP + len(dismissed), today=today
        )
        if m.opportunity.pk not in dismissed and _may_apply(m)
    ]
    floor = best[MATCH_TOP - 1].score if len(best) >= MATCH_TOP else 0.0
    scored: list[tuple[float, int]] = []
    for chunk in _chunks(ids):
        matches = finder.match(
            search.user, challenge=search.challenge, limit=len(chunk), only_ids=chunk, today=today
        )
        scored.extend(
            (m.score, m.opportunity.pk)
            for m in matches
            if m.opportunity.pk in ids and m.score > 0 and m.score >= floor and _may_apply(m)
        )
    scored.sort(key=lambda each: -each[0])
    return [pk for _score, pk in scored], len(scored)


def _may_apply(match: finder.Match) -> bool:
    return Status(match.eligibility.status) is not Status.INELIGIBLE


def _chunks(ids: set[int]) -> list[set[int]]:
    ordered = sorted(ids)
    return [set(ordered[i : i + CHUNK]) for i in range(0, len(ordered), CHUNK)]


def _summary(candidate: _Candidate, today: dt.date) -> str:
    """What happened, in the owner's language (the summary is read by its owner alone)."""
    parts = []  # a new opportunity needs no more words than its kind ("New")
    for kind, before, after in candidate.changes:
        label = str(CHANGE_LABELS.get(kind, kind))
        parts.append(f"{label}: {before or '—'} → {after or '—'}" if before or after else label)
    if candidate.closes is not None:
        days = (candidate.closes - today).days
        parts.append(
            _("Closes on %(date)s (%(days)s days left)")
            % {"date": candidate.closes.isoformat(), "days": days}
        )
    text = "; ".join(parts)
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"
