"""Downloading a bound source over HTTP(S): within limits, from public addresses only, page by
page (SODA's ``$limit``/``$offset``, Open311's date windows), into one file the import reads.

A refresh runs unattended in the worker, so every way a remote server can hurt it is bounded
here: bytes on the wire, bytes after gzip, pages, rows and the time of the whole download. A
source address must be http(s) and, unless the operator allows it, resolve to no private,
loopback or link-local address (the worker must not become a way into the city's network);
every redirect is checked again.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

from civiclab.datasets.ingest.report import IngestError

KINDS = ("socrata", "open311", "csv", "geojson")
SCHEMES = ("http", "https")
CHUNK = 64 * 1024
# SODA 2.1 answers at most 50,000 rows a request; smaller pages keep each answer small.
SOCRATA_PAGE_ROWS = 10_000
# GeoReport v2 servers answer at most 90 days a request (and often 1,000 requests): windows
# are shorter, pages (``page``/``page_size``, where supported) smaller.
OPEN311_WINDOW = dt.timedelta(days=30)
OPEN311_PAGE_SIZE = 500
# The first refresh of an Open311 source reads this far back; later ones start at the
# newest request already read, less an overlap (late arrivals, clocks), and upsert.
OPEN311_FIRST_WINDOW = dt.timedelta(days=90)
OPEN311_OVERLAP = dt.timedelta(days=1)
USER_AGENT = "civiclab-refresh/1"


@dataclass(frozen=True)
class FetchLimits:
    """What one refresh may download: bytes as sent, bytes once un-gzipped, requests, rows
    (of paged sources) and seconds for the whole download."""

    max_bytes: int = 1024 * 1024 * 1024
    max_decompressed_bytes: int = 2048 * 1024 * 1024
    max_pages: int = 1000
    max_rows: int = 5_000_000
    timeout_seconds: float = 600.0
    allow_private_hosts: bool = False


@dataclass
class Fetched:
    """A downloaded source: the file the import reads, the format to read it with, what
    was fetched, and (Open311) the newest request's time, where the next refresh starts."""

    path: Path
    format: str
    pages: int
    bytes: int
    rows: int | None = None
    high_water: dt.datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


def check_url(url: str, allow_private_hosts: bool = False) -> str:
    """The address, stripped, if a refresh may fetch it; IngestError (code ``url``) if not:
    not http(s), no host, credentials in it, a host that does not resolve, or one that
    resolves to a private, loopback, link-local or otherwise non-public address."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise IngestError(
            "A source address must start with http:// or https:// and name a host.",
            code="url",
        )
    if parts.username or parts.password:
        raise IngestError(
            "A source address cannot hold a user name or password.",
            code="url",
        )
    try:
        port = parts.port
    except ValueError:
        raise IngestError("The source address has an invalid port.", code="url") from None
    if allow_private_hosts:
        return url
    try:
        found = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise IngestError(
            "The host {host} cannot be found.", code="url", params={"host": parts.hostname}
        ) from None
    for *_rest, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise IngestError(
                "The host {host} is a private, loopback or link-local address, which "
                "refreshes may not fetch (CIVICLAB_REFRESH_ALLOW_PRIVATE_HOSTS).",
                code="url",
                params={"host": parts.hostname},
            )
    return url


def with_params(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` set in its query (replacing values of the same names)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class Downloader:
    """Requests within one refresh's limits, shared by all its pages."""

    def __init__(self, limits: FetchLimits) -> None:
        self.limits = limits
        self.pages = 0
        self.bytes = 0
        self.decompressed = 0
        self.deadline = time.monotonic() + limits.timeout_seconds
        limits_ = limits

        class _CheckedRedirect(HTTPRedirectHandler):
            def redirect_request(  # type: ignore[no-untyped-def]
                self, req, fp, code, msg, headers, newurl
            ):
                check_url(newurl, limits_.allow_private_hosts)
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        self.opener = build_opener(_CheckedRedirect)

    def get(self, url: str, out: IO[bytes]) -> int:
        """Write the body of ``url`` (un-gzipped) to ``out``; the number of bytes written."""
        check_url(url, self.limits.allow_private_hosts)
        self.pages += 1
        if self.pages > self.limits.max_pages:
            raise IngestError(
                "The source needs more than {limit} requests (CIVICLAB_REFRESH_MAX_PAGES).",
                code="too_large",
                params={"limit": self.limits.max_pages},
            )
        request = Request(url, headers={"Accept-Encoding": "gzip", "User-Agent": USER_AGENT})
        written = 0
        try:
            with self.opener.open(request, timeout=self._remaining()) as response:
                gzipped = "gzip" in (response.headers.get("Content-Encoding") or "").lower()
                unzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
                while chunk := response.read(CHUNK):
                    self._count_bytes(len(chunk))
                    data = chunk if unzip is None else self._unzip(unzip, chunk)
                    out.write(data)
                    written += len(data)
                    self._remaining()
                if getattr(response, "length", None):  # fewer bytes than Content-Length
                    raise http.client.IncompleteRead(b"", response.length)
                if unzip is not None:
                    tail = unzip.flush()
                    if not unzip.eof:
                        raise zlib.error("the gzip stream ends early")
                    self._count_decompressed(len(tail))
                    out.write(tail)
                    written += len(tail)
        except IngestError:
            raise
        except HTTPError as exc:
            raise IngestError(
                "The source answered HTTP {status} ({reason}).",
                code="http",
                params={"status": exc.code, "reason": str(exc.reason)[:200]},
            ) from None
        except TimeoutError:
            raise self._timeout() from None
        except URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timeout() from None
            if isinstance(exc.reason, IngestError):
                raise exc.reason from None
            raise IngestError(
                "The source cannot be reached: {detail}.",
                code="unreachable",
                params={"detail": str(exc.reason)[:200]},
            ) from None
        except (zlib.error, OSError, http.client.HTTPException) as exc:
            raise IngestError(
                "The source's answer was cut off or damaged: {detail}.",
                code="unreadable",
                params={"detail": str(exc)[:200]},
            ) from None
        return written

    def get_bytes(self, url: str) -> bytes:
        """The body of ``url`` in memory (a page of a paged source, bounded by the limits)."""
        import io

        buffer = io.BytesIO()
        self.get(url, buffer)
        return buffer.getvalue()

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._timeout()
        return left

    def _timeout(self) -> IngestError:
        return IngestError(
            "The source did not answer within {seconds} seconds "
            "(CIVICLAB_REFRESH_TIMEOUT_SECONDS).",
            code="timeout",
            params={"seconds": round(self.limits.timeout_seconds)},
        )

    def _count_bytes(self, size: int) -> None:
        self.bytes += size
        if self.bytes > self.limits.max_bytes:
            raise IngestError(
                "The source sent more than {limit} MB (CIVICLAB_REFRESH_MAX_MB).",
                code="too_large",
                params={"limit": self.limits.max_bytes // (1024 * 1024)},
            )

    def _count_decompressed(self, size: int) -> None:
        self.decompressed += size
        if self.decompressed > self.limits.max_decompressed_bytes:
            raise IngestError(
                "The source's answer unpacks to more than {limit} MB "
                "(CIVICLAB_REFRESH_MAX_UNPACKED_MB).",
                code="too_large",
                params={"limit": self.limits.max_decompressed_bytes // (1024 * 1024)},
            )

    def _unzip(self, unzip: Any, chunk: bytes) -> bytes:
        # Bounded: never more than what is left of the limit, plus one byte to notice.
        left = self.limits.max_decompressed_bytes - self.decompressed
        data: bytes = unzip.decompress(chunk, left + 1)
        self._count_decompressed(len(data))
        if unzip.unconsumed_tail:
            raise IngestError(
                "The source's answer unpacks to more than {limit} MB "
                "(CIVICLAB_REFRESH_MAX_UNPACKED_MB).",
                code="too_large",
                params={"limit": self.limits.max_decompressed_bytes // (1024 * 1024)},
            )
        return data


def _records(body: bytes, what: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(
            "The source's answer is not JSON: {detail}.",
            code="unreadable",
            params={"detail": str(exc)[:200]},
        ) from None
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise IngestError(
            "The source's answer is not a list of {what} records.",
            code="format",
            params={"what": what},
        )
    return document


def _check_rows(count: int, limits: FetchLimits) -> None:
    if count > limits.max_rows:
        raise IngestError(
            "The source holds more than {limit} rows (CIVICLAB_REFRESH_MAX_ROWS).",
            code="too_large",
            params={"limit": limits.max_rows},
        )


def is_soda_endpoint(url: str) -> bool:
    """A SODA resource (``/resource/abcd-1234.json``), read in pages; anything else from
    Socrata (an export's ``rows.csv``/``rows.json``) is one download."""
    path = urlsplit(url).path.lower()
    return "/resource/" in path and path.endswith(".json")


def socrata_pages(
    url: str, downloader: Downloader, page_rows: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """SODA rows, page by page, in the stable order of Socrata's row ids (``$order=:id``,
    unless the address orders them itself), until a page is short."""
    page_rows = page_rows or SOCRATA_PAGE_ROWS
    ordered = any(k == "$order" for k, _v in parse_qsl(urlsplit(url).query))
    offset = 0
    while True:
        params = {"$limit": str(page_rows), "$offset": str(offset)}
        if not ordered:
            params["$order"] = ":id"
        page = _records(downloader.get_bytes(with_params(url, params)), "Socrata")
        yield page
        if len(page) < page_rows:
            return
        offset += page_rows


def parse_time(text: Any) -> dt.datetime | None:
    """An Open311 time (ISO 8601, or SF's ``2012-05-22 23:57:23.97``) in UTC; None if not one
    (a time without a zone is taken as UTC)."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open311_windows(
    start: dt.datetime, end: dt.datetime, window: dt.timedelta = OPEN311_WINDOW
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """[start, end) cut into windows of at most ``window``, oldest first."""
    begin = start
    while begin < end:
        stop = min(begin + window, end)
        yield begin, stop
        begin = stop


def open311_requests(
    url: str,
    downloader: Downloader,
    start: dt.datetime,
    end: dt.datetime,
    *,
    window: dt.timedelta | None = None,
    page_size: int | None = None,
) -> list[dict[str, Any]]:
    """GeoReport v2 requests made in [start, end), window by window and, within a window,
    page by page (``page``/``page_size``) while a server pages: a full page asks for the
    next; a page that brings nothing new (a server ignoring ``page``) ends the window.
    Requests seen twice (windows' edges, overlapping refreshes) are kept once, the later."""
    window = window or OPEN311_WINDOW
    page_size = page_size or OPEN311_PAGE_SIZE
    found: dict[str, dict[str, Any]] = {}
    anonymous: list[dict[str, Any]] = []
    for begin, stop in open311_windows(start, end, window):
        page = 1
        while True:
            params = {
                "start_date": _iso(begin),
                "end_date": _iso(stop),
                "page": str(page),
                "page_size": str(page_size),
            }
            records = _records(downloader.get_bytes(with_params(url, params)), "Open311")
            new = 0
            for record in records:
                key = record.get("service_request_id")
                if key is None:
                    anonymous.append(record)
                    new += 1
                    continue
                new += str(key) not in found
                found[str(key)] = record
            _check_rows(len(found) + len(anonymous), downloader.limits)
            if len(records) < page_size or new == 0:
                break
            page += 1
    return list(found.values()) + anonymous


def high_water(records: list[dict[str, Any]]) -> dt.datetime | None:
    """The newest ``requested_datetime`` among Open311 requests (None without one)."""
    times = [t for r in records if (t := parse_time(r.get("requested_datetime"))) is not None]
    return max(times) if times else None


def open311_start(
    last_high_water: dt.datetime | None, now: dt.datetime, first_from: dt.datetime | None
) -> dt.datetime:
    """Where a refresh starts reading: the last high-water mark less the overlap; the first
    time, the source's own start date or ``OPEN311_FIRST_WINDOW`` ago."""
    if last_high_water is not None:
        return last_high_water - OPEN311_OVERLAP
    return first_from if first_from is not None else now - OPEN311_FIRST_WINDOW


def fetch(
    kind: str,
    url: str,
    folder: Path,
    limits: FetchLimits,
    *,
    now: dt.datetime,
    last_high_water: dt.datetime | None = None,
    first_from: dt.datetime | None = None,
    expected_columns: list[str] | None = None,
) -> Fetched:
    """Download a source of ``kind`` into ``folder``: the file an import reads and how.

    JSON APIs leave out a record's empty fields, so a batch may lack a column altogether:
    paged records get every ``expected_columns`` (the dataset's) they lack, empty — a column
    that is really gone is then empty rather than missing, and a new one is still new."""
    if kind not in KINDS:
        raise IngestError(
            "Unknown source kind {kind!r}: use {kinds}.",
            code="kind",
            params={"kind": kind, "kinds": ", ".join(KINDS)},
        )
    downloader = Downloader(limits)
    if kind == "open311":
        start = open311_start(last_high_water, now, first_from)
        records = open311_requests(url, downloader, start, now)
        if not records:
            raise IngestError(
                "The source has no requests since {since}.",
                code="empty",
                params={"since": _iso(start)},
            )
        _pad(records, expected_columns)
        return _write_json(folder / "requests.json", records, "open311", downloader, records)
    if kind == "socrata" and is_soda_endpoint(url):
        rows: list[dict[str, Any]] = []
        for page in socrata_pages(url, downloader):
            rows.extend(page)
            _check_rows(len(rows), limits)
        _pad(rows, expected_columns)
        return _write_json(folder / "rows.json", rows, "socrata", downloader, None)
    name = {"csv": "download.csv", "geojson": "download.geojson"}.get(kind, "download")
    path = folder / name
    with path.open("wb") as out:
        downloader.get(url, out)
    fmt = {"csv": "csv", "geojson": "geo"}.get(kind, "socrata")
    return Fetched(path, fmt, downloader.pages, downloader.bytes)


def _pad(records: list[dict[str, Any]], columns: list[str] | None) -> None:
    if not columns or not records:
        return
    seen = {key for record in records for key in record}
    missing = [c for c in columns if c not in seen]
    for record in records:
        for column in missing:
            record[column] = None


def _write_json(
    path: Path,
    rows: list[dict[str, Any]],
    fmt: str,
    downloader: Downloader,
    requests: list[dict[str, Any]] | None,
) -> Fetched:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return Fetched(
        path,
        fmt,
        downloader.pages,
        downloader.bytes,
        rows=len(rows),
        high_water=high_water(requests) if requests is not None else None,
    )
