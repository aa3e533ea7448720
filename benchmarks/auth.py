"""What accounts cost a request: scrypt per login, and a token check cold and remembered.

    python benchmarks/auth.py [--runs 20]

Prints medians (ms). A login pays one scrypt; an API call pays one on a token's first use
in a process and a SHA-256 lookup afterwards (``UserStore.check_token``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import common  # noqa: F401 - puts the checkout on sys.path
from common import summary

from assistant.web.users import UserStore


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = UserStore(Path(tmp) / "users.json")
        store.add("bench", "reader", "bench-password")
        token = store.new_token("bench")
        login = timed(lambda: store.check_password("bench", "bench-password"), args.runs)
        cold = []
        for _ in range(args.runs):
            fresh = UserStore(store.path)  # a new process: nothing remembered
            cold += timed(lambda fresh=fresh: fresh.check_token(token), 1)  # bind this iteration's store
        warm = timed(lambda: store.check_token(token), args.runs * 10)
    print(json.dumps({"login_ms": summary(login), "token_cold_ms": summary(cold), "token_remembered_ms": summary(warm)}, indent=2))


if __name__ == "__main__":
    main()
