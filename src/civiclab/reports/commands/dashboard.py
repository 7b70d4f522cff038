"""``civiclab reports attention --as EMAIL [--city SLUG] [--json]``: what needs attention now,
as that person's dashboard shows it (the same scoped query as the page and the API)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError


def add_parser(sub: Any, name: str) -> None:
    parser = sub.add_parser(name, help="what needs attention now, as a person's dashboard shows it")
    parser.add_argument(
        "--as", dest="as_email", metavar="EMAIL", required=True, help="as this person"
    )
    parser.add_argument("--city", metavar="SLUG", help="one city (default: the person's cities)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    from civiclab.accounts.models import User
    from civiclab.network.queries import visible_cities
    from civiclab.reports.queries import dashboard as queries

    user = User.objects.filter(email__iexact=options["as_email"]).first()
    if user is None:
        raise CommandError(f"No person with the email {options['as_email']!r}.")
    if options.get("city"):
        city = visible_cities(user).filter(slug=options["city"][:100]).first()
        if city is None:
            raise CommandError(f"No city {options['city']!r} that this person may see.")
        cities = [city]
    else:
        cities, _network = queries.dashboard_cities(user)
    slugs = {c.pk: c.slug for c in cities}
    items = queries.attention(user, cities)
    rows: list[dict[str, Any]] = [
        {"kind": i.kind, "city": slugs[i.city_id], "title": i.title, "detail": i.detail,
         "url": i.url, "on": i.on.isoformat() if i.on else None, "severity": i.severity,
         "counted": queries.needs_attention(i)}
        for i in items
    ]  # fmt: skip
    result = {
        "cities": list(slugs.values()),
        "total": sum(1 for i in items if queries.needs_attention(i)),
        "items": rows,
    }
    labels = queries.kind_labels()
    lines = [f"{result['total']} item(s) need attention in {', '.join(slugs.values()) or '-'}"]
    for kind in queries.KINDS:
        found = [i for i in rows if i["kind"] == kind]
        if found:
            lines.append(f"{labels[kind]}:")
            lines += [f"  {i['city']}: {i['title']} · {i['detail']}" for i in found]
    return result, "\n".join(lines)
