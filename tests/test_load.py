"""The web app under concurrent load, over loopback (benchmarks/load_web.py does the work).

The 10-second smoke run is part of the default suite; the full run (50 clients for two
minutes) is marked ``load``: ``make test-load``. Both start the real ``app.py`` in its own
process with the fake embedder; the e5 figures come from
``python benchmarks/load_web.py --embedder e5``. Latency is recorded, never asserted
(DESIGN.md: no timed asserts in tests); errors and memory growth are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import load_web  # noqa: E402


def _report(report: dict) -> str:
    return json.dumps({k: v for k, v in report.items() if k != "rss_samples"}, ensure_ascii=False)


def test_ten_clients_for_ten_seconds_get_answers_without_errors() -> None:
    report = load_web.run("fake", clients=10, duration=10)
    print("\nload smoke:", _report(report))
    assert report["app_alive_at_end"]
    assert report["errors"] == 0, report["error_samples"]
    assert report["answered"] >= 10


@pytest.mark.load
def test_fifty_clients_for_two_minutes_hold_with_no_errors_and_no_memory_growth() -> None:
    report = load_web.run("fake", clients=50, duration=120)
    load_web.write_markdown(report, ROOT / "benchmarks" / "RESULTS-load.md")
    print("\nload:", _report(report))
    assert report["app_alive_at_end"]
    assert report["errors"] == 0, report["error_samples"]
    assert report["answered"] >= 50
    # Caches and allocator arenas settle in the first minute; after that the app must not grow.
    assert report["rss_second_half_growth_mb"] < 50, report["rss_samples"]
