"""What ``exchange`` announces to the apps built on it (notifications today).

The exchange does not know who tells people what: an app above connects a receiver in its
``AppConfig.ready``.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A discussion post mentioned people who may read its thread, and its transaction has
#: committed. Sent by ``exchange.services.discussions`` with ``sender=DiscussionPost`` and the
#: keyword arguments ``post`` (the ``DiscussionPost``), ``people`` (the mentioned users, never
#: its author) and ``by`` (the author).
mentioned = Signal()
