"""Pausing Python's cyclic garbage collector around one bulk operation.

An ERA import builds hundreds of thousands of short-lived objects (segments, rows, model
instances); each allocation burst triggers collections that walk every object still alive,
and on a 20,000-line file that was a quarter of the import's time. The objects involved hold no
reference cycles worth collecting mid-operation, so the collector waits until the operation
ends. Process-wide: keep it to work that ends within seconds."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's previous state comes back after
    (a nested pause leaves it off until the outermost one ends)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
