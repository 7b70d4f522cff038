"""discussions: links and panels on lower apps' pages."""


def register() -> None:
    """Declare this area's page links and panels (none yet)."""
