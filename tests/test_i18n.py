"""The French interface: a complete, compiled catalogue and the language each person gets."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civiclab.core.i18n_build import compile_catalog, compile_catalogs
from tests.factories import TEST_PASSWORD
from tests.world import World

PACKAGE_DIR = Path(settings.PACKAGE_DIR)
LOCALE_DIR = PACKAGE_DIR / "locale"
FR_PO = LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"
FR_MO = FR_PO.with_suffix(".mo")

# %(name)s, %(minutes)d, %s, %d … and str.format's {name}; %% is a literal percent sign.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{[A-Za-z_]\w*\}"
)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def mo_entries(path: Path) -> dict[tuple[str | None, str], object]:
    entries: dict[tuple[str | None, str], object] = {}
    for e in polib.mofile(str(path)):
        value = (
            tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural))
            if e.msgid_plural
            else e.msgstr
        )
        entries[(e.msgctxt, e.msgid)] = value
    return entries


# --- The catalogue ----------------------------------------------------------------------------


def test_committed_mo_matches_po(tmp_path: Path) -> None:
    """GIVEN the committed django.po and django.mo WHEN the .po is compiled again
    THEN it gives the same messages: run `civiclab compiletranslations` after editing the .po."""
    assert FR_MO.exists(), "django.mo missing: run `civiclab compiletranslations`"
    fresh = tmp_path / "django.mo"
    fresh.write_bytes(compile_catalog(FR_PO))
    committed, expected = mo_entries(FR_MO), mo_entries(fresh)
    stale = sorted(
        k[1] for k in expected.keys() | committed.keys() if expected.get(k) != committed.get(k)
    )
    assert not stale, f"django.mo is out of date (run `civiclab compiletranslations`): {stale[:10]}"


def test_po_is_complete_and_not_fuzzy() -> None:
    po = polib.pofile(str(FR_PO))
    assert not po.metadata_is_fuzzy, "remove `#, fuzzy` from the header"
    assert po.metadata.get("Language") == "fr"
    assert "nplurals=2" in po.metadata.get("Plural-Forms", "")
    live = [e for e in po if not e.obsolete]
    assert live, "empty catalogue"
    fuzzy = [e.msgid for e in live if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    empty = [
        e.msgid
        for e in live
        if (
            len(e.msgstr_plural) != 2 or not all(e.msgstr_plural.values())
            if e.msgid_plural
            else not e.msgstr
        )
    ]
    assert not empty, f"untranslated entries: {empty}"


def test_every_message_of_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    """GIVEN the messages Django's makemessages finds in the code and templates (GNU xgettext)
    WHEN they are looked up in the committed catalogue THEN each is there: a string marked for
    translation but never added to django.po shows in English on a French page.

    Run on a copy of the package, so the committed .po is never rewritten."""
    if shutil.which("xgettext") is None:
        message = "GNU gettext's xgettext is needed (apt-get install gettext)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    package = LOCALE_DIR.parent
    copy = tmp_path / "civiclab"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("static", "*.mo", "__pycache__"))
    result = subprocess.run(
        [
            *(sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-wrap"),
            *("--settings=civiclab.settings", "-i", "management/*"),
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "CIVICLAB_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stderr
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(FR_PO)) if not e.obsolete}
    extracted = polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    missing = [
        f"{e.msgid!r} ({e.occurrences[0][0]}:{e.occurrences[0][1]})"
        for e in extracted
        if not e.obsolete and (e.msgctxt, e.msgid) not in committed
    ]
    assert not missing, "not in django.po:\n" + "\n".join(missing)


def test_placeholders_are_kept() -> None:
    """Every %(name)s / %(n)d / {name} of an English message is in each of its translations,
    and no translation adds one (that would raise at run time)."""
    problems = []
    for e in polib.pofile(str(FR_PO)):
        if e.obsolete:
            continue
        wanted = placeholders(e.msgid) | placeholders(e.msgid_plural or "")
        forms = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        for form in forms:
            if placeholders(form) != wanted:
                problems.append(f"{e.msgid!r} → {form!r}")
    assert not problems, "\n".join(problems)


def test_compile_catalogs_writes_mo_and_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_bytes(FR_PO.read_bytes())
    written = compile_catalogs(tmp_path)
    assert written == [target / "django.mo"]
    first = written[0].stat().st_mtime_ns
    assert mo_entries(written[0]) == mo_entries(FR_MO)
    assert compile_catalogs(tmp_path) == written
    assert written[0].stat().st_mtime_ns == first  # unchanged content is not rewritten


def test_compiletranslations_command(tmp_path: Path) -> None:
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_bytes(FR_PO.read_bytes())
    call_command("compiletranslations", "--locale-dir", str(tmp_path), verbosity=0)
    assert (target / "django.mo").exists()


# --- Which language a request gets ------------------------------------------------------------


def is_french(body: str) -> bool:
    return '<html lang="fr">' in body


@pytest.mark.django_db
def test_login_page_in_french_with_cookie(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(reverse("accounts:login"))
    body = response.content.decode()
    assert is_french(body)
    assert "Mot de passe oublié" in body
    assert "Se connecter" in body
    assert "Forgot your password" not in body
    assert response.headers["Content-Language"] == "fr"


@pytest.mark.django_db
def test_django_own_messages_come_in_french(client: Client, world: World) -> None:
    """Django's own strings (required field, bad credentials, password rules) come in French."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = client.post(reverse("accounts:login"), {"username": "", "password": ""}).content.decode()
    assert "Ce champ est obligatoire." in body
    wrong = {"username": world.user("member").email, "password": "not-the-password"}
    body = client.post(reverse("accounts:login"), wrong).content.decode()
    assert "Saisissez un" in body and "mot de passe valides" in body
    assert "Please enter a correct" not in body

    client.force_login(world.user("member"))
    change = {"old_password": TEST_PASSWORD, "new_password1": "1234", "new_password2": "1234"}
    body = client.post(reverse("accounts:password_change"), change).content.decode()
    assert "Ce mot de passe est trop court" in body
    assert "entièrement numérique" in body


@pytest.mark.django_db
def test_set_language_switches_the_next_page(client: Client) -> None:
    assert not is_french(client.get(reverse("accounts:login")).content.decode())
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get(reverse("accounts:login")).content.decode()
    assert is_french(body)
    assert "Mot de passe oublié" in body


@pytest.mark.django_db
def test_french_city_gives_french_after_login(client: Client, world: World) -> None:
    world.city.default_language = "fr"
    world.city.save()
    user = world.user("member")
    assert user.language == ""
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD}, follow=True
    )
    assert response.wsgi_request.user == user
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    body = response.content.decode()
    assert is_french(body)
    assert "Se déconnecter" in body
    assert "Le portefeuille en un coup d’œil" in body  # a member's home: their city's dashboard


@pytest.mark.django_db
def test_a_citys_new_default_language_shows_on_the_next_page(client: Client, world: World) -> None:
    """GIVEN a member without a language of their own, whose city's language the middleware
    has remembered (English) WHEN the city's default language becomes French THEN their next
    page is in French (the remembered language is forgotten on the city's save), and a page
    after that asks the database for nothing more about it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = world.user("member")
    client.force_login(user)
    assert '<html lang="en">' in client.get(reverse("site:home")).content.decode()
    world.city.default_language = "fr"
    world.city.save()
    assert '<html lang="fr">' in client.get(reverse("site:home")).content.decode()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("site:home"))
    assert not [q for q in queries.captured_queries if "default_language" in q["sql"]]


@pytest.mark.django_db
def test_own_language_beats_the_citys(client: Client, world: World) -> None:
    world.city.default_language = "fr"
    world.city.save()
    user = world.user("member")
    user.language = "en"
    user.save()
    client.force_login(user)
    body = client.get(reverse("site:home")).content.decode()
    assert '<html lang="en">' in body
    assert "Log out" in body


@pytest.mark.django_db
def test_anonymous_accept_language(client: Client) -> None:
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content
    assert is_french(body.decode())
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content
    assert '<html lang="en">' in body.decode()


# --- No English left on the French pages -----------------------------------------------------


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    attrs = re.findall(r'\b(?:title|alt|placeholder|aria-label)="([^"]*)"', page)
    page = re.sub(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", " ", page)
    return html.unescape(" ".join([page, *attrs]))


@pytest.mark.django_db
def test_french_pages_show_no_catalogue_english(client: Client, world: World) -> None:
    """GIVEN a city admin of a French city WHEN they open each page THEN none of the catalogue's
    English sentences (two words or more, with a translation that differs) shows on it."""
    world.city.default_language = "fr"
    world.city.save()
    client.force_login(world.user("city_admin"))
    english = catalogue_english()
    city, team = world.city.slug, world.team.slug
    urls = [
        reverse("site:home"),
        reverse("site:section", args=["challenges"]),
        reverse("network:overview"),
        reverse("network:city", args=[city]),
        reverse("network:city_edit", args=[city]),
        reverse("network:members", args=[city]),
        reverse("network:team_new", args=[city]),
        reverse("network:team", args=[city, team]),
        reverse("network:team_edit", args=[city, team]),
        reverse("network:city_audit", args=[city]),
        reverse("accounts:profile"),
        reverse("accounts:tokens"),
        reverse("accounts:password_change"),
    ]
    leftovers = catalogue_english_on(client, urls, english)
    assert not leftovers, f"English on French pages: {leftovers}"


def catalogue_english() -> list[str]:
    """The catalogue's English sentences (two words or more) whose translation differs."""
    return [
        e.msgid
        for e in polib.pofile(str(FR_PO))
        if not e.obsolete and " " in e.msgid and e.msgid != e.msgstr and "%" not in e.msgid
    ]


def catalogue_english_on(client: Client, urls: list[str], english: list[str]) -> dict:
    leftovers = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert is_french(body), url
        text = visible_text(body)
        found = [m for m in english if m in text]
        if found:
            leftovers[url] = found
    return leftovers


@pytest.mark.django_db
def test_french_evaluation_pages_show_no_catalogue_english(
    client: Client, world: World, tmp_path: Path
) -> None:
    """GIVEN a French city with a demo-like evaluation (an RCT plan, locked and amended, its
    units randomised, its analysis done) WHEN a member opens each evaluation page THEN none of
    the catalogue's English sentences shows on it (the statistics' sentences included)."""
    from civiclab.evaluation.services import analysis, assignments, plans
    from tests.evaluation.helpers import dataset_of, solution_of

    world.city.default_language = "fr"
    world.city.save()
    member = world.user("member")
    client.force_login(member)
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    plan = plans.create_plan(
        member, solution, "Does triage close cases faster?", "rct", question="Faster?",
        outcome_dataset=dataset, outcome_column="days", unit_column="property",
        columns={"treated": "treated"}, unit_label="property", registered_after_data=True,
        analysis_date=dt.date(2028, 1, 1),
    )  # fmt: skip
    draft = plans.create_plan(member, solution, "A draft", "did", question="?")
    plans.lock_plan(member, plan)
    plans.amend_plan(member, plan, "hypothesis", "3 days fewer", "Smaller squad")
    assignments.randomise(
        member, plan, dataset, unit_column="property", method="complete", strata=["district"],
        covariates=["days"], seed=7,
    )  # fmt: skip
    result = analysis.request_analysis(member, plan, queue=False)
    analysis.run_result(result.pk)
    result.refresh_from_db()
    assert result.state == "done", result.error
    urls = [
        reverse("evaluation:solution", args=[solution.pk]),
        reverse("evaluation:new", args=[solution.pk]),
        reverse("evaluation:city", args=[world.city.slug]),
        reverse("evaluation:city_power", args=[world.city.slug]),
        reverse("evaluation:plan", args=[plan.pk]),
        reverse("evaluation:plan", args=[draft.pk]),
        reverse("evaluation:edit", args=[draft.pk]),
        reverse("evaluation:amend", args=[plan.pk]),
        reverse("evaluation:power", args=[plan.pk]),
        reverse("evaluation:randomise", args=[plan.pk]),
        reverse("evaluation:assignment", args=[plan.pk]),
        reverse("evaluation:results", args=[plan.pk]),
        reverse("evaluation:result", args=[plan.pk, result.pk]),
    ]
    leftovers = catalogue_english_on(client, urls, catalogue_english())
    assert not leftovers, f"English on French evaluation pages: {leftovers}"
    # The statistics' sentences are templates ({outcome}…): checked filled, in French.
    page = visible_text(client.get(urls[-1]).content.decode())
    assert "Le pilote" in page and "The pilot" not in page and "evidence" not in page


# --- Every template's text goes through translation -------------------------------------------

# Words that are the same in every language: the product's name, acronyms, token prefixes.
ALLOWED_WORDS = {"civiclab", "API", "clb_"}

TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)
BLOCK_TRANSLATE = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S
)
TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
WORD = re.compile(r"[^\W\d][\w'\u2019-]*")


def untranslated_words(source: str) -> list[str]:
    """Letters a template shows that no translate/blocktranslate tag covers."""
    text = TEMPLATE_COMMENT.sub(" ", source)
    text = BLOCK_TRANSLATE.sub(" ", text)
    text = TEMPLATE_CODE.sub(" ", text)  # {% translate "…" %} goes here too
    text = visible_text(text)
    return [w for w in WORD.findall(text) if w not in ALLOWED_WORDS and any(c.isalpha() for c in w)]


def templates() -> list[Path]:
    return sorted(
        p
        for folder in PACKAGE_DIR.glob("**/templates")
        for p in folder.rglob("*")
        if p.suffix in (".html", ".txt") and p.is_file()
    )


def test_template_scanner_finds_bare_text() -> None:
    assert untranslated_words("<p>Hello {{ name }}</p>") == ["Hello"]
    assert untranslated_words('<a title="Open it">{% translate "Go" %}</a>') == ["Open", "it"]
    assert untranslated_words("{% blocktranslate %}Hi {{ x }}{% endblocktranslate %} ·") == []
    assert untranslated_words("<code>clb_{{ p }}_…</code> {# note #}") == []


def test_every_template_text_is_translated() -> None:
    found = templates()
    assert found, "no templates found"
    leftovers = {
        str(p.relative_to(PACKAGE_DIR)): words
        for p in found
        if (words := untranslated_words(p.read_text(encoding="utf-8")))
    }
    assert not leftovers, f"wrap these in {{% translate %}}: {leftovers}"
