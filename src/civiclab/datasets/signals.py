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

#: An import job (an upload, or a scheduled refresh) ended, and its transaction has committed:
#: ``import_finished`` when it succeeded, ``import_failed`` when it failed. Sent with
#: ``sender=ImportJob`` and the keyword argument ``job`` (the ``ImportJob``).
import_finished = Signal()
import_failed = Signal()
