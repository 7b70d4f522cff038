"""The layers hold in templates too: the import contract (``lint-imports``, pyproject's
[tool.importlinter]) checks Python; this checks that no app's template names an app above it or
beside it — by URL (``{% url 'geo:map' %}``) or by tag library (``{% load geo_layers %}``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "civiclab"
URL = re.compile(r"""{%\s*url\s+['"](\w+):""")
LOAD = re.compile(r"{%\s*load\s+([^%]+)%}")


def layers() -> list[set[str]]:
    """The apps of each layer, top first, as the import contract declares them."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [
        {name.strip().removeprefix("civiclab.") for name in layer.split("|")}
        for layer in contract["layers"]
    ]


def tag_libraries() -> dict[str, str]:
    """Each template tag library's name → the app that defines it."""
    return {
        module.stem: module.parents[1].name
        for module in SRC.glob("*/templatetags/*.py")
        if module.stem != "__init__"
    }


def test_no_template_names_an_app_above_or_beside_its_own() -> None:
    order = layers()
    level = {app: depth for depth, apps in enumerate(order) for app in apps}
    libraries = tag_libraries()
    wrong = []
    for template in SRC.glob("*/templates/**/*.html"):
        app = template.relative_to(SRC).parts[0]
        if app not in level or app == "site":  # the composition root may name anything
            continue
        text = template.read_text(encoding="utf-8")
        named = set(URL.findall(text))
        for loaded in LOAD.findall(text):
            named |= {libraries[name] for name in loaded.split() if name in libraries}
        for other in sorted(named):
            if other != app and other in level and level[other] <= level[app]:
                wrong.append(f"{template.relative_to(REPO)} names {other}")
    assert not wrong, "templates reaching up or across the layers:\n" + "\n".join(wrong)


def test_the_check_knows_every_app() -> None:
    apps = {path.parent.name for path in SRC.glob("*/apps.py")}
    assert apps <= set().union(*layers()), "an app missing from the layers contract"


def test_every_pure_module_is_both_django_free_and_strictly_typed() -> None:
    """The forbidden contract (no Django) and mypy's strict list name the same modules, so a
    pure package added to one is not forgotten in the other."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(
        c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "forbidden"
    )
    django_free = set(contract["source_modules"])
    strict = {
        path.removeprefix("src/").removesuffix(".py").replace("/", ".")
        for path in config["tool"]["mypy"]["files"]
    }
    assert django_free == strict
