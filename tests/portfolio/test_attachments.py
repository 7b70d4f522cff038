"""Files attached to evidence and decisions: types read from the bytes, the size limit, who may
upload, download and delete, the audit trail, and the file on disk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from civiclab.audit.models import AuditEvent
from civiclab.portfolio import services
from civiclab.portfolio.models import Attachment, Challenge, Decision, Evidence
from civiclab.portfolio.rules import filetypes
from tests.clients import as_user
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
CSV = "name,count\nÉcole,3\n".encode()


def office(main: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/x.xml" '
            f'ContentType="{main}"/></Types>',
        )
        archive.writestr("x.xml", "<x/>")
    return buffer.getvalue()


XLSX = office("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
DOCX = office("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSM = office("application/vnd.ms-excel.sheet.macroEnabled.main+xml")


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    return tmp_path


@pytest.fixture
def challenge(world: World) -> Challenge:
    return f.challenge(world.city)


@pytest.fixture
def evidence(challenge: Challenge) -> Evidence:
    return f.evidence(challenge)


@pytest.fixture
def decision(challenge: Challenge) -> Decision:
    return f.decision(f.solution(challenge))


def attach(world: World, parent: Any, data: bytes, name: str) -> Attachment:
    return services.attach_file(world.user("member"), parent, io.BytesIO(data), name)


# -- types -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF, "report.pdf", "application/pdf"),
        (PNG, "map.png", "image/png"),
        (JPEG, "photo.JPG", "image/jpeg"),
        (GIF, "chart.gif", "image/gif"),
        (WEBP, "photo.webp", "image/webp"),
        (XLSX, "counts.xlsx", filetypes.XLSX.content_type),
        (DOCX, "notes.docx", filetypes.DOCX.content_type),
        (CSV, "counts.csv", "text/csv"),
        (b"Notes de terrain\n", "notes.txt", "text/plain"),
    ],
)
def test_allowed_types_are_kept_with_their_sniffed_type(
    world: World, evidence: Evidence, data: bytes, name: str, content_type: str
) -> None:
    attachment = attach(world, evidence, data, name)
    assert attachment.content_type == content_type
    assert attachment.filename == name
    assert attachment.size == len(data)
    path = services.attachment_path(attachment)
    assert path.read_bytes() == data
    assert path.parent.name == str(world.city.pk)
    assert path.name != name and len(path.name) == 32
    import hashlib

    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (EXE, "report.pdf"),  # an executable calling itself a PDF
        (EXE, "setup.exe"),  # not an allowed extension
        (PNG, "report.pdf"),  # the extension lies
        (PDF, "image.png"),
        (XLSM, "macros.xlsx"),  # a macro-enabled workbook
        (b"PK\x03\x04garbage", "broken.xlsx"),
        (XLSX, "counts.docx"),
        (b"a,b\x00c\n", "nul.csv"),  # text with a NUL byte
        (b"\xff\xfe\x00b", "latin.txt"),  # not UTF-8
        (b"", "empty.pdf"),
        (PDF, "no-extension"),
    ],
)
def test_refused_types_keep_nothing(
    world: World, evidence: Evidence, data: bytes, name: str
) -> None:
    with pytest.raises(ValidationError):
        attach(world, evidence, data, name)
    assert not Attachment.objects.exists()
    folder = services.attachments_dir(world.city.pk)
    assert not folder.exists() or not any(folder.iterdir())


def test_zip_members_are_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(filetypes, "MAX_ZIP_MEMBERS", 1)
    assert filetypes.sniff_bytes(XLSX, "a.xlsx") is None  # two members: over the bound
    monkeypatch.undo()
    assert filetypes.sniff_bytes(XLSX, "a.xlsx") is filetypes.XLSX


def test_size_limit(world: World, evidence: Evidence, settings: Any) -> None:
    settings.MAX_ATTACHMENT_BYTES = 100
    attach(world, evidence, PDF, "small.pdf")
    with pytest.raises(ValidationError, match="limit"):
        attach(world, evidence, PDF + b"x" * 100, "big.pdf")
    assert Attachment.objects.count() == 1


def test_upload_over_the_limit_is_cut_before_kept(
    world: World, evidence: Evidence, settings: Any
) -> None:
    settings.MAX_ATTACHMENT_BYTES = 1000
    client = as_user(world.user("member"))
    big = SimpleUploadedFile("big.pdf", PDF + b"x" * 2000, "application/pdf")
    response = client.post(f"/evidence/{evidence.pk}/attachments/", {"file": big}, follow=True)
    assert response.status_code == 200
    assert "CIVICLAB_MAX_ATTACHMENT_MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_refused_message_in_french(world: World, evidence: Evidence) -> None:
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        attach(world, evidence, EXE, "report.pdf")
    assert "Le contenu du fichier" in caught.value.messages[0]
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        attach(world, evidence, PNG, "report.pdf")
    assert "le nom du fichier" in caught.value.messages[0].lower()


# -- who may ---------------------------------------------------------------------------------
@pytest.mark.parametrize("actor", ["viewer", "other_city_admin", "no_membership"])
def test_only_editors_attach(world: World, evidence: Evidence, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        services.attach_file(world.user(actor), evidence, io.BytesIO(PDF), "a.pdf")
    assert not Attachment.objects.exists()


def test_upload_through_the_page_and_download(world: World, evidence: Evidence) -> None:
    client = as_user(world.user("member"))
    upload = SimpleUploadedFile("Rapport été.pdf", PDF, "application/octet-stream")
    response = client.post(f"/evidence/{evidence.pk}/attachments/", {"file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.evidence == evidence
    page = client.get(f"/challenges/{evidence.challenge_id}/").content.decode()
    assert f"/attachments/{attachment.pk}/" in page
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_viewer_may_not_upload_through_the_page(world: World, evidence: Evidence) -> None:
    client = as_user(world.user("viewer"))
    upload = SimpleUploadedFile("a.pdf", PDF)
    response = client.post(f"/evidence/{evidence.pk}/attachments/", {"file": upload})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_private_evidence_file_is_not_found_by_another_city(
    world: World, challenge: Challenge
) -> None:
    private = f.evidence(challenge, visibility="city")
    attachment = attach(world, private, PDF, "private.pdf")
    for actor in ("other_city_admin", "other_network_admin", "no_membership"):
        response = as_user(world.user(actor)).get(f"/attachments/{attachment.pk}/")
        assert response.status_code == 404, actor
    assert as_user(None).get(f"/attachments/{attachment.pk}/").status_code == 404
    assert as_user(world.user("viewer")).get(f"/attachments/{attachment.pk}/").status_code == 200


def test_team_evidence_file_is_not_found_by_another_team(world: World) -> None:
    challenge = f.challenge(world.city, visibility="team", team=world.team)
    evidence = f.evidence(challenge)
    attachment = services.attach_file(
        world.user("team_member"), evidence, io.BytesIO(PDF), "team.pdf"
    )
    response = as_user(world.user("other_team_member")).get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 404
    page = as_user(world.user("team_member")).get(f"/challenges/{challenge.pk}/")
    assert f"/attachments/{attachment.pk}/" in page.content.decode()


def test_decision_attachment(world: World, decision: Decision) -> None:
    attachment = attach(world, decision, XLSX, "budget.xlsx")
    assert attachment.decision == decision and attachment.evidence is None
    page = as_user(world.user("viewer")).get(f"/solutions/{decision.solution_id}/")
    assert f"/attachments/{attachment.pk}/" in page.content.decode()
    other = as_user(world.user("other_city_admin")).get(f"/attachments/{attachment.pk}/")
    assert other.status_code == 404


def test_delete_removes_the_file_and_is_audited(
    world: World, evidence: Evidence, django_capture_on_commit_callbacks: Any
) -> None:
    attachment = attach(world, evidence, PDF, "a.pdf")
    path = services.attachment_path(attachment)
    assert path.exists()
    viewer = as_user(world.user("viewer"))
    assert viewer.post(f"/attachments/{attachment.pk}/delete/").status_code == 403
    assert path.exists()
    client = as_user(world.user("member"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/attachments/{attachment.pk}/delete/")
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not path.exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-2:] == ["attachment.create", "attachment.delete"]
    event = AuditEvent.objects.get(action="attachment.delete")
    assert event.city_id == world.city.pk
    assert event.details["filename"] == "a.pdf"


def test_failed_transaction_removes_the_file(
    world: World, evidence: Evidence, monkeypatch: Any
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "record", boom)
    with pytest.raises(RuntimeError):
        attach(world, evidence, PDF, "a.pdf")
    assert not Attachment.objects.exists()
    assert not any(services.attachments_dir(world.city.pk).iterdir())


def test_constraint_one_parent(world: World, evidence: Evidence, decision: Decision) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(
            evidence=evidence,
            decision=decision,
            city=world.city,
            stored_name="x",
            filename="a.pdf",
            size=1,
            content_type="application/pdf",
            sha256="0" * 64,
        )


def test_filename_is_cleaned(world: World, evidence: Evidence) -> None:
    attachment = attach(world, evidence, PDF, '..\\..\\evil"\r\nname.pdf')
    assert attachment.filename == "evilname.pdf"


def test_deleting_the_parent_removes_the_files(
    world: World, challenge: Challenge, django_capture_on_commit_callbacks: Any
) -> None:
    member = world.user("member")
    evidence = f.evidence(challenge)
    solution = f.solution(challenge)
    decision = f.decision(solution)
    paths = {
        name: services.attachment_path(attach(world, parent, PDF, f"{name}.pdf"))
        for name, parent in [("evidence", evidence), ("decision", decision)]
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_evidence(member, evidence)
    assert not paths["evidence"].exists() and paths["decision"].exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_part(member, decision)
    assert not paths["decision"].exists()
    again = services.attachment_path(attach(world, f.evidence(challenge), PDF, "again.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_challenge(world.user("city_admin"), challenge)
    assert not again.exists()
    assert not Attachment.objects.exists()


# -- the API --------------------------------------------------------------------------------------
def api(user: Any) -> tuple[Any, dict[str, str]]:
    from django.test import Client

    from tests.permission_matrix import api_headers

    return Client(), api_headers(user)


def test_api_upload_list_download_delete(
    world: World, evidence: Evidence, decision: Decision, django_capture_on_commit_callbacks: Any
) -> None:
    client, headers = api(world.user("member"))
    upload = SimpleUploadedFile("counts.csv", CSV, "text/plain")
    response = client.post(
        f"/api/v1/evidence/{evidence.pk}/attachments", {"file": upload}, **headers
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "text/csv" and body["evidence"] == evidence.pk
    listed = client.get(f"/api/v1/evidence/{evidence.pk}/attachments", **headers).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert client.get(f"/api/v1/decisions/{decision.pk}/attachments", **headers).json() == []
    download = client.get(f"/api/v1/attachments/{body['id']}/download", **headers)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == CSV
    path = services.attachment_path(Attachment.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/attachments/{body['id']}", **headers).status_code == 204
    assert not path.exists()


def test_api_refusals(world: World, evidence: Evidence, settings: Any) -> None:
    client, headers = api(world.user("member"))
    url = f"/api/v1/evidence/{evidence.pk}/attachments"
    exe = SimpleUploadedFile("report.pdf", EXE)
    response = client.post(url, {"file": exe}, **headers)
    assert response.status_code == 422
    settings.MAX_ATTACHMENT_BYTES = 100
    big = SimpleUploadedFile("big.pdf", PDF + b"x" * 5000)
    response = client.post(url, {"file": big}, **headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    viewer_client, viewer = api(world.user("viewer"))
    small = SimpleUploadedFile("a.pdf", PDF)
    assert viewer_client.post(url, {"file": small}, **viewer).status_code == 403
    foreign_client, foreign = api(world.user("other_city_admin"))
    assert foreign_client.post(url, {"file": small}, **foreign).status_code == 404
    assert (
        client.post("/api/v1/evidence/99999999999999999999/attachments", **headers).status_code
        == 422
    )
    assert not Attachment.objects.exists()


def test_api_private_file_is_404_for_another_city(world: World, challenge: Challenge) -> None:
    attachment = attach(world, f.evidence(challenge), PDF, "a.pdf")
    client, headers = api(world.user("other_city_admin"))
    for url in (
        f"/api/v1/attachments/{attachment.pk}",
        f"/api/v1/attachments/{attachment.pk}/download",
    ):
        assert client.get(url, **headers).status_code == 404
    assert (
        client.get(f"/api/v1/evidence/{attachment.evidence_id}/attachments", **headers).status_code
        == 404
    )
    assert client.delete(f"/api/v1/attachments/{attachment.pk}", **headers).status_code == 404
    assert Attachment.objects.count() == 1


def test_page_upload_needs_the_csrf_token(world: World, evidence: Evidence) -> None:
    client = as_user(world.user("member"), csrf_token="x" * 32)
    upload = SimpleUploadedFile("a.pdf", PDF)
    response = client.post(f"/evidence/{evidence.pk}/attachments/", {"file": upload})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_page_says_why_in_french(world: World, evidence: Evidence, settings: Any) -> None:
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    upload = SimpleUploadedFile("rapport.pdf", EXE)
    response = client.post(
        f"/evidence/{evidence.pk}/attachments/",
        {"file": upload},
        follow=True,
    )
    assert "Le contenu du fichier n’est ni un PDF" in response.content.decode()
    assert not Attachment.objects.exists()
