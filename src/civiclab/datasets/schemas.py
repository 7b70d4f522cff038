"""API shapes of city data: catalogue entries, rows, versions, uploads and import jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt, TypeAdapter, field_validator
from pydantic import ValidationError as PydanticValidationError

from civiclab.accounts.people import PersonOut, person_for
from civiclab.core.permissions import Visibility
from civiclab.core.schemas import FIELD_INT_MAX, InputSchema, StrictId
from civiclab.datasets.ingest.columns import ColumnType
from civiclab.datasets.ingest_text import error_for_reader
from civiclab.datasets.models import (
    DICTIONARY_DESCRIPTION_MAX,
    DICTIONARY_UNIT_MAX,
    MAX_TAGS,
    TAG_MAX,
    THEMES,
    UPDATE_FREQUENCIES,
)
from civiclab.datasets.queries import data_dictionary

Format = Literal["auto", "socrata", "open311", "geo", "csv", "xlsx"]
Mode = Literal["replace", "append", "upsert"]
THEME_CODES = ", ".join(f"`{code}`" for code, _label in THEMES)
FREQUENCIES = ", ".join(f"`{value}`" for value, _label in UPDATE_FREQUENCIES if value)


class DatasetOut(Schema):
    slug: str
    name: str
    city: str = Field(alias="city.slug")
    description: str
    source: str
    update_frequency: str
    licence: str
    visibility: str
    themes: list[str]
    tags: list[str]
    owner: PersonOut | None = Field(None, description="The owner (email for colleagues only)")
    version: int | None = Field(None, description="Number of the current version")
    rows: int | None = Field(None, description="Rows in the current version")
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.owner, obj.city, context)

    @staticmethod
    def resolve_version(obj: Any) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @staticmethod
    def resolve_rows(obj: Any) -> int | None:
        return obj.current_version.rows if obj.current_version else None


class ColumnOut(Schema):
    name: str
    type: ColumnType
    format: str | None = Field(None, description="strptime pattern of a date or timestamp")


class DictionaryEntry(Schema):
    name: str = Field(description="The column")
    type: ColumnType
    description: str = Field(description="What the column holds (data dictionary)")
    unit: str = Field(description="Its unit (m, USD, minutes…), or empty")


class DictionaryEntryIn(InputSchema):
    name: str = Field(min_length=1, max_length=300, description="A current column's name")
    description: str = Field("", max_length=DICTIONARY_DESCRIPTION_MAX)
    unit: str = Field("", max_length=DICTIONARY_UNIT_MAX)


class DictionaryIn(InputSchema):
    columns: list[DictionaryEntryIn] = Field(
        max_length=1000,
        description="Entries to set; a column left out keeps its entry, empty text clears it",
    )


class DatasetDetail(DatasetOut):
    columns: list[ColumnOut] = Field(default_factory=list)
    dictionary: list[DictionaryEntry] = Field(
        default_factory=list, description="Each current column's description and unit"
    )
    profile: dict[str, Any] = Field(
        default_factory=dict,
        description="Rows, and per column: nulls, null_share, distinct, min, max, top values",
    )

    @staticmethod
    def resolve_columns(obj: Any) -> list[dict[str, Any]]:
        return obj.current_version.columns if obj.current_version else []

    @staticmethod
    def resolve_dictionary(obj: Any) -> list[dict[str, str]]:
        return data_dictionary(obj)

    @staticmethod
    def resolve_profile(obj: Any) -> dict[str, Any]:
        return obj.current_version.profile if obj.current_version else {}


class DatasetUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    source: str | None = Field(None, max_length=500)
    update_frequency: str | None = Field(None, description=f"One of {FREQUENCIES}, or empty")
    owner: StrictId | None = Field(
        None, description="Who keeps it up to date: a member of its city (user id); null: nobody"
    )
    licence: str | None = Field(None, max_length=200)
    visibility: Visibility | None = Field(None, description="Changing it needs a city admin")
    themes: list[str] | None = Field(
        None, max_length=len(THEMES), description=f"Codes among {THEME_CODES}"
    )
    tags: list[str] | None = Field(
        None, max_length=MAX_TAGS, description=f"At most {MAX_TAGS}, of {TAG_MAX} characters"
    )


class RowsOut(Schema):
    columns: list[ColumnOut]
    rows: list[dict[str, Any]] = Field(
        description="Objects keyed by column name; geometries as WKT, times as ISO 8601"
    )
    total: int = Field(description="Rows matching the filters, across all pages")
    page: int
    page_size: int
    pages: int


class VersionOut(Schema):
    number: int
    rows: int
    size_bytes: int
    format: str | None = None
    mode: str
    source_name: str
    created_at: datetime
    created_by: PersonOut | None = Field(
        None, description="Who imported it: a name; the email address for colleagues"
    )
    bad_rows: int = Field(0, description="Rows left out as bad (accepted with max_bad_rows)")
    current: bool = Field(False, alias="is_current")

    @staticmethod
    def resolve_format(obj: Any) -> str | None:
        return obj.details.get("format")

    @staticmethod
    def resolve_created_by(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.created_by, obj.dataset.city, context)

    @staticmethod
    def resolve_bad_rows(obj: Any) -> int:
        return (obj.report or {}).get("bad_rows", 0)


class RollbackIn(InputSchema):
    version: StrictInt = Field(
        ge=1, le=FIELD_INT_MAX, description="The version number to make current"
    )


class ColumnOverride(Schema):
    """How to read one source column, instead of what civiclab would detect."""

    model_config = ConfigDict(extra="forbid")

    type: ColumnType | None = None
    name: str | None = Field(None, min_length=1, description="Rename the column")
    format: str | None = Field(None, description="strptime pattern, e.g. %d/%m/%Y")
    null_markers: list[str] | None = Field(None, description="Values that mean missing")


OVERRIDES = TypeAdapter(dict[str, ColumnOverride])


def parse_overrides(text: str | None) -> dict[str, dict[str, Any]]:
    """``{"source column": {"type": …}}`` as JSON text → the services' overrides."""
    if not text:
        return {}
    try:
        parsed = OVERRIDES.validate_json(text)
    except PydanticValidationError as exc:
        # One readable message: the form field is `columns`, the path says where inside.
        problems = [
            ".".join(str(part) for part in e["loc"]) + ": " + e["msg"] if e["loc"] else e["msg"]
            for e in exc.errors(include_url=False)
        ]
        raise ValueError("; ".join(problems)) from None
    return {source: o.model_dump(exclude_none=True) for source, o in parsed.items()}


class PreviewForm(Schema):
    format: Format = "auto"
    columns: str | None = Field(
        None,
        description='JSON text: {"source column": {"type", "name", "format", "null_markers"}}',
        json_schema_extra={"contentMediaType": "application/json"},
    )

    @field_validator("columns")
    @classmethod
    def _columns_are_overrides(cls, text: str | None) -> str | None:
        parse_overrides(text)
        return text

    def overrides(self) -> dict[str, dict[str, Any]]:
        return parse_overrides(self.columns)


class ImportForm(PreviewForm):
    mode: Mode = "replace"
    key: str | None = Field(None, description="Key column (needed for `upsert`)")
    max_bad_rows: int = Field(0, ge=0, description="Accept up to this many bad rows, left out")
    visibility: Visibility = Field(Visibility.CITY, description="Who sees a new dataset")
    name: str | None = Field(
        None, max_length=200, description="Name of a new dataset (its slug is the path's)"
    )
    description: str = Field("", description="Description of a new dataset")
    add_version: bool = Field(
        False,
        description="Confirm that the import adds a new version to the existing dataset "
        "`{dataset}` (needed with mode `replace`); without it an existing dataset is a "
        "`name_taken` error",
    )


class PreviewColumn(ColumnOut):
    source: str = Field(description="The column's name in the file")
    null_markers: list[str] = Field(default_factory=list)


class PreviewSample(Schema):
    columns: list[str]
    rows: list[dict[str, Any]] = Field(description="The first rows as written in the file")


class PreviewOut(Schema):
    format: str
    details: dict[str, Any] = Field(description="Encoding, delimiter, CRS… as detected")
    columns: list[PreviewColumn]
    sample: PreviewSample


class JobOut(Schema):
    id: int
    state: str = Field(description="`queued`, `running`, `done` or `failed`")
    stage: str
    progress: float = Field(description="Fraction done, 0 to 1")
    error: dict[str, Any] | None = Field(
        None,
        description=(
            "When failed: {code, message, template, params, report: {bad_rows, counts, "
            "examples, reasons}}; the message and the reasons in the request's language"
        ),
    )
    city: str = Field(alias="city.slug")
    dataset_name: str
    dataset: str | None = Field(None, description="Slug of the dataset, once it exists")
    version: int | None = Field(None, description="Number of the version made, when done")
    created_at: datetime
    finished_at: datetime | None
    url: str = Field(description="Where to follow the job")

    @staticmethod
    def resolve_error(obj: Any) -> dict[str, Any] | None:
        return error_for_reader(obj.error)

    @staticmethod
    def resolve_dataset(obj: Any) -> str | None:
        return obj.dataset.slug if obj.dataset else None

    @staticmethod
    def resolve_version(obj: Any) -> int | None:
        return obj.version.number if obj.version else None

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        path = reverse("api:get_job", kwargs={"job_id": obj.pk})
        request = (context or {}).get("request")
        return request.build_absolute_uri(path) if request is not None else path


SourceKind = Literal["socrata", "open311", "csv", "geojson"]
Schedule = Literal["off", "hourly", "daily", "weekly"]


class DataSourceIn(InputSchema):
    kind: SourceKind = Field(
        description="`socrata` (a SODA endpoint `…/resource/<id>.json`, read in pages, or an "
        "export), `open311` (a GeoReport v2 `requests.json`, read by date from the last "
        "refresh), `csv`, `geojson`"
    )
    url: str = Field(max_length=2000, description="http(s) address of a public host")
    mode: Mode = Field("replace", description="As on import; Open311 sources upsert")
    key: str = Field("", max_length=500, description="Key column(s) to upsert on, by commas")
    schedule: Schedule = "off"
    enabled: bool = True
    max_bad_rows: StrictInt = Field(0, ge=0, le=1_000_000)
    start_from: datetime | None = Field(
        None, description="Open311: the first refresh reads requests made since then"
    )


class DataSourceOut(Schema):
    kind: str
    url: str
    mode: str
    key: str
    schedule: str
    enabled: bool
    max_bad_rows: int
    start_from: datetime | None
    high_water: datetime | None = Field(
        description="Open311: the newest request read; the next refresh starts a day before"
    )
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str = Field(description="Why the last refresh failed (English); empty if not")
    consecutive_failures: int
