"""Draw label primitives as a self-contained SVG in millimetres (single-label vector export)."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

from trace.printing.fonts import LabelFont
from trace.printing.layout.primitives import PT_MM, Modules, Polyline, Primitive, Rect, TextRun


def _n(v: float, places: int = 3) -> str:
    s = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def render_svg(
    primitives: Iterable[Primitive], width_mm: float, height_mm: float, font: LabelFont
) -> str:
    """An SVG of one label at true size (``width``/``height`` in mm, user units are mm).

    Text is drawn as glyph outlines from the label font (each glyph defined once and reused),
    so the file looks the same on machines without a Chinese font; ``aria-label`` keeps the
    words readable to assistive technology and search.
    """
    body: list[str] = []
    glyph_ids: dict[str, str] = {}
    defs: list[str] = []
    em = font.units_per_em
    for p in primitives:
        if isinstance(p, Modules):
            # One path per symbol, in module units scaled by a transform: small and exact.
            d = "".join(f"M{c} {r}h{w}v{h}h-{w}z" for c, r, w, h in p.rects.tolist())
            body.append(
                f'<path transform="matrix({_n(p.unit_x_mm, 5)} 0 0 {_n(p.unit_y_mm, 5)} '
                f'{_n(p.x_mm, 5)} {_n(p.y_mm, 5)})" d="{d}" fill="#000" '
                'shape-rendering="crispEdges"/>'
            )
        elif isinstance(p, TextRun):
            colour = "#fff" if p.white else "#000"
            k = p.size_pt * PT_MM / em
            # Stroke width is in font units here (the group is scaled to the font size).
            stroke = f' stroke="{colour}" stroke-width="{round(em * 0.035)}"' if p.bold else ""
            uses: list[str] = []
            x = 0
            for ch in p.text:
                path, advance = font.glyph_outline(ch)
                if path:
                    gid = glyph_ids.get(ch)
                    if gid is None:
                        gid = glyph_ids[ch] = f"g{len(glyph_ids)}"
                        defs.append(f'<path id="{gid}" d="{path}"/>')
                    uses.append(f'<use xlink:href="#{gid}" x="{x}"/>')
                x += advance
            body.append(
                f'<g role="img" aria-label={quoteattr(p.text)} fill="{colour}"{stroke} '
                f'transform="translate({_n(p.x_mm)} {_n(p.baseline_mm)}) scale({k:.6g} {-k:.6g})">'
                + "".join(uses)
                + "</g>"
            )
        elif isinstance(p, Rect):
            if not p.fill and p.stroke_mm <= 0:
                continue
            fill = "#000" if p.fill else "none"
            stroke = f' stroke="#000" stroke-width="{_n(p.stroke_mm)}"' if p.stroke_mm > 0 else ""
            radius = f' rx="{_n(p.radius_mm)}"' if p.radius_mm > 0 else ""
            body.append(
                f'<rect x="{_n(p.x_mm)}" y="{_n(p.y_mm)}" width="{_n(p.width_mm)}" '
                f'height="{_n(p.height_mm)}"{radius} fill="{fill}"{stroke}/>'
            )
        else:
            assert isinstance(p, Polyline)
            pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in p.points)
            body.append(
                f'<polyline points="{pts}" fill="none" stroke="#000" '
                f'stroke-width="{_n(p.stroke_mm)}" stroke-linecap="round" stroke-linejoin="round"/>'
            )
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{_n(width_mm)}mm" height="{_n(height_mm)}mm" '
        f'viewBox="0 0 {_n(width_mm)} {_n(height_mm)}">',
        f'<rect width="{_n(width_mm)}" height="{_n(height_mm)}" fill="#fff"/>',
    ]
    if defs:
        head.append("<defs>" + "".join(defs) + "</defs>")
    return "\n".join([*head, *body, "</svg>"]) + "\n"
