"""Every benchmark, one after the other, then the tables of RESULTS.md (``make bench``).

    python benchmarks/run_all.py            # paper, concurrency, scale 10k/100k/1M (about an hour on 2 busy cores)
    python benchmarks/run_all.py --quick    # paper (1 run, e5 only), library/CLI concurrency, scale 10k/100k

Run them one at a time on a quiet machine: they measure latency, and each other is noise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(*args: str) -> None:
    print("$ python", " ".join(args), file=sys.stderr, flush=True)
    subprocess.run([sys.executable, *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        run(str(HERE / "paper.py"), "--embedders", "e5", "--runs", "1")
        run(str(HERE / "concurrency.py"), "--web", "0")
        run(str(HERE / "scale.py"), "--sizes", "10000", "100000", "--output", "scale_small.json")
    else:
        run(str(HERE / "paper.py"))
        run(str(HERE / "concurrency.py"))
        run(str(HERE / "scale.py"), "--sizes", "10000", "100000", "--output", "scale_small.json")
        run(str(HERE / "scale.py"), "--sizes", "1000000", "--queries", "100", "--ask-queries", "40", "--output", "scale_1m.json")
    run(str(HERE / "un_layout.py"))  # reading UN-layout PDFs and Word files against gold (about a minute)
    run(str(HERE / "render.py"))


if __name__ == "__main__":
    main()
