"""The cache counters bench/scan_wsgi.py's workers write and bench/bench_scan.py reads."""

from __future__ import annotations

import struct
from pathlib import Path

KINDS = ("record", "html", "scan-page", "other")
STATS = struct.Struct(f"<{2 * len(KINDS)}q")  # hits and misses per kind


def read_stats(folder: Path) -> dict[str, dict[str, int]]:
    """The counters of every worker that wrote into `folder`, summed per kind."""
    totals = {kind: {"hits": 0, "misses": 0} for kind in KINDS}
    for path in folder.glob("*.stats"):
        data = path.read_bytes()
        if len(data) < STATS.size:
            continue
        values = STATS.unpack_from(data)
        for i, kind in enumerate(KINDS):
            totals[kind]["hits"] += values[2 * i]
            totals[kind]["misses"] += values[2 * i + 1]
    return totals


def difference(after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]) -> dict:
    return {
        kind: {k: after[kind][k] - before[kind][k] for k in ("hits", "misses")} for kind in KINDS
    }
