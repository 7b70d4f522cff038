"""What ``datasets`` announces to the apps built on it.

The data layer does not know who uses its data: an app that keeps something computed from a
dataset (indicators today; evaluation and reports later) connects a receiver in its
``AppConfig.ready`` and does its own work, so nothing here imports it.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A version became a dataset's current one — a new import, or a rollback to an earlier
#: version — and its transaction has committed. Sent once per change, by
#: ``datasets.services``, with ``sender=Dataset`` and the keyword arguments ``dataset``
#: (the ``Dataset``) and ``version`` (its new current ``DatasetVersion``).
#: Receivers run in the request or job that made the change: queue long work, do not do it.
version_published = Signal()

#: An ``ImportJob`` (an upload's import, or a source's refresh: ``job.source`` is set) ended
#: with its new version (``job.version``), and its transaction has committed. Sent once per
#: job by ``datasets.jobs``, with ``sender=ImportJob`` and the keyword argument ``job``.
import_finished = Signal()

#: An ``ImportJob`` ended failed (``job.error`` says why; the dataset kept its current
#: version), or its worker stopped; sent on commit, once per job, like ``import_finished``.
import_failed = Signal()
