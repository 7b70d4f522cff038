"""``GET /metrics``: the installation's state in Prometheus's text format, for a scraper that
holds ``CIVICLAB_METRICS_TOKEN``.

Request counts and durations are summed over every server process from the files they write
(``core/http_metrics.py``); everything else is read at scrape time, in three small queries
(import jobs by state, the durations of jobs finished in the last day, the bytes of dataset
versions) and a look at the queue and the data directory. Scrapes of ``/metrics`` itself are
not counted as requests (``core/request_tracking.py``).
"""

from __future__ import annotations

import hmac
import logging
import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civiclab import __version__
from civiclab.core import http_metrics
from civiclab.core.backup_record import BackupRecordError, backup_age_seconds, last_backup
from civiclab.core.prometheus import CONTENT_TYPE, Family, render
from civiclab.core.request_tracking import metrics_dir, recorder

logger = logging.getLogger(__name__)

# Quantiles of the job durations of the last day.
QUANTILES = (0.5, 0.9, 0.99)
JOB_WINDOW = timedelta(hours=24)


def authorized(request: HttpRequest, token: str) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>`` (compared in constant
    time, so the answer's timing does not tell how much of a guess was right)."""
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404  # metrics are off: the endpoint does not exist
    if not authorized(request, token):
        response = HttpResponse(
            _("Metrics need the bearer token of CIVICLAB_METRICS_TOKEN.") + "\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="civiclab metrics"'
        return response
    return HttpResponse(render(collect_families()), content_type=CONTENT_TYPE)


def collect_families() -> list[Family]:
    families = [info_family()]
    families += request_families()
    families += job_families()
    families += queue_families()
    families += data_families()
    return families


def info_family() -> Family:
    info = Family("civiclab_info", "gauge", "The civiclab version this process runs.")
    info.add(1, {"version": __version__})
    return info


def request_families() -> list[Family]:
    try:
        # This process's latest counts first, so a single-process server is never behind.
        recorder().flush()
        totals = http_metrics.collect(metrics_dir())
    except OSError as exc:
        # A full or read-only data directory: the other metrics still matter more than these.
        logger.warning("request counters unreadable in %s: %s", metrics_dir(), exc)
        totals = http_metrics.Totals()
    requests = Family(
        "civiclab_http_requests_total",
        "counter",
        "HTTP requests answered, by method, status class and route (URL pattern name).",
    )
    for (method, status_class, route), count in sorted(totals.requests.items()):
        requests.add(count, {"method": method, "status_class": status_class, "route": route})
    durations = Family(
        "civiclab_http_request_duration_seconds",
        "histogram",
        "Time from the request reaching civiclab to its answer, by route.",
    )
    for route, counts in sorted(totals.buckets.items()):
        durations.add_histogram(
            http_metrics.BUCKETS, counts, totals.seconds.get(route, 0.0), {"route": route}
        )
    return [requests, durations]


def job_families() -> list[Family]:
    from civiclab.datasets.models import ImportJob

    by_state = dict(
        ImportJob.objects.order_by()
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    queued = Family("civiclab_jobs_queued", "gauge", "Import jobs waiting for the worker.")
    queued.add(by_state.get(ImportJob.State.QUEUED, 0))
    running = Family("civiclab_jobs_running", "gauge", "Import jobs the worker is running.")
    running.add(by_state.get(ImportJob.State.RUNNING, 0))
    finished = Family(
        "civiclab_jobs_finished_total", "counter", "Import jobs ended, by outcome (done, failed)."
    )
    for ended_state in (ImportJob.State.DONE, ImportJob.State.FAILED):
        finished.add(by_state.get(ended_state, 0), {"outcome": str(ended_state)})

    # ImportJob records when it was queued and when it ended: the duration is what the person
    # who uploaded waited, queue included.
    since = timezone.now() - JOB_WINDOW
    ended = ImportJob.objects.filter(
        finished_at__gte=since, state__in=[ImportJob.State.DONE, ImportJob.State.FAILED]
    ).values_list("state", "created_at", "finished_at")
    seconds: dict[str, list[float]] = {"done": [], "failed": []}
    for outcome, created, ended_at in ended:
        if ended_at is not None:  # the filter says so; the type does not
            seconds[str(outcome)].append(max((ended_at - created).total_seconds(), 0.0))
    durations = Family(
        "civiclab_job_duration_seconds",
        "summary",
        "Import jobs ended in the last 24 hours: seconds from queued to ended, by outcome "
        "(a sliding window, not a running total).",
    )
    for outcome, values in seconds.items():
        values.sort()
        for q in QUANTILES:
            durations.add(quantile(values, q), {"outcome": outcome, "quantile": str(q)})
        durations.add(sum(values), {"outcome": outcome}, "_sum")
        durations.add(len(values), {"outcome": outcome}, "_count")
    return [queued, running, finished, durations]


def quantile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile of sorted values (nearest rank); NaN for none, as Prometheus's own
    summaries report an empty window."""
    if not ordered:
        return math.nan
    rank = max(math.ceil(q * len(ordered)) - 1, 0)
    return ordered[rank]


def queue_families() -> list[Family]:
    from civiclab.core.jobqueue import queue

    up = Family("civiclab_queue_up", "gauge", "1 when the job queue's storage answers, else 0.")
    pending = Family(
        "civiclab_queue_pending_tasks", "gauge", "Tasks waiting in the job queue (huey)."
    )
    try:
        count = queue().pending_count()
    except Exception as exc:  # Redis down, a locked or missing SQLite file: reported, not raised
        logger.warning("job queue unreachable: %s", first_line(exc))
        up.add(0)
        return [up, pending]
    up.add(1)
    pending.add(count)
    return [up, pending]


def first_line(exc: BaseException) -> str:
    """An exception as one line: its type, and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def data_families() -> list[Family]:
    from civiclab.datasets.housekeeping import worker_last_seen
    from civiclab.datasets.models import DatasetVersion

    stored = DatasetVersion.objects.aggregate(total=Sum("size_bytes"))["total"] or 0
    imported = Family(
        "civiclab_import_bytes_total",
        "counter",
        "Bytes of every dataset version imported and kept (Parquet, as stored); drops only "
        "when a dataset is deleted.",
    )
    imported.add(stored)
    families = [imported]
    seen = worker_last_seen()
    heartbeat = Family(
        "civiclab_worker_heartbeat_age_seconds",
        "gauge",
        "Seconds since the job worker's last heartbeat (absent if it never ran).",
    )
    if seen is not None:
        heartbeat.add(max((timezone.now() - seen).total_seconds(), 0.0))
    families.append(heartbeat)
    backup = Family(
        "civiclab_last_backup_age_seconds",
        "gauge",
        "Seconds since the last `civiclab backup` finished (absent if none is recorded).",
    )
    try:
        record = last_backup(settings.DATA_DIR)
    except BackupRecordError as exc:
        logger.warning("%s", exc)
        record = None
    if record is not None:
        backup.add(backup_age_seconds(record))
    families.append(backup)
    return families
