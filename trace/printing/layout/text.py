"""Text on a label: filling template texts, line breaking, fitting a size, aligned runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from trace.printing.errors import LabelLayoutError, TemplateError
from trace.printing.fonts import LabelFont
from trace.printing.layout.primitives import PT_MM, Primitive, TextRun
from trace.printing.templates import LabelTemplate, TextElement

_FIT_STEP_PT: Final = 0.25


@dataclass(frozen=True, slots=True)
class Surface:
    """What every element is laid out against: the template, its font and the device's dots."""

    template: LabelTemplate
    font: LabelFont
    dpi: int

    @property
    def dot_mm(self) -> float:
        return 25.4 / self.dpi

    def text_runs(
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


def format_value(value: object) -> str:
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
        k: (v if isinstance(v, date | int) and not isinstance(v, bool) else format_value(v))
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


def draw_text(
    s: Surface, e: TextElement, values: Mapping[str, object], out: list[Primitive]
) -> None:
    text = resolve_text(e.text, e.fields, values)
    if not text.strip():
        return
    s.font.check_glyphs(text)
    fitted = fit_text(s.font, text, e.width_mm, e.size_pt, e.min_size_pt, e.max_lines)
    if fitted is None:
        raise LabelLayoutError(
            f"text {text!r} does not fit {e.width_mm} mm x {e.max_lines} line(s) even at "
            f"{e.min_size_pt} pt; lower min_size_pt, allow more lines or shorten the text"
        )
    size, lines = fitted
    bottom = e.y_mm + (len(lines) - 1) * e.line_height * size * PT_MM + size * PT_MM
    if bottom > s.template.label_height_mm + 0.01:
        raise LabelLayoutError(f"text {text!r} runs below the label ({bottom:.1f} mm)")
    out.extend(
        s.text_runs(
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
