"""The scan benchmark's request plan and cache counters (bench/bench_scan.py, scan_wsgi.py)."""

from __future__ import annotations

from collections import Counter

from bench.bench_scan import plan
from bench.scan_stats import KINDS, STATS, difference, read_stats


def test_each_round_scans_its_own_packs_across_lots_mostly_for_the_first_time():
    lots = [[f"L{lot:03d}P{pack:02d}" for pack in range(12)] for lot in range(100)]
    sequences = plan(lots, 4, repeat_share=0.1)
    firsts = [set(sequence) for sequence in sequences]
    assert all(len(a & b) == 0 for i, a in enumerate(firsts) for b in firsts[i + 1 :])
    for sequence in sequences:
        counts = Counter(sequence)
        repeats = sum(n - 1 for n in counts.values())
        assert 0.04 < repeats / len(sequence) < 0.16  # about a tenth scanned twice
        assert len({serial[:4] for serial in sequence}) > 90  # spread over (almost) every lot
        assert sequence[:12] != sorted(sequence[:12])  # shuffled, not lot by lot


def test_cache_counters_are_summed_over_workers(tmp_path):
    values = list(range(1, 2 * len(KINDS) + 1))
    for pid in (101, 102):
        (tmp_path / f"{pid}.stats").write_bytes(STATS.pack(*values))
    totals = read_stats(tmp_path)
    assert totals["record"] == {"hits": 2, "misses": 4}
    assert totals["scan-page"] == {"hits": 10, "misses": 12}
    assert difference(totals, read_stats(tmp_path / "none"))["html"] == {"hits": 6, "misses": 8}
