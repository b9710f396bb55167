"""Backend-neutral drawing primitives in mm (origin at the label's top-left, y downwards).

The PDF, PNG and SVG backends draw these; the layout modules produce them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

PT_MM: Final = 25.4 / 72.0  # one point in mm


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
