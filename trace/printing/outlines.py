"""TrueType glyph outlines as SVG path data, so exported SVG labels need no installed CJK font."""

from __future__ import annotations

import struct
from typing import Final

Point = tuple[float, float, bool]  # x, y (font units, y up), on-curve
Contour = list[Point]

_ARG_1_AND_2_ARE_WORDS: Final = 0x0001
_ARGS_ARE_XY_VALUES: Final = 0x0002
_WE_HAVE_A_SCALE: Final = 0x0008
_MORE_COMPONENTS: Final = 0x0020
_WE_HAVE_AN_X_AND_Y_SCALE: Final = 0x0040
_WE_HAVE_A_TWO_BY_TWO: Final = 0x0080
_MAX_COMPONENT_DEPTH: Final = 8


class GlyphReader:
    """Reads contours from a font's ``glyf`` table (``loca`` offsets already decoded)."""

    def __init__(self, data: bytes, glyf_start: int, glyph_pos: list[int]) -> None:
        self._data = data
        self._start = glyf_start
        self._pos = glyph_pos

    def contours(self, gid: int, depth: int = 0) -> list[Contour]:
        """Contours of glyph ``gid``; composite glyphs are resolved with their transforms."""
        if depth > _MAX_COMPONENT_DEPTH or not 0 <= gid < len(self._pos) - 1:
            return []
        begin, end = self._start + self._pos[gid], self._start + self._pos[gid + 1]
        if end <= begin:
            return []  # e.g. the space: advance only
        data = self._data[begin:end]
        (n_contours,) = struct.unpack_from(">h", data, 0)
        if n_contours >= 0:
            return _simple(data, n_contours)
        return self._composite(data, depth)

    def _composite(self, data: bytes, depth: int) -> list[Contour]:
        out: list[Contour] = []
        off = 10
        while True:
            flags, component = struct.unpack_from(">HH", data, off)
            off += 4
            if flags & _ARG_1_AND_2_ARE_WORDS:
                arg1, arg2 = struct.unpack_from(">hh", data, off)
                off += 4
            else:
                arg1, arg2 = struct.unpack_from(">bb", data, off)
                off += 2
            # Anchor-point matching (args are point numbers) is rare in CJK faces: no offset.
            dx, dy = (arg1, arg2) if flags & _ARGS_ARE_XY_VALUES else (0, 0)
            a, b, c, d = 1.0, 0.0, 0.0, 1.0
            if flags & _WE_HAVE_A_SCALE:
                (s,) = struct.unpack_from(">h", data, off)
                a = d = s / 16384
                off += 2
            elif flags & _WE_HAVE_AN_X_AND_Y_SCALE:
                sx, sy = struct.unpack_from(">hh", data, off)
                a, d = sx / 16384, sy / 16384
                off += 4
            elif flags & _WE_HAVE_A_TWO_BY_TWO:
                m = struct.unpack_from(">hhhh", data, off)
                a, b, c, d = (v / 16384 for v in m)
                off += 8
            for contour in self.contours(component, depth + 1):
                out.append([(a * x + c * y + dx, b * x + d * y + dy, on) for x, y, on in contour])
            if not flags & _MORE_COMPONENTS:
                return out


def _simple(data: bytes, n_contours: int) -> list[Contour]:
    if n_contours == 0:
        return []
    off = 10
    ends = struct.unpack_from(f">{n_contours}H", data, off)
    off += 2 * n_contours
    n_points = ends[-1] + 1
    (instruction_length,) = struct.unpack_from(">H", data, off)
    off += 2 + instruction_length
    flags: list[int] = []
    while len(flags) < n_points:
        flag = data[off]
        off += 1
        flags.append(flag)
        if flag & 0x08:  # repeat
            flags.extend([flag] * data[off])
            off += 1
    del flags[n_points:]
    xs, off = _coordinates(data, off, flags, short_bit=0x02, same_bit=0x10)
    ys, off = _coordinates(data, off, flags, short_bit=0x04, same_bit=0x20)
    contours: list[Contour] = []
    first = 0
    for last in ends:
        contours.append(
            [(float(xs[i]), float(ys[i]), bool(flags[i] & 0x01)) for i in range(first, last + 1)]
        )
        first = last + 1
    return contours


def _coordinates(
    data: bytes, off: int, flags: list[int], *, short_bit: int, same_bit: int
) -> tuple[list[int], int]:
    values: list[int] = []
    v = 0
    for flag in flags:
        if flag & short_bit:
            delta = data[off]
            off += 1
            v += delta if flag & same_bit else -delta
        elif not flag & same_bit:
            (delta,) = struct.unpack_from(">h", data, off)
            off += 2
            v += delta
        values.append(v)
    return values, off


def _n(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:.1f}"


def svg_path(contours: list[Contour]) -> str:
    """SVG path data (font units, y up) for TrueType quadratic contours."""
    parts: list[str] = []
    for contour in contours:
        if not contour:
            continue
        pts = list(contour)
        start_index = next((i for i, p in enumerate(pts) if p[2]), None)
        if start_index is None:
            # All off-curve: the implied on-curve midpoint of the first two starts the contour.
            (x0, y0, _), (x1, y1, _) = pts[0], pts[1 % len(pts)]
            start: Point = ((x0 + x1) / 2, (y0 + y1) / 2, True)
            pts = pts[1:] + pts[:1]  # walk on from point 1 and come back through point 0
        else:
            pts = pts[start_index:] + pts[:start_index]
            start = pts.pop(0)
        parts.append(f"M{_n(start[0])} {_n(start[1])}")
        pending: Point | None = None
        for p in [*pts, start]:
            if p[2]:
                if pending is None:
                    parts.append(f"L{_n(p[0])} {_n(p[1])}")
                else:
                    parts.append(f"Q{_n(pending[0])} {_n(pending[1])} {_n(p[0])} {_n(p[1])}")
                    pending = None
            else:
                if pending is not None:
                    # Two off-curve points in a row imply an on-curve point halfway between.
                    mx, my = (pending[0] + p[0]) / 2, (pending[1] + p[1]) / 2
                    parts.append(f"Q{_n(pending[0])} {_n(pending[1])} {_n(mx)} {_n(my)}")
                pending = p
        parts.append("Z")
    return "".join(parts)
