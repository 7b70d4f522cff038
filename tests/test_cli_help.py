"""`civiclab help` is the real command list: every management command civiclab's apps define,
grouped by app, each with its own one-line ``help``."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

from civiclab.cli import main, management_commands, usage


def civiclab_commands() -> dict[str, str]:
    """Django's own view: {command: its app} for every command a civiclab app provides."""
    return {name: app for name, app in get_commands().items() if app.startswith("civiclab.")}


def test_help_lists_every_civiclab_command_with_its_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN the management commands Django finds in civiclab's apps
    WHEN `civiclab help` runs (before Django loads)
    THEN each is listed under its app's group, with the first words of its class's ``help``."""
    assert main(["help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    found = management_commands()
    commands = civiclab_commands()
    assert commands, "Django found no civiclab command: the check would prove nothing"
    for name, app in commands.items():
        assert name in found[app.rsplit(".", 1)[-1]], f"{name} ({app}) is not in `civiclab help`"
        help_text = " ".join(load_command_class(app, name).help.split())
        assert help_text, f"`civiclab {name}` has no help text"
        assert f"{name} {help_text}" in text, f"`civiclab help` does not describe {name}"


def test_help_lists_no_command_that_does_not_exist() -> None:
    """GIVEN the commands `civiclab help` lists from the apps' sources
    THEN Django knows each of them (no stale or misspelt entry)."""
    known = get_commands()
    listed = {name for commands in management_commands().values() for name in commands}
    assert listed <= set(known), f"not Django commands: {sorted(listed - set(known))}"
    assert "migrate" in usage() and "version" in usage()
