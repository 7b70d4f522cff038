"""English short formats: day, month name, year — not the US-only 12/06/2026, which a reader
in Canada or Israel would take for 12 June."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
