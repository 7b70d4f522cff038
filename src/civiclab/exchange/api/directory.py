"""directory routes (under /api/v1/exchange/): find people, read and set one's own entry."""

from typing import Any

from ninja import Query, Router

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS
from civiclab.exchange.models.directory import SKILL, TOPIC, DirectoryEntry
from civiclab.exchange.queries import directory as queries
from civiclab.exchange.schemas.directory import DirectoryFilters, DirectoryPage, EntryIn, EntryOut
from civiclab.exchange.services import directory as services

router = Router(tags=["exchange"])


@router.get(
    "/directory",
    response={200: DirectoryPage, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_directory",
    summary="People you find in the directory (as each of them chose), by name",
    description=(
        "A person shows to the people of their cities (the default), the whole network, or "
        "nobody, as they chose; hidden people are not counted. Anonymous callers find nobody."
    ),
)
def list_directory(request: ApiRequest, filters: Query[DirectoryFilters]) -> dict[str, Any]:
    people = queries.visible_people(
        request.auth, q=filters.q, city=filters.city, topic=filters.topic, skill=filters.skill
    )
    page = list(people[filters.offset : filters.offset + filters.limit])
    return {
        "items": queries.cards(request.auth, page),
        "count": people.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


def _entry_out(entry: DirectoryEntry) -> dict[str, Any]:
    tags = list(entry.tags.all()) if entry.pk else []
    return {
        "visibility": entry.visibility,
        "headline": entry.headline,
        "topics": [t.label for t in tags if t.kind == TOPIC],
        "skills": [t.label for t in tags if t.kind == SKILL],
        "show_team": entry.show_team,
        "show_role": entry.show_role,
        "show_email": entry.show_email,
        "show_work": entry.show_work,
    }


@router.get(
    "/directory/me",
    response={200: EntryOut, **READ_ERRORS},
    operation_id="get_my_directory_entry",
    summary="Your directory entry (the defaults when you never set it)",
)
def get_my_directory_entry(request: ApiRequest) -> dict[str, Any]:
    return _entry_out(queries.entry_of(request.auth))


@router.put(
    "/directory/me",
    response={200: EntryOut, **ERRORS},
    operation_id="set_my_directory_entry",
    summary="Set who finds you and what shows",
    description=(
        "Only the fields sent change; `topics` and `skills` replace the old ones (at most 30 "
        "each, 80 characters each)."
    ),
)
def set_my_directory_entry(request: ApiRequest, payload: EntryIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    topics, skills = data.pop("topics", None), data.pop("skills", None)
    changes = {k: v for k, v in data.items() if v is not None}
    entry = services.set_entry(request.auth, request.auth, changes, topics=topics, skills=skills)
    return _entry_out(entry)
