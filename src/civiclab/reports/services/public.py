"""public: marking a solution update public, the results brief, the open data and the feed.

The documents (JSON, CSV rows, the Atom feed) are built only from ``queries.public``, which
reads as the anonymous reader: nothing private reaches them. The results brief is rendered by
the worker (WeasyPrint is heavy) into a ``ResultsBrief`` row keyed by the data version, so
the web process only hands out bytes that are ready.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.errors import DomainError
from civiclab.core.permissions import DEFAULT_POLICY, Action, Visibility
from civiclab.core.services import check
from civiclab.evaluation.templatetags.evaluation_text import render_message
from civiclab.network.models import City
from civiclab.portfolio.models import Solution, Update
from civiclab.reports.models import PublicUpdate, ResultsBrief
from civiclab.reports.queries import public as queries

BRIEF_RETRY_AFTER = dt.timedelta(minutes=5)  # a failed brief is tried again after this
FEED_ENTRIES = 50
BRIEF_TABLE_ROWS = 12  # the latest periods in the brief's tables


class NotPublic(DomainError):
    """Only an update of a public solution can be marked public."""


# -- public updates ------------------------------------------------------------------------
@transaction.atomic
def publish_update(by: Any, update: Update) -> PublicUpdate:
    """Mark a progress update public: residents read it in the city's feed."""
    solution = update.solution
    check(by, Action.EDIT, solution, DEFAULT_POLICY)
    if solution.visibility != Visibility.PUBLIC:
        raise NotPublic("Make the solution public before publishing its updates.")
    mark, created = PublicUpdate.objects.get_or_create(
        update=update, defaults={"by": by if getattr(by, "is_authenticated", False) else None}
    )
    if created:
        record(by, "update.publish", solution, update=update.pk)
    return mark


@transaction.atomic
def unpublish_update(by: Any, update: Update) -> None:
    check(by, Action.EDIT, update.solution, DEFAULT_POLICY)
    if PublicUpdate.objects.filter(update=update).delete()[0]:
        record(by, "update.unpublish", update.solution, update=update.pk)


# -- the results brief ---------------------------------------------------------------------
def brief_for(solution: Solution, language: str) -> ResultsBrief:
    """The brief of ``solution`` for its current data version: ready, or queued now (a
    failed one is queued again after a while). A cache, not the city's data: not audited."""
    version = queries.data_version(solution.city, solution, language=language).key
    try:
        brief, created = ResultsBrief.objects.get_or_create(
            solution=solution, language=language, version=version
        )
    except IntegrityError:  # another request made it at the same moment: the worker has it
        brief = ResultsBrief.objects.get(solution=solution, language=language, version=version)
        created = False
    retry = (
        brief.state == ResultsBrief.State.FAILED
        and brief.updated_at < timezone.now() - BRIEF_RETRY_AFTER
    )
    if created or retry:
        ResultsBrief.objects.filter(solution=solution, language=language).exclude(
            pk=brief.pk
        ).delete()
        if retry:
            ResultsBrief.objects.filter(pk=brief.pk).update(
                state=ResultsBrief.State.QUEUED, error="", updated_at=timezone.now()
            )
        from civiclab.reports.background.public import render_brief_task

        render_brief_task(brief.pk)
        brief.refresh_from_db()
    return brief


def brief_html(solution: Solution, language: str) -> str:
    """The brief as HTML (``<html lang>`` and a title: PDF/UA reads them)."""
    with translation.override(language):
        view = queries.solution_view(solution, language)
        for indicator in view.indicators:
            indicator.table_rows = indicator.rows[-BRIEF_TABLE_ROWS:]  # one or two pages
        return render_to_string(
            "reports/public/brief.html",
            {"city": solution.city, "view": view, "language": language},
        )


def render_brief_pdf(solution: Solution, language: str) -> bytes:
    from civiclab.reports.pdf import render_pdf

    return render_pdf(brief_html(solution, language), stylesheets=["reports/public_brief.css"])


def render_brief(brief_id: int) -> str:
    """Render one queued brief (the worker's task)."""
    brief = ResultsBrief.objects.select_related("solution", "solution__city").filter(pk=brief_id)
    found = brief.first()
    if found is None:
        return "gone"
    try:
        pdf = render_brief_pdf(found.solution, found.language)
    except Exception as exc:
        brief.update(state=ResultsBrief.State.FAILED, error=str(exc)[:2000])
        return "failed"
    brief.update(state=ResultsBrief.State.DONE, pdf=pdf, error="", updated_at=timezone.now())
    return "done"


# -- open data -----------------------------------------------------------------------------
def _money(totals: list[Any]) -> list[dict[str, Any]]:
    return [
        {"currency": t.currency, "awarded": str(t.awarded), "match": str(t.match),
         "awards": t.applications}
        for t in totals
    ]  # fmt: skip


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def city_document(city: City, request: Any) -> dict[str, Any]:
    """The city's public results as plain data (the JSON export)."""
    rows = queries.city_rows(city)
    solutions = []
    for row in rows:
        key = row.key
        solutions.append(
            {
                "id": row.solution.pk,
                "title": row.solution.title,
                "goal": row.solution.goal_statement,
                "status": row.status.status,
                "status_label": str(row.status.label),
                "url": request.build_absolute_uri(
                    reverse("reports:public_solution", args=[city.slug, row.solution.pk])
                ),
                "updated_at": _iso(row.solution.updated_at),
                "key_indicator": None
                if key is None
                else {
                    "name": key.name,
                    "slug": key.slug,
                    "unit": key.unit,
                    "baseline": key.baseline,
                    "latest": key.latest,
                    "target": key.target,
                    "target_date": _iso(key.target_date),
                    "progress_percent": key.progress_percent,
                    "freshness": key.freshness,
                },
            }
        )
    return {
        "city": {"slug": city.slug, "name": city.name, "language": city.default_language},
        "funding_leveraged": _money(queries.city_funding(city)),
        "solutions": solutions,
    }


CITY_CSV_HEADER = [
    "solution_id", "title", "goal", "status", "indicator", "unit", "baseline", "latest",
    "target", "target_date", "progress_percent",
]  # fmt: skip


def city_csv_rows(document: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for item in document["solutions"]:
        key = item["key_indicator"] or {}
        rows.append(
            [
                item["id"],
                item["title"],
                item["goal"],
                item["status"],
                key.get("name", ""),
                key.get("unit", ""),
                key.get("baseline"),
                key.get("latest"),
                key.get("target"),
                key.get("target_date"),
                key.get("progress_percent"),
            ]
        )
    return rows


def solution_document(solution: Solution, language: str) -> dict[str, Any]:
    """One public solution's results as plain data (the JSON export)."""
    view = queries.solution_view(solution, language)
    return {
        "solution": {
            "id": solution.pk,
            "city": solution.city.slug,
            "title": solution.title,
            "goal": solution.goal_statement,
            "status": view.status.status,
            "budget_planned": str(solution.budget_planned) if solution.budget_planned else None,
            "budget_spent": str(solution.budget_spent) if solution.budget_spent else None,
            "currency": solution.currency,
            "updated_at": _iso(view.updated),
        },
        "indicators": [
            {
                "name": i.name,
                "slug": i.slug,
                "unit": i.unit,
                "lower_is_better": i.lower_is_better,
                "target": i.target,
                "target_date": _iso(i.target_date),
                "baseline": i.baseline,
                "latest": i.latest,
                "progress_percent": i.progress_percent,
                "freshness": i.freshness,
                "series": i.rows,
                "equity": i.equity,
            }
            for i in view.indicators
        ],
        "results": [{"title": r["title"], "text": r["sentences"]} for r in view.results],
        "funding_leveraged": _money(view.funding),
    }


SERIES_CSV_HEADER = ["indicator", "unit", "period", "value", "n", "target"]


def series_csv_rows(document: dict[str, Any]) -> list[list[Any]]:
    return [
        [i["slug"], i["unit"], row["period"], row["value"], row["n"], i["target"]]
        for i in document["indicators"]
        for row in i["series"]
    ]


# -- the Atom feed -------------------------------------------------------------------------
def _tag(base: str, city: City, kind: str, pk: int) -> str:
    host = base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "civiclab.invalid"
    return f"tag:{host},2026:results/{city.slug}/{kind}/{pk}"


def feed_entries(city: City, base: str) -> list[dict[str, Any]]:
    """The city's public news, newest first: updates marked public, status changes of public
    solutions (the status only) and new public evaluation results."""
    entries: list[dict[str, Any]] = []

    def link(solution_id: int) -> str:
        return base + reverse("reports:public_solution", args=[city.slug, solution_id])

    for mark in queries.public_updates(city)[:FEED_ENTRIES]:
        update = mark.update
        entries.append(
            {
                "title": _("Update: %(title)s") % {"title": update.solution.title},
                "body": update.body,
                "at": update.at,
                "link": link(update.solution_id),
                "id": _tag(base, city, "update", update.pk),
            }
        )
    published = {e["id"] for e in entries}
    for change in queries.status_changes(city)[:FEED_ENTRIES]:
        if _tag(base, city, "update", change.pk) in published:
            continue  # the update itself is in the feed, with its status
        entries.append(
            {
                "title": _("%(title)s: status changed to %(status)s")
                % {"title": change.solution.title, "status": change.get_status_display()},
                "body": "",
                "at": change.at,
                "link": link(change.solution_id),
                "id": _tag(base, city, "status", change.pk),
            }
        )
    for solution in queries.public_solutions(city)[:200]:
        for result in queries.public_results(solution):
            words = [render_message(m) for m in (result.sentences or [])[:2]]
            entries.append(
                {
                    "title": _("New result: %(title)s") % {"title": result.plan.title},
                    "body": " ".join(words),
                    "at": result.finished_at or result.created_at,
                    "link": link(solution.pk),
                    "id": _tag(base, city, "result", result.pk),
                }
            )
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:FEED_ENTRIES]


def city_feed(city: City, base: str, language: str) -> str:
    """The city's Atom feed (id, title, updated, author, one entry per piece of news)."""
    page = base + reverse("reports:public_city", args=[city.slug])
    entries = feed_entries(city, base)
    feed = Atom1Feed(
        title=_("Results of %(city)s") % {"city": city.name},
        link=page,
        description=_("Public results of %(city)s's innovation work") % {"city": city.name},
        language=language,
        author_name=city.name,
        feed_url=base + reverse("reports:public_feed", args=[city.slug]),
        id=_tag(base, city, "feed", city.pk),
    )
    for entry in entries:
        feed.add_item(
            title=entry["title"],
            link=entry["link"],
            description=entry["body"] or entry["title"],
            unique_id=entry["id"],
            updateddate=entry["at"],
            pubdate=entry["at"],
            author_name=city.name,
        )
    return feed.writeString("utf-8")
