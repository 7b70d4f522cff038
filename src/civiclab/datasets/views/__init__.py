"""The data pages: ``datasets`` (the catalogue, a dataset's page, rows, edits, downloads) and
``imports`` (upload → check → import, and the import job pages)."""
