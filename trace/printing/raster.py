"""Draw label primitives into a Pillow image (single-label PNG export)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from trace.printing.fonts import LabelFont
from trace.printing.layout.primitives import Modules, Polyline, Primitive, Rect, TextRun


@lru_cache(maxsize=32)
def _pil_font(path: str, index: int, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size_px, index=index)


def render_png(
    primitives: Iterable[Primitive], width_mm: float, height_mm: float, dpi: int, font: LabelFont
) -> bytes:
    """PNG bytes (8-bit grey, ``dpi`` recorded) of a ``width_mm`` x ``height_mm`` label."""
    s = dpi / 25.4  # pixels per mm
    image = Image.new("L", (round(width_mm * s), round(height_mm * s)), 255)
    draw = ImageDraw.Draw(image)
    for p in primitives:
        if isinstance(p, Modules):
            ux, uy = p.unit_x_mm * s, p.unit_y_mm * s
            ox, oy = p.x_mm * s, p.y_mm * s
            for col, row, w, h in p.rects.tolist():
                # Round both edges (not the size) so abutting runs share pixel boundaries.
                x0 = round(ox + col * ux)
                y0 = round(oy + row * uy)
                x1 = round(ox + (col + w) * ux)
                y1 = round(oy + (row + h) * uy)
                draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=0)
        elif isinstance(p, TextRun):
            size_px = max(1, round(p.size_pt * dpi / 72.0))
            pil_font = _pil_font(str(font.path), font.subfont_index, size_px)
            colour = 255 if p.white else 0
            stroke = max(1, round(size_px * 0.03)) if p.bold else 0
            draw.text(
                (p.x_mm * s, p.baseline_mm * s),
                p.text,
                font=pil_font,
                fill=colour,
                anchor="ls",
                stroke_width=stroke,
                stroke_fill=colour,
            )
        elif isinstance(p, Rect):
            box = (p.x_mm * s, p.y_mm * s, (p.x_mm + p.width_mm) * s, (p.y_mm + p.height_mm) * s)
            width = max(1, round(p.stroke_mm * s)) if p.stroke_mm > 0 else 0
            if not p.fill and not width:
                continue
            fill = 0 if p.fill else None
            outline = 0 if width else None
            if p.radius_mm > 0:
                draw.rounded_rectangle(
                    box, radius=p.radius_mm * s, fill=fill, outline=outline, width=width
                )
            else:
                draw.rectangle(box, fill=fill, outline=outline, width=width)
        else:
            assert isinstance(p, Polyline)
            draw.line(
                [(x * s, y * s) for x, y in p.points],
                fill=0,
                width=max(1, round(p.stroke_mm * s)),
                joint="curve",
            )
    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=(dpi, dpi), optimize=False)
    return buf.getvalue()
