"""A large catalogue file is read and prepared in a second process while the import writes.

The import's Python work (parsing, hashing, the index's terms and tsvector literals) and the
database's work were added one to the other; with the reading in a second process (started
with ``spawn``: nothing of the web or worker process is inherited) they overlap on two cores.
The importing process keeps the transaction and decides every write. A file under
``READ_AHEAD_FROM`` bytes is read in the importing process (starting a process costs more).
At most ``AHEAD`` batches wait in the pipe's buffer; a failure of the reading is raised in
the importing process; a failed import stops the reading process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Mapping
from pathlib import Path

from civiclab.funding.catalogue.prefetch import (
    PreparedRecord,
    check_batch,
    prepared_batches,
    send_prepared,
)

READ_AHEAD_FROM = 5_000_000  # bytes of file


def read_ahead(
    fmt: str,
    path: Path,
    batch_size: int,
    stored_digests: Mapping[str, str],
    literal: bool,
) -> Iterator[list[PreparedRecord]]:
    """The file's prepared batches (``catalogue.prefetch``), read in a second process when
    the file is large."""
    if path.stat().st_size < READ_AHEAD_FROM:
        yield from prepared_batches(fmt, path, batch_size, stored_digests, literal)
        return
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=send_prepared,
        args=(sender, fmt, str(path), batch_size, dict(stored_digests), literal),
        name="catalogue-read-ahead",
        daemon=True,
    )
    try:
        process.start()
    except (AssertionError, OSError):
        # A daemonic process (a worker's) may not start one; nor a host out of processes.
        sender.close()
        receiver.close()
        yield from prepared_batches(fmt, path, batch_size, stored_digests, literal)
        return
    sender.close()
    received = False
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                if not received:
                    # The process could not start here (a host whose main module cannot be
                    # imported again, say): read in this process instead, from the start.
                    break
                raise OSError("the catalogue's reading process stopped unexpectedly") from None
            received = True
            batch = check_batch(message)
            if batch is None:
                return
            yield batch
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()
    yield from prepared_batches(fmt, path, batch_size, stored_digests, literal)
