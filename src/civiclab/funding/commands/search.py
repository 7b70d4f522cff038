"""``civiclab funding search QUERY`` and ``civiclab funding match --challenge ID``.

With ``--json`` both print a list of objects with at least ``opportunity_id``, ``number``,
``title``, ``close_date``, ``eligibility`` (``eligible``, ``possible`` or ``ineligible``) and
``reasons`` (and ``score``; a match also ``why``).

The command line runs as the operator: it sees the opportunities shared with every network.
Without ``--eligible-for``, every opportunity is listed (eligibility "all") and eligibility is
read for a city with no funding profile (a city or township government, 02); with it, for
that city's profile, and only what it may apply to (eligible or possibly eligible)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from civiclab.core.errors import DomainError
from civiclab.funding.schemas.search import match_of, result_of
from civiclab.funding.search import PAGE_LIMIT, SearchFilters, match, search


def _limit(options: dict[str, Any]) -> int:
    limit = int(options.get("limit") or 20)
    if not 1 <= limit <= PAGE_LIMIT:
        raise CommandError(f"--limit is 1 to {PAGE_LIMIT}.")
    return limit


def _line(item: dict[str, Any]) -> str:
    deadline = item["close_date"] or "no deadline"
    return (
        f"{item['opportunity_id']:>10}  {item['number'][:24]:<24}  {deadline!s:<11}  "
        f"{item['eligibility']:<10}  {item['title'][:70]}"
    )


def run_search(options: dict[str, Any]) -> tuple[Any, str]:
    from civiclab.network.models import City

    city = None
    filters = SearchFilters(eligibility="all")
    if options.get("eligible_for"):
        city = City.objects.filter(slug=options["eligible_for"]).first()
        if city is None:
            raise CommandError(f"No city with the slug {options['eligible_for']!r}.")
        filters = SearchFilters(eligibility="for_my_city")
    try:
        page = search(None, city, options["query"], filters, limit=_limit(options))
    except DomainError as exc:
        raise CommandError(str(exc)) from exc
    items = [result_of(hit) for hit in page.hits]
    lines = [f"{page.total} opportunities match; the first {len(items)}:"]
    lines += [_line(item) for item in items]
    return items, "\n".join(lines)


def run_match(options: dict[str, Any]) -> tuple[Any, str]:
    from civiclab.portfolio.models import Challenge

    challenge = Challenge.objects.select_related("city").filter(pk=options["challenge"]).first()
    if challenge is None:
        raise CommandError(f"No challenge with the id {options['challenge']}.")
    try:
        found = match(None, challenge, limit=_limit(options))
    except DomainError as exc:
        raise CommandError(str(exc)) from exc
    items = [match_of(m) for m in found]
    lines = [f"{len(items)} opportunities for “{challenge.title}” ({challenge.city.name}):"]
    for item in items:
        lines.append(_line(item))
        lines += [f"{'':12}{why}" for why in item["why"]]
    return items, "\n".join(lines)
