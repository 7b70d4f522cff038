"""Heavy libraries imported on first use, so that the CLI and a web worker start fast.

pyarrow, numpy, shapely, h3 and their kin take seconds to import on a small machine, and every
Django command imports the URLconf (the system checks) and with it every view and API router.
A module that needs such a library at run time only writes::

    if TYPE_CHECKING:
        import pyarrow as pa
    else:
        pa = lazy_module("pyarrow")

Type checkers see the real module; at run time ``pa`` imports pyarrow the first time one of its
attributes is read (``pa.table(...)``, ``isinstance(x, pa.Table)``), and is the module itself
from then on. Nothing is put in ``sys.modules`` before that, so ``tests/test_startup.py`` can
check that the URLconf loads none of them. Measured by ``benchmarks/cli_startup.py``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """A stand-in for the module ``name`` that imports it when an attribute is first read."""

    def __getattr__(self, attribute: str) -> Any:
        # Only called for names not in this object's own __dict__: copy the real module's
        # namespace in, so later reads are plain attribute look-ups.
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, attribute)


def lazy_module(name: str) -> Any:
    """The module ``name`` (e.g. ``"pyarrow.compute"``), imported when first used."""
    return LazyModule(name)
