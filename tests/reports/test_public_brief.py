"""The results brief: a tagged, accessible PDF (PDF/UA-1) of public data only, EN and FR,
rendered by the worker (immediately in tests), from the page link or the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from civiclab.reports.models import ResultsBrief
from civiclab.reports.services import public as services
from tests.clients import as_user, body
from tests.reports.public_helpers import PRIVATE_WORDS, Public, inflated, public_world
from tests.world import World


@pytest.fixture
def pub(world: World, tmp_path: Path) -> Public:
    return public_world(world, tmp_path)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", inflated(pdf)))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_brief_is_a_tagged_accessible_pdf(pub: Public, language: str) -> None:
    response = as_user(None).get(f"{pub.url}brief.pdf?lang={language}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    raw = inflated(pdf)
    for marker in (b"/StructTreeRoot", b"/MarkInfo", b"/Lang", b"pdfuaid"):
        assert marker in raw, marker
    assert f"({language})".encode() in raw or f"/Lang ({language}".encode() in raw
    assert 1 <= _pages(pdf) <= 2


def test_the_brief_shows_only_public_objects(pub: Public) -> None:
    html = services.brief_html(pub.solution, "en")
    assert pub.solution.goal_statement in html
    assert "<svg" in html and 'role="img"' in html
    assert "Reports fell by 2.50 a month." in html
    assert "400,000 USD awarded" in html
    for word in PRIVATE_WORDS:
        assert word not in html
    assert '<html lang="en">' in html and "<title>" in html
    assert '<html lang="fr">' in services.brief_html(pub.solution, "fr")


def test_a_brief_is_rendered_once_per_data_version(pub: Public, world: World) -> None:
    client = as_user(None)
    client.get(f"{pub.url}brief.pdf?lang=en")
    client.get(f"{pub.url}brief.pdf?lang=en")
    assert ResultsBrief.objects.filter(solution=pub.solution, language="en").count() == 1
    first = ResultsBrief.objects.get(solution=pub.solution, language="en").version
    pub.solution.goal_statement = "A new goal"
    pub.solution.save()
    client.get(f"{pub.url}brief.pdf?lang=en")
    briefs = ResultsBrief.objects.filter(solution=pub.solution, language="en")
    assert briefs.count() == 1 and briefs.get().version != first


def test_while_the_worker_renders_the_page_says_preparing(
    pub: Public, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civiclab.reports.background import public as background

    monkeypatch.setattr(background, "render_brief_task", lambda brief_id: None)
    client = as_user(None)
    waiting = client.get(f"{pub.url}brief.pdf?lang=en")
    assert waiting.status_code == 202
    assert 'hx-trigger="every 3s"' in body(waiting) and "Preparing" in body(waiting)
    polled = client.get(f"{pub.url}brief.pdf?lang=en", HTTP_HX_REQUEST="true")
    assert "HX-Redirect" not in polled.headers
    assert 'hx-trigger="every 3s"' in body(polled)  # the fragment keeps asking
    brief = ResultsBrief.objects.get(solution=pub.solution)
    services.render_brief(brief.pk)  # the worker's task
    done = client.get(f"{pub.url}brief.pdf?lang=en", HTTP_HX_REQUEST="true")
    assert done.headers["HX-Redirect"] == f"{pub.url}brief.pdf?lang=en"


def test_a_failed_brief_says_so_without_a_500(pub: Public, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(solution: object, language: str) -> bytes:
        raise RuntimeError("fonts missing")

    monkeypatch.setattr(services, "render_brief_pdf", broken)
    response = as_user(None).get(f"{pub.url}brief.pdf?lang=en")
    assert response.status_code == 503
    assert "could not be prepared" in body(response)


def test_the_command_line_writes_the_brief(pub: Public, tmp_path: Path) -> None:
    target = tmp_path / "brief.pdf"
    call_command("reports", "brief", "--solution", str(pub.solution.pk), "--pdf", str(target),
                 "--language", "fr")  # fmt: skip
    raw = inflated(target.read_bytes())
    assert b"/StructTreeRoot" in raw and b"pdfuaid" in raw


def test_the_command_line_refuses_a_private_solution(pub: Public, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No public solution"):
        call_command("reports", "brief", "--solution", str(pub.private_solution.pk),
                     "--pdf", str(tmp_path / "x.pdf"))  # fmt: skip
    assert not (tmp_path / "x.pdf").exists()
