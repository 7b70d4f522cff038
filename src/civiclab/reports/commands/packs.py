"""``civiclab reports pack --team SLUG [--city SLUG] [--pdf FILE] [--language en|fr] [--json]``.

Prepares the team's pack now — through the team's review when it has one (its carried
decisions and actions included), else as a monthly review would — and, with ``--pdf``, writes
it as a tagged PDF (PDF/UA) at once, in this process (the worker is not involved). The pack is
its review's audience's: the team's members see the same.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from civiclab.network.models import Team
from civiclab.reports.models.packs import TEAM, Review
from civiclab.reports.queries.packs import prepare_pack


def add_parser(sub: Any, name: str) -> None:
    parser = sub.add_parser(name, help="prepare a team's review pack now (and write it as PDF)")
    parser.add_argument("--team", required=True, metavar="SLUG", help="the team's slug")
    parser.add_argument("--city", metavar="SLUG", help="the team's city (when the slug repeats)")
    parser.add_argument("--pdf", metavar="FILE", help="write the pack as a tagged PDF here")
    parser.add_argument("--language", default="en", choices=("en", "fr"), help="the PDF's")
    parser.add_argument("--json", action="store_true", help="print the pack as JSON")


def _team(slug: str, city: str | None) -> Team:
    teams = Team.objects.filter(slug=slug).select_related("city", "city__network")
    if city:
        teams = teams.filter(city__slug=city)
    found = list(teams[:2])
    if not found:
        raise CommandError(f"No team {slug!r}" + (f" in the city {city!r}." if city else "."))
    if len(found) > 1:
        raise CommandError(f"Several cities have a team {slug!r}: say which with --city.")
    return found[0]


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    team = _team(options["team"], options.get("city"))
    review = Review.objects.filter(scope=TEAM, team=team).order_by("pk").first()
    if review is None:  # a pack as the team's monthly review would prepare it (not saved)
        review = Review(
            scope=TEAM, team=team, city=team.city, network_id=team.city.network_id,
            title=f"{team.name} ({team.city.name})", cadence="monthly",
            next_meeting_on=timezone.localdate(),
        )  # fmt: skip
    pack = prepare_pack(review)
    summary = pack["summary"]
    lines = [
        f"{pack['review']['title']}: {summary['solutions']} solutions, "
        f"{summary['indicators']} indicators ({summary['indicators_off_goal']} off their goal, "
        f"{summary['new_signals']} new signals), {summary['milestones_slipping']} milestones "
        f"slipping, risks high/medium/low {summary['risks']['high']}/"
        f"{summary['risks']['medium']}/{summary['risks']['low']}, "
        f"{len(pack['carried']['decisions'])} decisions and "
        f"{len(pack['carried']['actions'])} actions carried."
    ]
    if options.get("pdf"):
        from civiclab.reports.services.packs import pack_pdf_bytes

        target = Path(options["pdf"])
        if not target.parent.is_dir():
            raise CommandError(f"No folder {str(target.parent)!r} to write the PDF in.")
        started = time.monotonic()
        content = pack_pdf_bytes(review, pack, options.get("language") or "en")
        target.write_bytes(content)
        lines.append(
            f"PDF written: {target} ({len(content):,} bytes, {time.monotonic() - started:.2f} s)."
        )
    return pack, "\n".join(lines)
