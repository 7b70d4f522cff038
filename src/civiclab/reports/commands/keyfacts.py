"""``civiclab reports keyfacts [--group city|cohort|priority|year] [--fact FACT] [--as EMAIL]
[--network SLUG] [--city SLUG] [--year YEAR] [--json]``.

The network's key facts as a reader sees them: with ``--as``, as that person (what they could
open); without, as an anonymous visitor (public objects only) — the command line never prints
a count of private work to whoever runs it. With ``--fact``, the list that fact counts.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from civiclab.reports.forms.keyfacts import KeyFactsForm
from civiclab.reports.queries import keyfacts as queries
from civiclab.reports.schemas.keyfacts import facts_of, item_of

LIST_LIMIT = 1000


def add_parser(sub: Any, name: str) -> None:
    parser = sub.add_parser(
        name, help="print the network's key facts (live, as a reader sees them)"
    )
    parser.add_argument("--group", default="city", choices=queries.GROUPS, help="group by")
    parser.add_argument("--fact", choices=queries.FACTS, help="list what this fact counts")
    parser.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="count as this person (default: anonymous)"
    )
    parser.add_argument("--network", default="", help="only this network (slug)")
    parser.add_argument("--city", default="", help="only this city (slug)")
    parser.add_argument("--cohort", type=int, help="only this cohort (id)")
    parser.add_argument("--priority", default="", help="only this priority area")
    parser.add_argument("--year", type=int, help="only this year (0: no known year)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _reader(email: str | None) -> Any:
    if not email:
        return None
    from civiclab.accounts.models import User

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise CommandError(f"No person with the email {email!r}.")
    return user


def _money(cell: dict[str, Any]) -> str:
    return " + ".join(f"{m['awarded']} {m['currency']}" for m in cell["money"])


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    reader = _reader(options.get("as_email"))
    data = {
        k: options.get(k)
        for k in ("group", "fact", "network", "city", "cohort", "priority", "year")
        if options.get(k) not in (None, "")
    }
    form = KeyFactsForm(data)
    if not form.is_valid():
        raise CommandError(
            "; ".join(f"--{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        )
    filters = form.filters()
    fact = form.cleaned_data.get("fact")
    if fact:
        rows = queries.listed(reader, fact, filters)
        count = rows.count()
        items = [item_of(fact, obj) for obj in rows[:LIST_LIMIT]]
        lines = [f"{queries.FACT_LABELS[fact]}: {count}"]
        lines += [
            f"{item['id']:>8}  {(item['date'] or '')[:10]:<10}  {item['city'][:20]:<20}  "
            f"{item['title'][:60]}"
            for item in items
        ]
        return {"fact": fact, "count": count, "items": items}, "\n".join(lines)
    result = facts_of(queries.key_facts(reader, form.grouping(), filters))
    labels = result["facts"]
    lines = []
    for row in [result["total"], *result["rows"]]:
        lines.append(str(row["label"]))
        for fact_key, label in labels.items():
            cell = row["facts"][fact_key]
            money = f"  ({_money(cell)})" if cell["money"] else ""
            lines.append(f"  {label:<34} {cell['count']:>6}{money}")
    return result, "\n".join(lines)
