"""What an attached file really is, read from its bytes (never from its name or the browser).

``sniff`` reads the magic numbers of the types evidence may carry — PDF, PNG, JPEG, GIF, WebP,
the Office formats (a zip whose ``[Content_Types].xml`` names the workbook or document), and
CSV or plain text (UTF-8, no NUL byte) — and ``check_name`` refuses a name whose extension
says something else. Pure: plain bytes and names in, a ``FileType`` or ``None`` out.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO, Protocol, cast


class Readable(Protocol):
    """What is read of an upload: an open file, a BytesIO, Django's UploadedFile."""

    def read(self, size: int = ..., /) -> bytes: ...
    def seek(self, offset: int, whence: int = ..., /) -> Any: ...
    def tell(self) -> int: ...


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("pdf", "application/pdf", (".pdf",))
PNG = FileType("png", "image/png", (".png",))
JPEG = FileType("jpeg", "image/jpeg", (".jpg", ".jpeg"))
GIF = FileType("gif", "image/gif", (".gif",))
WEBP = FileType("webp", "image/webp", (".webp",))
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
CSV = FileType("csv", "text/csv", (".csv",))
TEXT = FileType("text", "text/plain", (".txt", ".md"))
ALLOWED = (PDF, PNG, JPEG, GIF, WEBP, XLSX, DOCX, CSV, TEXT)
EXTENSIONS = sorted(ext for t in ALLOWED for ext in t.extensions)

# The zip's table of contents and its [Content_Types].xml are read, nothing more, and bounded.
MAX_ZIP_MEMBERS = 10_000
MAX_CONTENT_TYPES_BYTES = 256 * 1024
# Text is decoded in full (up to the upload limit) in chunks of this size.
TEXT_CHUNK = 1 << 20

_OFFICE_MAIN = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": None,  # macros: refused
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.ms-word.document.macroEnabled.main+xml": None,
}


def _magic(head: bytes) -> FileType | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _office(stream: Readable) -> FileType | None:
    """XLSX or DOCX: a zip whose [Content_Types].xml names the workbook or the document."""
    try:
        with zipfile.ZipFile(cast(BinaryIO, stream)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                return None
            info = next((m for m in members if m.filename == "[Content_Types].xml"), None)
            if info is None or info.file_size > MAX_CONTENT_TYPES_BYTES:
                return None
            with archive.open(info) as member:
                xml = member.read(MAX_CONTENT_TYPES_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if len(xml) > MAX_CONTENT_TYPES_BYTES:
        return None
    text = xml.decode("utf-8", errors="replace")
    found = [kind for name, kind in _OFFICE_MAIN.items() if f'ContentType="{name}"' in text]
    if len(found) != 1:
        return None
    return found[0]


def _is_text(stream: Readable) -> bool:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    seen = False
    while chunk := stream.read(TEXT_CHUNK):
        seen = True
        if b"\x00" in chunk:
            return False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return seen


def sniff(stream: Readable, name: str) -> FileType | None:
    """The allowed type the bytes are, or None. The name only tells CSV from plain text
    (both are text); everything else is read from the bytes alone."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    found = _magic(head)
    if found is None and head.startswith(b"PK\x03\x04"):
        found = _office(stream)
    elif found is None and _is_text(stream):
        found = CSV if extension(name) == ".csv" else TEXT
    stream.seek(0)
    return found


def extension(name: str) -> str:
    return PurePath(name).suffix.lower()


def name_matches(kind: FileType, name: str) -> bool:
    """The file's extension is one of its type's (a ".pdf" that is an image lies)."""
    return extension(name) in kind.extensions


def sniff_bytes(data: bytes, name: str) -> FileType | None:
    return sniff(io.BytesIO(data), name)
