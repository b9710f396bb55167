"""A small streaming PDF writer: pages go out as they are made; font subsets and xref at the end."""

from __future__ import annotations

import zlib
from array import array
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import BinaryIO, Final

from trace.printing.fonts import FontSubsets, LabelFont
from trace.printing.layout.primitives import Modules, Primitive, Rect, TextRun

MM: Final = 72.0 / 25.4  # points per mm
_CATALOG: Final = 1
_PAGES: Final = 2
_RESOURCES: Final = 3
_INFO: Final = 4
_FIRST_FREE: Final = 5
# Bezier handle length for a quarter circle.
_KAPPA: Final = 0.5522847498
_DEFLATE_LEVEL: Final = 6
_MAX_PENDING_PAGES: Final = 2


def num(v: float) -> str:
    """Compact PDF number: at most 3 decimals, no trailing zeros."""
    if v == int(v):
        return str(int(v))
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def pdf_string(text: str) -> str:
    """A PDF literal string for document info (UTF-16BE with BOM when not ASCII)."""
    if text.isascii():
        esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({esc})"
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class _Counter:
    """Wraps the output stream to know byte offsets without needing tell() (pipes, sockets)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.pos = 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)


class PdfWriter:
    """Writes a PDF incrementally. Memory held: one offset per object and the font subsets.

    Every page refers to one shared /Resources object written last, so pages can be emitted
    before we know which characters (hence which font subsets) the whole document uses.
    """

    def __init__(
        self,
        out: BinaryIO,
        font: LabelFont,
        *,
        title: str = "",
        compress: bool = True,
        background: bool = True,
    ) -> None:
        self._out = _Counter(out)
        self.subsets = FontSubsets(font)
        self._font = font
        self._compress = compress
        self._title = title
        # Eight bytes per object and per page: the only state that grows with the run.
        self._offsets = array("q", [-1] * _FIRST_FREE)
        self._next = _FIRST_FREE
        self._page_refs = array("q")
        self._closed = False
        # Deflating a page takes about as long as laying it out; zlib releases the GIL, so one
        # helper thread compresses page n while page n+1 is built. At most two pages wait.
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-deflate")
            if compress and background
            else None
        )
        self._pending: deque[tuple[int, int, Future[bytes], bytes]] = deque()
        self._out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def __enter__(self) -> PdfWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def abort(self) -> None:
        """Stop without finishing the file (after an error); frees the helper thread."""
        self._closed = True
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @property
    def pages(self) -> int:
        """Pages written so far."""
        return len(self._page_refs)

    def _alloc(self) -> int:
        n = self._next
        self._next += 1
        self._offsets.append(-1)
        return n

    def _stream(self, number: int, data: bytes, extra: str = "", *, deflated: bool = False) -> None:
        if self._compress and not deflated:
            data = zlib.compress(data, _DEFLATE_LEVEL)
        if self._compress:
            extra += " /Filter /FlateDecode"
        self._offsets[number] = self._out.pos
        self._out.write(f"{number} 0 obj\n<< /Length {len(data)}{extra} >>\nstream\n".encode())
        self._out.write(data)  # not concatenated: a page stream can be large
        self._out.write(b"\nendstream\nendobj\n")

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._out.pos
        self._out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def add_page(self, width_mm: float, height_mm: float, content: bytes) -> None:
        """Queue one page with ``content`` (PDF operators, origin bottom-left, units pt)."""
        if self._closed:
            raise RuntimeError("PdfWriter is closed")
        contents = self._alloc()
        page = self._alloc()
        body = (
            f"<< /Type /Page /Parent {_PAGES} 0 R /MediaBox [0 0 {num(width_mm * MM)} "
            f"{num(height_mm * MM)}] /Resources {_RESOURCES} 0 R /Contents {contents} 0 R >>"
        ).encode("ascii")
        self._page_refs.append(page)
        if self._pool is None:
            self._stream(contents, content)
            self._object(page, body)
            return
        self._pending.append(
            (contents, page, self._pool.submit(zlib.compress, content, _DEFLATE_LEVEL), body)
        )
        while len(self._pending) > _MAX_PENDING_PAGES:
            self._write_pending()

    def _write_pending(self) -> None:
        contents, page, future, body = self._pending.popleft()
        self._stream(contents, future.result(), deflated=True)
        self._object(page, body)

    def _write_fonts(self) -> list[tuple[int, int]]:
        refs: list[tuple[int, int]] = []
        font = self._font
        desc = font.descriptor
        for index, code_points in enumerate(self.subsets.subsets):
            base = f"{self.subsets.subset_tag(index)}+{font.ps_name}"
            file_no, cmap_no, desc_no, font_no = (self._alloc() for _ in range(4))
            ttf = font.make_subset(code_points)
            self._stream(file_no, ttf, f" /Length1 {len(ttf)}")
            self._stream(cmap_no, _to_unicode_cmap(code_points))
            bbox = " ".join(str(v) for v in desc.bbox)
            d = (
                f"<< /Type /FontDescriptor /FontName /{base} /Flags {desc.flags} "
                f"/FontBBox [{bbox}] /ItalicAngle {desc.italic_angle} /Ascent {desc.ascent} "
                f"/Descent {desc.descent} /CapHeight {desc.cap_height} /StemV {desc.stem_v} "
                f"/MissingWidth {desc.missing_width} /FontFile2 {file_no} 0 R >>"
            )
            self._object(desc_no, d.encode("ascii"))
            widths = " ".join(str(w) for w in self.subsets.widths(index))
            f = (
                f"<< /Type /Font /Subtype /TrueType /BaseFont /{base} /FirstChar 0 "
                f"/LastChar {len(code_points) - 1} /Widths [{widths}] "
                f"/FontDescriptor {desc_no} 0 R /ToUnicode {cmap_no} 0 R >>"
            )
            self._object(font_no, f.encode("ascii"))
            refs.append((index, font_no))
        return refs

    def close(self) -> int:
        """Write fonts, page tree, catalog and xref; returns the page count. Idempotent."""
        if self._closed:
            return self.pages
        try:
            while self._pending:
                self._write_pending()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
        self._closed = True
        fonts = self._write_fonts()
        font_dict = " ".join(f"/F{i} {n} 0 R" for i, n in fonts)
        self._object(
            _RESOURCES, f"<< /ProcSet [/PDF /Text] /Font << {font_dict} >> >>".encode("ascii")
        )
        kids = " ".join(f"{p} 0 R" for p in self._page_refs)
        self._object(
            _PAGES,
            f"<< /Type /Pages /Count {len(self._page_refs)} /Kids [{kids}] >>".encode("ascii"),
        )
        # /PrintScaling /None: viewers that honour it open the print dialog at 100 % (实际大小),
        # so labels land on the label stock; the calibration rule on each label checks it.
        catalog = (
            f"<< /Type /Catalog /Pages {_PAGES} 0 R /ViewerPreferences << /PrintScaling /None >> >>"
        )
        self._object(_CATALOG, catalog.encode("ascii"))
        info = f"<< /Producer {pdf_string('Dayao Trace label printing')}"
        if self._title:
            info += f" /Title {pdf_string(self._title)}"
        self._object(_INFO, (info + " >>").encode("ascii"))
        xref_at = self._out.pos
        size = self._next
        self._out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode("ascii"))
        for chunk in range(1, size, 4096):  # in chunks: 20 bytes per object adds up
            end = min(chunk + 4096, size)
            rows = "".join(f"{self._offsets[n]:010d} 00000 n \n" for n in range(chunk, end))
            self._out.write(rows.encode("ascii"))
        self._out.write(
            f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R /Info {_INFO} 0 R >>\n"
            f"startxref\n{xref_at}\n%%EOF\n".encode("ascii")
        )
        return self.pages


def _to_unicode_cmap(code_points: list[int]) -> bytes:
    entries = [
        f"<{code:02X}> <{chr(cp).encode('utf-16-be').hex().upper()}>"
        for code, cp in enumerate(code_points)
        if code > 0
    ]
    body = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<00> <FF>",
        "endcodespacerange",
    ]
    # bfchar blocks may hold at most 100 entries each.
    for i in range(0, len(entries), 100):
        block = entries[i : i + 100]
        body.append(f"{len(block)} beginbfchar")
        body.extend(block)
        body.append("endbfchar")
    body += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(body).encode("ascii")


# --- content --------------------------------------------------------------------------------


def _rounded_rect(x: float, y: float, w: float, h: float, r: float) -> str:
    """Path for a rectangle with corner radius ``r`` (pt; y is the bottom edge)."""
    r = min(r, w / 2, h / 2)
    k = r * _KAPPA
    n = num
    return (
        f"{n(x + r)} {n(y)} m {n(x + w - r)} {n(y)} l "
        f"{n(x + w - r + k)} {n(y)} {n(x + w)} {n(y + r - k)} {n(x + w)} {n(y + r)} c "
        f"{n(x + w)} {n(y + h - r)} l "
        f"{n(x + w)} {n(y + h - r + k)} {n(x + w - r + k)} {n(y + h)} {n(x + w - r)} {n(y + h)} c "
        f"{n(x + r)} {n(y + h)} l "
        f"{n(x + r - k)} {n(y + h)} {n(x)} {n(y + h - r + k)} {n(x)} {n(y + h - r)} c "
        f"{n(x)} {n(y + r)} l "
        f"{n(x)} {n(y + r - k)} {n(x + r - k)} {n(y)} {n(x + r)} {n(y)} c h"
    )


class ContentEncoder:
    """Turns primitives into PDF operators for one document, remembering repeated ones.

    Text, marks and rules repeat on every label of a batch; their operators are computed
    once (the cache is bounded so very long runs keep flat memory).
    """

    _LIMIT: Final = 256  # ~15 repeat per label; per-pack lines (No.xxxxxx) just churn through

    def __init__(self, subsets: FontSubsets) -> None:
        self.subsets = subsets
        self._cache: dict[Primitive, str] = {}

    def ops(self, primitives: Iterable[Primitive]) -> list[str]:
        """PDF operators for ``primitives`` (see content_ops)."""
        out: list[str] = []
        cache = self._cache
        for p in primitives:
            if isinstance(p, Modules):
                out.append(_modules_ops(p))
                continue
            op = cache.get(p)
            if op is None:
                if len(cache) >= self._LIMIT:
                    cache.clear()
                op = cache[p] = "\n".join(content_ops((p,), self.subsets))
            if op:
                out.append(op)
        return out


def _modules_ops(p: Modules) -> str:
    if not len(p.rects):
        return ""
    # One transform per symbol lets every rectangle be written in small integers.
    return (
        f"q {p.unit_x_mm * MM:.4f} 0 0 {-p.unit_y_mm * MM:.4f} "
        f"{num(p.x_mm * MM)} {num(-p.y_mm * MM)} cm\n"
        + ("%d %d %d %d re\n" * len(p.rects)) % tuple(p.rects.ravel().tolist())
        + "f Q"
    )


def content_ops(primitives: Iterable[Primitive], subsets: FontSubsets) -> list[str]:
    """PDF operators drawing ``primitives`` in a frame whose origin is the label's top-left
    corner with y pointing up (so the mm y of a primitive is drawn at -y)."""
    ops: list[str] = []
    for p in primitives:
        if isinstance(p, Modules):
            op = _modules_ops(p)
            if op:
                ops.append(op)
        elif isinstance(p, TextRun):
            chunks = subsets.encode(p.text)
            parts = ["BT"]
            if p.white:
                parts.append("1 g 1 G")
            if p.bold:
                # Fill + stroke thickens the strokes: the CJK face has no bold weight.
                parts.append(f"2 Tr {num(p.size_pt * 0.035)} w")
            parts.append(f"{num(p.x_mm * MM)} {num(-p.baseline_mm * MM)} Td")
            for subset, codes in chunks:
                parts.append(f"/F{subset} {num(p.size_pt)} Tf <{codes.hex()}> Tj")
            parts.append("ET")
            if p.white or p.bold:
                ops.append("q " + " ".join(parts) + " Q")
            else:
                ops.append(" ".join(parts))
        elif isinstance(p, Rect):
            x, y = p.x_mm * MM, -(p.y_mm + p.height_mm) * MM
            w, h = p.width_mm * MM, p.height_mm * MM
            path = (
                _rounded_rect(x, y, w, h, p.radius_mm * MM)
                if p.radius_mm > 0
                else f"{num(x)} {num(y)} {num(w)} {num(h)} re"
            )
            if not p.fill and p.stroke_mm <= 0:
                continue
            paint = "B" if p.fill and p.stroke_mm > 0 else "f" if p.fill else "S"
            ops.append(
                f"{num(p.stroke_mm * MM)} w {path} {paint}"
                if p.stroke_mm > 0
                else f"{path} {paint}"
            )
        else:
            pts = " ".join(
                f"{num(x * MM)} {num(-y * MM)} {'m' if i == 0 else 'l'}"
                for i, (x, y) in enumerate(p.points)
            )
            ops.append(f"q 1 J 1 j {num(p.stroke_mm * MM)} w {pts} S Q")
    return ops


def label_frame(x_mm: float, y_mm: float, page_height_mm: float) -> str:
    """Operators moving the origin to a label's top-left corner (PDF y runs upwards)."""
    return f"q 1 0 0 1 {num(x_mm * MM)} {num((page_height_mm - y_mm) * MM)} cm"
