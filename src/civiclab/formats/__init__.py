"""The date formats civiclab's tables use, per language (Django's FORMAT_MODULE_PATH).

Only what differs from Django's locale formats is here; everything else (French decimal comma,
non-breaking-space thousands, month names) comes from Django's own locale files."""
