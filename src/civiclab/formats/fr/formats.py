"""French short formats: 06/12/2026 and 06/12/2026 14:30, as French tables write them (Django's
own, restated so both languages' table formats are read in one place)."""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
