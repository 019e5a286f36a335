"""Helpers for work on hundreds of thousands of rows at once (an import, the demo build)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while bulk work holds many rows.

    An import of 100,000 rows, or a demo build of a million patients, allocates millions of small
    objects (cells, values, audit entries) and frees none of them in cycles, so the collector's passes,
    each over an ever larger heap, found nothing and took most of the time (profiled: a one-line dict
    comprehension at ~90 µs a row). Reference counting still frees everything as usual; the collector
    runs again afterwards (if it was on before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
