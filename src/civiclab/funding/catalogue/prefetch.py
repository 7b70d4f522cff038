"""Reading a catalogue file and preparing its records for the writes (pure: no Django).

An import alternates between Python work — parsing the file, hashing each record, preparing
its full-text terms and PostgreSQL's tsvector literal — and waiting for the database. On a
large file that work runs in a second process (``funding.services.read_ahead``) while the
import writes the batches before: ``prepared_batches`` is what that process runs, and what a
small file runs in the importing process. The importing process still decides what is written,
from the stored rows; the reading only saves it work (a record's digest, and its index entry
unless the stored digests at the start already held the same content).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civiclab.core.tsvector import tsvector_literal
from civiclab.funding.catalogue.formats import content_hash, reader_for
from civiclab.funding.catalogue.records import OpportunityRecord
from civiclab.funding.catalogue.search_terms import COLUMNS, index_columns

# An opportunity's entry in the full-text index: its prepared column texts and, for
# PostgreSQL, their tsvector literal (None for SQLite: FTS5 takes the texts).
IndexEntry = tuple[tuple[str, ...], str | None]
ENTRY_FIELDS = (
    "agency_code",
    "agency_name",
    "number",
    "assistance_listings",
    "title",
    "eligibility_text",
    "description",
)
_WEIGHTS = [weight for _column, weight in COLUMNS]


@dataclass(frozen=True)
class PreparedRecord:
    """A record's OpportunityID, document type and content digest; the record itself and
    its index entry — both None when the stored digests said it was unchanged (and it was
    not read earlier in the file): a re-import then carries only these few fields from the
    reading process."""

    key: str
    doc_type: str
    digest: str
    item: OpportunityRecord | None
    index_entry: IndexEntry | None


def index_entry(values: Mapping[str, Any], literal: bool) -> IndexEntry:
    """The index entry of an opportunity's ``ENTRY_FIELDS`` values."""
    texts = index_columns(
        agency_code=str(values["agency_code"]),
        agency_name=str(values["agency_name"]),
        number=str(values["number"]),
        assistance_listings=[str(x) for x in values["assistance_listings"] or []],
        title=str(values["title"]),
        eligibility_text=str(values["eligibility_text"]),
        description=str(values["description"]),
    )
    return texts, tsvector_literal(texts, _WEIGHTS) if literal else None


def prepared_batches(
    fmt: str,
    path: Path,
    batch_size: int,
    stored_digests: Mapping[str, str],
    literal: bool,
) -> Iterator[list[PreparedRecord]]:
    """The file's records in batches of ``batch_size``, each prepared."""
    batch: list[PreparedRecord] = []
    seen: set[str] = set()
    for item in reader_for(fmt)(path):
        key = item.opportunity_id
        digest = content_hash(item)
        if stored_digests.get(key) == digest and key not in seen:
            batch.append(PreparedRecord(key, str(item.doc_type), digest, None, None))
        else:
            entry = index_entry({name: getattr(item, name) for name in ENTRY_FIELDS}, literal)
            batch.append(PreparedRecord(key, str(item.doc_type), digest, item, entry))
        seen.add(key)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def send_prepared(
    sender: Any,
    fmt: str,
    path: str,
    batch_size: int,
    stored_digests: Mapping[str, str],
    literal: bool,
) -> None:
    """The reading process's whole work: every batch sent on ``sender`` (a multiprocessing
    connection), then ``("done",)``; a failure is sent as ``("error", kind, message,
    details)`` for the importing process to raise (exceptions are not pickled: a
    ``CatalogueError`` keeps its details this way)."""
    from civiclab.funding.catalogue.errors import CatalogueError

    try:
        for batch in prepared_batches(fmt, Path(path), batch_size, stored_digests, literal):
            sender.send(("batch", batch))
        sender.send(("done",))
    except CatalogueError as error:
        sender.send(("error", "catalogue", str(error), error.details))
    except Exception as error:
        sender.send(("error", type(error).__name__, str(error), None))
    finally:
        sender.close()


def check_batch(message: Sequence[Any]) -> list[PreparedRecord] | None:
    """A message from the reading process: its batch, None at the end; raises its error."""
    from civiclab.funding.catalogue.errors import CatalogueError

    if message[0] == "batch":
        batch: list[PreparedRecord] = message[1]
        return batch
    if message[0] == "done":
        return None
    _kind, name, text, details = message
    if name == "catalogue":
        error = CatalogueError(text)
        error.details = details
        raise error
    if name in {"OSError", "FileNotFoundError", "PermissionError", "IsADirectoryError"}:
        raise OSError(text)
    if name == "BadZipFile":
        import zipfile

        raise zipfile.BadZipFile(text)
    raise CatalogueError(f"{name}: {text}")
