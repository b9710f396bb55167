"""QR codes and linear barcodes (EAN-13, GS1-128) on a label, snapped to whole printer dots."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Final

import numpy as np

from trace.printing.barcodes import (
    C128_QUIET,
    EAN13_QUIET_LEFT,
    EAN13_QUIET_RIGHT,
    encode_ean13,
    encode_gs1_128,
    gs1_date,
    gtin13_from_gtin14,
)
from trace.printing.errors import LabelLayoutError
from trace.printing.layout.primitives import PT_MM, Modules, Primitive, TextRun
from trace.printing.layout.text import Surface, fit_text, format_value, snap_down
from trace.printing.qr import QUIET_ZONE_MODULES, dark_runs, encode_qr
from trace.printing.templates import AI_FIELDS, Ean13Element, Gs1_128Element, QrElement

EAN13_MIN_MODULE_MM: Final = 0.264  # GS1: EAN-13 magnification may not go below 80 % of 0.33 mm


def draw_qr(s: Surface, e: QrElement, values: Mapping[str, object], out: list[Primitive]) -> None:
    data = format_value(values.get(e.field))
    if not data:
        raise LabelLayoutError(f"field {e.field!r} is empty: nothing to put in the QR code")
    qr = encode_qr(data, e.ec_level)
    t = s.template
    total = qr.size + 2 * QUIET_ZONE_MODULES
    dot = s.dot_mm
    module = snap_down(e.size_mm / total, dot)
    min_dots = max(t.min_qr_module_dots, math.ceil(t.min_qr_module_mm / dot - 1e-6))
    if module < min_dots * dot - 1e-9:
        need = total * min_dots * dot
        raise LabelLayoutError(
            f"QR code of {len(data)} characters is version {qr.version} "
            f"({qr.size} modules + {QUIET_ZONE_MODULES}-module quiet zones); at {s.dpi} dpi "
            f"a module needs >= {min_dots} dots ({min_dots * dot:.3f} mm), so the symbol needs "
            f"{need:.1f} mm but the template's QR box is {e.size_mm} mm: enlarge size_mm "
            "or shorten the data"
        )
    # Centre in the box, then snap to whole dots so every module has the same dot count.
    offset = snap_down((e.size_mm - total * module) / 2, dot) + QUIET_ZONE_MODULES * module
    runs = dark_runs(qr.modules)
    rects = np.empty((len(runs), 4), dtype=np.int32)
    rects[:, 0:3] = runs
    rects[:, 3] = 1
    out.append(Modules(e.x_mm + offset, e.y_mm + offset, module, module, rects))


def bar_module(s: Surface, preferred: float, minimum: float) -> tuple[float, float]:
    """(X to start from, smallest allowed X), both whole printer dots.

    Bars must be whole dots wide or printers widen some and not others; the preferred X
    is rounded down, but never below the minimum (rounded up to whole dots).
    """
    dot = s.dot_mm
    min_dots = max(s.template.min_bar_module_dots, math.ceil(minimum / dot - 1e-6))
    start_dots = max(math.floor(preferred / dot + 1e-6), min_dots)
    return start_dots * dot, min_dots * dot


def bars(modules: str, x_mm: float, y_mm: float, unit: float, heights: list[float]) -> Modules:
    """Bars of ``modules`` drawn from ``y_mm``; heights[i] is bar i's height in mm."""
    rects: list[tuple[int, int, int, int]] = []
    i = 0
    bar = 0
    n = len(modules)
    while i < n:
        if modules[i] == "1":
            j = i
            while j < n and modules[j] == "1":
                j += 1
            rects.append((i, 0, j - i, max(1, round(heights[bar] / unit))))
            bar += 1
            i = j
        else:
            i += 1
    return Modules(x_mm, y_mm, unit, unit, np.array(rects, dtype=np.int32).reshape(-1, 4))


def draw_ean13(
    s: Surface, e: Ean13Element, values: Mapping[str, object], out: list[Primitive]
) -> None:
    gtin = format_value(values.get("gtin"))
    value = format_value(values.get(e.field)) or gtin13_from_gtin14(gtin)
    symbol = encode_ean13(value)
    module, _ = bar_module(s, e.module_mm, EAN13_MIN_MODULE_MM)
    width = (EAN13_QUIET_LEFT + 95 + EAN13_QUIET_RIGHT) * module
    if e.x_mm + width > s.template.label_width_mm + 0.01:
        raise LabelLayoutError(
            f"EAN-13 with quiet zones is {width:.1f} mm wide and would end at "
            f"{e.x_mm + width:.1f} mm, past the {s.template.label_width_mm} mm label"
        )
    digit_size = e.digits_size_pt
    digit_cap = s.font.metrics.cap_height * digit_size * PT_MM
    guard_extra = digit_cap * 0.55
    bars_x = e.x_mm + EAN13_QUIET_LEFT * module
    guard_positions = {
        idx
        for start, end in symbol.guards
        for idx in range(start, end)
        if symbol.modules[idx] == "1"
    }
    heights: list[float] = []
    for i, m in enumerate(symbol.modules):
        if m == "1" and (i == 0 or symbol.modules[i - 1] == "0"):
            heights.append(e.bar_height_mm + (guard_extra if i in guard_positions else 0.0))
    out.append(bars(symbol.modules, bars_x, e.y_mm, module, heights))
    baseline = e.y_mm + e.bar_height_mm + digit_cap + 0.35
    if baseline + 0.3 > s.template.label_height_mm + 0.01:
        raise LabelLayoutError("EAN-13 digits run below the label: lower y_mm or bar_height_mm")
    # Each digit centred on its 7-module character; the first sits in the left quiet zone.
    slots = [(-7, value[0])]
    slots += [(3 + 7 * i, d) for i, d in enumerate(value[1:7])]
    slots += [(50 + 7 * i, d) for i, d in enumerate(value[7:])]
    for start, digit in slots:
        w = s.font.width_pt(digit, digit_size) * PT_MM
        out.append(TextRun(bars_x + (start + 3.5) * module - w / 2, baseline, digit_size, digit))


def draw_gs1_128(
    s: Surface, e: Gs1_128Element, values: Mapping[str, object], out: list[Primitive]
) -> None:
    elements: list[tuple[str, str]] = []
    for ai in e.ais:
        raw = values.get(AI_FIELDS[ai])
        if raw is None or raw == "":
            continue  # e.g. no best-before date on this product: leave the AI out
        elements.append((ai, gs1_date(raw) if isinstance(raw, date) else str(raw)))
    if not elements:
        return
    symbol = encode_gs1_128(elements)
    total = len(symbol.modules) + 2 * C128_QUIET
    module, floor_mm = bar_module(s, e.module_mm, e.min_module_mm)
    # Shrink the X-dimension a dot at a time, never below the template's minimum.
    while module * total > e.width_mm + 1e-9 and module - s.dot_mm >= floor_mm - 1e-9:
        module -= s.dot_mm
    if module * total > e.width_mm + 1e-9:
        raise LabelLayoutError(
            f"GS1-128 {symbol.hri} has {total} modules with quiet zones: "
            f"{total * module:.1f} mm at X = {module:.3f} mm, "
            f"wider than the {e.width_mm} mm allowed; split the AIs over two gs1_128 "
            "elements or widen the label"
        )
    x = e.x_mm + snap_down((e.width_mm - total * module) / 2, s.dot_mm) + C128_QUIET * module
    n_bars = symbol.modules.count("10") + (1 if symbol.modules.endswith("1") else 0)
    out.append(bars(symbol.modules, x, e.y_mm, module, [e.bar_height_mm] * n_bars))
    fitted = fit_text(s.font, symbol.hri, e.width_mm, e.hri_size_pt, 5.0, 1)
    if fitted is None:
        raise LabelLayoutError(f"GS1-128 text {symbol.hri!r} does not fit {e.width_mm} mm")
    size, lines = fitted
    out.extend(
        s.text_runs(
            e.x_mm,
            e.y_mm + e.bar_height_mm + 0.6,
            e.width_mm,
            size,
            lines,
            align="center",
        )
    )
