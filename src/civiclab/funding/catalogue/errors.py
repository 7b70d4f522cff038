"""Why a catalogue file cannot be imported, and the limits every reader holds to."""

from __future__ import annotations

from civiclab.core.errors import DomainError

# The largest XML document read from an extract (uncompressed): Grants.gov's daily extract is
# about 76 MB zipped and 1.5 GB unzipped; anything larger is refused before reading.
MAX_XML_BYTES = 2 * 1024**3
# The largest JSON file read (it is read whole: search2 pages and the flattened items file
# are a few MB).
MAX_JSON_BYTES = 100 * 1024**2
# The largest CSV file, and the most records it may hold.
MAX_CSV_BYTES = 200 * 1024**2
MAX_CSV_ROWS = 200_000
# A record's text: a title is cut at this length, a description or eligibility text at
# ``DESCRIPTION_LIMIT`` (with an ellipsis), as the catalogue stores them.
TITLE_LIMIT = 500
DESCRIPTION_LIMIT = 20_000


class CatalogueError(DomainError):
    """The file cannot be imported (nothing was changed); the message names the record
    (its OpportunityID, when it was read, and its line) and what is wrong with it."""

    code = "catalogue_invalid"

    def __init__(
        self, message: str, *, opportunity_id: str | None = None, line: int | None = None
    ) -> None:
        where = []
        if opportunity_id:
            where.append(f"OpportunityID {opportunity_id}")
        if line is not None:
            where.append(f"line {line}")
        full = f"{', '.join(where)}: {message}" if where else message
        super().__init__(full, details={"opportunity_id": opportunity_id, "line": line})
        self.opportunity_id = opportunity_id
        self.line = line
