"""Draw label primitives as an SVG document in millimetres (single-label vector export)."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from trace.printing.fonts import LabelFont
from trace.printing.layout import PT_MM, Modules, Polyline, Primitive, Rect, TextRun


def _n(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def render_svg(
    primitives: Iterable[Primitive], width_mm: float, height_mm: float, font: LabelFont
) -> str:
    """An SVG of one label at true size (``width``/``height`` in mm, user units are mm)."""
    family = quoteattr(f"'{font.family}', 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width_mm)}mm" '
        f'height="{_n(height_mm)}mm" viewBox="0 0 {_n(width_mm)} {_n(height_mm)}">',
        f'<rect width="{_n(width_mm)}" height="{_n(height_mm)}" fill="#fff"/>',
    ]
    for p in primitives:
        if isinstance(p, Modules):
            # One path per symbol, in module units scaled by a transform: small and exact.
            d = "".join(f"M{c} {r}h{w}v{h}h-{w}z" for c, r, w, h in p.rects.tolist())
            out.append(
                f'<path transform="matrix({_n(p.unit_x_mm)} 0 0 {_n(p.unit_y_mm)} '
                f'{_n(p.x_mm)} {_n(p.y_mm)})" d="{d}" fill="#000" shape-rendering="crispEdges"/>'
            )
        elif isinstance(p, TextRun):
            colour = "#fff" if p.white else "#000"
            stroke = (
                f' stroke="{colour}" stroke-width="{_n(p.size_pt * PT_MM * 0.035)}"'
                if p.bold
                else ""
            )
            out.append(
                f'<text x="{_n(p.x_mm)}" y="{_n(p.baseline_mm)}" font-family={family} '
                f'font-size="{_n(p.size_pt * PT_MM)}" fill="{colour}"{stroke} '
                f'xml:space="preserve">{escape(p.text)}</text>'
            )
        elif isinstance(p, Rect):
            if not p.fill and p.stroke_mm <= 0:
                continue
            fill = "#000" if p.fill else "none"
            stroke = f' stroke="#000" stroke-width="{_n(p.stroke_mm)}"' if p.stroke_mm > 0 else ""
            radius = f' rx="{_n(p.radius_mm)}"' if p.radius_mm > 0 else ""
            out.append(
                f'<rect x="{_n(p.x_mm)}" y="{_n(p.y_mm)}" width="{_n(p.width_mm)}" '
                f'height="{_n(p.height_mm)}"{radius} fill="{fill}"{stroke}/>'
            )
        else:
            assert isinstance(p, Polyline)
            pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in p.points)
            out.append(
                f'<polyline points="{pts}" fill="none" stroke="#000" '
                f'stroke-width="{_n(p.stroke_mm)}" stroke-linecap="round" stroke-linejoin="round"/>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"
