"""Label layout: template elements + record values -> backend-neutral primitives in mm.

primitives (what backends draw) <- text (fitting and wrapping) <- codes (QR, EAN-13, GS1-128) and
marks (marks, checklists) <- label (LabelLayout: one label, repeated parts cached).
"""

from __future__ import annotations

from trace.printing.layout.label import LabelLayout
from trace.printing.layout.primitives import PT_MM, Modules, Polyline, Primitive, Rect, TextRun
from trace.printing.layout.text import fit_text, resolve_text, snap_down, wrap_text

__all__ = [
    "PT_MM",
    "LabelLayout",
    "Modules",
    "Polyline",
    "Primitive",
    "Rect",
    "TextRun",
    "fit_text",
    "resolve_text",
    "snap_down",
    "wrap_text",
]
