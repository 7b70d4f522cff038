""" "Look elsewhere first" as the API shows it: the same fields as the CLI's ``--json``."""

from __future__ import annotations

from ninja import Field, Schema

from civiclab.core.api import DB_INT_MAX
from civiclab.core.schemas import InputSchema
from civiclab.exchange.queries.similar import DEFAULT_LIMIT, MAX_LIMIT
from civiclab.exchange.similarity.text import MAX_QUERY_CHARS


class SimilarQuery(Schema):
    challenge: int | None = Field(
        None, ge=1, le=DB_INT_MAX, description="similar to this challenge"
    )
    idea: int | None = Field(None, ge=1, le=DB_INT_MAX, description="similar to this idea")
    text: str | None = Field(
        None, min_length=1, max_length=MAX_QUERY_CHARS, description="similar to this text"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class SimilarItem(Schema):
    kind: str = Field(description="case, challenge or solution")
    id: int
    city: str
    title: str
    language: str = Field(description="en or fr: the language of the passage that matched")
    score: float = Field(description="reciprocal-rank fusion of the meaning and word rankings")
    why: list[str] = Field(description="what it shares with the query")
    url: str


class SimilarResults(Schema):
    items: list[SimilarItem]
    model: str | None = Field(description="the embedding model, or null: ranked by words alone")


class SimilarDismissalIn(InputSchema):
    source_kind: str = Field(description="challenge or idea: the panel the match is set aside on")
    source_id: int = Field(ge=1, le=DB_INT_MAX)
    match_kind: str = Field(max_length=16)
    match_id: int = Field(ge=1, le=DB_INT_MAX)


class SimilarDismissalOut(Schema):
    id: int
    source_kind: str
    source_id: int
    match_kind: str
    match_id: int
