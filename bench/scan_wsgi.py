"""The app as bench/bench_scan.py serves it: the real app plus one constant route (the ceiling),
and counters of the public-record cache's hits and misses.

`gunicorn --chdir <repo> --pythonpath bench scan_wsgi:app`. The constant route answers a 2-byte
body through the same app, hooks and gunicorn configuration as the scan page, so the two rates
compare the scan's own work with the framework's cost per request. Nothing here is in the product:
the route, its access rule and the counting are added at run time, in this process only.

With TRACE_BENCH_STATS_DIR set, each worker counts, per kind of cache entry (the batch record,
its HTML sections, the page around the banner), how often TTLCache.get_or_make found the entry
(hit) or had to make it (miss), in a small file of its own (`<pid>.stats`, memory-mapped: a
counter update is a memory write, no system call), which the benchmark sums between rounds.
"""

from __future__ import annotations

import mmap
import os
import sys
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# `trace` is also a standard-library module: the repository root must come first on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Response  # noqa: E402
from scan_stats import KINDS, STATS  # noqa: E402

from trace import create_app  # noqa: E402
from trace.web import access  # noqa: E402
from trace.web.cache import TTLCache  # noqa: E402

CONSTANT_ENDPOINT = "bench_constant"

# Every request comes from 127.0.0.1: the per-address limit of public pages would throttle the
# load generator after 120 requests. The environment (set by bench_scan.py) wins if given.
os.environ.setdefault("TRACE_RATE_LIMITS_ENABLED", "0")

app = create_app()
if app.config["RATE_LIMITS_ENABLED"]:
    raise SystemExit("bench: rate limits must be off (TRACE_RATE_LIMITS_ENABLED=0)")


def constant() -> Response:
    return Response(b"ok", mimetype="text/plain")


app.add_url_rule("/bench/constant", CONSTANT_ENDPOINT, constant)
access.ACCESS[CONSTANT_ENDPOINT] = access.PUBLIC


class _Counters:
    """This worker's counters, in its own memory-mapped file (opened after gunicorn's fork)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.pid = 0
        self.map: mmap.mmap | None = None
        self.values = [0] * (2 * len(KINDS))

    def count(self, kind: str, hit: bool) -> None:
        if self.pid != os.getpid():  # first use in this worker
            self.pid = os.getpid()
            path = Path(self.folder) / f"{self.pid}.stats"
            path.write_bytes(bytes(STATS.size))
            with path.open("r+b") as handle:
                self.map = mmap.mmap(handle.fileno(), STATS.size)
            self.values = [0] * (2 * len(KINDS))
        index = 2 * (KINDS.index(kind) if kind in KINDS else len(KINDS) - 1) + (0 if hit else 1)
        self.values[index] += 1
        assert self.map is not None
        STATS.pack_into(self.map, 0, *self.values)


def _kind(key: Hashable) -> str:
    if isinstance(key, tuple) and key and isinstance(key[0], str):
        return key[0]
    return "record" if isinstance(key, int) else "other"


if os.environ.get("TRACE_BENCH_STATS_DIR"):
    _counters = _Counters(os.environ["TRACE_BENCH_STATS_DIR"])
    _original = TTLCache.get_or_make

    def _counting(self: TTLCache[Any], key: Hashable, make: Callable[[], Any]) -> Any:
        made = False

        def counted_make() -> Any:
            nonlocal made
            made = True
            return make()

        value = _original(self, key, counted_make)
        _counters.count(_kind(key), hit=not made)
        return value

    TTLCache.get_or_make = _counting  # type: ignore[method-assign]
