"""``civiclab funding leveraged``: the funding a solution, challenge, city, cohort or network
leveraged — the same numbers as the pages and ``GET /api/v1/funding/leveraged``.

Run by the operator, it counts every application; with ``--as EMAIL``, only those that person
may see (what their pages and the API show them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from civiclab.funding.models import Application
from civiclab.funding.queries.pipeline import counted_in, in_scope, totals
from civiclab.network.models import City, Cohort, Network
from civiclab.portfolio.models import Challenge, Solution

SCOPES: dict[str, tuple[type[Any], str]] = {
    "solution": (Solution, "pk"),
    "challenge": (Challenge, "pk"),
    "city": (City, "slug"),
    "cohort": (Cohort, "slug"),
    "network": (Network, "slug"),
}


def run_leveraged(options: dict[str, Any]) -> tuple[Any, str]:
    scope = next(name for name in SCOPES if options.get(name) is not None)
    model, key = SCOPES[scope]
    found = model.objects.filter(**{key: options[scope]}).first()
    if found is None:
        raise CommandError(f"No {scope} {options[scope]}.")
    email = options.get("as_email")
    if email:
        from django.contrib.auth import get_user_model

        person = get_user_model().objects.filter(email__iexact=email).first()
        if person is None:
            raise CommandError(f"No person with the email {email}.")
        counted = counted_in(person, scope, found)
    else:
        counted = in_scope(Application.objects.all(), scope, found)
    sums = totals(counted)
    result = {
        "scope": scope,
        "id": found.pk,
        "name": str(found),
        "totals": [
            {
                "currency": t.currency,
                "awarded": str(t.awarded),
                "match": str(t.match),
                "applications": t.applications,
            }
            for t in sums
        ],
    }
    lines = [f"Funding leveraged by the {scope} {found}:"]
    lines += [
        f"    {t.currency} {t.awarded:,.2f} awarded, {t.match:,.2f} match funds "
        f"({t.applications} awarded application{'s' if t.applications != 1 else ''})"
        for t in sums
    ] or ["    nothing awarded yet"]
    return result, "\n".join(lines)
