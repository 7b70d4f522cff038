"""The base of every shape the API receives (POST and PATCH bodies), shared by all apps."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, Strict, field_validator

# An id in a body: a whole number that a database row can have. `true`, `"3"` or `3.0` are
# refused rather than read as 1 or 3, and so is a number beyond a bigint (the drivers would
# raise). Other whole numbers in bodies are pydantic's ``StrictInt``.
StrictId = Annotated[int, Strict(), Field(ge=1, le=2**63 - 1)]
# The largest value of Django's IntegerField and PositiveIntegerField on every database
# (PostgreSQL's integer): a count or position in a body is bounded by it, so a larger
# number is a 422 rather than a database error (a 500).
FIELD_INT_MAX = 2**31 - 1


class InputSchema(Schema):
    """What a client sends. A field the schema does not know is refused with a 422 naming it:
    a misspelt or unsupported field that is silently ignored looks like a change that was made.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL stores no NUL in text ("text fields cannot contain NUL": a 500 when a
        # body's string reached a lookup); no field has a use for one. Refused for every
        # field of every body, named in the 422, as the query string's are
        # (core.middleware.RefuseNulInQueryMiddleware).
        if _holds_nul(value):
            raise ValueError("must not contain a NUL character (\\u0000)")
        return value


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False
