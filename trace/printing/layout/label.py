"""Lay out one label: template elements + record values -> primitives, repeated parts cached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from trace.printing.errors import LabelLayoutError
from trace.printing.fonts import LabelFont
from trace.printing.layout.codes import draw_ean13, draw_gs1_128, draw_qr
from trace.printing.layout.marks import draw_checklist, draw_mark
from trace.printing.layout.primitives import Polyline, Primitive, Rect, TextRun
from trace.printing.layout.text import Surface, draw_text
from trace.printing.models import PrintRecord
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

_CACHE_LIMIT: Final = 512
# Fields that differ on every pack of a batch: elements using them are laid out each time.
_PER_PACK_FIELDS: Final = frozenset({"uri", "serial", "sequence"})


class LabelLayout:
    """Lays out labels of one template for one device resolution (printer or PNG dpi)."""

    def __init__(self, template: LabelTemplate, font: LabelFont, dpi: int | None = None) -> None:
        self.template = template
        self.font = font
        self.dpi = dpi or template.dpi
        self.dot_mm = 25.4 / self.dpi
        self.surface = Surface(template, font, self.dpi)
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
        s = self.surface
        if isinstance(e, TextElement):
            draw_text(s, e, values, out)
        elif isinstance(e, QrElement):
            draw_qr(s, e, values, out)
        elif isinstance(e, Ean13Element):
            draw_ean13(s, e, values, out)
        elif isinstance(e, Gs1_128Element):
            draw_gs1_128(s, e, values, out)
        elif isinstance(e, BoxElement):
            out.append(
                Rect(e.x_mm, e.y_mm, e.width_mm, e.height_mm, e.stroke_mm, e.fill, e.radius_mm)
            )
        elif isinstance(e, LineElement):
            out.append(Polyline(((e.x1_mm, e.y1_mm), (e.x2_mm, e.y2_mm)), e.stroke_mm))
        elif isinstance(e, MarkElement):
            draw_mark(s, e, out)
        else:
            draw_checklist(s, e, values, out)
