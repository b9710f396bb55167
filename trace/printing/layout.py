"""Lay out one label: template elements + record values -> backend-neutral primitives in mm."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import numpy as np
from numpy.typing import NDArray

from trace.printing.barcodes import (
    C128_QUIET,
    EAN13_QUIET_LEFT,
    EAN13_QUIET_RIGHT,
    encode_ean13,
    encode_gs1_128,
    gs1_date,
    gtin13_from_gtin14,
)
from trace.printing.errors import LabelLayoutError, TemplateError
from trace.printing.fonts import LabelFont
from trace.printing.models import PrintRecord
from trace.printing.qr import QUIET_ZONE_MODULES, dark_runs, encode_qr
from trace.printing.templates import (
    AI_FIELDS,
    BoxElement,
    ChecklistElement,
    Ean13Element,
    Element,
    Gs1_128Element,
    LabelTemplate,
    LineElement,
    MarkElement,
    QrElement,
    TextElement,
)

PT_MM: Final = 25.4 / 72.0  # one point in mm
EAN13_MIN_MODULE_MM: Final = 0.264  # GS1: EAN-13 magnification may not go below 80 % of 0.33 mm
_FIT_STEP_PT: Final = 0.25
_CACHE_LIMIT: Final = 512
# Fields that differ on every pack of a batch: elements using them are laid out each time.
_PER_PACK_FIELDS: Final = frozenset({"uri", "serial", "sequence"})


# --- primitives (mm, origin at the label's top-left, y downwards) ------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Modules:
    """Filled rectangles on a unit grid, drawn as one path: QR modules or barcode bars."""

    x_mm: float
    y_mm: float
    unit_x_mm: float
    unit_y_mm: float
    rects: NDArray[np.int32] = field(repr=False)  # rows of (col, row, width, height) in units


@dataclass(frozen=True, slots=True)
class TextRun:
    """One line of text; ``x_mm`` is its left end after alignment."""

    x_mm: float
    baseline_mm: float
    size_pt: float
    text: str
    bold: bool = False
    white: bool = False


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle, optionally rounded, stroked and/or filled (black)."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    stroke_mm: float
    fill: bool
    radius_mm: float = 0.0


@dataclass(frozen=True, slots=True)
class Polyline:
    """An open stroked path (rules, tick marks)."""

    points: tuple[tuple[float, float], ...]
    stroke_mm: float


Primitive = Modules | TextRun | Rect | Polyline


# --- helpers ------------------------------------------------------------------------------------


def _format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def resolve_text(template_text: str, names: tuple[str, ...], values: Mapping[str, object]) -> str:
    """Fill a template text; '' when any field it uses is empty (the element is then skipped)."""
    for name in names:
        v = values.get(name)
        if v is None or v == "":
            return ""
    # Dates keep their objects so format specs work; '{d}' alone gives the ISO form.
    prepared = {
        k: (v if isinstance(v, date | int) and not isinstance(v, bool) else _format_value(v))
        for k, v in values.items()
        if k in names
    }
    try:
        return template_text.format_map(prepared)
    except (ValueError, KeyError, TypeError) as exc:
        raise TemplateError(f"cannot fill text {template_text!r}: {exc}") from exc


def snap_down(value_mm: float, dot_mm: float) -> float:
    """``value_mm`` rounded down to whole printer dots."""
    return math.floor(value_mm / dot_mm + 1e-6) * dot_mm


def wrap_text(font: LabelFont, text: str, width_pt: float, size_pt: float) -> list[str]:
    """Greedy line breaking: between any CJK characters, at spaces within Latin words."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for ch in paragraph:
            candidate = current + ch
            if not current or font.width_pt(candidate, size_pt) <= width_pt:
                current = candidate
                continue
            # Keep Latin words (lots, dates) whole when the line has an earlier space.
            cut = current.rfind(" ") if ch.isascii() and ch != " " and ch.isalnum() else -1
            if cut > 0:
                lines.append(current[:cut])
                current = current[cut + 1 :] + ch
            else:
                lines.append(current.rstrip())
                current = ch.lstrip()
        lines.append(current)
    return lines


def fit_text(
    font: LabelFont, text: str, width_mm: float, size_pt: float, min_size_pt: float, max_lines: int
) -> tuple[float, list[str]] | None:
    """Largest size in [min, size] (0.25 pt steps) at which ``text`` fits; None if none does."""
    width_pt = width_mm / PT_MM
    size = size_pt
    while size >= min_size_pt - 1e-9:
        if max_lines == 1 and "\n" not in text:
            if font.width_pt(text, size) <= width_pt:
                return size, [text]
        else:
            lines = wrap_text(font, text, width_pt, size)
            if len(lines) <= max_lines and all(font.width_pt(ln, size) <= width_pt for ln in lines):
                return size, lines
        size -= _FIT_STEP_PT
    return None


# --- layout -------------------------------------------------------------------------------------


class LabelLayout:
    """Lays out labels of one template for one device resolution (printer or PNG dpi)."""

    def __init__(self, template: LabelTemplate, font: LabelFont, dpi: int | None = None) -> None:
        self.template = template
        self.font = font
        self.dpi = dpi or template.dpi
        self.dot_mm = 25.4 / self.dpi
        self._cache: dict[tuple[object, ...], tuple[Primitive, ...]] = {}

    def layout(self, record: PrintRecord) -> list[Primitive]:
        """Primitives for one label. Raises LabelLayoutError when content does not fit."""
        if record.kind != self.template.kind:
            raise LabelLayoutError(
                f"template {self.template.name!r} prints {self.template.kind} records, "
                f"got a {record.kind} record"
            )
        values = record.values()
        out: list[Primitive] = []
        cache = self._cache
        for index, element in enumerate(self.template.elements):
            when = getattr(element, "when", None)
            if when is not None and not values.get(when):
                continue
            key = self._cache_key(index, element, values)
            if key is not None:
                hit = cache.get(key)
                if hit is not None:
                    out.extend(hit)
                    continue
            start = len(out)
            try:
                self._element(element, values, out)
            except LabelLayoutError as exc:
                raise LabelLayoutError(
                    f"template {self.template.name!r} element {index} "
                    f"({type(element).__name__}): {exc}"
                ) from exc
            for p in out[start:]:
                if isinstance(p, TextRun):
                    # Never print a blank box: every new piece of text is checked once.
                    self.font.check_glyphs(p.text)
            if key is not None:
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()  # bounded: a 100k-label run must not grow memory
                cache[key] = tuple(out[start:])
        return out

    def _cache_key(
        self, index: int, element: Element, values: Mapping[str, object]
    ) -> tuple[object, ...] | None:
        """Key under which an element's primitives repeat from label to label, or None.

        A batch prints the same product, lot and dates on every pack, so text measuring and
        barcode encoding are done once; per-pack content (QR, sequence number) is not cached.
        """
        if isinstance(element, QrElement):
            return None
        if isinstance(element, TextElement):
            if _PER_PACK_FIELDS.intersection(element.fields):
                return None
            return (index, *(values.get(f) for f in element.fields))
        if isinstance(element, Ean13Element):
            return (index, values.get(element.field), values.get("gtin"))
        if isinstance(element, Gs1_128Element):
            return (index, *(values.get(AI_FIELDS[ai]) for ai in element.ais))
        if isinstance(element, ChecklistElement):
            raw = values.get(element.field)
            return (index, tuple(raw) if isinstance(raw, tuple | list) else None)
        return (index,)

    def _element(self, e: Element, values: Mapping[str, object], out: list[Primitive]) -> None:
        if isinstance(e, TextElement):
            self._text(e, values, out)
        elif isinstance(e, QrElement):
            self._qr(e, values, out)
        elif isinstance(e, Ean13Element):
            self._ean13(e, values, out)
        elif isinstance(e, Gs1_128Element):
            self._gs1_128(e, values, out)
        elif isinstance(e, BoxElement):
            out.append(
                Rect(e.x_mm, e.y_mm, e.width_mm, e.height_mm, e.stroke_mm, e.fill, e.radius_mm)
            )
        elif isinstance(e, LineElement):
            out.append(Polyline(((e.x1_mm, e.y1_mm), (e.x2_mm, e.y2_mm)), e.stroke_mm))
        elif isinstance(e, MarkElement):
            self._mark(e, out)
        else:
            self._checklist(e, values, out)

    # text ---------------------------------------------------------------------------------------

    def _lines(
        self,
        x_mm: float,
        y_mm: float,
        width_mm: float,
        size: float,
        lines: list[str],
        *,
        line_height: float = 1.2,
        align: str = "left",
        bold: bool = False,
        white: bool = False,
    ) -> list[TextRun]:
        """Aligned TextRuns for already-fitted ``lines``; ``y_mm`` is the first line's top."""
        size_mm = size * PT_MM
        baseline = y_mm + self.font.metrics.ascent * size_mm
        runs: list[TextRun] = []
        for line in lines:
            if line:
                w = self.font.width_pt(line, size) * PT_MM
                x = x_mm + (
                    width_mm - w
                    if align == "right"
                    else (width_mm - w) / 2
                    if align == "center"
                    else 0.0
                )
                runs.append(TextRun(x, baseline, size, line, bold, white))
            baseline += line_height * size_mm
        return runs

    def _text(self, e: TextElement, values: Mapping[str, object], out: list[Primitive]) -> None:
        text = resolve_text(e.text, e.fields, values)
        if not text.strip():
            return
        self.font.check_glyphs(text)
        fitted = fit_text(self.font, text, e.width_mm, e.size_pt, e.min_size_pt, e.max_lines)
        if fitted is None:
            raise LabelLayoutError(
                f"text {text!r} does not fit {e.width_mm} mm x {e.max_lines} line(s) even at "
                f"{e.min_size_pt} pt; lower min_size_pt, allow more lines or shorten the text"
            )
        size, lines = fitted
        bottom = e.y_mm + (len(lines) - 1) * e.line_height * size * PT_MM + size * PT_MM
        if bottom > self.template.label_height_mm + 0.01:
            raise LabelLayoutError(f"text {text!r} runs below the label ({bottom:.1f} mm)")
        out.extend(
            self._lines(
                e.x_mm,
                e.y_mm,
                e.width_mm,
                size,
                lines,
                line_height=e.line_height,
                align=e.align,
                bold=e.bold,
                white=e.white,
            )
        )

    # QR -----------------------------------------------------------------------------------------

    def _qr(self, e: QrElement, values: Mapping[str, object], out: list[Primitive]) -> None:
        data = _format_value(values.get(e.field))
        if not data:
            raise LabelLayoutError(f"field {e.field!r} is empty: nothing to put in the QR code")
        qr = encode_qr(data, e.ec_level)
        t = self.template
        total = qr.size + 2 * QUIET_ZONE_MODULES
        dot = self.dot_mm
        module = snap_down(e.size_mm / total, dot)
        min_dots = max(t.min_qr_module_dots, math.ceil(t.min_qr_module_mm / dot - 1e-6))
        if module < min_dots * dot - 1e-9:
            need = total * min_dots * dot
            raise LabelLayoutError(
                f"QR code of {len(data)} characters is version {qr.version} "
                f"({qr.size} modules + {QUIET_ZONE_MODULES}-module quiet zones); at {self.dpi} dpi "
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

    # linear barcodes ------------------------------------------------------------------------

    def _bar_module(self, preferred: float, minimum: float) -> tuple[float, float]:
        """(X to start from, smallest allowed X), both whole printer dots.

        Bars must be whole dots wide or printers widen some and not others; the preferred X
        is rounded down, but never below the minimum (rounded up to whole dots).
        """
        dot = self.dot_mm
        min_dots = max(self.template.min_bar_module_dots, math.ceil(minimum / dot - 1e-6))
        start_dots = max(math.floor(preferred / dot + 1e-6), min_dots)
        return start_dots * dot, min_dots * dot

    def _bars(
        self, modules: str, x_mm: float, y_mm: float, unit: float, heights: list[float]
    ) -> Modules:
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

    def _ean13(self, e: Ean13Element, values: Mapping[str, object], out: list[Primitive]) -> None:
        gtin = _format_value(values.get("gtin"))
        value = _format_value(values.get(e.field)) or gtin13_from_gtin14(gtin)
        symbol = encode_ean13(value)
        module, _ = self._bar_module(e.module_mm, EAN13_MIN_MODULE_MM)
        width = (EAN13_QUIET_LEFT + 95 + EAN13_QUIET_RIGHT) * module
        if e.x_mm + width > self.template.label_width_mm + 0.01:
            raise LabelLayoutError(
                f"EAN-13 with quiet zones is {width:.1f} mm wide and would end at "
                f"{e.x_mm + width:.1f} mm, past the {self.template.label_width_mm} mm label"
            )
        digit_size = e.digits_size_pt
        digit_cap = self.font.metrics.cap_height * digit_size * PT_MM
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
        out.append(self._bars(symbol.modules, bars_x, e.y_mm, module, heights))
        baseline = e.y_mm + e.bar_height_mm + digit_cap + 0.35
        if baseline + 0.3 > self.template.label_height_mm + 0.01:
            raise LabelLayoutError("EAN-13 digits run below the label: lower y_mm or bar_height_mm")
        # Each digit centred on its 7-module character; the first sits in the left quiet zone.
        slots = [(-7, value[0])]
        slots += [(3 + 7 * i, d) for i, d in enumerate(value[1:7])]
        slots += [(50 + 7 * i, d) for i, d in enumerate(value[7:])]
        for start, digit in slots:
            w = self.font.width_pt(digit, digit_size) * PT_MM
            out.append(
                TextRun(bars_x + (start + 3.5) * module - w / 2, baseline, digit_size, digit)
            )

    def _gs1_128(
        self, e: Gs1_128Element, values: Mapping[str, object], out: list[Primitive]
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
        module, floor_mm = self._bar_module(e.module_mm, e.min_module_mm)
        # Shrink the X-dimension a dot at a time, never below the template's minimum.
        while module * total > e.width_mm + 1e-9 and module - self.dot_mm >= floor_mm - 1e-9:
            module -= self.dot_mm
        if module * total > e.width_mm + 1e-9:
            raise LabelLayoutError(
                f"GS1-128 {symbol.hri} has {total} modules with quiet zones: "
                f"{total * module:.1f} mm at X = {module:.3f} mm, "
                f"wider than the {e.width_mm} mm allowed; split the AIs over two gs1_128 "
                "elements or widen the label"
            )
        x = e.x_mm + snap_down((e.width_mm - total * module) / 2, self.dot_mm) + C128_QUIET * module
        n_bars = symbol.modules.count("10") + (1 if symbol.modules.endswith("1") else 0)
        out.append(self._bars(symbol.modules, x, e.y_mm, module, [e.bar_height_mm] * n_bars))
        fitted = fit_text(self.font, symbol.hri, e.width_mm, e.hri_size_pt, 5.0, 1)
        if fitted is None:
            raise LabelLayoutError(f"GS1-128 text {symbol.hri!r} does not fit {e.width_mm} mm")
        size, lines = fitted
        out.extend(
            self._lines(
                e.x_mm,
                e.y_mm + e.bar_height_mm + 0.6,
                e.width_mm,
                size,
                lines,
                align="center",
            )
        )

    # marks and checklists -------------------------------------------------------------------

    def _mark(self, e: MarkElement, out: list[Primitive]) -> None:
        out.append(
            Rect(
                e.x_mm,
                e.y_mm,
                e.width_mm,
                e.height_mm,
                0.0 if e.solid else 0.3,
                e.solid,
                e.radius_mm,
            )
        )
        pad = min(1.0, e.height_mm * 0.15)
        fitted = fit_text(self.font, e.text, e.width_mm - 2 * pad, e.size_pt, 4.0, 1)
        if fitted is None:
            raise LabelLayoutError(f"mark text {e.text!r} does not fit {e.width_mm} mm")
        size, lines = fitted
        size_mm = size * PT_MM
        # Centre the glyphs' cap height, not the line box, so the text sits optically centred.
        top = e.y_mm + (e.height_mm - self.font.metrics.cap_height * size_mm) / 2
        top -= (self.font.metrics.ascent - self.font.metrics.cap_height) * size_mm
        out.extend(
            self._lines(
                e.x_mm + pad,
                top,
                e.width_mm - 2 * pad,
                size,
                lines,
                align="center",
                bold=e.solid,
                white=e.solid,
            )
        )

    def _checklist(
        self, e: ChecklistElement, values: Mapping[str, object], out: list[Primitive]
    ) -> None:
        raw = values.get(e.field)
        ticks = tuple(bool(v) for v in raw) if isinstance(raw, tuple | list) else ()
        size_mm = e.size_pt * PT_MM
        box = size_mm * 0.85
        gap = size_mm * 0.5
        text_x = e.x_mm + box + gap
        text_w = e.width_mm - box - gap
        y = e.y_mm
        for i, item in enumerate(e.items):
            self.font.check_glyphs(item)
            lines = wrap_text(self.font, item, text_w / PT_MM, e.size_pt)
            box_top = y + (self.font.metrics.ascent - self.font.metrics.cap_height) * size_mm
            box_top -= (box - self.font.metrics.cap_height * size_mm) / 2
            out.append(Rect(e.x_mm, box_top, box, box, 0.25, False))
            if i < len(ticks) and ticks[i]:
                b = box
                out.append(
                    Polyline(
                        (
                            (e.x_mm + 0.18 * b, box_top + 0.52 * b),
                            (e.x_mm + 0.42 * b, box_top + 0.78 * b),
                            (e.x_mm + 0.86 * b, box_top + 0.2 * b),
                        ),
                        max(0.25, b * 0.14),
                    )
                )
            out.extend(self._lines(text_x, y, text_w, e.size_pt, lines, line_height=e.line_height))
            y += len(lines) * e.line_height * size_mm + e.item_gap_mm
        if y > self.template.label_height_mm + 0.01:
            raise LabelLayoutError(f"checklist runs below the label ({y:.1f} mm)")
