"""Benchmark A4 3x8 label rendering: a naive qrcode+PNG+reportlab renderer against trace.printing.

Run from the repository root: ``.venv/bin/python bench/bench_label_render.py``. Prints a table and
writes ``bench/results/label_render.json``. Peak memory is measured in fresh subprocesses so the
numbers are not polluted by the naive renderer's garbage.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `trace` is also a standard-library module: the repository root must come first on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from trace.printing import PackLabel, encode_qr, load_template, render_sheet_pdf  # noqa: E402
from trace.printing.fonts import clear_font_cache, find_font_path, load_font  # noqa: E402

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RESULTS = ROOT / "bench" / "results" / "label_render.json"


def sample_labels(n: int, seed: int = 2025) -> Iterator[PackLabel]:
    """``n`` packs of one batch, generated lazily (a 100,000-label run is never a list)."""
    rng = random.Random(seed)
    for i in range(n):
        serial = "".join(rng.choice(CROCKFORD) for _ in range(10))
        yield PackLabel(
            uri=f"https://trace.example.cn/01/06901234567892/10/DY208HT250915-003/21/{serial}",
            serial=serial,
            sequence=i + 1,
            gtin="06901234567892",
            product_name="大姚核桃（三台薄壳）",
            grade="特级",
            net_content="500 g",
            lot="DY208HT250915-003",
            pack_date=date(2025, 9, 15),
            producer="示例：三台乡核桃专业合作社",
            brand_mark=True,
            gi_mark=True,
            best_before=date(2026, 9, 14),
        )


# --- the naive renderer: what a first implementation typically looks like -------------------


def render_naive(labels: Iterator[PackLabel], out: io.BufferedIOBase | io.BytesIO) -> int:
    """qrcode (pure-Python mask selection) -> PNG per code -> reportlab drawImage on a canvas."""
    import qrcode
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("LabelCJK", str(find_font_path())))
    c = canvas.Canvas(out, pagesize=A4)
    pages = 0
    for i, label in enumerate(labels):
        slot = i % 24
        if slot == 0:
            if i:
                c.showPage()
            pages += 1
        col, row = slot % 3, slot // 3
        x = col * 70 * mm
        top = A4[1] - (0.5 + row * 37) * mm
        image = qrcode.make(label.uri, error_correction=qrcode.constants.ERROR_CORRECT_M)
        png = io.BytesIO()
        image.save(png, format="PNG")
        png.seek(0)
        c.drawImage(ImageReader(png), x + 2 * mm, top - 27 * mm, 24 * mm, 24 * mm)
        c.setFont("LabelCJK", 9.5)
        c.drawString(x + 26.5 * mm, top - 6.6 * mm, label.product_name)
        c.setFont("LabelCJK", 7.5)
        c.drawString(x + 26.5 * mm, top - 10.8 * mm, f"{label.grade}　净含量 {label.net_content}")
        c.setFont("LabelCJK", 7)
        c.drawString(x + 26.5 * mm, top - 14.2 * mm, f"批号 {label.lot}")
        c.drawString(x + 26.5 * mm, top - 17.4 * mm, f"包装日期 {label.pack_date}")
        c.drawString(x + 26.5 * mm, top - 20.6 * mm, f"保质期至 {label.best_before}")
        c.setFont("LabelCJK", 6.5)
        c.drawString(x + 26.5 * mm, top - 23.8 * mm, label.producer)
        c.drawCentredString(x + 14 * mm, top - 30 * mm, f"No.{label.sequence:06d}")
    c.save()
    return pages


# --- measurements ---------------------------------------------------------------------------


def time_naive(n: int) -> dict[str, float | int]:
    out = io.BytesIO()
    start, cpu = time.perf_counter(), time.process_time()
    pages = render_naive(sample_labels(n), out)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "pages": pages,
        "pdf_bytes": len(out.getvalue()),
    }


def time_ours(n: int, repeats: int) -> dict[str, float | int]:
    template = load_template("a4-3x8")
    clear_font_cache()  # the first run pays for loading the font, as the naive one does
    runs: list[float] = []
    cpus: list[float] = []
    size = pages = 0
    for _ in range(repeats):
        out = io.BytesIO()
        start, cpu = time.perf_counter(), time.process_time()
        pages = render_sheet_pdf(template, sample_labels(n), out)
        runs.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)  # includes the deflate thread
        size = len(out.getvalue())
    warm = runs[1:] or runs
    return {
        "seconds_cold": runs[0],
        "cpu_seconds_cold": cpus[0],
        "seconds": statistics.median(warm),
        "seconds_best": min(warm),
        "cpu_seconds": statistics.median(cpus[1:] or cpus),
        "pages": pages,
        "pdf_bytes": size,
    }


def time_qr(n: int) -> dict[str, float]:
    """Per-code cost of the QR matrix alone: qrcode's pure-Python masks vs zxing-cpp."""
    import qrcode

    uris = [label.uri for label in sample_labels(n, seed=9)]
    start = time.perf_counter()
    for uri in uris:
        q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        q.add_data(uri)
        q.make(fit=True)
    qrcode_ms = (time.perf_counter() - start) * 1000 / n
    start = time.perf_counter()
    for uri in uris:
        encode_qr(uri)
    ours_ms = (time.perf_counter() - start) * 1000 / n
    return {"qrcode_ms_per_code": qrcode_ms, "zxingcpp_ms_per_code": ours_ms}


def _status_kib(key: str) -> int:
    """A ``/proc/self/status`` memory figure in KiB (Linux), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_peak(n: int) -> None:
    """(Child process) render ``n`` labels to a temporary file; print memory figures as JSON.

    The peak is VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec, so a child of a
    big parent would report the parent's high-water mark.
    """
    load_font()
    template = load_template("a4-3x8")
    rss_before = _status_kib("VmRSS")
    samples: list[int] = []

    def labels() -> Iterator[PackLabel]:
        for i, label in enumerate(sample_labels(n)):
            if i % max(1, n // 10) == 0:
                samples.append(_status_kib("VmRSS"))
            yield label

    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        start = time.perf_counter()
        pages = render_sheet_pdf(template, labels(), fh)
        seconds = time.perf_counter() - start
        fh.flush()
        size = os.path.getsize(fh.name)
    print(
        json.dumps(
            {
                "labels": n,
                "pages": pages,
                "seconds": seconds,
                "pdf_bytes": size,
                "rss_before_render_kib": rss_before,
                "rss_during_render_kib": samples,
                "rss_peak_kib": _status_kib("VmHWM"),
            }
        )
    )


def measure_peak(n: int) -> dict[str, float | int]:
    result = subprocess.run(
        [sys.executable, __file__, "--child-peak", str(n)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    data: dict[str, float | int] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000, help="labels in the timed run")
    parser.add_argument("--repeats", type=int, default=4, help="runs of ours (first is cold)")
    parser.add_argument(
        "--labels-peak",
        type=int,
        default=100_000,
        help="labels for the peak-RSS run (also measured at a tenth of it); 0 skips it",
    )
    parser.add_argument("--child-peak", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_peak:
        child_peak(args.child_peak)
        return

    peaks: list[dict[str, float | int]] = []
    if args.labels_peak:
        # First, while this process is still small (its children start from a copy of it).
        for n in (args.labels_peak // 10, args.labels_peak):
            peaks.append(measure_peak(n))
    naive = time_naive(args.labels)
    ours = time_ours(args.labels, max(1, args.repeats))
    qr = time_qr(200)

    ratio = float(naive["seconds"]) / float(ours["seconds"])
    ratio_cold = float(naive["seconds"]) / float(ours["seconds_cold"])
    load = os.getloadavg()
    print(
        f"\nA4 3x8 label sheets, {args.labels:,} labels ({platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f})\n"
    )
    warm_runs = max(1, args.repeats - 1)
    rows = [
        ("naive: qrcode -> PNG -> drawImage", naive["seconds"], naive["cpu_seconds"], naive),
        ("ours, first run (loads font)", ours["seconds_cold"], ours["cpu_seconds_cold"], ours),
        (f"ours, median of {warm_runs} warm runs", ours["seconds"], ours["cpu_seconds"], ours),
    ]
    print(f"{'renderer':38} {'seconds':>8} {'CPU s':>7} {'pages':>6} {'PDF size':>10}")
    for name, seconds, cpu, res in rows:
        print(
            f"{name:38} {float(seconds):8.3f} {float(cpu):7.3f} {int(res['pages']):6d} "
            f"{int(res['pdf_bytes']) / 1e6:7.2f} MB"
        )
    print(f"{'speed-up (naive / ours warm)':38} {ratio:7.1f}x")
    print(f"{'speed-up (naive / ours first run)':38} {ratio_cold:7.1f}x")
    print(
        f"\nQR matrix only: qrcode {qr['qrcode_ms_per_code']:.2f} ms/code, "
        f"zxing-cpp {qr['zxingcpp_ms_per_code']:.3f} ms/code"
    )
    if peaks:
        header = f"{'labels':>8} {'pages':>6} {'before':>7} {'peak':>7} {'s':>7}"
        print(f"\n{'RSS MiB (ours, fresh process)':38} {header}")
        for p in peaks:
            print(
                f"{'':38} {int(p['labels']):8,d} {int(p['pages']):6d} "
                f"{int(p['rss_before_render_kib']) / 1024:7.1f} "
                f"{int(p['rss_peak_kib']) / 1024:7.1f} {float(p['seconds']):7.1f}"
            )
        growth = (int(peaks[1]["rss_peak_kib"]) - int(peaks[0]["rss_peak_kib"])) / 1024
        print(f"{'RSS growth for 10x the labels':38} {growth:+8.1f} MiB")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "labels": args.labels,
                "template": "a4-3x8",
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average": load,
                "naive": naive,
                "ours": ours,
                "speedup_warm": ratio,
                "speedup_cold": ratio_cold,
                "qr_matrix": qr,
                "peak_memory": peaks,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
